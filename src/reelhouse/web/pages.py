"""The pages everyone sees: home, library grids, details, people and search."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from reelhouse.bootstrap import Services
from reelhouse.content import registry
from reelhouse.content.catalogue.listing import Cursor, ItemFilter, PageRequest, SortField
from reelhouse.content.catalogue.models import ImageKind
from reelhouse.content.reads.items import ItemCatalogue
from reelhouse.content.reads.search import MAX_QUERY_LENGTH
from reelhouse.content.reads.views import ItemDetailsView, ItemSummary, ItemView, PageView
from reelhouse.errors import NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import NO_NUL, RowIdPath
from reelhouse.ingest.libraries import LibraryInfo
from reelhouse.kinds import PLAYABLE_KINDS, ItemKind, LibraryKind
from reelhouse.libraries.models import FileState
from reelhouse.users.service import Principal
from reelhouse.web.deps import ViewerDep
from reelhouse.web.recent import recent_items, remember
from reelhouse.web.render import PageRoute, is_fragment, poster_owner, render
from reelhouse.web.watching import marks_for, series_titles, watching_art

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: The sorts a grid offers.
GRID_SORTS = (SortField.TITLE, SortField.YEAR, SortField.ADDED, SortField.RATING)


def catalogue_for(services: Services, kind: LibraryKind) -> ItemCatalogue[Any]:
    """What a library lists in its grid: the items its content module makes of its files."""
    return services.catalogue(registry.for_library(kind).kind)


class GridQuery(BaseModel):
    """A grid's filters and sort, as its URL carries them (so a view can be bookmarked).
    An empty form field means "any", as a browser sends it."""

    genre: str | None = Field(None, max_length=100, pattern=NO_NUL)
    year_min: int | None = Field(None, ge=1800, le=3000)
    year_max: int | None = Field(None, ge=1800, le=3000)
    rating_min: float | None = Field(None, ge=0, le=10)
    #: Movies of this collection.
    collection: int | None = Field(None, ge=1, le=2**63 - 1)
    unmatched: bool = False
    sort: SortField = SortField.TITLE
    order: Literal["asc", "desc"] = "asc"
    cursor: str | None = Field(None, max_length=1024)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("unmatched", mode="before")
    @classmethod
    def _unset_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @field_validator("sort")
    @classmethod
    def _offered_sort(cls, value: SortField) -> SortField:
        if value not in GRID_SORTS:
            raise ValueError(f"sort by one of {', '.join(GRID_SORTS)}")
        return value

    def listing(self, library_id: int, limit: int) -> tuple[ItemFilter, PageRequest]:
        filters = ItemFilter(
            library_ids=frozenset({library_id}),
            genres=frozenset({self.genre}) if self.genre else None,
            year_min=self.year_min,
            year_max=self.year_max,
            rating_min=self.rating_min,
            collection_ids=frozenset({self.collection}) if self.collection else None,
            matched=False if self.unmatched else None,
        )
        page = PageRequest(
            sort=self.sort,
            descending=self.order == "desc",
            limit=limit,
            after=Cursor.decode(self.cursor) if self.cursor else None,
        )
        return filters, page

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (with `changes`), without what is unset."""
        values = self.model_dump(mode="json") | changes
        return {k: v for k, v in values.items() if v not in (None, False, "")}


GridDep = Annotated[GridQuery, Query()]


