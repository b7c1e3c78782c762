"""Movies and the collections (TMDb "sets") that group them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reelhouse.content.catalogue.models import Item
from reelhouse.infra.db.base import Base
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


class CollectionPart(Base):
    """A movie the provider lists in a collection, whether the catalogue has it or not: what
    tells a collection's missing movies from those in a library."""

    __tablename__ = "collection_parts"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    tmdb_id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
