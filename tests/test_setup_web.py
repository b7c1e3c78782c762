"""The setup wizard of the page, form by form: shown instead of the login while there is no
account, the setup code from another machine, the first admin logged in at once, provider keys
checked live, libraries only of folders the server can read, and the end on the libraries page
with the scans queued; a second browser afterwards finds the login page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from reelhouse.config import ServerSettings
from reelhouse.content.metadata.credentials import KeyedProvider
from reelhouse.testing.fake_providers.server import FakeServer
from tests.setup_support import REMOTE, TMDB_KEY, TVDB_KEY, client_from, keyed_fakes, local_api
from tests.setup_support import wizard_settings as settings_with_fakes
from tests.support import PASSWORD, Api

ADMIN_FORM = {"username": "owner", "password": PASSWORD, "password_repeat": PASSWORD}


@pytest.fixture
def keyed_fake() -> Iterator[FakeServer]:
    with FakeServer(keyed_fakes()) as server:
        yield server


@pytest.fixture
async def wizard(database_url: str, tmp_path: Path, keyed_fake: FakeServer) -> AsyncIterator[Api]:
    """A fresh server without workers, so the scans the wizard starts stay queued."""
    settings = settings_with_fakes(database_url, tmp_path / "data", keyed_fake.url)
    settings = settings.model_copy(update={"server": ServerSettings(run_workers=False)})
    async with local_api(settings) as started:
        yield started


async def post_form(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    """Send a form as the page does, with this browser's CSRF token."""
    if "reelhouse_csrf" not in client.cookies:
        await client.get("/setup")
    return await client.post(path, data={**data, "csrf": client.cookies["reelhouse_csrf"]})


async def test_the_wizard_replaces_the_login_until_an_admin_exists(wizard: Api) -> None:
    client = wizard.client
    assert (await client.get("/")).headers["location"] == "/login?next=%2F"
    login = await client.get("/login")
    assert (login.status_code, login.headers["location"]) == (303, "/setup")
    first = await client.get("/setup")
    assert first.status_code == 200
    assert "Your admin account" in first.text

    differ = await post_form(client, "/setup", {**ADMIN_FORM, "password_repeat": "other pass"})
    assert differ.status_code == 422
    assert "the two passwords differ" in differ.text
    assert 'value="owner"' in differ.text  # the name stays, the passwords do not
    short = await post_form(
        client, "/setup", {**ADMIN_FORM, "password": "x", "password_repeat": "x"}
    )
    assert short.status_code == 422

    created = await post_form(client, "/setup", ADMIN_FORM)
    assert (created.status_code, created.headers["location"]) == (303, "/setup/metadata")
    assert "reelhouse_session" in client.cookies
    assert (await client.get("/setup/metadata")).status_code == 200

    # A second browser: the login page, for the wizard's every step.
    async with client_from(wizard, "127.0.0.1") as second:
        assert (await second.get("/setup")).headers["location"] == "/login"
        assert (await second.get("/login")).status_code == 200
        late = await post_form(second, "/setup", {**ADMIN_FORM, "username": "late"})
        assert (late.status_code, late.headers["location"]) == (303, "/login")
        step = await second.get("/setup/libraries")
        assert step.headers["location"].startswith("/login?next=")
    assert [u.username for u in await wizard.services.users.list_users()] == ["owner"]


async def test_another_machine_types_the_setup_code_first(wizard: Api) -> None:
    async with client_from(wizard, REMOTE) as remote:
        page = await remote.get("/setup")
        assert "Setup code" in page.text
        assert "Your admin account" not in page.text
        refused = await post_form(remote, "/setup", ADMIN_FORM)
        assert refused.status_code == 403
        assert "setup code" in refused.text
        wrong = await post_form(remote, "/setup/code", {"code": "ABCD-EFGH-JKLM"})
        assert wrong.status_code == 403
        assert "wrong or has expired" in wrong.text
        code = await wizard.services.setup.issue_code()
        assert code is not None
        entered = await post_form(remote, "/setup/code", {"code": code})
        assert (entered.status_code, entered.headers["location"]) == (303, "/setup")
        assert "Your admin account" in (await remote.get("/setup")).text
        created = await post_form(remote, "/setup", ADMIN_FORM)
        assert created.headers["location"] == "/setup/metadata"
        assert "reelhouse_setup" not in remote.cookies  # used up, forgotten