async def tiles(
    services: Services, items: Iterable[ItemSummary], viewer: Principal
) -> dict[int, str]:
    """Blurhashes of the posters stored for these items, by whose poster stands for each
    (see `ImagesService.placeholders` and `poster_owner`)."""
    return await services.images.placeholders(
        {poster_owner(i) for i in items}, ImageKind.POSTER, viewer.visible_libraries
    )


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, viewer: ViewerDep, services: ServicesDep, configured: SettingsDep
) -> HTMLResponse:
    """The viewer's Continue Watching and Next Up, then per library what was added last and
    what this browser opened last."""
    web = configured.web
    visible = viewer.visible_libraries
    watching = await services.watch.continue_watching(viewer.user.id, visible, web.row_size)
    next_up = await services.watch.next_up(viewer.user.id, visible, web.row_size)
    watched = (*watching, *next_up)
    opened = await _opened(services, recent_items(request, web), visible)
    rows = []
    for library in await services.libraries.list(visible):
        newest = await catalogue_for(services, library.kind).list(
            ItemFilter(library_ids=frozenset({library.id})),
            PageRequest(sort=SortField.ADDED, descending=True, limit=web.row_size),
            visible,
        )
        mine = [item for item in opened if item.library_id == library.id][: web.row_size]
        rows.append((library, newest.items, mine))
    shown = [item for _, newest, mine in rows for item in (*newest, *mine)]
    return render(
        request,
        "home.html",
        {
            "continue_watching": watching,
            "next_up": next_up,
            "watching_art": await watching_art(services, watched, visible),
            "series_titles": await series_titles(services, (w.item for w in watched), visible),
            "rows": rows,
            "posters": await tiles(services, shown, viewer),
            "marks": await marks_for(services, viewer, shown),
        },
        principal=viewer,
    )


async def _opened(
    services: Services, entries: list[tuple[str, int]], visible: frozenset[int] | None
) -> list[ItemView]:
    """The items behind the "continue exploring" cookie that still exist and may be seen."""
    found = []
    for kind, item_id in entries:
        try:
            found.append((await services.catalogue(ItemKind(kind)).details(item_id, visible)).item)
        except NotFoundError:
            continue  # deleted since, or no longer visible: nothing to show
    return found


async def _grid_page(
    services: Services, viewer: Principal, library: LibraryInfo, query: GridQuery, limit: int
) -> dict[str, Any]:
    filters, page = query.listing(library.id, limit)
    listed = await catalogue_for(services, library.kind).list(
        filters, page, viewer.visible_libraries
    )
    return {
        "library": library,
        "query": query,
        "items": listed.items,
        "next_cursor": listed.next_cursor,
        "posters": await tiles(services, listed.items, viewer),
        "marks": await marks_for(services, viewer, listed.items),
    }


@router.get("/libraries/{library_id}", response_class=HTMLResponse)
async def library_grid(
    request: Request,
    library_id: RowIdPath,
    query: GridDep,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
) -> HTMLResponse:
    """A library's posters, filtered and sorted as the URL says; scrolling loads more."""
    library = await services.libraries.get(library_id, viewer.visible_libraries)
    context = await _grid_page(services, viewer, library, query, configured.web.page_size)
    if is_fragment(request):
        return render(request, "_tiles.html", context, principal=viewer)
    genres = await services.people.genres(frozenset({library.id}))
    collections = await _collections_of(services, viewer, library, configured.web.page_size)
    return render(
        request,
        "library.html",
        context | {"genres": genres, "sorts": GRID_SORTS, "collections": collections.items},
        principal=viewer,
    )


async def _collections_of(
    services: Services,
    viewer: Principal,
    library: LibraryInfo,
    limit: int,
    cursor: str | None = None,
) -> PageView:
    """A page of the collections with a movie in this library (none for a TV library)."""
    if library.kind != LibraryKind.MOVIES:
        return PageView((), None, None)
    return await services.collections.list(
        ItemFilter(library_ids=frozenset({library.id})),
        PageRequest(limit=limit, after=Cursor.decode(cursor) if cursor else None),
        viewer.visible_libraries,
    )


