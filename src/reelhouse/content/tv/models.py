"""Series, their seasons and episodes."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, relationship

from reelhouse.content.catalogue.models import Item
from reelhouse.kinds import ItemKind


class Series(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.SERIES}  # noqa: RUF012

    seasons: Mapped[list[Season]] = relationship(
        foreign_keys="Season.parent_id",
        back_populates="series",
        lazy="raise",
        order_by="Season.index_number",
    )


class Season(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.SEASON}  # noqa: RUF012

    series: Mapped[Series] = relationship(
        foreign_keys="Season.parent_id",
        remote_side="Series.id",
        back_populates="seasons",
        lazy="raise",
    )
    episodes: Mapped[list[Episode]] = relationship(
        foreign_keys="Episode.parent_id",
        back_populates="season",
        lazy="raise",
        order_by="Episode.index_number",
    )


class Episode(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.EPISODE}  # noqa: RUF012

    season: Mapped[Season] = relationship(
        foreign_keys="Episode.parent_id",
        remote_side="Season.id",
        back_populates="episodes",
        lazy="raise",
    )
