"""TMDb v3 endpoints of the fake, answering in TMDb's documented JSON shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from reelhouse.testing.fake_providers.catalogue import Movie, Series, Translation
from reelhouse.testing.fake_providers.images import tmdb_image_base

if TYPE_CHECKING:
    from reelhouse.testing.fake_providers.app import FakeProviders, Handler


def routes(fake: FakeProviders, not_found: type[Exception]) -> list[tuple[str, str, str, Handler]]:
    catalogue = fake.catalogue

    def movie_or_404(request: Request) -> Movie:
        movie = catalogue.movie(_int(request.path_params["id"], not_found))
        if movie is None:
            raise not_found
        return movie

    def series_or_404(request: Request) -> Series:
        series = catalogue.series(_int(request.path_params["id"], not_found))
        if series is None:
            raise not_found
        return series

    async def configuration(request: Request) -> Any:
        fake.check_tmdb(request)
        return {
            "images": {
                # The fake serves its images itself, over plain HTTP like everything it serves.
                "base_url": tmdb_image_base(request),
                "secure_base_url": tmdb_image_base(request),
                "backdrop_sizes": ["w300", "w780", "w1280", "original"],
                "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
                "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
                "profile_sizes": ["w45", "w185", "h632", "original"],
                "still_sizes": ["w92", "w185", "w300", "original"],
            },
            "change_keys": ["title", "overview"],
        }

    async def search_movie(request: Request) -> Any:
        fake.check_tmdb(request)
        query = request.query_params.get("query", "")
        year = request.query_params.get("year")
        language = request.query_params.get("language", "en-US")
        found = [m for m in catalogue.search_movies(query) if not year or str(m.year) == year]
        return _page([_movie_result(m, language) for m in found[:20]], len(found))

    async def search_tv(request: Request) -> Any:
        fake.check_tmdb(request)
        query = request.query_params.get("query", "")
        year = request.query_params.get("first_air_date_year")
        language = request.query_params.get("language", "en-US")
        found = [s for s in catalogue.search_series(query) if not year or str(s.year) == year]
        return _page([_tv_result(s, language) for s in found[:20]], len(found))

    async def movie(request: Request) -> Any:
        fake.check_tmdb(request)
        return movie_json(movie_or_404(request), request)

    async def tv(request: Request) -> Any:
        fake.check_tmdb(request)
        return tv_json(series_or_404(request), request)

    async def movie_images(request: Request) -> Any:
        fake.check_tmdb(request)
        movie = movie_or_404(request)
        return {"id": movie.id, **_images("m", movie.id, _images_endpoint_languages(request))}

    async def tv_images(request: Request) -> Any:
        fake.check_tmdb(request)
        series = series_or_404(request)
        return {"id": series.id, **_images("t", series.id, _images_endpoint_languages(request))}

    async def season(request: Request) -> Any:
        fake.check_tmdb(request)
        series = series_or_404(request)
        number = _int(request.path_params["season"], not_found)
        if not 1 <= number <= len(series.season_sizes):
            raise not_found
        return _season(series, number)

    async def episode(request: Request) -> Any:
        fake.check_tmdb(request)
        series = series_or_404(request)
        number = _int(request.path_params["season"], not_found)
        index = _int(request.path_params["episode"], not_found)
        if not 1 <= number <= len(series.season_sizes) or not (
            1 <= index <= series.season_sizes[number - 1]
        ):
            raise not_found
        return _episode(series, number, index)

    async def find(request: Request) -> Any:
        fake.check_tmdb(request)
        value = request.path_params["external_id"]
        source = request.query_params.get("external_source")
        movies: list[dict[str, Any]] = []
        shows: list[dict[str, Any]] = []
        if source == "imdb_id":
            found_movie = catalogue.movie_by_imdb(value)
            found_series = catalogue.series_by_imdb(value)
            movies = [_movie_result(found_movie, "en")] if found_movie else []
            shows = [_tv_result(found_series, "en")] if found_series else []
        elif source == "tvdb_id" and value.isdigit():
            by_tvdb = catalogue.series_by_tvdb(int(value))
            shows = [_tv_result(by_tvdb, "en")] if by_tvdb else []
        return {
            "movie_results": movies,
            "person_results": [],
            "tv_results": shows,
            "tv_episode_results": [],
            "tv_season_results": [],
        }

    async def collection(request: Request) -> Any:
        fake.check_tmdb(request)
        collection_id = _int(request.path_params["id"], not_found)
        parts = [
            m
            for m in (catalogue.movie(i) for i in range(6 * (collection_id - 1), 6 * collection_id))
            if m is not None and m.collection_id == collection_id
        ]
        if not parts:
            raise not_found
        return {
            "id": collection_id,
            "name": f"{parts[0].title} Collection",
            "overview": f"Every film of the {parts[0].title} saga.",
            "poster_path": f"/collection{collection_id}.jpg",
            "backdrop_path": None,
            "parts": [_movie_result(m, "en") for m in parts],
        }

    return [
        ("GET", "/3/configuration", "tmdb.configuration", configuration),
        ("GET", "/3/search/movie", "tmdb.search_movie", search_movie),
        ("GET", "/3/search/tv", "tmdb.search_tv", search_tv),
        ("GET", "/3/movie/{id}", "tmdb.movie", movie),
        ("GET", "/3/movie/{id}/images", "tmdb.movie_images", movie_images),
        ("GET", "/3/tv/{id}", "tmdb.tv", tv),
        ("GET", "/3/tv/{id}/images", "tmdb.tv_images", tv_images),
        ("GET", "/3/tv/{id}/season/{season}", "tmdb.season", season),
        ("GET", "/3/tv/{id}/season/{season}/episode/{episode}", "tmdb.episode", episode),
        ("GET", "/3/find/{external_id}", "tmdb.find", find),
        ("GET", "/3/collection/{id}", "tmdb.collection", collection),
    ]


def _int(value: str, not_found: type[Exception]) -> int:
    if not value.isdigit():
        raise not_found
    return int(value)


def _page(results: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"page": 1, "results": results, "total_pages": 1 if total else 0, "total_results": total}


def _text(translations: dict[str, Translation], language: str) -> Translation:
    """TMDb answers in the language asked; untranslated text is "" (titles fall back to English)."""
    found = translations.get(language.split("-")[0])
    english = translations.get("en")
    title = (found.title if found else "") or (english.title if english else "")
    return Translation(title, found.overview if found else "", found.tagline if found else "")


def _date(year: int | None, month: int = 3, day: int = 14) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year else ""


def _movie_result(movie: Movie, language: str) -> dict[str, Any]:
    text = _text(movie.translations, language)
    return {
        "adult": False,
        "backdrop_path": f"/b{movie.id}.jpg",
        "genre_ids": [18],
        "id": movie.id,
        "original_language": movie.original_language,
        "original_title": movie.original_title or movie.title,
        "overview": text.overview,
        "popularity": round(1000 / (1 + movie.id % 97), 3),
        "poster_path": f"/p{movie.id}.jpg",
        "release_date": _date(movie.year),
        "title": text.title,
        "video": False,
        "vote_average": 6.5,
        "vote_count": 120,
    }


def _tv_result(series: Series, language: str) -> dict[str, Any]:
    text = _text(series.translations, language)
    return {
        "id": series.id,
        "name": text.title,
        "original_name": series.title,
        "original_language": series.original_language,
        "first_air_date": _date(series.year),
        "origin_country": ["US"],
        "overview": text.overview,
        "popularity": 12.5,
        "poster_path": f"/tvp{series.id}.jpg",
        "vote_average": 7.9,
        "vote_count": 300,
    }


def _appended(request: Request) -> set[str]:
    return set(filter(None, request.query_params.get("append_to_response", "").split(",")))


def _image_languages(request: Request) -> set[str | None]:
    raw = request.query_params.get("include_image_language")
    if raw is None:
        return {"en", None}
    return {None if code == "null" else code for code in raw.split(",")}


def _images_endpoint_languages(request: Request) -> set[str | None] | None:
    """`/images` filters by `language` (and `include_image_language`) only when given one."""
    language = request.query_params.get("language")
    if language is None and "include_image_language" not in request.query_params:
        return None
    primary = {language.split("-")[0]} if language else set()
    return primary | (
        _image_languages(request) if "include_image_language" in request.query_params else set()
    )


def _images(prefix: str, item_id: int, languages: set[str | None] | None) -> dict[str, Any]:
    """The item's images in `languages` (None: every language, as `/images` without one)."""

    def image(
        kind: str, index: int, language: str | None, width: int, height: int, ext: str = "jpg"
    ) -> Any:
        return {
            "aspect_ratio": round(width / height, 3),
            "file_path": f"/{prefix}{kind}{item_id}_{index}.{ext}",
            "height": height,
            "iso_639_1": language,
            "vote_average": 5.0 + index,
            "vote_count": 3,
            "width": width,
        }

    posters = [
        image("p", 0, "en", 2000, 3000),
        image("p", 1, "de", 1000, 1500),
        image("p", 2, "fr", 1400, 2100),
        image("p", 3, "ja", 680, 1000),
    ]
    backdrops = [image("b", 0, None, 3840, 2160), image("b", 1, "fr", 1920, 1080)]
    logos = [image("l", 0, "fr", 800, 310, "png")]
    return {
        kind: [i for i in group if languages is None or i["iso_639_1"] in languages]
        for kind, group in (("backdrops", backdrops), ("logos", logos), ("posters", posters))
    }


