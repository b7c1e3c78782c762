"""The setup wizard's API on both databases: who may create the first admin (the server's own
machine, as seen through the proxies uvicorn trusts, or anyone with the setup code), that it
happens once however many try at once, live provider-key checks, and the folder browser."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from reelhouse.testing.fake_providers.server import FakeServer
from tests.setup_support import (
    ADMIN,
    REMOTE,
    TMDB_KEY,
    TVDB_KEY,
    assert_problem,
    client_from,
    keyed_fakes,
    local_api,
    wizard_settings,
)
from tests.support import Api, bearer, settings_for


@pytest.fixture
def keyed_fake() -> Iterator[FakeServer]:
    with FakeServer(keyed_fakes()) as server:
        yield server


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """A fresh server, called from its own machine."""
    async with local_api(settings_for(database_url, tmp_path)) as started:
        yield started


@pytest.fixture
async def wizard_api(
    database_url: str, tmp_path: Path, keyed_fake: FakeServer
) -> AsyncIterator[Api]:
    async with local_api(wizard_settings(database_url, tmp_path, keyed_fake.url)) as started:
        yield started


async def test_the_servers_own_machine_sets_it_up_once(api: Api) -> None:
    state = await api.client.get("/api/setup")
    assert state.json() == {"needed": True, "code_required": False}
    created = await api.client.post("/api/setup/admin", json=ADMIN)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = await api.client.get("/api/users/me", headers=bearer(token))
    assert (me.json()["username"], me.json()["is_admin"]) == ("owner", True)
    assert (await api.client.get("/api/setup")).json() == {"needed": False, "code_required": False}
    again = await api.client.post("/api/setup/admin", json={**ADMIN, "username": "other"})
    assert_problem(again, 409, "set up already")


async def test_another_machine_needs_the_setup_code(api: Api) -> None:
    code = await api.services.setup.issue_code()
    assert code is not None
    async with client_from(api, REMOTE) as remote:
        state = await remote.get("/api/setup")
        assert state.json() == {"needed": True, "code_required": True}
        assert_problem(await remote.post("/api/setup/admin", json=ADMIN), 403, "setup code")
        wrong = await remote.post("/api/setup/admin", json=ADMIN, headers={"X-Setup-Code": "NOPE"})
        assert_problem(wrong, 403, "wrong or has expired")
        typed = code.lower().replace("-", " ")  # as a person may type it
        created = await remote.post("/api/setup/admin", json=ADMIN, headers={"X-Setup-Code": typed})
        assert created.status_code == 201, created.text
        reused = await remote.post(
            "/api/setup/admin", json={**ADMIN, "username": "late"}, headers={"X-Setup-Code": code}
        )
        assert_problem(reused, 409, "set up already")
    assert [u.username for u in await api.services.users.list_users()] == ["owner"]


async def test_an_expired_code_is_refused(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path, setup_code_ttl_s=1)
    async with local_api(settings) as api:
        code = await api.services.setup.issue_code()
        await asyncio.sleep(1.1)
        async with client_from(api, REMOTE) as remote:
            late = await remote.post("/api/setup/admin", json=ADMIN, headers={"X-Setup-Code": code})
        assert_problem(late, 403, "wrong or has expired")


async def test_forwarded_addresses_count_only_from_a_trusted_proxy(api: Api) -> None:
    async with client_from(api, REMOTE) as forged:
        # A stranger claiming to be local: uvicorn does not trust it, nor does the wizard.
        response = await forged.post(
            "/api/setup/admin", json=ADMIN, headers={"X-Forwarded-For": "127.0.0.1"}
        )
        assert_problem(response, 403, "setup code")
        forwarded = await forged.post(
            "/api/setup/admin", json=ADMIN, headers={"Forwarded": "for=127.0.0.1"}
        )
        assert_problem(forwarded, 403, "setup code")
    async with client_from(api, "127.0.0.1", "http://evil.example:8420") as rebound:
        # A local browser sent here by another site's page (DNS rebinding) names that site.
        assert_problem(await rebound.post("/api/setup/admin", json=ADMIN), 403, "setup code")
        forwarded_host = await api.client.post(
            "/api/setup/admin", json=ADMIN, headers={"X-Forwarded-Host": "evil.example"}
        )
        assert_problem(forwarded_host, 403, "setup code")
    async with client_from(api, "127.0.0.1") as proxy:
        # The trusted proxy (HAProxy of a cluster, say) forwards a client from elsewhere...
        remote = await proxy.post(
            "/api/setup/admin", json=ADMIN, headers={"X-Forwarded-For": "127.0.0.1, " + REMOTE}
        )
        assert_problem(remote, 403, "setup code")
        # ...or a header it does not read names another machine: not local either.
        real_ip = await proxy.post("/api/setup/admin", json=ADMIN, headers={"X-Real-IP": REMOTE})
        assert_problem(real_ip, 403, "setup code")
        # A browser on the server's machine, through that proxy.
        local = await proxy.post(
            "/api/setup/admin", json=ADMIN, headers={"X-Forwarded-For": "127.0.0.1"}
        )
        assert local.status_code == 201, local.text


async def test_two_processes_at_once_make_one_admin(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path)
    async with local_api(settings) as first, local_api(settings) as second:
        answers = await asyncio.gather(
            *(
                api.client.post("/api/setup/admin", json={**ADMIN, "username": name})
                for api, name in ((first, "ann"), (second, "bob"), (first, "cy"), (second, "di"))
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
        users = await first.services.users.list_users()
        assert [u.is_admin for u in users] == [True]


async def test_a_bad_key_says_why_and_setup_goes_on(wizard_api: Api) -> None:
    async def check(body: dict[str, str]) -> dict[str, str]:
        response = await wizard_api.client.post("/api/setup/provider-keys/check", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    bad = await check({"provider": "tmdb", "api_key": "not-the-key"})
    assert bad["status"] == "invalid"
    assert bad["detail"].startswith("TMDb refused the key (HTTP 401)")
    good = await check({"provider": "tvdb", "api_key": TVDB_KEY})
    assert good == {"provider": "tvdb", "status": "ok", "detail": "TheTVDB accepted the key"}
    assert (await check({"provider": "tmdb"}))["status"] == "missing"  # none configured
    created = await wizard_api.client.post("/api/setup/admin", json=ADMIN)
    assert created.status_code == 201
    # Set up: the checks are an admin's now.
    stranger = await wizard_api.client.post(
        "/api/setup/provider-keys/check", json={"provider": "tmdb", "api_key": TMDB_KEY}
    )
    assert_problem(stranger, 401, "admin")
    admin = await wizard_api.client.post(
        "/api/setup/provider-keys/check",
        json={"provider": "tmdb", "api_key": TMDB_KEY},
        headers=bearer(created.json()["token"]),
    )
    assert admin.json()["status"] == "ok"


async def test_the_folder_browser_lists_subfolders(api: Api, tmp_path: Path) -> None:
    root = tmp_path / "media"
    for name in ("Movies", "tv", ".hidden", "Anime"):
        (root / name).mkdir(parents=True)
    (root / "notes.txt").write_text("not a folder")
    listed = await api.client.get("/api/setup/folders", params={"path": f"{root}/"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["path"], body["parent"], body["more"]) == (str(root), str(tmp_path), 0)
    assert [f["name"] for f in body["folders"]] == ["Anime", "Movies", "tv"]
    assert body["folders"][1] == {"name": "Movies", "path": f"{root}/Movies", "readable": True}
    top = (await api.client.get("/api/setup/folders")).json()
    assert (top["path"], top["parent"]) == ("/", None)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("{root}/absent", "does not exist"),
        ("{root}/notes.txt", "is not a folder"),
        ("relative/path", "is not an absolute folder path"),
        ("{root}/../etc", "must not contain '..'"),
    ],
)
async def test_folders_that_cannot_be_listed_are_refused_with_the_reason(
    api: Api, tmp_path: Path, path: str, reason: str
) -> None:
    (tmp_path / "notes.txt").write_text("x")
    response = await api.client.get(
        "/api/setup/folders", params={"path": path.format(root=tmp_path)}
    )
    assert_problem(response, 422, reason)
    assert response.json()["errors"][0]["field"] == "path"


def test_a_folder_the_server_may_not_read_is_refused(tmp_path: Path) -> None:
    """Permission denied, as the server's user meets it. The tests may run as root, who reads
    anything: the browser then runs in a process without root's power to pass over permissions
    (the capabilities `dac_override` and `dac_read_search`)."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    script = (
        "import asyncio, sys\n"
        "from reelhouse.errors import InvalidInputError\n"
        "from reelhouse.libraries.folders import check_readable, list_folders\n"
        "for run in (list_folders(sys.argv[1], limit=10), check_readable([sys.argv[1]])):\n"
        "    try:\n"
        "        asyncio.run(run)\n"
        "    except InvalidInputError as exc:\n"
        "        print(exc.field, exc.detail)\n"
    )
    powerless = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    command = [*(powerless if os.geteuid() == 0 else []), sys.executable, "-c", script]
    command.append(str(locked))
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    reason = f"{locked} cannot be read by the server (permission denied to the user it runs as)"
    assert out.stdout.splitlines() == [f"path {reason}", f"paths {reason}"]


