"""The HTTP server: where it listens, what requests it accepts, and its logs."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(8420, ge=1, le=65535, description="TCP port the HTTP server listens on.")
    run_workers: bool = Field(
        True,
        description="Run background job workers inside `reelhouse serve` "
        "(turn off when separate `reelhouse worker` processes do the work). Separate "
        "processes need Redis (`redis.url`), through which each hears the others' writes: on "
        "SQLite without Redis only one reelhouse process (`serve`, `worker` or `scan --wait`) "
        "may use the database at a time, and another refuses to start; a `serve` with this "
        "off there runs no job at all.",
    )


_ORIGIN = re.compile(r"^https?://[^/?#\s]+$")


class HttpSettings(Section):
    max_body_bytes: PositiveInt = Field(
        1024 * 1024,
        description="Largest request body accepted; a bigger one is refused with 413 before it "
        "is read (by its `Content-Length`, or as soon as the streamed bytes pass the limit).",
    )
    max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Largest request target and headers accepted; bigger ones are refused with "
        "431, and `reelhouse serve` stops buffering a request head soon past this size.",
    )
    gzip_min_bytes: int = Field(
        1024, ge=0, description="Smallest response body compressed for clients that accept gzip."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (`https://app.example:8443`) whose browser pages may call the API, "
        'or `["*"]` for any; empty sends no CORS headers at all.',
    )
    request_id_max_length: int = Field(
        128,
        ge=32,
        le=1024,
        description="Longest `X-Request-ID` taken from a client (letters, digits, `-_.:`); "
        "another or a longer one is replaced by a generated id.",
    )
    request_deadline_s: PositiveFloat = Field(
        30.0,
        description="Seconds of database work one request may take in all: each of its "
        "transactions runs for what is left (PostgreSQL's `statement_timeout`, lock waits "
        "included; SQLite's busy timeout), and past it the request answers 503 with "
        "`Retry-After`. Jobs are not bound by it.",
    )
    sse_poll_interval_s: PositiveFloat = Field(
        1.0, description="Seconds between reads of a job followed by a server-sent event stream."
    )
    sse_keepalive_s: PositiveFloat = Field(
        15.0,
        description="Seconds without an event after which a job's event stream sends a "
        "keep-alive comment (so proxies keep the connection open).",
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme and host (and port) only, "
                    "such as https://app.example"
                )
        return origins


LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["auto", "json", "console"]


class LogSettings(Section):
    level: LogLevel = Field(
        "info",
        description="Lowest level that is logged; `--log-level` overrides it for one command.",
    )
    format: LogFormat = Field(
        "auto",
        description="`json` for machines, `console` for people (colored unless `NO_COLOR` is "
        "set or standard error is not a terminal); `auto` picks console on a terminal and JSON "
        "otherwise. `--log-format` overrides it for one command.",
    )
    access: Literal["auto", "all", "errors", "off"] = Field(
        "auto",
        description="HTTP access log lines: `all`, `errors` (answers with status 400 or more), "
        "or `off`; `auto` is `errors` on the console and `all` in JSON. Health probes answered "
        "200 are never logged.",
    )
