"""Agreement with guessit, the accuracy reference, on names where guessit is right."""

from __future__ import annotations

import re
from typing import Any

import guessit
import pytest

from reelhouse.naming import Kind, identify
from reelhouse.testing.library import generate_library

_FOLD = re.compile(r"[\W_]+")


def fold(value: object) -> str:
    return _FOLD.sub("", str(value or "")).casefold()


def _ours(path: str) -> dict[str, Any]:
    found = identify(path)
    episode = found.episode if found.episode is not None else found.absolute_episode
    title = found.series if found.kind is Kind.EPISODE else found.title
    return {"title": fold(title), "year": found.year, "season": found.season, "episode": episode}


def _theirs(path: str) -> dict[str, Any]:
    found = guessit.guessit(path)
    episode = found.get("episode")
    return {
        "title": fold(found.get("title")),
        "year": found.get("year"),
        "season": found.get("season"),
        "episode": episode[0] if isinstance(episode, list) else episode,
    }


@pytest.mark.parametrize(
    "path",
    [
        "The.Matrix.1999.1080p.BluRay.x264-GRP.mkv",
        "Inception.2010.PROPER.720p.BRRip.XviD.AC3-GRP.avi",
        "Blade Runner (1982).mkv",
        "Parasite.2019.KOREAN.1080p.BluRay.x264.DTS-GRP.mkv",
        "Game.of.Thrones.S08E06.1080p.AMZN.WEB-DL.DDP5.1.H.264-GRP.mkv",
        "Breaking Bad - S01E02 - Cat's in the Bag.mkv",
        "Show.1x02.mkv",
        "Show.S01E01E02.mkv",
        "Doctor.Who.2005.S01E01.Rose.mkv",
        "[SubsPlease] One Piece - 1085 [1080p].mkv",
        "Heat.1995.REMASTERED.1080p.BluRay.x264-GRP.mkv",
        "Avatar.2009.EXTENDED.1080p.BluRay.x264.mkv",
    ],
)
def test_agrees_with_guessit(path: str) -> None:
    assert _ours(path) == _theirs(path)


def test_agreement_on_a_generated_library_sample() -> None:
    sample = [
        g.path
        for g in generate_library(1500, seed=11)
        if g.expected.get("kind") in ("movie", "episode")
    ][::15]
    agree = dict.fromkeys(("title", "year", "season", "episode"), 0)
    for path in sample:
        ours, theirs = _ours(path), _theirs("/".join(path.split("/")[-2:]))
        for key in agree:
            agree[key] += ours[key] == theirs[key]
    assert len(sample) >= 50
    assert all(count / len(sample) >= 0.85 for count in agree.values()), agree


def test_generated_names_get_exactly_their_expected_identity() -> None:
    for generated in generate_library(3000, seed=5):
        found = identify(generated.path, fallback=False).to_json()
        got = {key: found.get(key) for key in generated.expected}
        assert got == generated.expected, generated.path
