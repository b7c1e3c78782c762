"""Settings an admin changes while the server runs: precedence defaults < file < web page <
environment, validation with nothing half-applied, live settings taken up at once by every
process, the others at the next start."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.config import CacheSettings, RedisSettings, Settings, load_settings
from reelhouse.config.editable import EDITABLE, layered, stored_form, value_of
from reelhouse.content.matching.score import MatchQuery
from reelhouse.errors import InvalidInputError, UpstreamUnavailableError
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import ItemKind
from reelhouse.server_settings.repository import StoredSettingsRepository
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE
from tests.cache_support import PrivateRedis
from tests.support import WEBHOOK_SECRET, Api, bearer, ops_settings, running_api
from tests.test_web import csrf, log_in

NEW_SECRET = "a-new-webhook-secret-42"
REAL_STEEL = HANDWRITTEN_BASE + 1  # in the fakes' catalogue


def file_settings(database_url: str, tmp_path: Path, text: str) -> Settings:
    """Settings read from a TOML file, over the tests' own (as a file and options would be)."""
    path = tmp_path / "reelhouse.toml"
    path.write_text(text)
    from_file = load_settings(path)
    return ops_settings(database_url, tmp_path).model_copy(
        update={"metadata": from_file.metadata, "scan": from_file.scan}
    )


async def admin_token(api: Api) -> str:
    return await api.token_for("admin", is_admin=True)


