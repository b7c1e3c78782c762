"""Kodi NFO reading: full files, URL-only files, multi-episode files, and hostile or broken XML."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelhouse.content.metadata.models import ExternalIds
from reelhouse.errors import InvalidInputError
from reelhouse.providers.nfo import (
    NfoReader,
    parse_episodes,
    parse_movie,
    parse_season,
    parse_series,
)

MOVIE_NFO = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<movie>
    <title>Real Steel</title>
    <originaltitle>Real Steel</originaltitle>
    <plot>In the near future, robot boxing is a top sport.</plot>
    <tagline>Champions aren't born. They're built.</tagline>
    <runtime>127</runtime>
    <mpaa>PG-13</mpaa>
    <premiered>2011-09-28</premiered>
    <uniqueid type="tmdb" default="true">39254</uniqueid>
    <uniqueid type="imdb">tt0433035</uniqueid>
    <genre>Action</genre>
    <genre>Science Fiction</genre>
    <studio>DreamWorks</studio>
    <set><name>Robots</name><overview></overview></set>
    <ratings>
        <rating name="imdb" max="10" default="true"><value>7.1</value><votes>340000</votes></rating>
        <rating name="metacritic" max="100"><value>56</value></rating>
    </ratings>
    <actor><name>Hugh Jackman</name><role>Charlie Kenton</role><order>0</order></actor>
    <actor><name>Dakota Goyo</name><role>Max Kenton</role><order>1</order></actor>
    <director>Shawn Levy</director>
    <thumb aspect="poster">https://image.example/poster.jpg</thumb>
    <fanart><thumb>https://image.example/fanart.jpg</thumb></fanart>
    <unknowntag>ignored</unknowntag>
</movie>
"""


def test_a_full_movie_nfo() -> None:
    movie = parse_movie(MOVIE_NFO, "movie.nfo")
    assert movie.title == "Real Steel"
    assert movie.ids == ExternalIds(tmdb=39254, imdb="tt0433035")
    assert movie.release_date == date(2011, 9, 28)
    assert movie.runtime_minutes == 127
    assert movie.genres == ("Action", "Science Fiction")
    assert movie.collection is not None
    assert movie.collection.name == "Robots"
    assert movie.ratings["imdb"].votes == 340_000
    assert movie.ratings["metacritic"].value == 5.6  # rescaled from 0-100
    assert [(c.name, c.role) for c in movie.credits] == [
        ("Hugh Jackman", "actor"),
        ("Dakota Goyo", "actor"),
        ("Shawn Levy", "director"),
    ]
    assert {a.kind for a in movie.artwork} == {"poster", "backdrop"}
    assert movie.sources == ("nfo",)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("https://www.themoviedb.org/movie/39254-real-steel", ExternalIds(tmdb=39254)),
        ("http://www.imdb.com/title/tt0433035/\n", ExternalIds(imdb="tt0433035")),
        ("https://thetvdb.com/?tab=series&id=79168", ExternalIds(tvdb=79168)),
        ("https://thetvdb.com/dereferrer/series/79168", ExternalIds(tvdb=79168)),
    ],
)
def test_a_url_only_nfo_yields_the_id(text: str, ids: ExternalIds) -> None:
    assert parse_movie(text.encode(), "movie.nfo").ids == ids


def test_xml_followed_by_a_link_yields_both() -> None:
    data = b"<movie><title>Cam</title></movie>\nhttps://www.imdb.com/title/tt7014006/"
    movie = parse_movie(data, "Cam.nfo")
    assert movie.title == "Cam"
    assert movie.ids == ExternalIds(imdb="tt7014006")


def test_a_tvshow_nfo() -> None:
    data = b"""<tvshow><title>The Office</title><premiered>2005-03-24</premiered>
        <uniqueid type="tvdb" default="true">73244</uniqueid><status>Ended</status></tvshow>"""
    series = parse_series(data, "tvshow.nfo")
    assert series.ids == ExternalIds(tvdb=73244)
    assert series.status == "Ended"


def test_a_season_nfo() -> None:
    season = parse_season(b"<season><seasonnumber>2</seasonnumber><title>Two</title></season>", "s")
    assert (season.season_number, season.title) == (2, "Two")


def test_a_file_with_two_episodes_gives_two_records() -> None:
    data = b"""<?xml version="1.0"?>
        <episodedetails><title>Pilot</title><season>1</season><episode>1</episode>
            <aired>2005-03-24</aired></episodedetails>
        <episodedetails><title>Diversity Day</title><season>1</season><episode>2</episode>
        </episodedetails>"""
    episodes = parse_episodes(data, "S01E01E02.nfo")
    assert [(e.season_number, e.episode_number, e.title) for e in episodes] == [
        (1, 1, "Pilot"),
        (1, 2, "Diversity Day"),
    ]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<movie><title>&lol3;</title></movie>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<movie><title>&xxe;</title></movie>"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<movie><title>unclosed</movie>", b"<tvshow/>"],
    ids=["billion-laughs", "external-entity", "malformed", "wrong-root"],
)
def test_hostile_or_broken_nfo_is_refused_with_the_file_named(data: bytes) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_movie(data, "/library/Bad (2020)/movie.nfo")
    assert caught.value.field == "/library/Bad (2020)/movie.nfo"


@pytest.mark.parametrize(
    "data",
    [
        b"<movie><uniqueid type='tmdb'>99999999999999999999999</uniqueid></movie>",
        b"<movie><premiered>2019-13-45</premiered></movie>",
        b"<movie><ratings><rating name='x'><value>high</value></rating></ratings></movie>",
    ],
    ids=["id-beyond-64-bits", "impossible-date", "rating-not-a-number"],
)
def test_out_of_range_values_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInputError):
        parse_movie(data, "movie.nfo")


@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_a_record_or_invalid_input(data: bytes) -> None:
    with contextlib.suppress(InvalidInputError):
        parse_movie(data, "fuzz.nfo")


_PRINTABLE = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))


@given(
    title=st.text(_PRINTABLE, max_size=40),
    plot=st.text(_PRINTABLE, max_size=80),
    year=st.integers(min_value=1, max_value=9999),
)
def test_generated_movie_nfo_round_trips(title: str, plot: str, year: int) -> None:
    data = (
        f"<movie><title>{escape(title)}</title><plot>{escape(plot)}</plot>"
        f"<premiered>{year:04d}-01-01</premiered></movie>"
    ).encode()
    movie = parse_movie(data, "gen.nfo")
    assert movie.title == (title.strip() or None)
    assert movie.release_date == date(year, 1, 1)


async def test_the_reader_refuses_an_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "movie.nfo"
    path.write_bytes(b"<movie>" + b" " * 2_000 + b"</movie>")
    with pytest.raises(InvalidInputError, match="larger than"):
        await NfoReader(max_bytes=1_000).movie(path)
    path.write_bytes(MOVIE_NFO)
    assert (await NfoReader(max_bytes=10_000).movie(path)).title == "Real Steel"


async def test_an_unreadable_file_is_invalid_input_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.nfo"
    with pytest.raises(InvalidInputError, match="cannot be read") as caught:
        await NfoReader(max_bytes=1_000).movie(missing)
    assert caught.value.field == str(missing)
