"""How long a failed job waits before its next attempt: exponential, capped, with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable

from reelhouse.config import JobsSettings


def retry_delay_s(
    attempt: int, settings: JobsSettings, *, rand: Callable[[], float] = random.random
) -> float:
    """Delay after failed attempt number `attempt` (1-based).

    The delay doubles per attempt up to `retry_backoff_max_s`; a `retry_jitter` fraction of it is
    random so that jobs failing together (a provider outage) do not all come back at once.
    """
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, not {attempt}")
    base, ceiling = settings.retry_backoff_base_s, settings.retry_backoff_max_s
    # Past 2**64 the cap has long been reached; stop before the float overflows.
    delay = ceiling if attempt > 64 else min(ceiling, base * 2.0 ** (attempt - 1))
    return delay * (1.0 - settings.retry_jitter * rand())