def _credits(item_id: int) -> dict[str, Any]:
    cast = [
        {
            "adult": False,
            "gender": 2,
            "id": 100_000 + item_id * 10 + order,
            "known_for_department": "Acting",
            "name": f"Actor {item_id}-{order}",
            "original_name": f"Actor {item_id}-{order}",
            "popularity": 3.2,
            "profile_path": f"/actor{item_id}_{order}.jpg" if order % 2 == 0 else None,
            "cast_id": order,
            "character": f"Character {order}",
            "credit_id": f"52fe{item_id:08x}{order:04x}",
            "order": order,
        }
        for order in range(3)
    ]
    crew = [
        {
            "id": 200_000 + item_id,
            "name": f"Director {item_id}",
            "department": "Directing",
            "job": "Director",
            "credit_id": f"53fe{item_id:08x}",
            "profile_path": None,
        },
        {
            "id": 300_000 + item_id,
            "name": f"Writer {item_id}",
            "department": "Writing",
            "job": "Screenplay",
            "credit_id": f"54fe{item_id:08x}",
            "profile_path": None,
        },
    ]
    return {"cast": cast, "crew": crew}


def _translations(translations: dict[str, Translation], key: str) -> dict[str, Any]:
    return {
        "translations": [
            {
                "iso_3166_1": "US" if code == "en" else code.upper(),
                "iso_639_1": code,
                "name": code,
                "english_name": code,
                "data": {
                    key: t.title,
                    "overview": t.overview,
                    "tagline": t.tagline,
                    "homepage": "",
                },
            }
            for code, t in translations.items()
        ]
    }


