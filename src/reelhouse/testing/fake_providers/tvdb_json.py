"""TheTVDB v4 endpoints of the fake: login, search, series extended, paged episodes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from reelhouse.testing.fake_providers.catalogue import Series
from reelhouse.testing.fake_providers.images import tvdb_artwork_base

if TYPE_CHECKING:
    from reelhouse.testing.fake_providers.app import FakeProviders, Handler

SEASON_TYPES = {"default": 1, "official": 1, "dvd": 2, "absolute": 3}


def routes(
    fake: FakeProviders, not_found: type[Exception], unauthorized: type[Exception]
) -> list[tuple[str, str, str, Handler]]:
    catalogue = fake.catalogue
    control = fake.control

    def series_or_404(request: Request) -> Series:
        raw = request.path_params["id"]
        series = catalogue.series_by_tvdb(int(raw)) if raw.isdigit() else None
        if series is None:
            raise not_found
        return series

    async def login(request: Request) -> Any:
        body = await request.json()
        key = body.get("apikey") if isinstance(body, dict) else None
        if not key or (fake.tvdb_api_key is not None and key != fake.tvdb_api_key):
            raise unauthorized
        control.stats.logins += 1
        return {"status": "success", "data": {"token": fake.issue_token()}}

    async def search(request: Request) -> Any:
        fake.check_tvdb(request)
        query = request.query_params.get("query", "")
        year = request.query_params.get("year")
        found = [s for s in catalogue.search_series(query) if not year or str(s.year) == year]
        return {
            "status": "success",
            "data": [_search_result(s, tvdb_artwork_base(request)) for s in found[:50]],
            "links": {
                "prev": None,
                "self": None,
                "next": None,
                "total_items": len(found),
                "page_size": 50,
            },
        }

    async def remote_id(request: Request) -> Any:
        fake.check_tvdb(request)
        remote = request.path_params["remote_id"]
        series = catalogue.series(int(remote)) if remote.isdigit() else None  # a TMDb id
        series = series or catalogue.series_by_imdb(remote)
        found = [{"series": series_base(series, tvdb_artwork_base(request))}] if series else []
        return {"status": "success", "data": found}

    async def extended(request: Request) -> Any:
        fake.check_tvdb(request)
        series = series_or_404(request)
        artwork = tvdb_artwork_base(request)
        seasons = [
            {
                "id": series.tvdb_id * 100 + n,
                "seriesId": series.tvdb_id,
                "number": n,
                "type": {"id": type_id, "name": name, "type": kind, "alternateName": None},
                "image": None,
                "imageType": None,
                "companies": {},
                "lastUpdated": None,
            }
            for type_id, kind, name in ((1, "official", "Aired Order"), (2, "dvd", "DVD Order"))
            for n in range(0, len(series.season_sizes) + 1)
        ]
        return {
            "status": "success",
            "data": {
                **series_base(series, artwork),
                "artworks": [
                    {
                        "id": series.tvdb_id,
                        "image": f"{artwork}posters/{series.tvdb_id}.jpg",
                        "thumbnail": None,
                        "language": "eng",
                        "type": 2,
                        "score": 100000,
                        "width": 680,
                        "height": 1000,
                        "includesText": True,
                    }
                ],
                "genres": [{"id": 1, "name": "Drama", "slug": "drama"}],
                "seasons": seasons,
                "characters": None,
                "companies": [],
                "averageRuntime": 42,
                "airsTime": None,
                "trailers": [],
            },
        }

    async def episodes(request: Request) -> Any:
        fake.check_tvdb(request)
        series = series_or_404(request)
        season_type = request.path_params["season_type"]
        if season_type not in SEASON_TYPES:
            raise not_found
        page = int(request.query_params.get("page", "0") or 0)
        size = control.config.tvdb_page_size
        every = _episodes(series, season_type)
        chunk = every[page * size : (page + 1) * size]
        base = str(request.url.remove_query_params("page"))
        has_next = (page + 1) * size < len(every)
        return {
            "status": "success",
            "data": {
                "series": series_base(series, tvdb_artwork_base(request)),
                "episodes": chunk,
            },
            "links": {
                "prev": f"{base}?page={page - 1}" if page > 0 else None,
                "self": f"{base}?page={page}",
                "next": f"{base}?page={page + 1}" if has_next else None,
                "total_items": len(every),
                "page_size": size,
            },
        }

    return [
        ("POST", "/v4/login", "tvdb.login", login),
        ("GET", "/v4/search", "tvdb.search", search),
        ("GET", "/v4/search/remoteid/{remote_id}", "tvdb.remoteid", remote_id),
        ("GET", "/v4/series/{id}/extended", "tvdb.series", extended),
        ("GET", "/v4/series/{id}/episodes/{season_type}", "tvdb.episodes", episodes),
    ]


def series_base(series: Series, artwork: str) -> dict[str, Any]:
    """The series record TheTVDB nests everywhere; `artwork` is where its images are served."""
    english = series.translations.get("en")
    return {
        "id": series.tvdb_id,
        "name": series.title,
        "slug": series.title.lower().replace(" ", "-"),
        "image": f"{artwork}posters/{series.tvdb_id}.jpg",
        "nameTranslations": ["eng"],
        "overviewTranslations": ["eng"],
        "aliases": [{"language": "eng", "name": f"{series.title} (US)"}],
        "firstAired": f"{series.year:04d}-03-14",
        "lastAired": f"{series.year + len(series.season_sizes) - 1:04d}-06-01",
        "nextAired": "",
        "score": 1234,
        "status": {"id": 2, "name": "Ended", "recordType": "series", "keepUpdated": False},
        "originalCountry": "usa",
        "originalLanguage": "eng",
        "defaultSeasonType": 1,
        "isOrderRandomized": False,
        "lastUpdated": "2024-01-01 00:00:00",
        "averageRuntime": 42,
        "episodes": None,
        "overview": english.overview if english and english.overview else None,
        "year": str(series.year),
        "remoteIds": [
            {"id": series.imdb_id, "type": 2, "sourceName": "IMDB"},
            {"id": str(series.id), "type": 12, "sourceName": "TheMovieDB.com"},
        ],
    }


def _search_result(series: Series, artwork: str) -> dict[str, Any]:
    return {
        "objectID": f"series-{series.tvdb_id}",
        "aliases": [f"{series.title} (US)"],
        "country": "usa",
        "id": f"series-{series.tvdb_id}",
        "image_url": f"{artwork}posters/{series.tvdb_id}.jpg",
        "name": series.title,
        "first_air_time": f"{series.year:04d}-03-14",
        "overview": None,
        "primary_language": "eng",
        "primary_type": "series",
        "status": "Ended",
        "type": "series",
        "tvdb_id": str(series.tvdb_id),
        "year": str(series.year),
        "slug": series.title.lower().replace(" ", "-"),
        "translations": {"eng": series.title},
        "remote_ids": [{"id": series.imdb_id, "type": 2, "sourceName": "IMDB"}],
    }


def _episodes(series: Series, season_type: str) -> list[dict[str, Any]]:
    """Aired order as generated; DVD order swaps the first two episodes of each season;
    absolute order numbers everything 1..n in one season."""
    found = []
    absolute = 0
    for season, size in enumerate(series.season_sizes, start=1):
        for number in range(1, size + 1):
            absolute += 1
            shown_season, shown_number = season, number
            if season_type == "dvd" and number <= 2 and size >= 2:
                shown_number = 3 - number
            elif season_type == "absolute":
                shown_season, shown_number = 1, absolute
            found.append(
                {
                    "id": series.tvdb_id * 10_000 + season * 100 + number,
                    "seriesId": series.tvdb_id,
                    "name": f"Episode {number}",
                    "aired": f"{series.year + season - 1:04d}-{1 + (number - 1) % 12:02d}-01",
                    "runtime": 42,
                    "nameTranslations": ["eng"],
                    "overview": f"Season {season}, episode {number}." if number % 3 else None,
                    "image": None,
                    "imageType": None,
                    "isMovie": 0,
                    "seasons": None,
                    "number": shown_number,
                    "absoluteNumber": absolute,
                    "seasonNumber": shown_season,
                    "lastUpdated": "2024-01-01 00:00:00",
                    "finaleType": None,
                    "year": str(series.year + season - 1),
                }
            )
    return found