async def states(api: Api, token: str) -> dict[str, dict[str, Any]]:
    answer = await api.client.get("/api/settings", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return {state["key"]: state for state in answer.json()}


async def change(api: Api, token: str, **body: Any) -> Any:
    return await api.client.patch("/api/settings", json=body, headers=bearer(token))


async def webhook_status(api: Api, secret: str) -> int:
    answer = await api.client.post(
        "/api/webhooks/arr", json={"eventType": "Test"}, headers={"X-Webhook-Secret": secret}
    )
    return answer.status_code


async def test_the_web_page_wins_over_the_file_and_the_environment_over_both(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_METADATA_COUNTRY", "FR")
    base = file_settings(database_url, tmp_path, '[metadata]\nlanguage = "de"\ncountry = "DE"\n')
    async with running_api(base) as api:
        token = await admin_token(api)
        shown = await states(api, token)
        assert (shown["metadata.language"]["value"], shown["metadata.language"]["source"]) == (
            "de",
            "file",
        )
        assert shown["metadata.country"]["value"] == "FR"
        assert shown["metadata.country"]["source"] == "environment"
        assert shown["metadata.country"]["locked"] is True
        assert shown["metadata.match_margin"]["source"] == "default"

        answer = await change(api, token, set={"metadata.language": "fr"})
        assert answer.status_code == 200, answer.text
        refused = await change(api, token, set={"metadata.country": "GB"})
        assert refused.status_code == 422
        assert "REELHOUSE_METADATA_COUNTRY" in refused.json()["detail"]

        shown = await states(api, token)
        assert (shown["metadata.language"]["value"], shown["metadata.language"]["source"]) == (
            "fr",
            "web",
        )
        assert api.app.state.settings.metadata.language == "fr"

    # Another start on the same database, with the same file: the web page's value holds.
    async with running_api(base) as api:
        token = (await api.services.users.login("admin", "correct horse battery")).secret
        assert api.app.state.settings.metadata.language == "fr"
        assert api.app.state.settings.metadata.country == "FR"
        answer = await change(api, token, reset=["metadata.language"])
        assert answer.status_code == 200
        shown = {state["key"]: state for state in answer.json()}
        assert (shown["metadata.language"]["value"], shown["metadata.language"]["source"]) == (
            "de",
            "file",
        )
        assert api.app.state.settings.metadata.language == "de"


async def test_a_bad_value_is_refused_naming_it_and_nothing_is_changed(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(ops_settings(database_url, tmp_path)) as api:
        token = await admin_token(api)
        answer = await change(
            api,
            token,
            set={"metadata.country": "GB", "metadata.language": "english", "web.page_size": 0},
        )
        assert answer.status_code == 422
        problem = answer.json()
        assert "metadata.language" in problem["detail"]
        assert "web.page_size" in problem["detail"]
        shown = await states(api, token)
        assert shown["metadata.country"]["value"] == "US"
        assert shown["metadata.country"]["source"] == "default"

        for body, named in (
            ({"set": {"database.url": "sqlite:///elsewhere.db"}}, "database.url"),
            ({"set": {"nonsense.key": 1}}, "nonsense.key"),
            ({"reset": ["server.port"]}, "server.port"),
            ({"set": {"web.page_size": 10}, "reset": ["web.page_size"]}, "web.page_size"),
        ):
            refused = await change(api, token, **body)
            assert refused.status_code == 422, body
            assert named in refused.json()["detail"]


async def test_live_settings_are_taken_up_at_once_and_others_at_the_next_start(
    database_url: str, tmp_path: Path
) -> None:
    settings = ops_settings(database_url, tmp_path)
    async with running_api(settings) as api:
        token = await admin_token(api)
        assert await webhook_status(api, WEBHOOK_SECRET) == 200
        answer = await change(
            api,
            token,
            set={"webhooks.secret": NEW_SECRET, "tmdb.api_key": "k" * 32, "scan.watch": False},
        )
        assert answer.status_code == 200, answer.text
        shown = {state["key"]: state for state in answer.json()}
        # A secret is never shown, only that it is set.
        assert shown["webhooks.secret"]["value"] is True
        assert NEW_SECRET not in answer.text
        assert await webhook_status(api, NEW_SECRET) == 200
        assert await webhook_status(api, WEBHOOK_SECRET) == 401
        assert shown["scan.watch"]["restart_pending"] is True
        assert api.app.state.settings.scan.watch is True
        assert shown["webhooks.secret"]["restart_pending"] is False

    async with running_api(settings) as api:
        token = (await api.services.users.login("admin", "correct horse battery")).secret
        assert api.app.state.settings.scan.watch is False
        shown = await states(api, token)
        assert shown["scan.watch"]["restart_pending"] is False
        assert await webhook_status(api, NEW_SECRET) == 200


async def test_another_process_takes_up_a_change_through_the_channel(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    async with AsyncExitStack() as stack:
        apps = []
        for name in ("a", "b"):
            settings = ops_settings(database_url, tmp_path / name).model_copy(
                update={
                    "redis": RedisSettings(url=redis_url),
                    "cache": CacheSettings(key_prefix=cache_prefix),
                }
            )
            apps.append(await stack.enter_async_context(running_api(settings)))
        first, second = apps
        for api in apps:
            await eventually(lambda api=api: api.app.state.cache.hears_invalidations)
        token = await admin_token(first)
        assert await webhook_status(second, WEBHOOK_SECRET) == 200
        answer = await change(first, token, set={"webhooks.secret": NEW_SECRET})
        assert answer.status_code == 200
        await eventually(
            lambda: second.app.state.settings.webhooks.secret.get_secret_value() == NEW_SECRET
        )
        assert await webhook_status(second, NEW_SECRET) == 200
        assert await webhook_status(second, WEBHOOK_SECRET) == 401


async def test_a_change_whose_message_was_lost_is_taken_up_once_the_channel_is_back(
    database_url: str,
    tmp_path: Path,
    private_redis: PrivateRedis,
    open_database: Callable[[str], Database],
) -> None:
    settings = ops_settings(database_url, tmp_path).model_copy(
        update={
            "redis": RedisSettings(url=private_redis.url, timeout_s=0.25, retry_after_s=0.2),
            "cache": CacheSettings(pubsub_ping_s=0.5),
        }
    )
    async with running_api(settings) as api:
        await eventually(lambda: api.app.state.cache.hears_invalidations)
        # Another process's change whose message never came: stored, and nothing published.
        async with open_database(database_url).transaction() as session:
            await StoredSettingsRepository(session).save({"webhooks.secret": NEW_SECRET}, by="x")
        # This process's subscription is lost, and made again.
        raw = redis.Redis.from_url(private_redis.url)
        try:
            await raw.client_kill_filter(_type="pubsub")
        finally:
            await raw.aclose()
        await eventually(
            lambda: api.app.state.settings.webhooks.secret.get_secret_value() == NEW_SECRET
        )


async def test_a_provider_key_set_in_the_page_is_used_from_then_on(
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    provider_settings: Callable[..., Settings],
) -> None:
    fake.tmdb_api_key = "the-right-key-0123456789"
    providers = provider_settings()
    settings = ops_settings(database_url, tmp_path).model_copy(
        update={"tmdb": providers.tmdb.model_copy(update={"api_key": None})}
    )
    query = MatchQuery("Real Steel", ItemKind.MOVIE, 2011)
    async with running_api(settings) as api:
        token = await admin_token(api)
        enricher = api.services.control.enricher
        assert not (await enricher.rank(query)).ranked  # no key: no TMDb at all

        assert (await change(api, token, set={"tmdb.api_key": "a-wrong-key"})).status_code == 200
        with pytest.raises(UpstreamUnavailableError, match="rejected the credentials"):
            await enricher.rank(query)

        assert (
            await change(api, token, set={"tmdb.api_key": fake.tmdb_api_key})
        ).status_code == 200
        best = (await enricher.rank(query)).ranked[0]
        assert (best.candidate.title, best.candidate.ids.tmdb) == ("Real Steel", REAL_STEEL)


async def test_the_settings_page_saves_what_changed_only(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_METADATA_COUNTRY", "FR")
    base = file_settings(database_url, tmp_path, '[metadata]\nlanguage = "de"\n')
    async with running_api(base) as api:
        await log_in(api, "admin", is_admin=True)
        page = await api.client.get("/admin/settings")
        assert page.status_code == 200
        assert re.search(r'id="setting-metadata.country"[^>]*disabled', page.text)
        assert "locked: environment" in page.text
        assert WEBHOOK_SECRET not in page.text  # a secret is never sent to the browser

        # The page sent back as it was shown, but for one value and the secret kept blank.
        form = {"csrf": csrf(api.client), "metadata.language": "it", "scan.watch": "true"}
        for state in await api.services.settings.states():
            if state.kind not in ("bool", "secret") and not state.locked:
                form.setdefault(state.key, "" if state.value is None else str(state.value))
        saved = await api.client.post("/admin/settings", data=form)
        assert saved.status_code == 303, saved.text
        stored = {s.key: s for s in await api.services.settings.states() if s.source == "web"}
        assert set(stored) == {"metadata.language"}
        assert api.app.state.settings.webhooks.secret.get_secret_value() == WEBHOOK_SECRET

        refused = await api.client.post(
            "/admin/settings", data=form | {"web.page_size": "lots", "metadata.language": "es"}
        )
        assert refused.status_code == 422
        assert "web.page_size" in refused.text
        assert api.app.state.settings.metadata.language == "it"  # nothing half-applied

        reset = await api.client.post(
            "/admin/settings/reset", data={"csrf": csrf(api.client), "key": "metadata.language"}
        )
        assert reset.status_code == 303
        assert api.app.state.settings.metadata.language == "de"


async def eventually(check: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
)


@given(key=st.sampled_from(sorted(EDITABLE)), value=_values)
def test_any_value_of_any_setting_is_taken_as_validated_or_refused_naming_it(
    key: str, value: Any
) -> None:
    base = Settings()
    try:
        changed = layered(base, {key: value})
    except InvalidInputError as exc:
        refused = exc.detail
    else:
        refused = None
    if refused is not None:
        assert key in refused
        return
    # What is stored is what runs: the stored form reads back to the same value.
    again = layered(base, {key: stored_form(changed, key)})
    assert value_of(again, key) == value_of(changed, key)