def movie_json(movie: Movie, request: Request) -> dict[str, Any]:
    language = request.query_params.get("language", "en-US")
    text = _text(movie.translations, language)
    append = _appended(request)
    body: dict[str, Any] = {
        "adult": False,
        "backdrop_path": f"/b{movie.id}.jpg",
        "belongs_to_collection": (
            {
                "id": movie.collection_id,
                "name": f"Collection {movie.collection_id}",
                "poster_path": None,
                "backdrop_path": None,
            }
            if movie.collection_id
            else None
        ),
        "budget": 0,
        "genres": [{"id": 18, "name": "Drama"}, {"id": 53, "name": "Thriller"}],
        "homepage": "",
        "id": movie.id,
        "imdb_id": movie.imdb_id,
        "original_language": movie.original_language,
        "original_title": movie.original_title or movie.title,
        "overview": text.overview,
        "popularity": 10.5,
        "poster_path": f"/p{movie.id}.jpg",
        "production_companies": [
            {"id": 1, "name": "Fake Studios", "logo_path": None, "origin_country": "US"}
        ],
        "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
        "release_date": _date(movie.year),
        "revenue": 0,
        "runtime": movie.runtime,
        "spoken_languages": [],
        "status": "Released",
        "tagline": text.tagline,
        "title": text.title,
        "video": False,
        "vote_average": 7.25,
        "vote_count": 1000 + movie.id % 1000,
    }
    if "credits" in append:
        body["credits"] = _credits(movie.id)
    if "images" in append:
        body["images"] = _images("m", movie.id, _image_languages(request))
    if "external_ids" in append:
        body["external_ids"] = {
            "imdb_id": movie.imdb_id,
            "wikidata_id": None,
            "facebook_id": None,
            "instagram_id": None,
            "twitter_id": None,
        }
    if "release_dates" in append:
        body["release_dates"] = {
            "results": [
                {
                    "iso_3166_1": "US",
                    "release_dates": [
                        {
                            "certification": "NR",
                            "descriptors": [],
                            "iso_639_1": "",
                            "note": "Festival",
                            "release_date": f"{_date(movie.year)}T00:00:00.000Z",
                            "type": 1,
                        },
                        {
                            "certification": "PG-13",
                            "descriptors": [],
                            "iso_639_1": "",
                            "note": "",
                            "release_date": f"{_date(movie.year)}T00:00:00.000Z",
                            "type": 3,
                        },
                    ],
                },
                {
                    "iso_3166_1": "DE",
                    "release_dates": [
                        {
                            "certification": "12",
                            "descriptors": [],
                            "iso_639_1": "",
                            "note": "",
                            "release_date": f"{_date(movie.year)}T00:00:00.000Z",
                            "type": 3,
                        },
                    ],
                },
            ]
        }
    if "keywords" in append:
        body["keywords"] = {"keywords": [{"id": 9715, "name": "superhero"}]}
    if "videos" in append:
        body["videos"] = {
            "results": [
                {
                    "iso_639_1": "en",
                    "iso_3166_1": "US",
                    "name": "Official Trailer",
                    "key": f"yt{movie.id}",
                    "site": "YouTube",
                    "size": 1080,
                    "type": "Trailer",
                    "official": True,
                    "published_at": "2020-01-01T00:00:00.000Z",
                    "id": f"v{movie.id}",
                }
            ]
        }
    if "translations" in append:
        body["translations"] = _translations(movie.translations, "title")
    body.update(movie.raw_overrides)
    return body


