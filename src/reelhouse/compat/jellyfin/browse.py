"""Browsing as Jellyfin clients do: views (one per library the caller sees), the item query
(`/Items` and its older `/Users/{userId}/Items`), one item, latest, resume, similar, genres,
people, search hints and filters. Each translates the client's query into reelhouse's own
listing, children, watch and search reads; `mapping` makes the DTOs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Path, Request, Response

from reelhouse.bootstrap import Services
from reelhouse.compat.jellyfin.auth import JellyfinCaller, JellyfinCallerDep
from reelhouse.compat.jellyfin.dtos import (
    BaseItem,
    NameGuidPair,
    QueryFilters,
    QueryFiltersLegacy,
    QueryResult,
    SearchHint,
    SearchHintResult,
)
from reelhouse.compat.jellyfin.ids import IdType, decode_id, encode_id, is_guid, item_id
from reelhouse.compat.jellyfin.mapping import (
    ITEM_TYPES,
    KINDS_BY_TYPE,
    ItemImages,
    ItemMapper,
    genre_id,
)
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.routing import ClientRoute, jellyfin_router
from reelhouse.compat.jellyfin.server import check_user, json_response, server_id
from reelhouse.config import Settings
from reelhouse.content.catalogue.listing import ItemFilter, PageRequest, SortField
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.content.reads.views import ItemView
from reelhouse.errors import MalformedRequestError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.watch.service import MAX_LIST

router = jellyfin_router()
UserIdPath = Annotated[str, Path(alias="userId", max_length=64)]
ItemIdPath = Annotated[str, Path(alias="itemId", max_length=64)]

#: Jellyfin's sort names and reelhouse's sorts; others sort by title.
SORTS = {
    "sortname": SortField.TITLE,
    "name": SortField.TITLE,
    "productionyear": SortField.YEAR,
    "datecreated": SortField.ADDED,
    "premieredate": SortField.RELEASE,
    "communityrating": SortField.RATING,
    "criticrating": SortField.RATING,
    "runtime": SortField.RUNTIME,
    "dateplayed": SortField.LAST_PLAYED,
    "playcount": SortField.PLAY_COUNT,
}
#: What each kind of library holds at its top.
TOP_KINDS = {LibraryKind.MOVIES: ItemKind.MOVIE, LibraryKind.TV: ItemKind.SERIES}
#: What `Items/Latest` lists of each kind of library without item types, as Jellyfin does.
LATEST_KINDS = {LibraryKind.MOVIES: ItemKind.MOVIE, LibraryKind.TV: ItemKind.EPISODE}
#: What a recursive query without item types lists.
RECURSIVE_KINDS = frozenset({ItemKind.MOVIE, ItemKind.SERIES, ItemKind.EPISODE})
ITEMS_QUERY = documented(
    "parentId", "includeItemTypes", "excludeItemTypes", "recursive", "sortBy", "sortOrder",
    "startIndex", "limit", "fields", "filters", "isFavorite", "isPlayed", "searchTerm",
    "genres", "genreIds", "years", "personIds", "ids", "nameStartsWith",
    "nameStartsWithOrGreater", "nameLessThan", "enableTotalRecordCount", "enableImageTypes",
)  # fmt: skip


def mapper(services: Services, settings: Settings, caller: JellyfinCaller) -> ItemMapper:
    return ItemMapper(services, server_id(settings), caller)


def fields_of(query: JellyfinQuery) -> frozenset[str]:
    return frozenset(name.lower() for name in query.names("fields"))


def result(items: Sequence[BaseItem], total: int, start: int = 0) -> Response:
    page = QueryResult[BaseItem](items=list(items), total_record_count=total, start_index=start)
    return json_response(page.json_bytes())


@dataclass(frozen=True, slots=True)
class Paging:
    start: int
    limit: int

    @classmethod
    def of(cls, query: JellyfinQuery, settings: Settings) -> Paging:
        limit = query.integer("limit") or settings.jellyfin.default_page_size
        return cls(query.integer("startIndex") or 0, min(limit, settings.jellyfin.max_page_size))

    def slice(self, items: Sequence[ItemView]) -> list[ItemView]:
        return list(items[self.start : self.start + self.limit])


def item_kinds(query: JellyfinQuery) -> frozenset[ItemKind] | None:
    """The item types asked for, among those reelhouse has (None: not said); types it has
    none of (music, books) leave an empty set, so the answer is empty."""
    wanted = query.names("includeItemTypes")
    if not wanted:
        return None
    return frozenset(KINDS_BY_TYPE[n.lower()] for n in wanted if n.lower() in KINDS_BY_TYPE)


def excluded_kinds(query: JellyfinQuery) -> frozenset[ItemKind]:
    names = query.names("excludeItemTypes")
    return frozenset(KINDS_BY_TYPE[n.lower()] for n in names if n.lower() in KINDS_BY_TYPE)


def listing_filter(query: JellyfinQuery, caller: JellyfinCaller) -> ItemFilter:
    """The filters of an item query as reelhouse's listing filter."""
    filters = {f.lower() for f in query.names("filters")}
    played = True if "isplayed" in filters else False if "isunplayed" in filters else None
    if query.boolean("isPlayed") is not None:
        played = query.boolean("isPlayed")
    favourite = True if "isfavorite" in filters else query.boolean("isFavorite")
    years = query.names("years")
    if not all(y.isascii() and y.isdigit() and len(y) <= 4 for y in years):
        raise MalformedRequestError("years are comma-separated numbers", field="years")
    return ItemFilter(
        genres=frozenset(query.names("genres", "|")) or None,
        title_prefix=sort_key(query, "nameStartsWith"),
        title_from=sort_key(query, "nameStartsWithOrGreater"),
        title_before=sort_key(query, "nameLessThan"),
        years=frozenset(int(y) for y in years) or None,
        person_ids=frozenset(query.ids("personIds", IdType.PERSON)) or None,
        viewer_id=caller.user_id,
        played=played,
        in_progress=True if "isresumable" in filters else None,
        favourite=favourite,
    )


