"""Every table of reelhouse, gathered for migrations and tests.

Importing the model modules registers their tables on `Base.metadata`: the shared ones here,
each content module's through the registry (a new content module needs no line here).
"""

from reelhouse.content.catalogue import models as catalogue_models
from reelhouse.content.registry import MODULES
from reelhouse.infra.db.base import Base
from reelhouse.infra.jobs import models as job_models
from reelhouse.libraries import models as library_models
from reelhouse.users import models as user_models

metadata = Base.metadata
content_models = tuple(module.models for module in MODULES)

__all__ = [
    "catalogue_models",
    "content_models",
    "job_models",
    "library_models",
    "metadata",
    "user_models",
]
