"""People with their credits, and the genres in use."""

from __future__ import annotations

from datetime import date

import msgspec
from pydantic import BaseModel

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.api.items import ItemOut, item_out
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath

router = token_router(tags=["people"])


class CreditOut(BaseModel):
    role: str
    character: str
    department: str
    job: str
    item: ItemOut


class PersonOut(BaseModel):
    id: int
    name: str
    biography: str | None
    birth_date: date | None
    death_date: date | None
    birthplace: str | None
    provider_ids: dict[str, str]
    credits: list[CreditOut]


class GenreOut(BaseModel):
    name: str
    items: int


@router.get("/people/{person_id}", responses={404: {"description": "No such person."}})
async def get_person(person_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> PersonOut:
    details = await services.people.details(person_id, caller.visible_libraries)
    return PersonOut(
        **msgspec.structs.asdict(details.person),
        credits=[
            CreditOut(
                role=credit.role,
                character=credit.character,
                department=credit.department,
                job=credit.job,
                item=item_out(credit.item),
            )
            for credit in details.credits
        ],
    )


@router.get("/genres")
async def list_genres(caller: CallerDep, services: ServicesDep) -> list[GenreOut]:
    """Genres of the items the caller may see, with how many items have each."""
    counts = await services.people.genres(caller.visible_libraries)
    return [GenreOut(name=name, items=items) for name, items in counts]