def sort_key(query: JellyfinQuery, name: str) -> str | None:
    """A name parameter as the sort key it is compared with ("The" and case do not count)."""
    value = query.text(name)
    return sort_title(value) if value is not None else None


async def with_genre_ids(
    query: JellyfinQuery, services: Services, caller: JellyfinCaller, filters: ItemFilter
) -> ItemFilter | None:
    """`GenreIds` as the genres they name (ids are name hashes: the names in use are hashed
    and compared); None when none of them names a genre in use, so nothing is listed."""
    wanted = query.names("genreIds")
    if not wanted:
        return filters
    if not all(is_guid(i) for i in wanted):
        raise MalformedRequestError("GenreIds are ids (GUIDs)", field="genreIds")
    ids = {i.replace("-", "").lower() for i in wanted}
    in_use = await services.people.genres(caller.visible)
    named = {name for name, _ in in_use if genre_id(name) in ids}
    if not named:
        return None
    return replace(filters, genres=(filters.genres or frozenset()) | named)


def page_request(query: JellyfinQuery, paging: Paging) -> PageRequest:
    sorts = [SORTS[s.lower()] for s in query.names("sortBy") if s.lower() in SORTS]
    orders = query.names("sortOrder")
    return PageRequest(
        sort=sorts[0] if sorts else SortField.TITLE,
        descending=bool(orders) and orders[0].lower() == "descending",
        limit=paging.limit,
        offset=paging.start,
        include_total=query.boolean("enableTotalRecordCount") is not False,
    )


async def views(services: Services, settings: Settings, caller: JellyfinCaller) -> Response:
    libraries = await services.libraries.list(caller.visible)
    dtos = [mapper(services, settings, caller).view(library) for library in libraries]
    return result(dtos, len(dtos))


