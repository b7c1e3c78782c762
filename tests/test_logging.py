"""Credentials in URLs never reach a log line: neither ours nor uvicorn's access log, which
writes the whole request line (Jellyfin clients and HLS players put their token there). A load
balancer's health probes answered 200 are left out of the access log. On a terminal the lines
are for people (colored unless NO_COLOR), elsewhere JSON; `--log-level` and `--log-format`
override the settings for any command."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from reelhouse.cli import app
from reelhouse.cli.root import CommandLine
from reelhouse.config import CONFIG_ENV_VAR, LogSettings
from reelhouse.infra.logging import REDACTED, configure_logging, get_logger, redact

SECRET = "rh_s3cretTokenValue"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What the configured handler writes, as JSON lines."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(LogSettings(format="json", level="info"))
    written = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:] = handlers
    root.setLevel(level)


class Terminal(io.StringIO):
    """Standard error as a terminal, or as a pipe."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    """Where the logs go: a terminal unless a test says otherwise. The logging set-up as it
    was is restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield Terminal(tty=True)
    root.handlers[:] = handlers
    root.setLevel(level)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _lines(stderr: Terminal, settings: LogSettings) -> list[str]:
    configure_logging(settings, stderr)
    get_logger("test").warning("library folder missing", library="Movies", files=3)
    return stderr.getvalue().splitlines()


def test_a_terminal_gets_colored_lines_for_people(stderr: Terminal) -> None:
    (line,) = _lines(stderr, LogSettings())
    assert ANSI.search(line)
    plain = ANSI.sub("", line)
    assert re.match(r"^\d\d:\d\d:\d\d \[warning *\] library folder missing +", plain)
    assert plain.rstrip().endswith("files=3 library=Movies")


def test_no_color_keeps_the_lines_and_drops_the_colors(
    stderr: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    (line,) = _lines(stderr, LogSettings(format="console"))
    assert not ANSI.search(line)
    assert "[warning" in line
    assert "library=Movies" in line


def test_a_console_asked_for_off_a_terminal_has_no_colors(stderr: Terminal) -> None:
    stderr.tty = False
    (line,) = _lines(stderr, LogSettings(format="console"))
    assert not ANSI.search(line)
    assert "library=Movies" in line


@pytest.mark.parametrize(("tty", "format_"), [(False, "auto"), (True, "json"), (False, "json")])
def test_json_off_a_terminal_or_when_asked(stderr: Terminal, tty: bool, format_: Any) -> None:
    stderr.tty = tty
    (line,) = _lines(stderr, LogSettings(format=format_))
    record = json.loads(line)
    assert record["event"] == "library folder missing"
    assert record["level"] == "warning"
    assert record["library"] == "Movies"
    assert record["timestamp"].endswith("Z")  # the full instant, in UTC


def test_the_level_drops_what_is_below_it(stderr: Terminal) -> None:
    configure_logging(LogSettings(level="error", format="json"), stderr)
    get_logger("test").warning("not shown")
    get_logger("test").error("shown")
    assert [json.loads(line)["event"] for line in stderr.getvalue().splitlines()] == ["shown"]


ACCESS_LINES = [("/api/movies", 200), ("/api/nothing", 404), ("/api/broken", 500)]


@pytest.mark.parametrize(
    ("access", "tty", "logged"),
    [
        ("auto", True, ["/api/nothing", "/api/broken"]),  # a person watches: errors only
        ("auto", False, ["/api/movies", "/api/nothing", "/api/broken"]),  # JSON: every line
        ("all", True, ["/api/movies", "/api/nothing", "/api/broken"]),
        ("errors", False, ["/api/nothing", "/api/broken"]),
        ("off", True, []),
        ("off", False, []),
    ],
)
def test_the_access_log_is_as_talkative_as_asked(
    stderr: Terminal, access: Any, tty: bool, logged: list[str]
) -> None:
    stderr.tty = tty
    configure_logging(LogSettings(access=access), stderr)
    for path, status in [("/health/ready", 200), *ACCESS_LINES]:
        _access(path, status)
    lines = stderr.getvalue().splitlines()
    assert len(lines) == len(logged)
    for line, path in zip(lines, logged, strict=True):
        assert path in line


def test_reconfiguring_replaces_the_access_filter(stderr: Terminal) -> None:
    configure_logging(LogSettings(access="off"), stderr)
    configure_logging(LogSettings(access="all"), stderr)
    _access("/api/movies", 200)
    assert "/api/movies" in stderr.getvalue()


def test_log_options_before_any_command_override_the_settings(
    stderr: Terminal, clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "reelhouse.toml"
    config.write_text('[log]\nlevel = "error"\nformat = "console"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    result = CliRunner().invoke(
        app, ["--log-level", "debug", "--log-format", "json", "config", "show"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["log"] == {
        "level": "debug",
        "format": "json",
        "access": "auto",
    }
    assert logging.getLogger().level == logging.DEBUG  # the command's logging was set up so


def test_a_bad_log_option_is_refused() -> None:
    result = CliRunner().invoke(app, ["--log-level", "loud", "config", "show"])
    assert result.exit_code == 2
    assert "loud" in result.output


def test_the_log_options_reach_the_processes_a_command_starts(tmp_path: Path) -> None:
    line = CommandLine(tmp_path / "r.toml", log_level="debug", log_format=None)
    assert line.environment() == {
        "REELHOUSE_LOG_LEVEL": "debug",
        CONFIG_ENV_VAR: str(tmp_path / "r.toml"),
    }


def test_the_access_log_and_our_own_lines_hide_tokens(json_logs: io.StringIO) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        f"/Videos/1/master.m3u8?PlaySessionId=abc&api_key={SECRET}&x=1",
        "1.1",
        200,
    )
    get_logger("test").info("fetched", url=f"/Items?ApiKey={SECRET}", count=3)
    written = json_logs.getvalue()
    assert SECRET not in written
    assert written.count(REDACTED) == 2
    assert "PlaySessionId=abc" in written  # the rest of the line is kept
    assert "&x=1" in written


def _access(path: str, status: int) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.0", status
    )


def test_answered_health_probes_stay_out_of_the_access_log(json_logs: io.StringIO) -> None:
    _access("/health/ready", 200)
    _access("/health/live", 200)
    _access("/health/ready", 503)
    _access("/api/movies", 200)
    lines = json_logs.getvalue().splitlines()
    assert len(lines) == 2
    assert "/health/ready" in lines[0]
    assert "503" in lines[0]
    assert "/api/movies" in lines[1]


@given(
    st.sampled_from(["api_key", "ApiKey", "API_KEY", "access_token", "token", "X-Emby-Token"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.~%", min_size=8, max_size=60),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz/", max_size=30),
    st.booleans(),
)
def test_no_credential_value_survives(name: str, value: str, path: str, first: bool) -> None:
    assume(value not in path)
    query = f"?{name}={value}&b=2" if first else f"?a=1&{name}={value}"
    redacted = redact(f"GET /{path}{query} HTTP/1.1")
    assert value not in redacted
    assert f"{name}={REDACTED}" in redacted
