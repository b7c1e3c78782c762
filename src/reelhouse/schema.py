"""Every table of reelhouse, gathered for migrations and tests.

Importing the model modules registers their tables on `Base.metadata`; this is the one module
that knows them all (a new content module adds its import here).
"""

from reelhouse.content.movies import models as movie_models
from reelhouse.content.shared import models as shared_models
from reelhouse.content.tv import models as tv_models
from reelhouse.infra.db.base import Base
from reelhouse.infra.jobs import models as job_models
from reelhouse.libraries import models as library_models
from reelhouse.users import models as user_models

metadata = Base.metadata

__all__ = [
    "job_models",
    "library_models",
    "metadata",
    "movie_models",
    "shared_models",
    "tv_models",
    "user_models",
]
