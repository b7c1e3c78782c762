"""Tables every content module shares.

Catalogue entries of all kinds (movies, collections, series, seasons, episodes, and whatever a
future module adds) are rows of one ``items`` table, so images, ratings, genres, credits,
translations and file links attach to any of them with a real foreign key. Content modules map
their own classes onto it (single-table inheritance keyed by ``kind``).

Provider ids are unique per kind among live rows; deleted items are soft-deleted (``deleted_at``)
and every such unique index is partial, so the same id can be inserted again after a delete.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.base import Base, IdMixin, check_in
from reelhouse.infra.db.types import utcnow
from reelhouse.kinds import ItemKind


class Provider(StrEnum):
    """Providers with a first-class id column; others go to ``other_ids``."""

    TMDB = "tmdb"
    TVDB = "tvdb"
    IMDB = "imdb"


LIVE = text("deleted_at IS NULL")
MAX_BIGINT = 2**63 - 1
IMDB_ID_PATTERN = re.compile(r"(tt|nm|co|ch|ev)[0-9]{7,12}")


def _live_unique(name: str, *columns: str, where: str = "") -> Index:
    condition = "deleted_at IS NULL" + (f" AND {where}" if where else "")
    return Index(
        name,
        *columns,
        unique=True,
        sqlite_where=text(condition),
        postgresql_where=text(condition),
    )


def _live_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=LIVE, postgresql_where=LIVE)


class Item(IdMixin, Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(check_in("kind", ItemKind), name="kind"),
        CheckConstraint("tmdb_id > 0", name="tmdb_id_positive"),
        CheckConstraint("tvdb_id > 0", name="tvdb_id_positive"),
        CheckConstraint("community_rating BETWEEN 0 AND 10", name="community_rating_range"),
        _live_unique("uq_items_kind_tmdb_id", "kind", "tmdb_id", where="tmdb_id IS NOT NULL"),
        _live_unique("uq_items_kind_tvdb_id", "kind", "tvdb_id", where="tvdb_id IS NOT NULL"),
        _live_unique("uq_items_kind_imdb_id", "kind", "imdb_id", where="imdb_id IS NOT NULL"),
        _live_unique(
            "uq_items_parent_id_index_number",
            "parent_id",
            "index_number",
            where="kind IN ('season', 'episode')",
        ),
        # Listings: every sort users ask for, per kind, with the id as tie-breaker, so keyset
        # pagination stays an index range scan however deep the page, whichever libraries are
        # asked for (the scan checks the library of each row it passes; an index led by the
        # library orders the rows of one library only, and all of them were sorted whole).
        _live_index("ix_items_listing_title", "kind", "sort_title", "id"),
        _live_index("ix_items_listing_year", "kind", "year", "id"),
        _live_index("ix_items_listing_added", "kind", "added_at", "id"),
        _live_index("ix_items_listing_release", "kind", "release_date", "id"),
        _live_index("ix_items_listing_rating", "kind", "community_rating", "id"),
        _live_index("ix_items_listing_runtime", "kind", "runtime_minutes", "id"),
        Index("ix_items_library_id", "library_id"),
        Index("ix_items_sort_title", "sort_title"),
        Index("ix_items_parent_id", "parent_id"),
        Index("ix_items_series_id", "series_id"),
        Index("ix_items_collection_id", "collection_id"),
    )
    __mapper_args__ = {"polymorphic_on": "kind"}  # noqa: RUF012 - SQLAlchemy reads it

    kind: Mapped[ItemKind] = mapped_column(String(16))
    library_id: Mapped[int | None] = mapped_column(
        ForeignKey("libraries.id", ondelete="CASCADE"),
        doc="The library whose scan created the item; none for collections.",
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), doc="Season -> series, episode -> season."
    )
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), doc="Episode -> series, for series-wide reads."
    )
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), doc="Movie -> collection (a TMDb 'set')."
    )

    title: Mapped[str] = mapped_column(Text)
    sort_title: Mapped[str] = mapped_column(Text)
    original_title: Mapped[str | None] = mapped_column(Text)
    original_language: Mapped[str | None] = mapped_column(String(16))
    overview: Mapped[str | None] = mapped_column(Text)
    tagline: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[date | None]
    end_date: Mapped[date | None]
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(32))
    certification: Mapped[str | None] = mapped_column(String(32))
    community_rating: Mapped[float | None] = mapped_column(Float)
    edition: Mapped[str | None] = mapped_column(String(100))
    index_number: Mapped[int | None] = mapped_column(
        Integer, doc="Season number of a season, episode number of an episode."
    )
    parent_index_number: Mapped[int | None] = mapped_column(
        Integer, doc="Season number of an episode."
    )
    absolute_number: Mapped[int | None] = mapped_column(Integer)

    tmdb_id: Mapped[int | None]
    tvdb_id: Mapped[int | None]
    imdb_id: Mapped[str | None] = mapped_column(String(16))
    other_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locked_fields: Mapped[list[str]] = mapped_column(
        default=list, doc="Fields a metadata refresh must not overwrite."
    )

    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    metadata_refreshed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    @validates("title")
    def _keep_sort_title(self, _key: str, value: str) -> str:
        # A sort title someone set by hand (so locked) stays, whatever the title becomes.
        if "sort_title" not in (self.locked_fields or ()):
            self.sort_title = sort_title(value)
        return value

    @validates("imdb_id")
    def _check_imdb_id(self, _key: str, value: str | None) -> str | None:
        return validate_imdb_id(value)

    @validates("tmdb_id", "tvdb_id")
    def _check_numeric_id(self, key: str, value: int | None) -> int | None:
        return validate_numeric_id(key, value)

    def set_locked_fields(self, fields: list[str]) -> None:
        """Make the locked fields these: an unlocked sort title follows the title again."""
        if fields == self.locked_fields:
            return
        self.locked_fields = fields
        if "sort_title" not in fields:
            self.sort_title = sort_title(self.title)


def validate_imdb_id(value: str | None) -> str | None:
    if value is not None and not IMDB_ID_PATTERN.fullmatch(value):
        raise InvalidInputError(f"{value!r} is not an IMDb id", field="imdb_id")
    return value


def validate_numeric_id(field: str, value: int | None) -> int | None:
    """Provider ids are positive 64-bit integers; anything else is refused, never truncated."""
    if value is not None and not 0 < value <= MAX_BIGINT:
        raise InvalidInputError(f"{field} {value} is not a positive 64-bit integer", field=field)
    return value


class Person(IdMixin, Base):
    __tablename__ = "people"
    __table_args__ = (
        Index("uq_people_tmdb_id", "tmdb_id", unique=True),
        Index("uq_people_tvdb_id", "tvdb_id", unique=True),
        Index("uq_people_imdb_id", "imdb_id", unique=True),
        Index("ix_people_sort_name", "sort_name"),
    )

    name: Mapped[str] = mapped_column(Text)
    sort_name: Mapped[str] = mapped_column(Text)
    biography: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None]
    death_date: Mapped[date | None]
    birthplace: Mapped[str | None] = mapped_column(Text)
    tmdb_id: Mapped[int | None]
    tvdb_id: Mapped[int | None]
    imdb_id: Mapped[str | None] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @validates("name")
    def _keep_sort_name(self, _key: str, value: str) -> str:
        self.sort_name = sort_title(value)
        return value

    @validates("imdb_id")
    def _check_imdb_id(self, _key: str, value: str | None) -> str | None:
        return validate_imdb_id(value)

    @validates("tmdb_id", "tvdb_id")
    def _check_numeric_id(self, key: str, value: int | None) -> int | None:
        return validate_numeric_id(key, value)


class CreditRole(StrEnum):
    CAST = "cast"
    CREW = "crew"


class Credit(IdMixin, Base):
    """A person's part in an item: an actor with a character, or crew with a job."""

    __tablename__ = "credits"
    __table_args__ = (
        CheckConstraint(check_in("role", CreditRole), name="role"),
        Index(
            "uq_credits_identity", "item_id", "person_id", "role", "job", "character", unique=True
        ),
        Index("ix_credits_person_id", "person_id"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[CreditRole] = mapped_column(String(8))
    character: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    job: Mapped[str] = mapped_column(String(128), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    person: Mapped[Person] = relationship(lazy="joined")


class Genre(IdMixin, Base):
    __tablename__ = "genres"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class ItemGenre(Base):
    __tablename__ = "item_genres"
    __table_args__ = (Index("ix_item_genres_genre_id", "genre_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True
    )


class Tag(IdMixin, Base):
    """A label an admin (or an NFO's `<tag>`) gives items, beside the provider's genres."""

    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class ItemTag(Base):
    __tablename__ = "item_tags"
    __table_args__ = (Index("ix_item_tags_tag_id", "tag_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class StudioKind(StrEnum):
    STUDIO = "studio"
    NETWORK = "network"


class Studio(IdMixin, Base):
    """A production company or a TV network."""

    __tablename__ = "studios"
    __table_args__ = (
        CheckConstraint(check_in("kind", StudioKind), name="kind"),
        Index("uq_studios_kind_name", "kind", "name", unique=True),
    )

    kind: Mapped[StudioKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    tmdb_id: Mapped[int | None]


class ItemStudio(Base):
    __tablename__ = "item_studios"
    __table_args__ = (Index("ix_item_studios_studio_id", "studio_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    studio_id: Mapped[int] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True
    )


class ImageKind(StrEnum):
    POSTER = "poster"
    BACKDROP = "backdrop"
    LOGO = "logo"
    BANNER = "banner"
    THUMB = "thumb"
    STILL = "still"
    PROFILE = "profile"


class Image(IdMixin, Base):
    """Artwork of an item or a person: where the provider has it and where we stored it."""

    __tablename__ = "images"
    __table_args__ = (
        CheckConstraint(check_in("kind", ImageKind), name="kind"),
        CheckConstraint("(item_id IS NULL) <> (person_id IS NULL)", name="one_owner"),
        CheckConstraint("width > 0 AND height > 0", name="positive_size"),
        Index(
            "uq_images_item_source",
            "item_id",
            "kind",
            "provider",
            "provider_path",
            unique=True,
            sqlite_where=text("item_id IS NOT NULL"),
            postgresql_where=text("item_id IS NOT NULL"),
        ),
        Index(
            "uq_images_person_source",
            "person_id",
            "kind",
            "provider",
            "provider_path",
            unique=True,
            sqlite_where=text("person_id IS NOT NULL"),
            postgresql_where=text("person_id IS NOT NULL"),
        ),
    )

    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[ImageKind] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    provider_path: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    local_path: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    blurhash: Mapped[str | None] = mapped_column(String(128))
    score: Mapped[float | None] = mapped_column(Float)
    selected: Mapped[bool] = mapped_column(default=False)
    source_size: Mapped[int | None] = mapped_column(
        BigInteger, doc="A local image's file size when it was stored (None: a provider's)."
    )
    source_mtime_ns: Mapped[int | None] = mapped_column(
        BigInteger, doc="A local image's modification time (ns) when it was stored."
    )


class Rating(IdMixin, Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("value >= 0 AND value <= max_value", name="value_range"),
        CheckConstraint("votes >= 0", name="votes_not_negative"),
        Index("uq_ratings_item_id_source", "item_id", "source", unique=True),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float, default=10.0)
    votes: Mapped[int | None]


class ItemTranslation(IdMixin, Base):
    """Localized text of an item in one language."""

    __tablename__ = "item_translations"
    __table_args__ = (
        Index("uq_item_translations_item_id_language", "item_id", "language", unique=True),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    overview: Mapped[str | None] = mapped_column(Text)
    tagline: Mapped[str | None] = mapped_column(Text)


class ItemVideo(Base):
    """A provider's video of an item (a trailer on YouTube, say): a link out, never embedded.
    Only sites whose links reelhouse can build are kept (see `content.catalogue.videos`)."""

    __tablename__ = "item_videos"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    site: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class MediaFileItem(Base):
    """Links files to items: a file may hold several episodes, an item may have several files
    (stacked parts, versions), and an extra links to the item it belongs to."""

    __tablename__ = "media_file_items"
    __table_args__ = (Index("ix_media_file_items_item_id", "item_id"),)

    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    extra_type: Mapped[str | None] = mapped_column(
        String(32), doc="Set when the file is an extra (trailer, featurette...) of the item."
    )
    part: Mapped[int | None] = mapped_column(Integer, doc="Stack part number, from 1.")
