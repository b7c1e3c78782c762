"""Settings: defaults, TOML file, environment, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.config import (
    Settings,
    load_settings,
    mask_url,
    public_view,
    settings_reference,
)
from reelhouse.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reelhouse.toml"
    path.write_text(text)
    return path


def test_defaults_use_sqlite_in_the_data_directory(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == clean_env
    assert settings.database_url == f"sqlite+aiosqlite:///{clean_env / 'reelhouse.db'}"
    assert settings.redis.url is None


def test_file_then_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        clean_env.parent,
        '[server]\nport = 9000\nhost = "::1"\n[tmdb]\napi_key = "from-file"\n',
    )
    monkeypatch.setenv("REELHOUSE_SERVER_PORT", "9100")
    settings = load_settings(path)
    assert settings.server.port == 9100
    assert settings.server.host == "::1"
    assert settings.tmdb.api_key is not None
    assert settings.tmdb.api_key.get_secret_value() == "from-file"


def test_config_file_from_the_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(clean_env.parent, "[jobs]\nconcurrency = 9\n")
    monkeypatch.setenv("REELHOUSE_CONFIG", str(path))
    assert load_settings().jobs.concurrency == 9


@pytest.mark.parametrize(
    ("file_text", "env", "message"),
    [
        ("[server]\nport = 70000\n", {}, "server.port (REELHOUSE_SERVER_PORT)"),
        ("", {"REELHOUSE_DATABASE_POOL_SIZE": "0"}, "database.pool_size"),
        ("", {"REELHOUSE_LOG_LEVEL": "loud"}, "log.level (REELHOUSE_LOG_LEVEL)"),
        ("[server]\nprot = 1\n", {}, "server.prot"),
        ("[nonsense]\nx = 1\n", {}, "setting nonsense"),
        ("", {"REELHOUSE_TMDB_BASE_URL": "not a url"}, "tmdb.base_url"),
        ("", {"REELHOUSE_METADATA_LANGUAGE": "english"}, "metadata.language"),
        ("", {"REELHOUSE_HTTP_CORS_ORIGINS": '["https://app.example/ui"]'}, "http.cors_origins"),
        ("", {"REELHOUSE_WEBHOOKS_SECRET": "short"}, "webhooks.secret"),
    ],
)
def test_a_bad_value_names_the_setting(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    file_text: str,
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="invalid settings") as error:
        load_settings(write(clean_env.parent, file_text))
    assert message in error.value.detail
    assert "\n" not in error.value.detail


def test_missing_unreadable_and_broken_files(clean_env: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(clean_env.parent / "absent.toml")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(clean_env.parent)  # a directory
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(clean_env.parent, "[server\n"))


def test_secrets_are_masked(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELHOUSE_DATABASE_URL", "postgresql+asyncpg://me:hunter2@db/reelhouse")
    monkeypatch.setenv("REELHOUSE_REDIS_URL", "redis://:hunter2@cache:6379/0")
    monkeypatch.setenv("REELHOUSE_TMDB_API_KEY", "hunter2")
    monkeypatch.setenv("REELHOUSE_TVDB_PIN", "hunter2")
    monkeypatch.setenv("REELHOUSE_WEBHOOKS_SECRET", "hunter2" * 3)
    view = public_view(load_settings())
    assert "hunter2" not in repr(view)
    assert view["database"]["url"] == "postgresql+asyncpg://me:***@db/reelhouse"


@given(st.text(), st.text(alphabet=st.characters(blacklist_characters="@/:")))
def test_mask_url_never_shows_the_password(user: str, password: str) -> None:
    user = user.replace("@", "").replace("/", "").replace(":", "")
    url = f"postgresql://{user}:{password}x@host/db"
    assert f":{password}x@" not in mask_url(url)


def test_every_setting_is_documented_and_the_reference_is_current() -> None:
    reference = settings_reference()
    assert "| `database.url` | `REELHOUSE_DATABASE_URL` |" in reference
    for line in reference.splitlines():
        if line.startswith("| `"):
            assert not line.rstrip().endswith("|  |"), f"undocumented: {line}"
    committed = (REPO_ROOT / "docs" / "configuration.md").read_text()
    assert committed == reference, "run `reelhouse config docs > docs/configuration.md`"


def test_settings_are_frozen(clean_env: Path) -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.data_dir = Path("elsewhere")  # type: ignore[misc]
    assert isinstance(settings, Settings)


def test_a_shortest_password_longer_than_the_longest_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_AUTH_MIN_PASSWORD_LENGTH", "20")
    monkeypatch.setenv("REELHOUSE_AUTH_MAX_PASSWORD_LENGTH", "12")
    with pytest.raises(ConfigError, match="min_password_length is longer than"):
        load_settings()