async def set_up(wizard: Api) -> httpx.AsyncClient:
    client = wizard.client
    assert (await post_form(client, "/setup", ADMIN_FORM)).status_code == 303
    return client


async def test_metadata_language_is_validated(wizard: Api) -> None:
    client = await set_up(wizard)
    bad = await post_form(client, "/setup/metadata", {"language": "english", "country": "US"})
    assert bad.status_code == 422
    assert 'value="english"' in bad.text
    assert wizard.services.settings.running.metadata.language == "en"  # nothing kept
    good = await post_form(client, "/setup/metadata", {"language": "de", "country": "DE"})
    assert good.headers["location"] == "/setup/providers"
    metadata = wizard.services.settings.running.metadata
    assert (metadata.language, metadata.country) == ("de", "DE")  # taken up at once
    page = await client.get("/setup/metadata")
    assert 'value="de"' in page.text


async def test_provider_keys_are_checked_live(wizard: Api) -> None:
    client = await set_up(wizard)
    checked = await post_form(
        client, "/setup/providers", {"tmdb_key": "wrong", "tvdb_key": TVDB_KEY, "action": "check"}
    )
    assert checked.status_code == 200
    assert "TMDb refused the key (HTTP 401)" in checked.text
    assert "TheTVDB accepted the key" in checked.text
    refused = await post_form(
        client, "/setup/providers", {"tmdb_key": "wrong", "tvdb_key": TVDB_KEY, "action": "save"}
    )
    assert refused.status_code == 422
    assert "skip this step" in refused.text
    running = wizard.services.settings
    assert running.running.tvdb.api_key is None  # nothing half-saved
    saved = await post_form(
        client, "/setup/providers", {"tmdb_key": TMDB_KEY, "tvdb_key": "", "action": "save"}
    )
    assert saved.headers["location"] == "/setup/libraries"
    tmdb_key = running.running.tmdb.api_key
    assert tmdb_key is not None
    assert tmdb_key.get_secret_value() == TMDB_KEY
    assert running.running.tvdb.api_key is None
    # Taken up live: the configured key is the one checked now.
    assert (await wizard.services.provider_keys.check(KeyedProvider.TMDB)).ok
    skipped = await post_form(client, "/setup/providers", {"action": "save"})  # no key: go on
    assert skipped.headers["location"] == "/setup/libraries"


async def test_libraries_need_folders_the_server_can_read(wizard: Api, tmp_path: Path) -> None:
    client = await set_up(wizard)
    (tmp_path / "movies").mkdir()
    missing = await post_form(
        client,
        "/setup/libraries",
        {"name": "Movies", "kind": "movies", "paths": str(tmp_path / "nowhere")},
    )
    assert missing.status_code == 422
    assert f"{tmp_path / 'nowhere'} does not exist" in missing.text
    assert 'value="Movies"' in missing.text
    added = await post_form(
        client,
        "/setup/libraries",
        {"name": "Movies", "kind": "movies", "paths": str(tmp_path / "movies")},
    )
    assert added.headers["location"] == "/setup/libraries?notice=library-added-setup"
    page = await client.get(added.headers["location"])
    assert "Finish and scan" in page.text
    finished = await post_form(client, "/setup/finish", {})
    assert finished.headers["location"] == "/admin/libraries?notice=setup-done"
    libraries = await client.get(finished.headers["location"])
    assert "The first scans are running" in libraries.text
    assert "Scans and other jobs" in libraries.text
    assert "data-job-events=" in libraries.text  # the scan's row follows its progress live
