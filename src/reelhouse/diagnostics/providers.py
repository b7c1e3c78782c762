"""The metadata providers: does each accept its configured key, asked once, live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reelhouse.config import ProviderSettings
from reelhouse.diagnostics.findings import Finding, Status
from reelhouse.errors import (
    CredentialsRejectedError,
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)


@dataclass(frozen=True)
class ProviderProbe:
    """One provider: its name in the settings, what it is called, and the live request that
    proves its key (`verify_credentials` of its production client, asked once)."""

    name: str
    label: str
    settings: ProviderSettings
    verify: Callable[[], Awaitable[None]]


async def check_provider(probe: ProviderProbe) -> Finding:
    check = probe.name
    if probe.settings.api_key is None:
        env = f"REELHOUSE_{probe.name.upper()}_API_KEY"
        detail = f"no key ({probe.name}.api_key, {env}): {probe.label} is not asked, "
        detail += "matching uses NFO files and the other providers only"
        return Finding(check, Status.WARN, detail)
    where = str(probe.settings.base_url)
    try:
        await probe.verify()
    except CredentialsRejectedError:
        return Finding(check, Status.FAIL, f"invalid key: {probe.label} refused it (HTTP 401)")
    except UpstreamUnreachableError as exc:
        return Finding(check, Status.SKIPPED, f"offline: cannot connect to {where} ({exc.detail})")
    except RateLimitedError:
        detail = "rate limited (HTTP 429): the key was not judged, try again in a minute"
        return Finding(check, Status.WARN, detail)
    except NotFoundError:
        detail = f"{where} is not {probe.label}'s API: check {probe.name}.base_url"
        return Finding(check, Status.FAIL, detail)
    except (UpstreamUnavailableError, UpstreamResponseError) as exc:
        return Finding(check, Status.WARN, f"{probe.label} did not answer well: {exc.detail}")
    return Finding(check, Status.OK, f"key accepted by {where}")
