"""The composition root: the one place where a process's object graph is built.

`open_runtime` builds it once from the settings (database, cache, image store, providers and
their limiters, the invalidation path, the services, the job queue and registry), for whatever
the process runs: the HTTP app (`reelhouse.app`), job workers (`reelhouse worker`) or one CLI
command. Nothing else constructs services; everything else takes them from here.
"""

from reelhouse.bootstrap.runtime import Runtime, open_runtime
from reelhouse.bootstrap.services import Services

__all__ = ["Runtime", "Services", "open_runtime"]
