"""A deterministic catalogue of any size, plus hand-written records that look like the real ones.

Generated movies have TMDb ids 1..N and series 1..M; everything about an item derives from its id,
so nothing is stored per item and two runs serve identical answers. The hand-written records (ids
from `HANDWRITTEN_BASE`) carry the awkward parts of real data: nulls, missing fields, empty
translations, titles made of words that also appear in release names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from reelhouse.testing.library import CatalogueTitle

HANDWRITTEN_BASE = 900_000
TVDB_OFFSET = 70_000

_ADJECTIVES = [
    "Silent",
    "Broken",
    "Golden",
    "Hidden",
    "Last",
    "Distant",
    "Crimson",
    "Frozen",
    "Burning",
    "Endless",
    "Quiet",
    "Savage",
    "Hollow",
    "Wild",
    "Bright",
    "Lonely",
    "Secret",
    "Iron",
    "Velvet",
    "Paper",
    "Glass",
    "Northern",
    "Southern",
    "Electric",
    "Midnight",
    "Sunday",
    "Lucky",
    "Bitter",
    "Sweet",
    "Lost",
    "Final",
    "Forgotten",
    "Eternal",
    "Restless",
    "Painted",
    "Stolen",
    "Falling",
    "Rising",
    "Dark",
]
_NOUNS = [
    "Harbor",
    "Garden",
    "Station",
    "Mirror",
    "River",
    "Empire",
    "Witness",
    "Horizon",
    "Promise",
    "Letter",
    "Frontier",
    "Kingdom",
    "Signal",
    "Orchard",
    "Lighthouse",
    "Voyage",
    "Summer",
    "Winter",
    "Island",
    "Highway",
    "Circus",
    "Theory",
    "Machine",
    "Canyon",
    "Symphony",
    "Orbit",
    "Passage",
    "Shadow",
    "Carnival",
    "Meridian",
    "Lantern",
    "Archive",
    "Tide",
    "Forest",
    "Compass",
    "Border",
    "Engine",
    "Ballad",
    "Citadel",
]
_GENRES = (
    (18, "Drama"),
    (35, "Comedy"),
    (28, "Action"),
    (53, "Thriller"),
    (878, "Science Fiction"),
)
_LANGUAGES = ("en", "en", "en", "fr", "de", "ja", "es")


@dataclass(frozen=True)
class Translation:
    title: str
    overview: str
    tagline: str = ""


@dataclass(frozen=True)
class Movie:
    id: int
    title: str
    year: int | None
    original_language: str
    translations: dict[str, Translation]
    original_title: str | None = None
    imdb_id: str | None = None
    runtime: int | None = None
    collection_id: int | None = None
    raw_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    id: int
    title: str
    year: int
    original_language: str
    translations: dict[str, Translation]
    season_sizes: tuple[int, ...]
    imdb_id: str | None = None

    @property
    def tvdb_id(self) -> int:
        return TVDB_OFFSET + self.id


def _title(rng: random.Random, item_id: int) -> str:
    base = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    return base if item_id % 7 else f"The {base}"


def _generated_movie(movie_id: int) -> Movie:
    rng = random.Random(f"movie-{movie_id}")
    title = f"{_title(rng, movie_id)} {movie_id}"
    language = rng.choice(_LANGUAGES)
    overview = f"A story about {title.lower()}, told in {rng.randint(2, 9)} acts."
    return Movie(
        id=movie_id,
        title=title,
        year=1950 + movie_id % 75,
        original_language=language,
        translations={"en": Translation(title, overview, "Nothing stays hidden.")},
        imdb_id=f"tt{1_000_000 + movie_id:07d}",
        runtime=80 + movie_id % 70,
        # Every third movie is in a collection, two to a collection (movies 6 and 9 are both
        # in collection 2), so a library may hold one of them and miss the other.
        collection_id=1 + movie_id // 6 if movie_id % 3 == 0 else None,
    )


def _generated_series(series_id: int) -> Series:
    rng = random.Random(f"series-{series_id}")
    title = f"{_title(rng, series_id)} Chronicles {series_id}"
    seasons = tuple(6 + rng.randint(0, 4) for _ in range(1 + series_id % 4))
    return Series(
        id=series_id,
        title=title,
        year=1990 + series_id % 35,
        original_language=rng.choice(_LANGUAGES),
        translations={"en": Translation(title, f"The {title} saga.")},
        season_sizes=seasons,
        imdb_id=f"tt{5_000_000 + series_id:07d}",
    )


def _handwritten_movies() -> list[Movie]:
    def en(title: str, overview: str = "") -> dict[str, Translation]:
        return {"en": Translation(title, overview)}

    base = HANDWRITTEN_BASE
    return [
        Movie(
            base + 1,
            "Real Steel",
            2011,
            "en",
            en("Real Steel", "Robot boxing."),
            None,
            "tt0433035",
            127,
        ),
        Movie(
            base + 2, "It", 2017, "en", en("It", "Seven kids and a clown."), None, "tt1396484", 135
        ),
        Movie(base + 3, "It", 1927, "en", en("It", "Clara Bow has it."), None, "tt0018033", 72),
        Movie(
            base + 4,
            "Uncut Gems",
            2019,
            "en",
            en("Uncut Gems", "A jeweler's bet."),
            None,
            "tt5727208",
            135,
        ),
        Movie(
            base + 5, "Cam", 2018, "en", en("Cam", "A camgirl is replaced."), None, "tt7014006", 94
        ),
        Movie(
            base + 6,
            "Camp",
            2003,
            "en",
            en("Camp", "A summer theatre camp."),
            None,
            "tt0342167",
            114,
        ),
        Movie(
            base + 7,
            "Charlotte's Web",
            2006,
            "en",
            en("Charlotte's Web", "A pig, a spider."),
            None,
            "tt0413895",
            97,
        ),
        Movie(
            base + 8,
            "Charlotte's Web",
            1973,
            "en",
            en("Charlotte's Web", "Animated pig."),
            None,
            "tt0070016",
            94,
        ),
        # French original: no German overview, so German falls back to French, then English.
        Movie(
            base + 9,
            "Amélie",
            2001,
            "fr",
            {
                "fr": Translation("Le Fabuleux Destin d'Amélie Poulain", "Amélie, serveuse."),
                "en": Translation("Amélie", "Amélie, a waitress.", "She'll change your life."),
                "de": Translation("Die fabelhafte Welt der Amélie", ""),
            },
            "Le Fabuleux Destin d'Amélie Poulain",
            "tt0211915",
            122,
        ),
        # Nulls and missing fields everywhere a real answer has them.
        Movie(
            base + 10,
            "Untitled Project",
            None,
            "en",
            en("Untitled Project"),
            None,
            None,
            None,
            raw_overrides={
                "genres": None,
                "overview": None,
                "runtime": None,
                "tagline": None,
                "release_date": "",
                "belongs_to_collection": None,
                "vote_count": 0,
                "credits": {
                    "cast": None,
                    "crew": [{"id": 7, "name": "Someone", "job": "Director", "department": None}],
                },
                "images": {"posters": None, "backdrops": []},
            },
        ),
        Movie(
            base + 11, "Rocky II", 1979, "en", en("Rocky II", "Round two."), None, "tt0079817", 119
        ),
    ]


def _handwritten_series() -> list[Series]:
    base = HANDWRITTEN_BASE
    return [
        Series(
            base + 1,
            "The Office",
            2005,
            "en",
            {"en": Translation("The Office", "Paper company.")},
            (6, 22, 25),
            "tt0386676",
        ),
        Series(
            base + 2,
            "Dark",
            2017,
            "de",
            {"de": Translation("Dark", "Winden, 2019."), "en": Translation("Dark", "")},
            (10, 8, 8),
            "tt5753856",
        ),
    ]


class Catalogue:
    """The fake providers' whole world; items are computed from their ids on demand."""

    def __init__(self, movies: int, series: int) -> None:
        self.movie_count = movies
        self.series_count = series
        self._movies = {m.id: m for m in _handwritten_movies()}
        self._series = {s.id: s for s in _handwritten_series()}

    def movie(self, movie_id: int) -> Movie | None:
        if 1 <= movie_id <= self.movie_count:
            return _generated_movie(movie_id)
        return self._movies.get(movie_id)

    def series(self, series_id: int) -> Series | None:
        if 1 <= series_id <= self.series_count:
            return _generated_series(series_id)
        return self._series.get(series_id)

    def series_by_tvdb(self, tvdb_id: int) -> Series | None:
        return self.series(tvdb_id - TVDB_OFFSET)

    def library_titles(self) -> list[CatalogueTitle]:
        """The generated movies and series as the library generator's titles (with the ids a
        folder name may carry), so that a generated library matches this catalogue."""
        movies = (self.movie(i) for i in range(1, self.movie_count + 1))
        series = (self.series(i) for i in range(1, self.series_count + 1))
        return [
            *(CatalogueTitle(m.title, m.year or 2000, False, m.id) for m in movies if m),
            *(CatalogueTitle(s.title, s.year, True, s.tvdb_id) for s in series if s),
        ]

    def movie_ids(self) -> list[int]:
        return [*range(1, self.movie_count + 1), *self._movies]

    def series_ids(self) -> list[int]:
        return [*range(1, self.series_count + 1), *self._series]

    def search_movies(self, query: str) -> list[Movie]:
        found = (self.movie(i) for i in self.movie_ids())
        return [m for m in found if m is not None and _matches(query, m.translations, m.title)]

    def search_series(self, query: str) -> list[Series]:
        found = (self.series(i) for i in self.series_ids())
        return [s for s in found if s is not None and _matches(query, s.translations, s.title)]

    def movie_by_imdb(self, imdb_id: str) -> Movie | None:
        for movie_id in self.movie_ids():
            movie = self.movie(movie_id)
            if movie and movie.imdb_id == imdb_id:
                return movie
        return None

    def series_by_imdb(self, imdb_id: str) -> Series | None:
        for series_id in self.series_ids():
            series = self.series(series_id)
            if series and series.imdb_id == imdb_id:
                return series
        return None


def _matches(query: str, translations: dict[str, Translation], title: str) -> bool:
    """A crude search like the real ones: every query word appears in some title."""
    words = query.casefold().split()
    titles = [title.casefold(), *(t.title.casefold() for t in translations.values())]
    return bool(words) and any(all(w in t.split() or w in t for w in words) for t in titles)
