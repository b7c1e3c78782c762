"""Structured logging: JSON lines for machines, readable lines on a terminal (level, local time,
event, key=value; colored unless `NO_COLOR` is set), and an access log as talkative as
`log.access` says."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog

from reelhouse.config import LogSettings

#: Access lines of answers with this status or more are the ones `log.access = "errors"` keeps:
#: a client's mistake (4xx) or ours (5xx), the lines worth reading on a console.
ACCESS_ERROR_STATUS = 400
AccessMode = Literal["all", "errors", "off"]


def configure_logging(settings: LogSettings, stream: TextIO | None = None) -> None:
    """Log to `stream` (standard error by default) as `settings` say."""
    stream = stream or sys.stderr
    level = logging.getLevelName(settings.level.upper())
    as_json = uses_json(settings, stream)
    shared: list[structlog.typing.Processor] = [
        redact_credentials,
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        # A person reads the local time of day; a machine gets the full instant in UTC.
        structlog.processors.TimeStamper(fmt="iso", utc=True)
        if as_json
        else structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
    ]
    renderer = structlog.processors.JSONRenderer() if as_json else _console_renderer(stream)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # Route the standard library's records (uvicorn, SQLAlchemy, alembic) through the same renderer.
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *([structlog.processors.format_exc_info] if as_json else []),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Whatever configured them before (uvicorn's own dictConfig), they go through ours.
        library = logging.getLogger(name)
        library.handlers[:] = []
        library.propagate = True
        library.disabled = False
        library.setLevel(logging.NOTSET)
    access = logging.getLogger("uvicorn.access")
    for old in [f for f in access.filters if isinstance(f, AccessLines)]:
        access.removeFilter(old)
    access.addFilter(AccessLines(access_mode(settings, stream)))
    # Alembic narrates every migration context at INFO; only its problems are worth a line.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))


def uses_json(settings: LogSettings, stream: TextIO) -> bool:
    """JSON when asked, or with `auto` when `stream` is not a terminal (a file, journald, a
    container's log collector)."""
    return settings.format == "json" or (settings.format == "auto" and not stream.isatty())


def access_mode(settings: LogSettings, stream: TextIO) -> AccessMode:
    """What `auto` means here: on a console only the errors (a person watching a terminal does
    not read a line per image request), in JSON every line (a machine keeps and filters them)."""
    if settings.access != "auto":
        return settings.access
    return "all" if uses_json(settings, stream) else "errors"


def wants_color(stream: TextIO) -> bool:
    """Colors only for a terminal, and never when `NO_COLOR` is set to anything (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _console_renderer(stream: TextIO) -> structlog.dev.ConsoleRenderer:
    colors = wants_color(stream)
    return structlog.dev.ConsoleRenderer(
        colors=colors,
        # Rich's tracebacks by default print every frame's locals, credentials included.
        exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
        if colors
        else structlog.dev.plain_traceback,
        pad_event_to=32,
    )


class AccessLines(logging.Filter):
    """Which of uvicorn's access lines are written (`log.access`). The lines of health probes
    answered 200 never are: a load balancer asks every second or so, and each answer that says
    "still fine" is no news."""

    def __init__(self, mode: AccessMode) -> None:
        super().__init__()
        self.mode = mode

    def filter(self, record: logging.LogRecord) -> bool:
        if self.mode == "off":
            return False
        # uvicorn's access record: (client, method, path, HTTP version, status).
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5):
            return True
        path, status = args[2], args[4]
        if not isinstance(status, int):
            return True
        if str(path).startswith("/health/") and status == 200:
            return False
        return self.mode == "all" or status >= ACCESS_ERROR_STATUS


#: Query parameters that carry a credential: Jellyfin and Emby clients put their token in the URL
#: (`api_key`, `ApiKey`), so do HLS players and the access log that records their requests.
_CREDENTIAL_PARAMETER = re.compile(
    r"(?i)([?&;](?:api_?key|access_?token|token|x-(?:emby|mediabrowser)-token|password)=)"
    r"[^&;\s\"']*"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with the value of every credential-bearing query parameter replaced."""
    return _CREDENTIAL_PARAMETER.sub(rf"\g<1>{REDACTED}", text)


def redact_credentials(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A processor that keeps credentials in URLs out of every log line: ours and those of the
    libraries (uvicorn's access log writes the whole request line)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "=" in value:
            event_dict[key] = redact(value)
    return event_dict


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
