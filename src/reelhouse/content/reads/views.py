"""What catalogue reads return: immutable, serializable snapshots that can live in the cache.

ORM rows never leave a read service: they are tied to a session and cannot be shared between
requests or processes. These frozen structs can, and msgspec encodes them compactly for Redis.
An item and a person are frozen dataclasses instead, which msgspec encodes as well: they are the
API's models too (pydantic reads dataclasses), so their fields are written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Annotated

import msgspec
from pydantic import PlainSerializer

from reelhouse.content.catalogue.models import (
    Credit,
    CreditRole,
    Image,
    Item,
    ItemVideo,
    MediaFileItem,
    Person,
    Provider,
    Rating,
    Studio,
)
from reelhouse.content.catalogue.videos import video_url
from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.libraries.models import MediaFile
from reelhouse.playback.facts import MediaFacts
from reelhouse.playback.repository import StoredProbe
from reelhouse.playback.tracks import SubtitleTrack, subtitle_tracks

#: The cache namespace of every catalogue read (and of what the HTTP layers make of them).
CATALOGUE_NAMESPACE = "catalogue"

#: Provider ids as (provider, id) pairs: a tuple keeps a view immutable, so the cache shares it
#: rather than decoding it per hit; the API writes them as an object.
ProviderIds = Annotated[
    tuple[tuple[str, str], ...], PlainSerializer(dict, return_type=dict[str, str])
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSummary:
    """An item as every reader is shown it (the API's item, field for field). Its fields are
    the `items` columns of the same names, but `provider_ids`: text, since 64-bit ids do not
    survive JSON numbers."""

    id: int
    kind: str
    library_id: int | None
    title: str
    original_title: str | None
    year: int | None
    release_date: date | None
    community_rating: float | None
    runtime_minutes: int | None
    added_at: datetime
    index_number: int | None
    parent_index_number: int | None
    provider_ids: ProviderIds


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemView(ItemSummary):
    """An item as listings, details and search read it: its summary, and where it hangs and
    how it sorts (what pages and invalidation need; the API says those by its routes)."""

    parent_id: int | None
    series_id: int | None
    collection_id: int | None = None
    sort_title: str

    @classmethod
    def of(cls, item: Item) -> ItemView:
        return cls(
            **{name: getattr(item, name) for name in _ITEM_COLUMNS},
            provider_ids=provider_ids(item),
        )


_ITEM_COLUMNS = tuple(f.name for f in fields(ItemView) if f.name != "provider_ids")


def provider_ids(owner: Item | Person) -> tuple[tuple[str, str], ...]:
    """The provider ids an item or a person has, as text."""
    ids = ((p.value, getattr(owner, f"{p.value}_id")) for p in Provider)
    return tuple((name, str(value)) for name, value in ids if value is not None)


class PageView(msgspec.Struct, frozen=True):
    items: tuple[ItemView, ...]
    next_cursor: str | None
    total: int | None


@dataclass(frozen=True, slots=True)
class StudioView:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class RatingView:
    source: str
    value: float
    max_value: float
    votes: int | None


class CreditView(msgspec.Struct, frozen=True):
    """A credit without the person's name: names are cached per person, so that renaming a
    person does not leave every item they appear in stale."""

    person_id: int
    role: str
    character: str
    department: str
    job: str
    order: int


@dataclass(frozen=True, slots=True)
class ImageView:
    id: int
    kind: str
    language: str | None
    width: int | None
    height: int | None
    blurhash: str | None


@dataclass(frozen=True, slots=True)
class VideoView:
    """A provider's trailer of an item, with the link out to it."""

    site: str
    key: str
    kind: str
    name: str
    language: str | None
    url: str

    @classmethod
    def of(cls, video: ItemVideo) -> VideoView | None:
        url = video_url(video.site, video.key)
        if url is None:  # a row from before a site was dropped: not linked to
            return None
        return cls(video.site, video.key, video.kind, video.name, video.language, url)


#: What a caller who may not see server paths is told of a failed probe (its error text names
#: the file where it lies).
UNREADABLE = "the file could not be read"


@dataclass(frozen=True, slots=True)
class FileView:
    id: int
    #: Where the file lies on the server; None as shown to a caller who may not see that.
    path: str | None
    size: int
    container: str | None
    state: str
    part: int | None
    extra_type: str | None
    #: What the probe found in the file, or why it found nothing; both None before a probe.
    media: MediaFacts | None = None
    probe_error: str | None = None
    subtitles: tuple[SubtitleTrack, ...] = ()

    def without_server_paths(self) -> FileView:
        """The file as a caller who may not see server paths is shown it (see
        `Principal.sees_server_paths`): no path, and a failed probe without its text."""
        return replace(self, path=None, probe_error=self.probe_error and UNREADABLE)


class ItemDetailsView(msgspec.Struct, frozen=True, kw_only=True):
    item: ItemView
    overview: str | None
    tagline: str | None
    certification: str | None
    edition: str | None
    status: str | None
    genres: tuple[str, ...]
    studios: tuple[StudioView, ...]
    ratings: tuple[RatingView, ...]
    credits: tuple[CreditView, ...]
    images: tuple[ImageView, ...]
    files: tuple[FileView, ...]
    #: The provider's trailers, to link out to.
    videos: tuple[VideoView, ...] = ()
    #: When a series ended.
    end_date: date | None = None
    #: Labels admins (or NFO files) gave the item.
    tags: tuple[str, ...] = ()
    #: Fields a refresh leaves as they are (an edit by hand locks what it changes).
    locked_fields: tuple[str, ...] = ()

    @property
    def cast(self) -> list[CreditView]:
        return [c for c in self.credits if c.role == CreditRole.CAST]

    @property
    def crew(self) -> list[CreditView]:
        return [c for c in self.credits if c.role == CreditRole.CREW]


class CreditedDetails(msgspec.Struct, frozen=True):
    """An item's details with the current names of the people they credit."""

    details: ItemDetailsView
    names: dict[int, str]


def details_view(
    item: Item,
    *,
    genres: Sequence[str],
    studios: Sequence[Studio],
    ratings: Sequence[Rating],
    credits: Sequence[Credit],
    images: Sequence[Image],
    files: Sequence[tuple[MediaFile, MediaFileItem]],
    probes: Mapping[int, StoredProbe],
    subtitles: Mapping[int, Sequence[UnlinkedFile]],
    videos: Sequence[ItemVideo] = (),
    tags: Sequence[str] = (),
) -> ItemDetailsView:
    return ItemDetailsView(
        item=ItemView.of(item),
        overview=item.overview,
        tagline=item.tagline,
        certification=item.certification,
        edition=item.edition,
        status=item.status,
        genres=tuple(genres),
        studios=tuple(StudioView(s.name, s.kind) for s in studios),
        ratings=tuple(RatingView(r.source, r.value, r.max_value, r.votes) for r in ratings),
        credits=tuple(
            CreditView(c.person_id, c.role, c.character, c.department, c.job, c.sort_order)
            for c in credits
        ),
        images=tuple(
            ImageView(i.id, i.kind, i.language, i.width, i.height, i.blurhash) for i in images
        ),
        files=tuple(
            _file_view(f, link, probes.get(f.id), subtitles.get(f.id, ())) for f, link in files
        ),
        videos=tuple(view for view in map(VideoView.of, videos) if view is not None),
        end_date=item.end_date,
        tags=tuple(tags),
        locked_fields=tuple(sorted(item.locked_fields)),
    )


def _file_view(
    file: MediaFile,
    link: MediaFileItem,
    probe: StoredProbe | None,
    subtitles: Sequence[UnlinkedFile],
) -> FileView:
    facts = probe.facts if probe else None
    return FileView(
        file.id,
        file.path,
        file.size,
        file.container,
        file.state,
        link.part,
        link.extra_type,
        media=facts,
        probe_error=probe.error if probe else None,
        subtitles=subtitle_tracks(facts, subtitles),
    )


@dataclass(frozen=True, slots=True)
class PersonCredit:
    """A person's part in an item the caller may see."""

    role: str
    character: str
    department: str
    job: str
    item: ItemSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonDetails:
    """A person, with their credits in the libraries the caller may see."""

    id: int
    name: str
    biography: str | None
    birth_date: date | None
    death_date: date | None
    birthplace: str | None
    provider_ids: ProviderIds
    credits: tuple[PersonCredit, ...]

    @classmethod
    def of(cls, person: Person, credits: Sequence[PersonCredit]) -> PersonDetails:
        return cls(
            **{name: getattr(person, name) for name in _PERSON_COLUMNS},
            provider_ids=provider_ids(person),
            credits=tuple(credits),
        )


_PERSON_COLUMNS = tuple(
    f.name for f in fields(PersonDetails) if f.name not in ("provider_ids", "credits")
)