def tv_json(series: Series, request: Request) -> dict[str, Any]:
    language = request.query_params.get("language", "en-US")
    text = _text(series.translations, language)
    append = _appended(request)
    body: dict[str, Any] = {
        "backdrop_path": None,
        "created_by": [],
        "episode_run_time": [42],
        "first_air_date": _date(series.year),
        "genres": [{"id": 18, "name": "Drama"}],
        "homepage": "",
        "id": series.id,
        "in_production": False,
        "languages": [series.original_language],
        "last_air_date": _date(series.year + len(series.season_sizes) - 1, 6, 1),
        "name": text.title,
        "networks": [{"id": 6, "name": "NBC", "logo_path": None, "origin_country": "US"}],
        "next_episode_to_air": None,
        "number_of_episodes": sum(series.season_sizes),
        "number_of_seasons": len(series.season_sizes),
        "origin_country": ["US"],
        "original_language": series.original_language,
        "original_name": series.title,
        "overview": text.overview,
        "popularity": 50.0,
        "poster_path": f"/tvp{series.id}.jpg",
        "production_companies": [],
        "seasons": [
            {
                "air_date": _date(series.year + n - 1),
                "episode_count": size,
                "id": series.id * 100 + n,
                "name": f"Season {n}",
                "overview": "",
                "poster_path": None,
                "season_number": n,
                "vote_average": 0,
            }
            for n, size in enumerate(series.season_sizes, start=1)
        ],
        "status": "Ended",
        "tagline": text.tagline,
        "type": "Scripted",
        "vote_average": 8.1,
        "vote_count": 2500,
    }
    if "credits" in append:
        body["credits"] = _credits(series.id)
    if "images" in append:
        body["images"] = _images("t", series.id, _image_languages(request))
    if "external_ids" in append:
        body["external_ids"] = {
            "imdb_id": series.imdb_id,
            "tvdb_id": series.tvdb_id,
            "tvrage_id": None,
            "wikidata_id": None,
            "freebase_mid": None,
        }
    if "content_ratings" in append:
        body["content_ratings"] = {
            "results": [{"descriptors": [], "iso_3166_1": "US", "rating": "TV-14"}]
        }
    if "keywords" in append:
        body["keywords"] = {"results": [{"id": 1, "name": "small town"}]}
    if "videos" in append:
        body["videos"] = {"results": []}
    if "translations" in append:
        body["translations"] = _translations(series.translations, "name")
    return body


def _episode(series: Series, season: int, number: int) -> dict[str, Any]:
    return {
        "air_date": _date(series.year + season - 1, 1 + (number - 1) % 12, 1),
        "episode_number": number,
        "episode_type": "standard",
        "id": series.id * 10_000 + season * 100 + number,
        "name": f"Episode {number}",
        "overview": f"Season {season}, episode {number}.",
        "production_code": "",
        "runtime": 42,
        "season_number": season,
        "show_id": series.id,
        "still_path": f"/still{series.id}_{season}_{number}.jpg",
        "vote_average": 7.5,
        "vote_count": 12,
        "crew": [],
        "guest_stars": [],
    }


def _season(series: Series, number: int) -> dict[str, Any]:
    return {
        "_id": f"5256c{series.id:06x}{number:04x}",
        "air_date": _date(series.year + number - 1),
        "episodes": [
            _episode(series, number, e) for e in range(1, series.season_sizes[number - 1] + 1)
        ],
        "name": f"Season {number}",
        "overview": "",
        "id": series.id * 100 + number,
        "poster_path": f"/season{series.id}_{number}.jpg",
        "season_number": number,
        "vote_average": 7.0,
    }
