"""The foundation of the Jellyfin-compatible API: its ids, the `MediaBrowser` authorization
header, login by name with one token per device, logout, and paths in any case."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from reelhouse.compat.jellyfin.auth import parse_authorization
from reelhouse.compat.jellyfin.ids import IdType, encode_id, parse_id
from reelhouse.content.catalogue.models import MAX_BIGINT
from tests.support import PASSWORD, Api, bearer

DEVICE = {"Client": "Kodi", "Device": "Living room", "DeviceId": "dev-1", "Version": "1.0"}


def mediabrowser(token: str | None = None, **fields: str) -> dict[str, str]:
    values = {**DEVICE, **fields, **({"Token": token} if token else {})}
    line = ", ".join(f'{key}="{value}"' for key, value in values.items())
    return {"Authorization": f"MediaBrowser {line}"}


def dashed(guid: str) -> str:
    return f"{guid[:8]}-{guid[8:12]}-{guid[12:16]}-{guid[16:20]}-{guid[20:]}"


# -- ids -------------------------------------------------------------------------------------

row_ids = st.integers(min_value=1, max_value=MAX_BIGINT)


@given(kind=st.sampled_from(IdType), row_id=row_ids)
def test_ids_read_back_in_every_spelling(kind: IdType, row_id: int) -> None:
    guid = encode_id(kind, row_id)
    assert re.fullmatch(r"[0-9a-f]{32}", guid)
    for spelling in (guid, guid.upper(), dashed(guid), dashed(guid).upper(), f" {guid} "):
        assert parse_id(spelling) == (kind, row_id)


@given(kind=st.sampled_from(IdType), first=row_ids, second=row_ids)
def test_distinct_rows_have_distinct_ids(kind: IdType, first: int, second: int) -> None:
    assert (encode_id(kind, first) == encode_id(kind, second)) == (first == second)
    assert encode_id(IdType.ITEM, first) != encode_id(IdType.LIBRARY, first)


@given(text=st.text(max_size=80))
def test_anything_else_is_no_id(text: str) -> None:
    parsed = parse_id(text)
    if parsed is not None:  # only our own ids parse, and they are written back the same
        assert encode_id(*parsed) == text.strip().lower().replace("-", "")


def test_foreign_and_malformed_ids_are_not_ours() -> None:
    guid = encode_id(IdType.ITEM, 42)
    for text in (
        "f27caa37e5142225cceded48f6553502",  # a real Jellyfin id
        guid[:-1],
        guid + "0",
        guid[:12] + "00ff" + guid[16:],  # an unknown type
        guid[:16] + "0" * 16,  # row 0
        guid[:16] + "f" * 16,  # beyond 64 bits
        f"{guid[:7]}-{guid[7:]}",
        "",
    ):
        assert parse_id(text) is None, text


# -- the MediaBrowser header ----------------------------------------------------------------

keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,15}", fullmatch=True)
values = st.text(st.characters(blacklist_characters='"%\x00', blacklist_categories=("Cs",)))
separators = st.sampled_from([", ", ",", " ", " , ", ",  "])


@given(
    fields=st.dictionaries(keys, values, max_size=6),
    separator=separators,
    scheme=st.sampled_from(["MediaBrowser", "mediabrowser", "Emby"]),
)
def test_the_header_reads_back_what_a_client_wrote(
    fields: dict[str, str], separator: str, scheme: str
) -> None:
    unique = {key.lower(): (key, value) for key, value in fields.items()}
    line = separator.join(f'{key}="{value}"' for key, value in unique.values())
    parsed = parse_authorization(f"{scheme} {line}")
    assert parsed == {key: value for key, (_, value) in unique.items()}


@given(header=st.text(max_size=300))
def test_any_header_parses_or_is_refused_without_error(header: str) -> None:
    parsed = parse_authorization(header)
    assert parsed is None or all(isinstance(v, str) for v in parsed.values())


def test_header_spellings_clients_send() -> None:
    assert parse_authorization('MediaBrowser Token="abc", Client="Jellyfin Web"') == {
        "token": "abc",
        "client": "Jellyfin Web",
    }
    assert parse_authorization("MediaBrowser Client=mpv-shim,Device=Pi,Token=rh_x") == {
        "client": "mpv-shim",
        "device": "Pi",
        "token": "rh_x",
    }
    assert parse_authorization('Emby DeviceId="a%20b", Version="1, beta"') == {
        "deviceid": "a b",
        "version": "1, beta",
    }
    assert parse_authorization("Bearer rh_x") is None
    assert parse_authorization("MediaBrowser") == {}


# -- login, tokens, logout ---------------------------------------------------------------


async def login(api: Api, username: str, **device: str) -> dict[str, object]:
    response = await api.client.post(
        "/Users/AuthenticateByName",
        json={"Username": username, "Pw": PASSWORD},
        headers=mediabrowser(**device),
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_login_gives_one_listed_token_per_device(api: Api) -> None:
    await api.services.users.create_user("ann", PASSWORD)
    first = await login(api, "ann")
    token = str(first["AccessToken"])
    assert first["ServerId"] == first["User"]["ServerId"]  # type: ignore[index]
    assert first["SessionInfo"]["DeviceId"] == "dev-1"  # type: ignore[index]
    listed = (await api.client.get("/api/tokens", headers=bearer(token))).json()
    assert [t["name"] for t in listed] == ["Kodi on Living room"]
    # The same device logs in again: its old token is replaced; another device adds one.
    second = str((await login(api, "ANN"))["AccessToken"])
    other = str((await login(api, "ann", DeviceId="dev-2", Device="Phone"))["AccessToken"])
    assert (await api.client.get("/Users/Me", headers=mediabrowser(token))).status_code == 401
    listed = (await api.client.get("/api/tokens", headers=bearer(second))).json()
    assert sorted(t["name"] for t in listed) == ["Kodi on Living room", "Kodi on Phone"]
    # Every way a client sends its token.
    for headers, params in (
        (mediabrowser(second), {}),
        ({"X-Emby-Authorization": mediabrowser(second)["Authorization"]}, {}),
        ({"X-Emby-Token": second}, {}),
        ({"X-MediaBrowser-Token": second}, {}),
        ({}, {"ApiKey": second}),
        ({}, {"api_key": second}),
    ):
        me = await api.client.get("/Users/Me", headers=headers, params=params)
        assert me.status_code == 200, (headers, params)
        assert me.json()["Name"] == "ann"
    logout = await api.client.post("/Sessions/Logout", headers=mediabrowser(second))
    assert logout.status_code == 204
    assert (await api.client.get("/Users/Me", headers=mediabrowser(second))).status_code == 401
    assert (await api.client.get("/Users/Me", headers=mediabrowser(other))).status_code == 200


async def test_wrong_logins_and_bodies(api: Api) -> None:
    await api.services.users.create_user("bob", PASSWORD)
    for body, status in (
        ({"Username": "bob", "Pw": "wrong"}, 401),
        ({"Username": "nobody", "Pw": PASSWORD}, 401),
        ({"Username": "bob"}, 400),
        ({"Username": 5, "Pw": PASSWORD}, 400),
    ):
        response = await api.client.post(
            "/Users/AuthenticateByName", json=body, headers=mediabrowser()
        )
        assert response.status_code == status, body


async def test_paths_in_any_case_and_users_by_id(api: Api) -> None:
    await api.services.users.create_user("cy", PASSWORD)
    await api.services.users.create_user("di", PASSWORD)
    cy = await login(api, "cy")
    di = await login(api, "di", DeviceId="dev-9")
    headers = mediabrowser(str(cy["AccessToken"]))
    public = await api.client.get("/system/info/public")
    assert public.status_code == 200
    assert public.json()["Id"] == cy["ServerId"]
    info = await api.client.get("/SYSTEM/INFO", headers=headers)
    assert info.json()["ServerName"] == "reelhouse"
    own = await api.client.get(f"/users/{cy['User']['Id']}", headers=headers)  # type: ignore[index]
    assert own.json()["Name"] == "cy"
    other = await api.client.get(f"/Users/{di['User']['Id']}", headers=headers)  # type: ignore[index]
    malformed = await api.client.get("/Users/not-an-id", headers=headers)
    assert (other.status_code, malformed.status_code) == (403, 400)
    assert (await api.client.get("/System/Info")).status_code == 401
