"""reelhouse: a self-hosted movie and TV library server."""

from importlib.metadata import version

__version__ = version("reelhouse")
