"""Structured logging: JSON lines for machines, readable lines on a terminal."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from reelhouse.config import LogSettings


def configure_logging(settings: LogSettings) -> None:
    level = logging.getLevelName(settings.level.upper())
    as_json = settings.format == "json" or (settings.format == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.typing.Processor] = [
        redact_credentials,
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # Route the standard library's records (uvicorn, SQLAlchemy, alembic) through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
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
    logging.getLogger("uvicorn.access").addFilter(_QUIET_PROBES)
    # Alembic narrates every migration context at INFO; only its problems are worth a line.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))


class _AnsweredProbes(logging.Filter):
    """Drops the access lines of health probes answered 200: a load balancer asks every second
    or so, and each answer that says "still fine" is no news."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client, method, path, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            path, status = args[2], args[4]
            return not (str(path).startswith("/health/") and status == 200)
        return True


_QUIET_PROBES = _AnsweredProbes()


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
