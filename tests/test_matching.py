"""Matching: normalized titles, years, kinds, the threshold and the margin."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.content.matching.normalize import normalize_title
from reelhouse.content.matching.score import MatchQuery, Verdict, choose
from reelhouse.content.metadata.models import Candidate, ExternalIds
from reelhouse.kinds import ItemKind

MOVIE = ItemKind.MOVIE
THRESHOLD, MARGIN = 0.86, 0.04


def movie(tmdb: int, title: str, year: int | None, **extra: object) -> Candidate:
    return Candidate.model_validate(
        {
            "provider": "tmdb",
            "kind": MOVIE,
            "ids": ExternalIds(tmdb=tmdb),
            "title": title,
            "year": year,
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Amélie", "Amelie"),
        ("The Office", "Office"),
        ("Charlotte's Web", "Charlottes Web"),
        ("Charlotte\u2019s Web", "Charlotte's Web"),
        ("Rocky II", "Rocky 2"),
        ("Fast & Furious", "Fast and Furious"),
        ("Star Wars: Episode V", "Star Wars - Episode 5"),
        ("L'Amour fou", "Amour Fou"),
    ],
)
def test_spellings_that_mean_the_same_normalize_the_same(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


@pytest.mark.parametrize("title", ["Real Steel", "Uncut Gems", "Cam", "It", "Charlotte's Web"])
def test_release_words_in_titles_are_kept(title: str) -> None:
    assert len(normalize_title(title).split()) == len(title.split())


@given(st.text(max_size=60))
def test_normalized_titles_are_words_and_ignore_punctuation(title: str) -> None:
    normalized = normalize_title(title)
    assert re.fullmatch(r"([^\W_]+( [^\W_]+)*)?", normalized)
    assert normalize_title(f"{title} ?!") == normalized


CATALOGUE = [
    movie(1, "Real Steel", 2011),
    movie(2, "It", 2017),
    movie(3, "It", 1927),
    movie(4, "It Follows", 2014),
    movie(5, "Uncut Gems", 2019),
    movie(6, "Cam", 2018),
    movie(7, "Camp", 2003),
    movie(8, "Charlotte's Web", 2006),
    movie(9, "Charlotte's Web", 1973),
    movie(10, "Steel", 1997),
    movie(11, "Gems", 2001),
]


@pytest.mark.parametrize(
    ("title", "year", "expected"),
    [
        ("Real Steel", 2011, 1),
        ("It", 2017, 2),
        ("It", 1927, 3),
        ("Uncut Gems", 2019, 5),
        ("Cam", 2018, 6),
        ("Charlotte's Web", 1973, 9),
        ("Charlottes Web", 2006, 8),
        ("Real Steel", 2012, 1),  # a year off by one still matches
    ],
)
def test_titles_with_release_words_match_the_right_movie(
    title: str, year: int, expected: int
) -> None:
    result = choose(MatchQuery(title, MOVIE, year), CATALOGUE, threshold=THRESHOLD, margin=MARGIN)
    assert result.verdict is Verdict.MATCHED
    assert result.best is not None
    assert result.best.ids.tmdb == expected


def test_two_equally_good_candidates_are_ambiguous_not_the_first() -> None:
    result = choose(MatchQuery("It", MOVIE), CATALOGUE, threshold=THRESHOLD, margin=MARGIN)
    assert result.verdict is Verdict.AMBIGUOUS
    assert result.best is None
    assert {s.candidate.ids.tmdb for s in result.ranked[:2]} == {2, 3}


def test_a_poor_first_result_is_not_taken() -> None:
    candidates = [movie(7, "Camp", 2018), movie(12, "Camera Obscura", 2018)]
    result = choose(MatchQuery("Cam", MOVIE, 2018), candidates, threshold=THRESHOLD, margin=MARGIN)
    assert result.verdict is Verdict.BELOW_THRESHOLD
    assert result.best is None
    assert result.confidence < THRESHOLD


def test_the_original_or_an_alternative_title_can_match() -> None:
    candidates = [
        movie(20, "Amélie", 2001, original_title="Le Fabuleux Destin d'Amélie Poulain"),
        movie(21, "Spirited Away", 2001, alternative_titles=("Sen to Chihiro no Kamikakushi",)),
    ]
    for title, expected in [
        ("Le fabuleux destin d'Amelie Poulain", 20),
        ("Sen to Chihiro no Kamikakushi", 21),
    ]:
        result = choose(
            MatchQuery(title, MOVIE, 2001), candidates, threshold=THRESHOLD, margin=MARGIN
        )
        assert result.best is not None
        assert result.best.ids.tmdb == expected


def test_a_year_far_off_or_another_kind_does_not_match() -> None:
    far = choose(
        MatchQuery("Real Steel", MOVIE, 1990), CATALOGUE, threshold=THRESHOLD, margin=MARGIN
    )
    assert far.verdict is Verdict.BELOW_THRESHOLD
    series = choose(
        MatchQuery("Real Steel", ItemKind.SERIES, 2011),
        CATALOGUE,
        threshold=THRESHOLD,
        margin=MARGIN,
    )
    assert series.verdict is Verdict.BELOW_THRESHOLD


def test_no_candidates() -> None:
    assert choose(MatchQuery("x", MOVIE), [], threshold=THRESHOLD, margin=MARGIN).verdict is (
        Verdict.NO_CANDIDATES
    )
