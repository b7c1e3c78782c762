"""The metadata providers: does each accept its configured key, asked once, live (the same
check as the setup wizard's, `reelhouse.content.metadata.credentials`)."""

from __future__ import annotations

from reelhouse.content.metadata.credentials import (
    CredentialStatus,
    KeyedProvider,
    ProviderKeys,
)
from reelhouse.diagnostics.findings import Finding, Status

#: How much each verdict matters here: a wrong key or address is for the admin to fix; no
#: network, a rate limit or a provider's own trouble are not reelhouse's to judge now.
_STATUS = {
    CredentialStatus.OK: Status.OK,
    CredentialStatus.MISSING: Status.WARN,
    CredentialStatus.INVALID: Status.FAIL,
    CredentialStatus.NOT_THE_API: Status.FAIL,
    CredentialStatus.NO_NETWORK: Status.SKIPPED,
    CredentialStatus.RATE_LIMITED: Status.WARN,
    CredentialStatus.UNEXPECTED: Status.WARN,
}
_SAYS = {
    CredentialStatus.INVALID: "invalid key: ",
    CredentialStatus.NO_NETWORK: "offline: ",
    CredentialStatus.RATE_LIMITED: "rate limited: ",
}


async def check_provider(keys: ProviderKeys, provider: KeyedProvider) -> Finding:
    verdict = await keys.check(provider)
    if verdict.status is CredentialStatus.MISSING:
        env = f"REELHOUSE_{provider.value.upper()}_API_KEY"
        detail = f"no key ({provider.value}.api_key, {env}): it is not asked, "
        detail += "matching uses NFO files and the other providers only"
        return Finding(provider.value, Status.WARN, detail)
    says = _SAYS.get(verdict.status, "")
    return Finding(provider.value, _STATUS[verdict.status], says + verdict.detail)