@router.get("/UserViews", response_model=QueryResult[BaseItem])
async def user_views(
    caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    """One view per library the caller may see."""
    return await views(services, settings, caller)


@router.get("/Users/{userId}/Views", response_model=QueryResult[BaseItem])
async def user_views_of(
    user_id: UserIdPath, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    check_user(caller.user_id, user_id)
    return await views(services, settings, caller)


async def query_items(
    request: Request, services: Services, settings: Settings, caller: JellyfinCaller
) -> Response:
    """Jellyfin's item query: by ids, a search, the children of an item, or a listing of a
    library (or all) with filters, sort and paging."""
    query = JellyfinQuery(request)
    paging = Paging.of(query, settings)
    fields = fields_of(query)
    items = mapper(services, settings, caller)
    kinds = item_kinds(query)
    if kinds is not None:
        kinds -= excluded_kinds(query)
    if kinds is not None and not kinds:
        return result([], 0, paging.start)
    ids = query.ids("ids", IdType.ITEM)
    if ids:
        found = [(await services.items.details(i, caller.visible)).item for i in ids]
        return result(await items.items(paging.slice(found), fields), len(found), paging.start)
    term = query.text("searchTerm")
    if term is not None:
        found = await searched(services, caller, term, kinds, paging.start + paging.limit)
        return result(await items.items(paging.slice(found), fields), len(found), paging.start)
    parent = query.id("parentId", IdType.ITEM, IdType.LIBRARY)
    recursive = query.boolean("recursive") or False
    if parent is not None and parent[0] is IdType.ITEM:
        found = await children(services, caller, parent[1], recursive)
        found = [v for v in found if kinds is None or v.kind in kinds]
        found = await kept(services, caller, found, listing_filter(query, caller))
        return result(await items.items(paging.slice(found), fields), len(found), paging.start)
    filters = listing_filter(query, caller)
    if parent is None and not recursive and kinds is None and not filters.by_viewer:
        return await views(services, settings, caller)  # the user's root folder: the views
    by_genre = await with_genre_ids(query, services, caller, filters)
    if by_genre is None:
        return result([], 0, paging.start)
    filters = by_genre
    if parent is not None:
        library = await services.libraries.get(parent[1], caller.visible)
        if kinds is None:
            kinds = RECURSIVE_KINDS if recursive else frozenset({TOP_KINDS[library.kind]})
        filters = replace(filters, library_ids=frozenset({library.id}))
    kinds = (kinds or RECURSIVE_KINDS) - excluded_kinds(query)
    filters = replace(filters, kinds=frozenset(k.value for k in kinds))
    page = await services.items.list(filters, page_request(query, paging), caller.visible)
    dtos = await items.items(page.items, fields)
    return result(dtos, page.total if page.total is not None else len(dtos), paging.start)


async def children(
    services: Services, caller: JellyfinCaller, parent_id: int, recursive: bool
) -> list[ItemView]:
    """An item's children as Jellyfin shows them in folders: a series' seasons (its episodes,
    recursively), a season's episodes, a collection's movies."""
    parent = (await services.items.details(parent_id, caller.visible)).item
    if parent.kind == ItemKind.SERIES:
        seasons = await services.series.seasons(parent_id, caller.visible)
        if not recursive:
            return list(seasons)
        return [e for s in seasons for e in await services.seasons.episodes(s.id, caller.visible)]
    if parent.kind == ItemKind.SEASON:
        return list(await services.seasons.episodes(parent_id, caller.visible))
    if parent.kind == ItemKind.COLLECTION:
        return list(await services.collections.movies(parent_id, caller.visible))
    return []


async def kept(
    services: Services, caller: JellyfinCaller, found: list[ItemView], filters: ItemFilter
) -> list[ItemView]:
    """The children a query's watch-state filters keep (a season's episodes are few: they are
    filtered on the caller's states, read in one batch)."""
    if not filters.by_viewer:
        return found
    parents = [v.id for v in found if v.kind in (ItemKind.SERIES, ItemKind.SEASON)]
    states = await services.watch.states_of(caller.user_id, [v.id for v in found], parents)
    return [
        v
        for v in found
        if (filters.played is None or states[v.id].played == filters.played)
        and (filters.favourite is None or states[v.id].favourite == filters.favourite)
        and (filters.in_progress is None or (states[v.id].position_s is not None))
    ]


async def searched(
    services: Services,
    caller: JellyfinCaller,
    term: str,
    kinds: frozenset[ItemKind] | None,
    limit: int,
) -> list[ItemView]:
    results = await services.search.search(term, caller.visible, min(limit, 50))
    wanted = kinds or frozenset({ItemKind.MOVIE, ItemKind.SERIES, ItemKind.EPISODE})
    return [v for kind, found in results.items.items() if kind in wanted for v in found]


async def items_query(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    """The item query of Jellyfin clients (those that send a `MediaBrowser` header; a bare
    token is Sonarr's or Radarr's folder lookup, `api/media_server.py`)."""
    return await query_items(request, services, settings, caller)


router.add_api_route(
    "/Items",
    items_query,
    methods=["GET"],
    response_model=QueryResult[BaseItem],
    route_class_override=ClientRoute,
    openapi_extra=ITEMS_QUERY,
)


@router.get(
    "/Users/{userId}/Items", response_model=QueryResult[BaseItem], openapi_extra=ITEMS_QUERY
)
async def user_items_query(
    user_id: UserIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    check_user(caller.user_id, user_id)
    return await query_items(request, services, settings, caller)


async def latest(
    request: Request, services: Services, settings: Settings, caller: JellyfinCaller
) -> Response:
    """The newest items (of one library, or all), a bare list as Jellyfin's: movies, and
    episodes grouped under their series as Jellyfin groups them (`GroupItems`, on unless
    said): a series with several among the newest stands for them, their number its
    `ChildCount`; an episode alone stands for itself. What is read is the cached listing's."""
    query = JellyfinQuery(request)
    parent = query.id("parentId", IdType.LIBRARY)
    kinds = item_kinds(query)
    libraries = None
    if parent is not None:
        library = await services.libraries.get(parent[1], caller.visible)
        libraries = frozenset({library.id})
        kinds = kinds or frozenset({LATEST_KINDS[library.kind]})
    kinds = kinds or frozenset(LATEST_KINDS.values())
    limit = min(query.integer("limit") or 20, settings.jellyfin.max_page_size)
    grouped = query.boolean("groupItems") is not False and ItemKind.EPISODE in kinds
    filters = ItemFilter(library_ids=libraries, kinds=frozenset(k.value for k in kinds))
    # By the item standing for them: an episode's series, anything else itself. Grouping
    # reads the newest `jellyfin.latest_max_items` at once (one cached page, not a page per
    # few groups) and keeps the first `limit` groups.
    size = max(limit, settings.jellyfin.latest_max_items) if grouped else limit
    page = await services.items.list(
        filters, PageRequest(sort=SortField.ADDED, descending=True, limit=size), caller.visible
    )
    groups: dict[int, list[ItemView]] = {}
    for view in page.items:
        head = view.series_id if grouped and view.kind == ItemKind.EPISODE else None
        groups.setdefault(head or view.id, []).append(view)
        if len(groups) == limit:
            break
    shown: list[tuple[ItemView, int | None]] = [
        (members[0], None) if len(members) == 1
        else ((await services.items.details(head, caller.visible)).item, len(members))
        for head, members in groups.items()
    ]  # fmt: skip
    dtos = await mapper(services, settings, caller).items([v for v, _ in shown], fields_of(query))
    dtos = [
        dto.model_copy(update={"child_count": count}) if count else dto
        for dto, (_, count) in zip(dtos, shown, strict=True)
    ]
    return json_response(b"[" + b",".join(d.json_bytes() for d in dtos) + b"]")


@router.get("/Items/Latest", response_model=list[BaseItem])
async def items_latest(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    return await latest(request, services, settings, caller)


@router.get("/Users/{userId}/Items/Latest", response_model=list[BaseItem])
async def user_items_latest(
    user_id: UserIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    check_user(caller.user_id, user_id)
    return await latest(request, services, settings, caller)


async def resume(
    request: Request, services: Services, settings: Settings, caller: JellyfinCaller
) -> Response:
    """Continue Watching: reelhouse's own list (in progress, with a file, latest first)."""
    query = JellyfinQuery(request)
    paging = Paging.of(query, settings)
    kinds = item_kinds(query)
    watched = await services.watch.continue_watching(
        caller.user_id, caller.visible, min(paging.start + paging.limit, MAX_LIST)
    )
    found = [w.item for w in watched if kinds is None or w.item.kind in kinds]
    states = {w.item.id: w.state for w in watched}
    dtos = await mapper(services, settings, caller).items(
        paging.slice(found), fields_of(query), states
    )
    return result(dtos, len(found), paging.start)


@router.get("/UserItems/Resume", response_model=QueryResult[BaseItem])
async def user_items_resume(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    return await resume(request, services, settings, caller)


@router.get("/Users/{userId}/Items/Resume", response_model=QueryResult[BaseItem])
async def user_items_resume_of(
    user_id: UserIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    check_user(caller.user_id, user_id)
    return await resume(request, services, settings, caller)


@router.get("/Items/Filters", response_model=QueryFiltersLegacy)
async def items_filters(caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    """What a client's filter menu offers: the genres in use (years are not offered)."""
    genres = await services.people.genres(caller.visible)
    return json_response(QueryFiltersLegacy(genres=[g for g, _ in genres], years=[]).json_bytes())


@router.get("/Items/Filters2", response_model=QueryFilters)
async def items_filters2(caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    genres = await services.people.genres(caller.visible)
    pairs = [NameGuidPair(name=g, id=genre_id(g)) for g, _ in genres]
    return json_response(QueryFilters(genres=pairs).json_bytes())


@router.get("/Genres", response_model=QueryResult[BaseItem])
async def genres(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    """The genres in use in the libraries the caller sees."""
    paging = Paging.of(JellyfinQuery(request), settings)
    found = await services.people.genres(caller.visible)
    sid = server_id(settings)
    dtos = [
        BaseItem(name=name, server_id=sid, id=genre_id(name), type="Genre", is_folder=True)
        for name, _ in found[paging.start : paging.start + paging.limit]
    ]
    return result(dtos, len(found), paging.start)


@router.get("/Persons/{name}", response_model=BaseItem)
async def person(
    person_name: Annotated[str, Path(alias="name", max_length=64)],
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """A person by the id given in an item's `People` (Jellyfin's route says `name`; its
    clients send the id)."""
    person_id = decode_id(person_name, IdType.PERSON)[1]
    details = await services.people.details(person_id, caller.visible)
    return json_response(mapper(services, settings, caller).person(details, ()).json_bytes())


@router.get("/Search/Hints", response_model=SearchHintResult)
async def search_hints(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    """The search box: titles of every kind asked for, and people."""
    query = JellyfinQuery(request)
    term = query.text("searchTerm")
    if term is None:
        raise MalformedRequestError("searchTerm is required", field="searchTerm")
    paging = Paging.of(query, settings)
    kinds = item_kinds(query)
    results = await services.search.search(term, caller.visible, min(paging.limit, 50))
    found = [v for kind, group in results.items.items() if kinds is None or kind in kinds
             for v in group]  # fmt: skip
    images = await services.images.selected([v.id for v in found], caller.visible)
    hints = [
        SearchHint(
            item_id=encode_id(IdType.ITEM, v.id),
            id=encode_id(IdType.ITEM, v.id),
            name=v.title,
            type=ITEM_TYPES[ItemKind(v.kind)],
            is_folder=v.kind in (ItemKind.SERIES, ItemKind.SEASON, ItemKind.COLLECTION),
            media_type="Video" if v.kind in (ItemKind.MOVIE, ItemKind.EPISODE) else "Unknown",
            production_year=v.year,
            index_number=v.index_number,
            parent_index_number=v.parent_index_number,
            primary_image_tag=ItemImages.of(images.get(v.id, ())).tags.get("Primary"),
        )
        for v in found
    ]
    if kinds is None or not query.names("includeItemTypes"):
        hints += [
            SearchHint(
                item_id=encode_id(IdType.PERSON, p.id),
                id=encode_id(IdType.PERSON, p.id),
                name=p.name,
                type="Person",
                is_folder=False,
            )
            for p in results.people
        ]
    shown = hints[paging.start : paging.start + paging.limit]
    return json_response(
        SearchHintResult(search_hints=shown, total_record_count=len(hints)).json_bytes()
    )


async def one_item(
    item: str, services: Services, settings: Settings, caller: JellyfinCaller
) -> Response:
    parsed = decode_id(item, IdType.ITEM, IdType.LIBRARY)
    items = mapper(services, settings, caller)
    if parsed[0] is IdType.LIBRARY:
        return json_response(
            items.view(await services.libraries.get(parsed[1], caller.visible)).json_bytes()
        )
    return json_response((await items.one(parsed[1])).json_bytes())


@router.get("/Items/{itemId}", response_model=BaseItem)
async def item(
    item_path: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    return await one_item(item_path, services, settings, caller)


@router.get("/Users/{userId}/Items/{itemId}", response_model=BaseItem)
async def user_item(
    user_id: UserIdPath,
    item_path: ItemIdPath,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    check_user(caller.user_id, user_id)
    return await one_item(item_path, services, settings, caller)


@router.get("/Items/{itemId}/Similar", response_model=QueryResult[BaseItem])
async def similar(
    item_path: ItemIdPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """Items like this one: the others of its collection, then those of its kind sharing its
    first genre."""
    query = JellyfinQuery(request)
    limit = min(query.integer("limit") or 12, settings.jellyfin.max_page_size)
    details = await services.items.details(item_id(item_path), caller.visible)
    this = details.item
    found: list[ItemView] = []
    if this.collection_id is not None:
        found += await services.collections.movies(this.collection_id, caller.visible)
    if details.genres:
        filters = ItemFilter(kinds=frozenset({this.kind}), genres=frozenset(details.genres[:1]))
        page = await services.items.list(
            filters, PageRequest(sort=SortField.RATING, descending=True, limit=limit + 1),
            caller.visible,
        )  # fmt: skip
        found += page.items
    unique = [v for v in {v.id: v for v in found}.values() if v.id != this.id][:limit]
    dtos = await mapper(services, settings, caller).items(unique, fields_of(query))
    return result(dtos, len(dtos))
