"""People are shown to those who see a credit of theirs (issue 19, item 7): their details and
photo, by id, through the API, the web page and the Jellyfin API alike, on both databases. A
person nobody can see answers as one who does not exist (ids do not leak)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from reelhouse.compat.jellyfin.ids import IdType, encode_id
from reelhouse.content.catalogue.models import CreditRole, Image, ImageKind
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import SeriesRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.server import FakeServer
from tests.support import PASSWORD, Api, bearer
from tests.test_jellyfin_auth import mediabrowser
from tests.test_web import log_in


@dataclass(frozen=True)
class Seeded:
    movies: int
    tv: int
    heat: int
    pacino: int  # credited in Heat (Movies), with a photo
    ganz: int  # credited only on a deleted series (TV)


async def seed(api: Api, fake_server: FakeServer) -> Seeded:
    photo = await api.services.images.store.fetch(f"{fake_server.url}/t/p/original/p1.jpg")
    async with api.services.users.database.transaction() as session:
        movies_lib = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
        heat = await MovieRepository(session).add(
            Movie(library_id=movies_lib.id, title="Heat", year=1995)
        )
        gone = await SeriesRepository(session).add(Series(library_id=tv_lib.id, title="Gone"))
        people = PeopleRepository(session)
        pacino = await people.upsert_by_tmdb_id(1158, "Al Pacino")
        ganz = await people.upsert_by_tmdb_id(2310, "Bruno Ganz")
        await people.set_credits(
            heat.id, [CreditInput(pacino.id, CreditRole.CAST, character="Hanna")]
        )
        await people.set_credits(
            gone.id, [CreditInput(ganz.id, CreditRole.CAST, character="Damiel")]
        )
        await SeriesRepository(session).soft_delete(gone.id)
        session.add(
            Image(
                person_id=pacino.id,
                kind=ImageKind.PROFILE,
                provider="tmdb",
                provider_path="/p1.jpg",
                local_path=photo.path,
                width=photo.width,
                height=photo.height,
                selected=True,
            )
        )
    return Seeded(movies_lib.id, tv_lib.id, heat.id, pacino.id, ganz.id)


async def user_with(api: Api, name: str, libraries: list[int]) -> str:
    user = await api.services.users.create_user(name, PASSWORD)
    await api.services.users.set_user_libraries(user.id, libraries)
    return (await api.services.users.login(name, PASSWORD)).secret


async def answers(client: httpx.AsyncClient, token: str, person_id: int) -> dict[str, int]:
    """The status of each way of reading a person by id."""
    jellyfin_id = encode_id(IdType.PERSON, person_id)
    asked = {
        "api": ("/api/people/{}", bearer(token), person_id),
        "api photo": ("/api/people/{}/images/profile", bearer(token), person_id),
        "jellyfin": ("/Persons/{}", mediabrowser(token), jellyfin_id),
        "jellyfin photo": ("/Items/{}/Images/Primary", mediabrowser(token), jellyfin_id),
    }
    found = {}
    for name, (path, headers, row_id) in asked.items():
        found[name] = (await client.get(path.format(row_id), headers=headers)).status_code
    return found


SEEN = {"api": 200, "api photo": 200, "jellyfin": 200, "jellyfin photo": 200}
UNSEEN = {"api": 404, "api photo": 404, "jellyfin": 404, "jellyfin photo": 404}


async def test_a_person_is_shown_only_to_those_who_see_a_credit_of_theirs(
    api: Api, fake_server: FakeServer
) -> None:
    seeded = await seed(api, fake_server)
    admin = await api.token_for("root", is_admin=True)
    nobody = await user_with(api, "nobody", [])
    movie_fan = await user_with(api, "fan", [seeded.movies])
    tv_fan = await user_with(api, "tvfan", [seeded.tv])

    assert await answers(api.client, admin, seeded.pacino) == SEEN
    assert await answers(api.client, movie_fan, seeded.pacino) == SEEN
    assert await answers(api.client, nobody, seeded.pacino) == UNSEEN
    assert await answers(api.client, tv_fan, seeded.pacino) == UNSEEN
    # A credit on a deleted item shows the person to no one but admins.
    assert (await answers(api.client, tv_fan, seeded.ganz))["api"] == 404
    assert (await answers(api.client, admin, seeded.ganz))["api"] == 200
    # Hidden and absent answer alike.
    hidden = await api.client.get(f"/api/people/{seeded.pacino}", headers=bearer(nobody))
    absent = await api.client.get("/api/people/999999", headers=bearer(nobody))
    assert hidden.json()["detail"] == absent.json()["detail"].replace("999999", str(seeded.pacino))


async def test_the_web_page_of_a_person_follows_the_same_rule(
    api: Api, fake_server: FakeServer
) -> None:
    seeded = await seed(api, fake_server)
    await log_in(api, "nobody")  # granted no library
    page = await api.client.get(f"/people/{seeded.pacino}")
    assert page.status_code == 404
    assert "Al Pacino" not in page.text
    photo = await api.client.get(f"/api/people/{seeded.pacino}/images/profile")
    assert photo.status_code == 404
