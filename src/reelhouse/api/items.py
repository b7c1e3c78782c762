"""What every content route shares: listing parameters and item payloads."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from reelhouse.api.query import QueryModel
from reelhouse.content.catalogue.listing import (
    VIEWER_SORTS,
    Cursor,
    ItemFilter,
    PageRequest,
    SortField,
)
from reelhouse.content.reads.items import ItemCatalogue
from reelhouse.content.reads.views import (
    CreditedDetails,
    FileView,
    ImageView,
    ItemDetailsView,
    ItemSummary,
    PageView,
    RatingView,
    StudioView,
    VideoView,
)
from reelhouse.http.deps import encoded_bodies
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import NO_NUL, Instant, RowId
from reelhouse.playback.facts import ResolutionClass
from reelhouse.users.service import Principal

MAX_PAGE_SIZE = 200
T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


class CastOut(BaseModel):
    person_id: int
    name: str
    character: str
    order: int


class CrewOut(BaseModel):
    person_id: int
    name: str
    department: str
    job: str


@dataclass(frozen=True, kw_only=True)
class ItemDetailOut(ItemSummary):
    """An item's details: its summary, what the details view holds, and the credited people
    with their names."""

    sort_title: str
    overview: str | None
    tagline: str | None
    certification: str | None
    edition: str | None
    status: str | None
    end_date: date | None
    genres: list[str]
    studios: list[StudioView]
    tags: list[str]
    #: Fields a refresh leaves as they are.
    locked_fields: list[str]
    ratings: list[RatingView]
    cast: list[CastOut]
    crew: list[CrewOut]
    images: list[ImageView]
    files: list[FileView]
    extras: list[FileView]
    trailers: list[VideoView]


class ListingQuery(BaseModel):
    """A listing's query parameters: filters, then sort and page."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    library_id: list[RowId] | None = Field(None, max_length=100)
    genre: str | None = Field(None, min_length=1, max_length=100, pattern=NO_NUL)
    year_min: int | None = Field(None, ge=1800, le=3000)
    year_max: int | None = Field(None, ge=1800, le=3000)
    rating_min: float | None = Field(None, ge=0, le=10)
    rating_max: float | None = Field(None, ge=0, le=10)
    has_file: bool | None = None
    matched: bool | None = None
    added_since: Instant | None = None
    person_id: RowId | None = None
    collection_id: RowId | None = Field(None, description="Movies of this collection.")
    resolution: ResolutionClass | None = Field(
        None, description="Items with a file of this resolution class."
    )
    hdr: bool | None = Field(None, description="Items with (or without) an HDR file.")
    min_channels: int | None = Field(
        None, ge=1, le=64, description="Items with a file of at least this many audio channels."
    )
    played: bool | None = Field(
        None,
        description="Items the caller has (or has not) played; a season or series when "
        "all of its episodes are.",
    )
    in_progress: bool | None = Field(None, description="Items the caller can resume.")
    favourite: bool | None = Field(None, description="The caller's favourites.")
    sort: SortField = SortField.TITLE
    order: Literal["asc", "desc"] = "asc"
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, max_length=1024)
    include_total: bool = False


LISTING_QUERY = QueryModel(ListingQuery)


async def listing(request: Request) -> tuple[ItemFilter, PageRequest]:
    """Listing query parameters, validated here so services get typed values only; a listing
    route documents them with `openapi_extra=LISTING_QUERY.openapi` (`async`, though it awaits
    nothing, so FastAPI calls it in the event loop, not in a thread)."""
    query = LISTING_QUERY.parse(request)
    filters = ItemFilter(
        library_ids=frozenset(query.library_id) if query.library_id else None,
        genres=frozenset({query.genre}) if query.genre is not None else None,
        year_min=query.year_min,
        year_max=query.year_max,
        rating_min=query.rating_min,
        rating_max=query.rating_max,
        has_file=query.has_file,
        matched=query.matched,
        added_since=query.added_since,
        person_ids=frozenset({query.person_id}) if query.person_id is not None else None,
        collection_ids=(
            frozenset({query.collection_id}) if query.collection_id is not None else None
        ),
        resolution=query.resolution.value if query.resolution else None,
        hdr=query.hdr,
        min_channels=query.min_channels,
        played=query.played,
        in_progress=query.in_progress,
        favourite=query.favourite,
    )
    page = PageRequest(
        sort=query.sort,
        descending=query.order == "desc",
        limit=query.limit,
        after=Cursor.decode(query.cursor) if query.cursor else None,
        include_total=query.include_total,
    )
    return filters, page


