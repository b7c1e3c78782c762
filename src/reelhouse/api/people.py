"""People with their credits, and the genres in use."""

from __future__ import annotations

from pydantic import BaseModel

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.content.reads.views import PersonDetails
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath

router = token_router(tags=["people"])


class GenreOut(BaseModel):
    name: str
    items: int


@router.get("/people/{person_id}", responses={404: {"description": "No such person."}})
async def get_person(
    person_id: RowIdPath, caller: CallerDep, services: ServicesDep
) -> PersonDetails:
    return await services.people.details(person_id, caller.visible_libraries)


@router.get("/genres")
async def list_genres(caller: CallerDep, services: ServicesDep) -> list[GenreOut]:
    """Genres of the items the caller may see, with how many items have each."""
    counts = await services.people.genres(caller.visible_libraries)
    return [GenreOut(name=name, items=items) for name, items in counts]
