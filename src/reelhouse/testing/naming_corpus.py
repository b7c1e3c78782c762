"""The project's naming corpus: names with their expected readings, one file per class.

The files (``tests/data/naming_corpus/<class>.tsv``) are written by ``tests/naming_corpus_build.py``
from the naming conventions, never by running a parser. Each line is ``path``, ``library`` (empty,
``movies``, ``tv``, or ``tv:absolute`` / ``tv:seasonal`` for a TV library with its numbering) and
the expected fields as JSON. A reading is right when every expected field has its value
(``null``: the field is absent); titles compare folded (case and punctuation ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reelhouse.kinds import LibraryKind
from reelhouse.naming import identify
from reelhouse.naming.fallback import first_number, text_of
from reelhouse.naming.identity import Numbering

CLASSES = (
    "movies",
    "extras_words",
    "episodes",
    "daily",
    "anime",
    "folders",
    "3d_stubs",
    "subtitles",
)
#: Fields compared folded: the words matter, not their case or punctuation.
_FOLDED_FIELDS = frozenset({"title", "series", "alternate_title", "episode_title"})
_FOLD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class CorpusCase:
    """One name of the corpus and what it must read as."""

    name_class: str
    path: str
    library: LibraryKind | None
    numbering: Numbering | None
    expected: dict[str, Any]

    def read(self, *, fallback: bool = True) -> dict[str, Any]:
        """reelhouse's reading, as JSON."""
        found = identify(
            self.path, library=self.library, numbering=self.numbering, fallback=fallback
        )
        return found.to_json()

    def librarytext_of(self) -> str:
        text = self.library.value if self.library else ""
        return f"{text}:{self.numbering.value}" if self.numbering else text

    def line(self) -> str:
        expected = json.dumps(self.expected, ensure_ascii=False, sort_keys=True)
        return f"{self.path}\t{self.librarytext_of()}\t{expected}"


def fold(value: object) -> str:
    return _FOLD.sub("", str(value)).casefold() if value is not None else ""


def wrong_fields(reading: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The expected fields ``reading`` gets wrong, with what it read instead."""
    wrong: dict[str, Any] = {}
    for key, want in expected.items():
        got = reading.get(key)
        same = fold(got) == fold(want) if key in _FOLDED_FIELDS else got == want
        if not same or (want is None) != (got is None):
            wrong[key] = got
    return wrong


def parse_line(name_class: str, line: str) -> CorpusCase:
    path, library, expected = line.rstrip("\n").split("\t")
    kind, _, numbering = library.partition(":")
    return CorpusCase(
        name_class,
        path,
        LibraryKind(kind) if kind else None,
        Numbering(numbering) if numbering else None,
        json.loads(expected),
    )


def load(directory: Path, name_class: str) -> list[CorpusCase]:
    text = (directory / f"{name_class}.tsv").read_text(encoding="utf-8")
    return [parse_line(name_class, line) for line in text.splitlines() if line]


def load_all(directory: Path) -> Iterator[CorpusCase]:
    for name_class in CLASSES:
        yield from load(directory, name_class)


def accuracy(
    cases: list[CorpusCase], reader: Callable[[CorpusCase], dict[str, Any]]
) -> tuple[float, list[tuple[CorpusCase, dict[str, Any]]]]:
    """The share of ``cases`` ``reader`` reads right, and the ones it gets wrong."""
    failures = []
    for case in cases:
        wrong = wrong_fields(reader(case), case.expected)
        if wrong:
            failures.append((case, wrong))
    return (1 - len(failures) / len(cases)) if cases else 1.0, failures


def guessit_reading(case: CorpusCase) -> dict[str, Any]:
    """guessit's reading of a corpus name in the corpus's fields (what guessit has no field for
    stays absent), from the last two path components as the fallback gives them."""
    import guessit

    tail = "/".join(case.path.rstrip("/").split("/")[-2:])
    options = {}
    if case.library is LibraryKind.TV:
        options["type"] = "episode"
    elif case.library is LibraryKind.MOVIES:
        options["type"] = "movie"
    found = dict(guessit.guessit(tail, options))
    return _from_guess(found, folder=case.path.endswith("/"))


def _from_guess(found: dict[str, Any], *, folder: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    title = text_of(found.get("title"))
    year = first_number(found.get("year"))
    other = found.get("other") or []
    other = other if isinstance(other, list) else [other]
    if found.get("container") in ("srt", "ass", "ssa", "sub", "vtt", "idx", "sup", "smi"):
        language = found.get("subtitle_language") or found.get("language")
        language = language[-1] if isinstance(language, list) else language
        out.update(kind="subtitle", language=str(language) if language else None)
        return out
    raw = found.get("episode")
    episodes = [e for e in (raw if isinstance(raw, list) else [raw]) if isinstance(e, int)]
    season = first_number(found.get("season"))
    air = found.get("date")
    if found.get("type") == "episode":
        out["kind"] = "season_folder" if folder and not episodes else "episode"
        out.update(series=title, year=year, season=season)
        if season is None and len(episodes) == 1 and not isinstance(air, date):
            out["absolute_episode"] = episodes[0]
        elif episodes:
            out.update(episode=episodes[0], episodes=episodes)
            if len(episodes) > 1:
                out["end_episode"] = episodes[-1]
        if isinstance(air, date):
            out["air_date"] = air.isoformat()
        out["episode_title"] = text_of(found.get("episode_title"))
        out["alternate_title"] = text_of(found.get("alternative_title"))
    else:
        kind = "movie_folder" if folder else "movie"
        if "Sample" in other:
            kind = "sample"
        elif "Trailer" in other:
            kind = "extra"
        out.update(kind=kind, title=title, year=year)
        out["edition"] = text_of(found.get("edition"))
        out["part"] = first_number(found.get("part")) or first_number(found.get("cd"))
        out["alternate_title"] = text_of(found.get("alternative_title"))
    if "3D" in other:
        out["format_3d"] = "3d"
    return {k: v for k, v in out.items() if v is not None}
