"""The one error model of reelhouse (house rule 4).

Domain errors say *what* went wrong; `reelhouse.http.problems` alone decides how each one looks on
the wire (RFC 9457 problem+json), so services and repositories never think in HTTP statuses.
"""

from __future__ import annotations


class ReelhouseError(Exception):
    """Base of every error reelhouse raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigError(ReelhouseError):
    """A setting, the config file or the environment is wrong; the message says what to fix."""


class DomainError(ReelhouseError):
    """An error a caller of a service can act on."""


class NotFoundError(DomainError):
    """The entity asked for does not exist (or was deleted)."""


class ConflictError(DomainError):
    """The change collides with stored state, e.g. a provider id already used by another item."""


class InvalidInputError(DomainError):
    """Input from outside failed validation; `field` names the offending value when known."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class TooLargeError(InvalidInputError):
    """Input from outside is larger than a setting allows (an uploaded image's bytes)."""


class MalformedRequestError(InvalidInputError):
    """Input refused as a protocol that answers 400 to it (Jellyfin's) refuses it, rather than
    with the native API's 422."""


class AuthenticationError(DomainError):
    """The caller did not prove who they are (no, unknown, expired or revoked credentials)."""


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this."""


class UpstreamUnavailableError(DomainError):
    """A provider or backing service is down, timing out, or its circuit breaker is open;
    `retry_after_s`, when known, says how long trying again is pointless."""

    def __init__(self, detail: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class UpstreamUnreachableError(UpstreamUnavailableError):
    """No connection to a provider could be made (no network, no such host, refused): nothing
    was asked, so nothing is known of its answer."""


class CredentialsRejectedError(UpstreamUnavailableError):
    """A provider refused the configured credentials (HTTP 401): an API key or PIN is wrong,
    and asking again will not help until the settings change."""


class BusyError(UpstreamUnavailableError):
    """A limit of this server is reached (every streaming slot taken): a 503 with Retry-After,
    like an unavailable upstream, though the cause is here."""


class UpstreamResponseError(DomainError):
    """A provider answered, but the answer is unusable: malformed, mistyped, too big, looping."""


class RateLimitedError(DomainError):
    """Too many requests; `retry_after_s` says when trying again makes sense."""

    def __init__(self, detail: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class DatabaseUnavailableError(UpstreamUnavailableError):
    """The database cannot be reached."""


class SchemaMismatchError(ReelhouseError):
    """The database schema is not the one this code expects (older, or newer than the code)."""


class DatabaseIncompleteError(ReelhouseError):
    """The database holds a copy that did not finish (`reelhouse db copy`): it is not served."""


class DatabaseCopyError(ReelhouseError):
    """`reelhouse db copy` refused to start, or stopped: the detail says why and what to do."""


class BackupError(ReelhouseError):
    """`reelhouse backup` or `restore` refused, or stopped: the detail says why and what to do."""


class ProgramError(DomainError):
    """A child program (ffprobe, ffmpeg) did not do its job; `program` names it. The subclasses
    below also derive from the upstream errors they are a case of, so the API maps them to the
    right status without knowing about programs."""

    def __init__(self, program: str, detail: str) -> None:
        super().__init__(f"{program}: {detail}")
        self.program = program


class ProgramUnavailableError(ProgramError, UpstreamUnavailableError):
    """The program is not installed or cannot be started: nothing is known about the file, and
    trying other files is pointless until the setting or the machine is fixed."""


class ProgramTimeoutError(ProgramError, UpstreamUnavailableError):
    """The program ran longer than its deadline and was killed."""


class ProgramFailedError(ProgramError, UpstreamResponseError):
    """The program ran and failed (usually the file is corrupt or truncated), printed more than
    its cap, or printed something unusable; the detail carries its reason."""
