"""Every table of reelhouse, gathered for migrations and tests.

Importing the model modules registers their tables on `Base.metadata`: the shared ones here,
each content module's through the registry, which imports every module (a new content module
needs no line here).
"""

from reelhouse.content import registry
from reelhouse.content.catalogue import models as catalogue_models
from reelhouse.infra.db import markers as marker_models
from reelhouse.infra.db import peers as peer_models
from reelhouse.infra.db.base import Base
from reelhouse.infra.jobs import models as job_models
from reelhouse.ingest.writeback import models as writeback_models
from reelhouse.libraries import models as library_models
from reelhouse.playback import models as playback_models
from reelhouse.server_settings import models as server_settings_models
from reelhouse.users import models as user_models
from reelhouse.watch import models as watch_models

metadata = Base.metadata

__all__ = [
    "catalogue_models",
    "job_models",
    "library_models",
    "marker_models",
    "metadata",
    "peer_models",
    "playback_models",
    "registry",
    "server_settings_models",
    "user_models",
    "watch_models",
    "writeback_models",
]