@router.get("/libraries/{library_id}/collections", response_class=HTMLResponse)
async def library_collections(
    request: Request,
    library_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> HTMLResponse:
    """The collections of a movie library, as a grid of posters."""
    library = await services.libraries.get(library_id, viewer.visible_libraries)
    listed = await _collections_of(services, viewer, library, configured.web.page_size, cursor)
    context = {
        "library": library,
        "items": listed.items,
        "next_cursor": listed.next_cursor,
        "more_path": f"/libraries/{library.id}/collections",
        "posters": await tiles(services, listed.items, viewer),
    }
    template = "_tiles.html" if is_fragment(request) else "collections.html"
    return render(request, template, context, principal=viewer)


@router.get("/collections/{collection_id}", response_class=HTMLResponse)
async def collection_page(
    request: Request, collection_id: RowIdPath, viewer: ViewerDep, services: ServicesDep
) -> HTMLResponse:
    """A collection: its poster and overview, its movies the viewer may see in release
    order, and those no library of theirs holds."""
    visible = viewer.visible_libraries
    overview = await services.collections.overview(collection_id, visible)
    movies = overview.movies
    artwork = {
        kind.value: (await services.images.placeholders([collection_id], kind, visible)).get(
            collection_id
        )
        for kind in (ImageKind.POSTER, ImageKind.BACKDROP)
    }
    return render(
        request,
        "collection.html",
        {
            "item": overview.details.item,
            "details": overview.details,
            "artwork": artwork,
            "entries": overview.entries,
            "movies": movies,
            "posters": await tiles(services, movies, viewer),
            "marks": await marks_for(services, viewer, movies),
        },
        principal=viewer,
    )


async def _details_context(
    services: Services, details: ItemDetailsView, viewer: Principal
) -> dict[str, Any]:
    """What every detail page shows: the item, its people with their photos, its artwork, its
    files (by name only, unless the viewer may see where they lie), and the viewer's own state
    of it."""
    item = details.item
    file_names = {f.id: (f.path or "").rsplit("/", 1)[-1] for f in details.files}
    if not viewer.sees_server_paths:
        details = msgspec.structs.replace(
            details, files=tuple(f.without_server_paths() for f in details.files)
        )
    names = await services.people.names(c.person_id for c in details.credits)
    artwork = {
        kind: await services.images.placeholders([item.id], kind, viewer.visible_libraries)
        for kind in (ImageKind.POSTER, ImageKind.BACKDROP, ImageKind.STILL)
    }
    files = [f for f in details.files if f.extra_type is None]
    return {
        "details": details,
        "item": item,
        "names": names,
        "photos": await services.images.person_placeholders(c.person_id for c in details.cast),
        "artwork": {kind.value: found.get(item.id) for kind, found in artwork.items()},
        "files": files,
        "file_names": file_names,
        # Several main files without part numbers are versions (cuts, qualities) of one item.
        "versions": len(files) > 1 and all(f.part is None for f in files),
        "extras": [f for f in details.files if f.extra_type is not None],
        "playable": item.kind in PLAYABLE_KINDS
        and any(f.state == FileState.PRESENT for f in files),
        "state": await services.watch.state(viewer.user.id, viewer.visible_libraries, item.id),
    }


@router.get("/movies/{movie_id}", response_class=HTMLResponse)
async def movie_page(
    request: Request,
    movie_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
) -> HTMLResponse:
    details = await services.movies.details(movie_id, viewer.visible_libraries)
    context = await _details_context(services, details, viewer)
    collection: ItemView | None = None
    siblings: tuple[ItemView, ...] = ()
    if details.item.collection_id is not None:
        collection_id = details.item.collection_id
        collection = (await services.collections.details(collection_id, None)).item
        movies = await services.collections.movies(collection_id, viewer.visible_libraries)
        siblings = tuple(movie for movie in movies if movie.id != movie_id)
    context |= {
        "collection": collection,
        "siblings": siblings,
        "posters": await tiles(services, siblings, viewer),
        "marks": await marks_for(services, viewer, siblings),
    }
    response = render(request, "movie.html", context, principal=viewer)
    remember(response, request, configured, ItemKind.MOVIE, movie_id)
    return response


@router.get("/series/{series_id}", response_class=HTMLResponse)
async def series_page(
    request: Request,
    series_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
) -> HTMLResponse:
    visible = viewer.visible_libraries
    details = await services.series.details(series_id, visible)
    seasons = await services.series.seasons(series_id, visible)
    context = await _details_context(services, details, viewer)
    context |= {
        "seasons": seasons,
        "posters": await tiles(services, seasons, viewer),
        "marks": await marks_for(services, viewer, seasons),
    }
    response = render(request, "series.html", context, principal=viewer)
    remember(response, request, configured, ItemKind.SERIES, series_id)
    return response


@router.get("/seasons/{season_id}", response_class=HTMLResponse)
async def season_page(
    request: Request, season_id: RowIdPath, viewer: ViewerDep, services: ServicesDep
) -> HTMLResponse:
    visible = viewer.visible_libraries
    details = await services.seasons.details(season_id, visible)
    episodes = await services.seasons.episodes(season_id, visible)
    series = await _series(services, details.item.parent_id, visible)
    context = await _details_context(services, details, viewer)
    context |= {
        "series": series,
        "episodes": episodes,
        "stills": await services.images.placeholders(
            (e.id for e in episodes), ImageKind.STILL, visible
        ),
        "marks": await marks_for(services, viewer, episodes),
    }
    return render(request, "season.html", context, principal=viewer)


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
async def episode_page(
    request: Request, episode_id: RowIdPath, viewer: ViewerDep, services: ServicesDep
) -> HTMLResponse:
    visible = viewer.visible_libraries
    details = await services.episodes.details(episode_id, visible)
    season = await services.seasons.details(_parent_id(details.item.parent_id), visible)
    series = await _series(services, details.item.series_id, visible)
    context = await _details_context(services, details, viewer)
    context |= {"season": season.item, "series": series}
    return render(request, "episode.html", context, principal=viewer)


def _parent_id(parent_id: int | None) -> int:
    if parent_id is None:  # seasons and episodes always have one: the schema's rows do
        raise NotFoundError("this item belongs to nothing")
    return parent_id


async def _series(
    services: Services, series_id: int | None, visible: frozenset[int] | None
) -> ItemView:
    return (await services.series.details(_parent_id(series_id), visible)).item


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def person_page(
    request: Request, person_id: RowIdPath, viewer: ViewerDep, services: ServicesDep
) -> HTMLResponse:
    """A person, with what they did in the libraries the viewer may see."""
    details = await services.people.details(person_id, viewer.visible_libraries)
    items = [credit.item for credit in details.credits]
    return render(
        request,
        "person.html",
        {
            "person": details,
            "credits": details.credits,
            "posters": await tiles(services, items, viewer),
            "marks": await marks_for(services, viewer, items),
            "photo": (await services.images.person_placeholders([person_id])).get(person_id),
        },
        principal=viewer,
    )


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, pattern=NO_NUL)] = "",
) -> HTMLResponse:
    """Search: the whole page, or (for the search box as one types) its results alone."""
    groups: list[tuple[str, list[ItemView]]] = []
    people: list[Any] = []
    if q.strip():
        found = await services.search.search(
            q, viewer.visible_libraries, configured.web.search_results
        )
        groups = [
            (label, found.items.get(kind, []))
            for label, kind in (
                ("Movies", ItemKind.MOVIE),
                ("Series", ItemKind.SERIES),
                ("Episodes", ItemKind.EPISODE),
            )
        ]
        people = found.people
    items = [item for _, group in groups for item in group]
    context = {
        "q": q,
        "groups": groups,
        "people": people,
        "posters": await tiles(services, items, viewer),
        "photos": await services.images.person_placeholders(p.id for p in people),
    }
    template = "_search_results.html" if is_fragment(request) else "search.html"
    return render(request, template, context, principal=viewer)