ListingDep = Annotated[tuple[ItemFilter, PageRequest], Depends(listing)]


_PAGE_JSON = TypeAdapter(PageOut[ItemSummary])


def page_json(page: PageView) -> bytes:
    return _PAGE_JSON.dump_json(
        PageOut[ItemSummary](items=list(page.items), next_cursor=page.next_cursor, total=page.total)
    )


#: The form the API keeps its answers in: JSON, gzipped when large enough.
API_JSON = "api-json+gzip"


async def listing_response(
    catalogue: ItemCatalogue[Any],
    params: tuple[ItemFilter, PageRequest],
    caller: Principal,
    request: Request,
) -> JSONBody:
    """A page of a listing as the API's JSON, cached in that form and gzipped (a warm page costs
    a lookup). A listing that reads the caller's watch state is the caller's own."""
    filters, page = params
    if filters.by_viewer or page.sort in VIEWER_SORTS:
        filters = replace(filters, viewer_id=caller.user.id)
    body = await encoded_bodies(request).get(
        catalogue.listing(filters, page, caller.visible_libraries), API_JSON, page_json
    )
    return JSONBody.encoded(body, request)


_DETAIL_JSON = TypeAdapter(ItemDetailOut)
#: The form of an item's details shown to callers who may not see server paths.
API_JSON_WITHOUT_PATHS = "api-json-without-paths+gzip"


def detail_json(credited: CreditedDetails) -> bytes:
    return _DETAIL_JSON.dump_json(detail_out(credited.details, credited.names))


def detail_json_without_paths(credited: CreditedDetails) -> bytes:
    return _DETAIL_JSON.dump_json(detail_out(credited.details, credited.names, server_paths=False))


async def detail_response(
    catalogue: ItemCatalogue[Any], item_id: int, caller: Principal, request: Request
) -> JSONBody:
    """An item's details with the credited people's current names, cached as the API's JSON
    and gzipped: one form with the files' paths for admins, one without for everyone else."""
    read = await catalogue.credited(item_id, caller.visible_libraries)
    bodies = encoded_bodies(request)
    if caller.sees_server_paths:
        body = await bodies.get(read, API_JSON, detail_json)
    else:
        body = await bodies.get(read, API_JSON_WITHOUT_PATHS, detail_json_without_paths)
    return JSONBody.encoded(body, request)


def detail_out(
    details: ItemDetailsView, names: dict[int, str], *, server_paths: bool = True
) -> ItemDetailOut:
    """The API form of an item's details; `names` are the credited people's current names;
    the files without where they lie unless `server_paths`."""
    files = [f if server_paths else f.without_server_paths() for f in details.files]
    return ItemDetailOut(
        **{name: getattr(details.item, name) for name in _SUMMARY_FIELDS},
        sort_title=details.item.sort_title,
        overview=details.overview,
        tagline=details.tagline,
        certification=details.certification,
        edition=details.edition,
        status=details.status,
        end_date=details.end_date,
        genres=list(details.genres),
        studios=list(details.studios),
        tags=list(details.tags),
        locked_fields=list(details.locked_fields),
        ratings=list(details.ratings),
        cast=[
            CastOut(
                person_id=c.person_id,
                name=names.get(c.person_id, ""),
                character=c.character,
                order=c.order,
            )
            for c in details.cast
        ],
        crew=[
            CrewOut(
                person_id=c.person_id,
                name=names.get(c.person_id, ""),
                department=c.department,
                job=c.job,
            )
            for c in details.crew
        ],
        images=list(details.images),
        files=[f for f in files if f.extra_type is None],
        extras=[f for f in files if f.extra_type is not None],
        trailers=list(details.videos),
    )


_SUMMARY_FIELDS = tuple(f.name for f in fields(ItemSummary))
