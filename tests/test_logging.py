"""Credentials in URLs never reach a log line: neither ours nor uvicorn's access log, which
writes the whole request line (Jellyfin clients and HLS players put their token there). A load
balancer's health probes answered 200 are left out of the access log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reelhouse.config import LogSettings
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