async def test_once_set_up_the_folders_are_an_admins(api: Api, tmp_path: Path) -> None:
    await api.client.post("/api/setup/admin", json=ADMIN)
    assert_problem(await api.client.get("/api/setup/folders"), 401, "admin")
    plain = await api.token_for("plain")
    refused = await api.client.get("/api/setup/folders", headers=bearer(plain))
    assert refused.status_code == 403
    admin = await api.token_for("second-admin", is_admin=True)
    listed = await api.client.get(
        "/api/setup/folders", params={"path": str(tmp_path)}, headers=bearer(admin)
    )
    assert listed.status_code == 200
    async with client_from(api, REMOTE) as remote:
        # A stranger elsewhere, once set up: nothing to see, whatever code it sends.
        late = await remote.get("/api/setup/folders", headers={"X-Setup-Code": "ABCD"})
        assert late.status_code == 401


async def test_strangers_without_the_code_see_no_folders(api: Api) -> None:
    async with client_from(api, REMOTE) as remote:
        assert_problem(await remote.get("/api/setup/folders"), 403, "setup code")
        check = await remote.post("/api/setup/provider-keys/check", json={"provider": "tvdb"})
        assert_problem(check, 403, "setup code")
        code = await api.services.setup.issue_code()
        assert code is not None
        allowed = await remote.get("/api/setup/folders", headers={"X-Setup-Code": code})
        assert allowed.status_code == 200


async def test_setup_code_input_is_bounded(api: Api) -> None:
    async with client_from(api, REMOTE) as remote:
        huge = await remote.post("/api/setup/admin", json=ADMIN, headers={"X-Setup-Code": "A" * 65})
        assert huge.status_code == 422
