"""Movies and the collections (TMDb "sets") that group them."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, relationship

from reelhouse.content.catalogue.models import Item
from reelhouse.kinds import ItemKind


class Collection(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.COLLECTION}  # noqa: RUF012

    movies: Mapped[list[Movie]] = relationship(
        foreign_keys="Movie.collection_id", back_populates="collection", lazy="raise"
    )


class Movie(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.MOVIE}  # noqa: RUF012

    collection: Mapped[Collection | None] = relationship(
        foreign_keys="Movie.collection_id",
        remote_side="Collection.id",
        back_populates="movies",
        lazy="raise",
    )
