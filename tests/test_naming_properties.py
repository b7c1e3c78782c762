"""Property tests: no input crashes identification, no path is lost or altered, and the fields
of well-formed names come back exactly."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reelhouse.kinds import LibraryKind
from reelhouse.naming import Identity, Kind, group, identify
from reelhouse.naming.titles import is_release_token
from reelhouse.naming.vocabulary import EDITION_WORDS, LANGUAGE_WORDS, UPPER_TOKENS

_FOLD = re.compile(r"[\W_]+")
_RISKY = re.compile(r"sample|trailer|theme|backdrop|^\.|^[\W_]+$", re.IGNORECASE)

hints = st.sampled_from([*LibraryKind, None])
component = st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=30)
paths = st.builds(
    lambda parts, folder: "/".join(parts) + ("/" if folder else ""),
    st.lists(component, min_size=1, max_size=5),
    st.booleans(),
)
words = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéøß0123456789 '&!,"),
    min_size=1,
    max_size=40,
)


def fold(text: str | None) -> str:
    return _FOLD.sub("", text or "").casefold()


@given(st.text(), hints)
def test_any_text_is_identified_without_error_and_the_path_kept(
    path: str, hint: LibraryKind | None
) -> None:
    identity = identify(path, library=hint, fallback=False)
    assert identity.path == path
    assert json.loads(json.dumps(identity.to_json()))["path"] == path


@given(paths, hints)
def test_an_identity_as_a_scan_stores_it_reads_back_the_same(
    path: str, hint: LibraryKind | None
) -> None:
    identity = identify(path, library=hint, fallback=False)
    stored = json.loads(json.dumps(identity.to_json()))
    del stored["path"]
    assert Identity.from_json(stored, path=path) == identity


@given(
    st.dictionaries(
        st.sampled_from(
            ["kind", "title", "year", "episodes", "air_date", "owner", "provider_ids", "forced"]
        ),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(),
            st.booleans(),
            st.lists(st.integers()),
            st.dictionaries(st.text(), st.text()),
        ),
    )
)
def test_any_stored_identity_reads_back_typed_or_left_out(stored: dict[str, object]) -> None:
    identity = Identity.from_json(stored, path="x.mkv")
    assert isinstance(identity.kind, Kind)
    assert identity.year is None or type(identity.year) is int
    assert all(type(n) is int for n in identity.episodes)
    assert all(isinstance(v, str) for v in identity.provider_ids.values())


@settings(max_examples=40, deadline=None)
@given(paths, hints)
def test_structured_paths_survive_the_fallback_too(path: str, hint: LibraryKind | None) -> None:
    identity = identify(path, library=hint)
    assert identity.path == path
    assert isinstance(identity.kind, Kind)


@given(paths, hints)
def test_fast_titles_come_from_the_path(path: str, hint: LibraryKind | None) -> None:
    identity = identify(path, library=hint, fallback=False)
    for text in (identity.title, identity.series, identity.episode_title):
        assert fold(text) in fold(path)


@given(st.lists(paths, max_size=30), hints)
def test_grouping_loses_no_path(batch: list[str], hint: LibraryKind | None) -> None:
    items = group(identify(p, library=hint, fallback=False) for p in batch)
    seen: list[str] = []
    for item in items:
        if "versions" in item:
            seen += [p for version in item["versions"] for p in version["parts"]]
            seen += [e["path"] for e in item.get("extras", [])]
            seen += [s["path"] for s in item.get("subtitles", [])]
        else:
            seen.append(item["path"])
    assert sorted(seen) == sorted(batch)


@given(words, st.integers(1890, 2099), st.sampled_from(["mkv", "mp4", "avi"]))
def test_title_and_year_come_back_exactly(title: str, year: int, ext: str) -> None:
    assume(not _RISKY.search(title.strip()) and fold(title))
    identity = identify(f"{title} ({year}).{ext}", library=LibraryKind.MOVIES, fallback=False)
    assert identity.kind is Kind.MOVIE
    assert identity.year == year
    assert fold(identity.title) == fold(title)


@given(words, st.integers(0, 99), st.integers(1, 999), st.sampled_from([".", " ", "_"]))
def test_season_and_episode_come_back_exactly(
    series: str, season: int, episode: int, sep: str
) -> None:
    assume(not _RISKY.search(series.strip()) and fold(series))
    assume(not re.search(r"(?i)s\d|\dx\d|season|\d{4}", series))
    name = f"{series}{sep}S{season:02d}E{episode:02d}.mkv"
    identity = identify(name, fallback=False)
    assert identity.kind is Kind.EPISODE
    assert (identity.season, identity.episode, identity.episodes) == (season, episode, (episode,))


@given(st.integers(1, 500), st.integers(1, 20))
def test_ranges_expand_to_every_episode(first: int, length: int) -> None:
    last = first + length
    identity = identify(f"Show.S01E{first:02d}-E{last:02d}.mkv", fallback=False)
    assert identity.episodes == tuple(range(first, last + 1))
    assert identity.end_episode == last


letters_word = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=2, max_size=9
).filter(lambda w: not is_release_token(w))
title_words = st.lists(letters_word, min_size=1, max_size=5)
release_parts = st.lists(
    st.sampled_from(["1080p", "720p", "2160p", "BluRay", "WEB-DL", "x264", "x265", "HEVC",
                     "DDP5.1", "AAC", "REPACK", "PROPER", "HDR", "10bit", "AMZN", "NF"]),
    min_size=1,
    max_size=6,
)  # fmt: skip


@settings(max_examples=300)
@given(
    title_words,
    st.integers(1900, 2099),
    release_parts,
    st.sampled_from(["", "-GRP", "-NTb", "-EVO[EtHD]", " [rarbg]", "[YTS.MX]"]),
    st.sampled_from([".", " ", "_"]),
)
def test_release_names_give_back_title_and_year(
    words: list[str], year: int, parts: list[str], group: str, sep: str
) -> None:
    assume(not _RISKY.search(" ".join(words)))
    name = sep.join([*words, str(year), *parts]) + group + ".mkv"
    identity = identify(name, library=LibraryKind.MOVIES, fallback=False)
    assert (fold(identity.title), identity.year) == (fold("".join(words)), year), name


@settings(max_examples=300)
@given(title_words, st.integers(1, 30), st.integers(1, 99), release_parts, st.sampled_from(". _"))
def test_release_episode_names_give_back_series_season_and_episode(
    words: list[str], season: int, episode: int, parts: list[str], sep: str
) -> None:
    assume(not _RISKY.search(" ".join(words)))
    assume(not re.search(r"(?i)^(s\d|e\d)", "".join(words)))
    name = sep.join([*words, f"S{season:02d}E{episode:02d}", *parts]) + "-GRP.mkv"
    identity = identify(name, fallback=False)
    assert (fold(identity.series), identity.season, identity.episode) == (
        fold("".join(words)),
        season,
        episode,
    ), name
    assert identity.episode_title is None, name


@settings(max_examples=200)
@given(title_words, st.integers(1900, 2099), st.integers(0, 40), st.integers(1, 300), title_words)
def test_plex_episode_paths_give_back_every_field(
    words: list[str], year: int, season: int, episode: int, episode_words: list[str]
) -> None:
    series, title = " ".join(words), " ".join(episode_words)
    assume(not _RISKY.search(series) and not _RISKY.search(title))
    # "Pilot GERMAN" is a title with a language tag: a capitalised language word after others.
    last = episode_words[-1]
    assume(not (len(episode_words) > 1 and last.isupper() and last.lower() in LANGUAGE_WORDS))
    path = (
        f"{series} ({year})/Season {season}/"
        f"{series} ({year}) - S{season:02d}E{episode:02d} - {title}.mkv"
    )
    identity = identify(path, library=LibraryKind.TV, fallback=False)
    got = (identity.series, identity.year, identity.season, identity.episodes)
    assert got == (series, year, season, (episode,)), path
    assert identity.episode_title == title, path


@settings(max_examples=200)
@given(title_words, st.integers(1, 2000), st.sampled_from(["SubsPlease", "Erai-raws", "Judas"]))
def test_anime_paths_give_back_the_absolute_number(
    words: list[str], number: int, release_group: str
) -> None:
    series = " ".join(words)
    assume(not _RISKY.search(series))
    assume(not re.search(r"(?i)(^| )(s|season ?)\d+$", series))
    identity = identify(f"[{release_group}] {series} - {number:02d} [1080p].mkv", fallback=False)
    assert (identity.series, identity.absolute_episode) == (series, number)


@pytest.mark.parametrize(
    "name",
    [
        "Show" + " - " * 80 + "12.mkv",
        "Show S01E01" + " ._" * 78 + "-x.mkv",
        "Season 1 Episode 1" + " - " * 75 + ".mkv",
        " " * 250 + "x.mkv",
    ],
)
def test_long_hostile_names_are_still_identified(name: str) -> None:
    assert len(name) <= 255
    assert identify(name, fallback=False).path == name


def test_names_longer_than_any_file_system_allows_are_refused() -> None:
    path = "Movies/" + "a" * 256 + ".mkv"
    identity = identify(path)
    assert (identity.kind, identity.reason, identity.path) == (Kind.UNKNOWN, "name_too_long", path)


# Names from title x year x edition x quality x group x separator, read back whole.
_EDITION_FORMS = [
    ("", None),
    ("Directors.Cut", "Director's Cut"),
    ("EXTENDED", "Extended"),
    ("Special.Edition", "Special Edition"),
    ("UNRATED", "Unrated"),
    ("REMASTERED", "Remastered"),
    ("Open.Matte", "Open Matte"),
    ("Despecialized", "Despecialized"),
    ("IMAX", "IMAX"),
    ("RECUT.EXTENDED", "Recut Extended"),
]
_QUALITIES = ["1080p.BluRay.x264", "2160p.WEB-DL.DDP5.1.HEVC", "720p.HDTV.x264", "BDRip.XviD",
              "1080p.AMZN.WEB-DL.DDP5.1.H.264",
              "2160p.UHD.BluRay.REMUX.HDR.TrueHD.7.1.Atmos"]  # fmt: skip
_GROUPS = ["-GRP", "-NTb", "-FLUX", "-EVO[EtHD]", " [rarbg]", ""]
_TAG_WORDS = LANGUAGE_WORDS | EDITION_WORDS
plain_words = st.lists(
    letters_word.filter(lambda w: w.lower() not in _TAG_WORDS and w.upper() not in UPPER_TOKENS),
    min_size=1,
    max_size=5,
)


@settings(max_examples=300)
@given(
    plain_words,
    st.integers(1900, 2099),
    st.sampled_from(_EDITION_FORMS),
    st.sampled_from(_QUALITIES),
    st.sampled_from(_GROUPS),
    st.sampled_from([".", " ", "_"]),
    st.booleans(),
)
def test_a_release_name_reads_back_its_title_year_and_edition(
    words: list[str],
    year: int,
    edition: tuple[str, str | None],
    quality: str,
    release_group: str,
    sep: str,
    edition_first: bool,
) -> None:
    """Editions go after the year (scene rules) or before it (as found in the wild)."""
    assume(not _RISKY.search(" ".join(words)))
    written, canonical = edition
    tags = [written.replace(".", sep)] if written else []
    middle = [*tags, str(year)] if edition_first else [str(year), *tags]
    name = sep.join([*words, *middle, quality.replace(".", sep)]) + release_group + ".mkv"
    identity = identify(name, library=LibraryKind.MOVIES, fallback=False)
    got = (fold(identity.title), identity.year, identity.edition)
    assert got == (fold("".join(words)), year, canonical), name


@settings(max_examples=200)
@given(plain_words, st.integers(1900, 2099), st.sampled_from(_EDITION_FORMS[1:]))
def test_a_plex_name_reads_back_its_edition_tag(
    words: list[str], year: int, edition: tuple[str, str | None]
) -> None:
    title, tag = " ".join(words), edition[1]
    assume(not _RISKY.search(title))
    path = f"{title} ({year})/{title} ({year}) {{edition-{tag}}}.mkv"
    identity = identify(path, library=LibraryKind.MOVIES, fallback=False)
    assert (identity.title, identity.year, identity.edition) == (title, year, tag), path
