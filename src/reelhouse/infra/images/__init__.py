"""`reelhouse.infra.images`: the content-addressed artwork store (see `store`)."""

from reelhouse.infra.images.store import ImageStore, StoredFile, StoredImage

__all__ = ["ImageStore", "StoredFile", "StoredImage"]
