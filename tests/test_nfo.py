"""Kodi NFO reading: full files, URL-only files, multi-episode files, hostile or broken XML, and
the viewing history in them (play counts, last plays, resume points)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from reelhouse.content.metadata.models import (
    MAX_UTC_OFFSET,
    PLAY_COUNT_MAX,
    POSITION_MAX_S,
    ExternalIds,
    LocalWatch,
)
from reelhouse.errors import InvalidInputError
from reelhouse.providers.nfo import (
    NfoReader,
    build_movie,
    parse_contents,
    parse_episodes,
    parse_movie,
    parse_season,
    parse_series,
    parse_watch,
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


async def test_a_fifo_or_a_device_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "movie.nfo"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        await asyncio.wait_for(NfoReader(max_bytes=1_000).movie(fifo), timeout=10)
    endless = tmp_path / "tvshow.nfo"
    endless.symlink_to("/dev/zero")
    with pytest.raises(InvalidInputError, match="not a regular file"):
        await NfoReader(max_bytes=1_000).series(endless)


async def test_an_unreadable_file_is_invalid_input_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.nfo"
    with pytest.raises(InvalidInputError, match="cannot be read") as caught:
        await NfoReader(max_bytes=1_000).movie(missing)
    assert caught.value.field == str(missing)


# -- viewing history --------------------------------------------------------------------------

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def watch_of(body: str, tag: str = "movie") -> list[LocalWatch]:
    return parse_watch(f"<{tag}>{body}</{tag}>".encode(), "w.nfo", tag, now=NOW)


def test_kodi_viewing_history_is_read() -> None:
    (watch,) = watch_of(
        "<title>Heat</title><playcount>3</playcount><lastplayed>2019-05-04 21:13:00</lastplayed>"
        "<resume><position>1234.500000</position><total>5400.000000</total></resume>"
    )
    assert watch.play_count == 3
    assert watch.played
    assert watch.last_played == datetime(2019, 5, 4, 21, 13, tzinfo=UTC)
    assert (watch.position_s, watch.total_s, watch.position_ms) == (1234.5, 5400.0, 1_234_500)


@pytest.mark.parametrize(
    ("body", "played", "count", "when", "position_ms"),
    [
        # tinyMediaManager's (and old XBMC's) mark, a date alone
        ("<watched>true</watched><lastplayed>2019-05-04</lastplayed>", True, None,
         datetime(2019, 5, 4, tzinfo=UTC), None),
        ("<watched>False</watched><playcount>0</playcount>", False, 0, None, None),
        # an ISO time with a zone is moved to UTC
        ("<playcount>1</playcount><lastplayed>2020-01-01T02:00:00+02:00</lastplayed>", True, 1,
         datetime(2020, 1, 1, tzinfo=UTC), None),
        # Kodi's "never played": a zero count, the epoch in local time, no resume point
        ("<playcount>0</playcount><lastplayed>1969-12-31</lastplayed>"
         "<resume><position>0.000000</position><total>0.000000</total></resume>",
         False, 0, None, None),
        ("<lastplayed>0000-00-00 00:00:00</lastplayed><resume><position>600</position></resume>",
         False, None, None, 600_000),
    ],
)  # fmt: skip
def test_played_marks_dates_and_resume_points(
    body: str, played: bool, count: int | None, when: datetime | None, position_ms: int | None
) -> None:
    (watch,) = watch_of(body)
    assert (watch.played, watch.play_count, watch.last_played, watch.position_ms) == (
        played,
        count,
        when,
        position_ms,
    )


def test_an_nfo_without_history_says_none() -> None:
    assert watch_of("<title>Heat</title><lastplayed>2019-05-04</lastplayed>") == []
    assert parse_watch(b"https://www.imdb.com/title/tt0113277/", "heat.nfo", "movie") == []


@pytest.mark.parametrize(
    ("body", "element"),
    [
        ("<playcount>-1</playcount>", "playcount"),
        ("<playcount>three</playcount>", "playcount"),
        ("<playcount>99999999999</playcount>", "playcount"),
        ("<playcount>1.5</playcount>", "playcount"),
        ("<watched>maybe</watched>", "watched"),
        ("<lastplayed>2019-13-45 25:00:00</lastplayed>", "lastplayed"),
        ("<lastplayed>yesterday</lastplayed>", "lastplayed"),
        ("<lastplayed>2024-06-03 12:00:00</lastplayed>", "lastplayed"),  # after now everywhere
        ("<resume><position>nan</position></resume>", "position"),
        ("<resume><position>-5</position><total>100</total></resume>", "position"),
        ("<resume><position>1e400</position></resume>", "position"),
        ("<resume><position>900</position><total>600</total></resume>", "resume"),
    ],
)
def test_a_malformed_value_is_logged_and_left_out(body: str, element: str) -> None:
    rest = "<watched>true</watched>" if element == "playcount" else "<playcount>2</playcount>"
    with capture_logs() as logs:
        found = watch_of(f"<title>T</title>{body}{rest}")
    assert [(e["event"], e["element"]) for e in logs] == [("NFO watch value ignored", element)]
    (watch,) = found  # the rest is kept
    assert watch.played
    assert watch.position_ms is None
    assert watch.last_played is None


def test_a_malformed_value_loses_nothing_else_of_the_nfo() -> None:
    data = (
        b"<movie><title>Heat</title><playcount>lots</playcount><lastplayed>2019-05-04"
        b"</lastplayed><resume><position>60</position><total>6000</total></resume></movie>"
    )
    contents = parse_contents(data, "Heat.nfo", "movie", build_movie, now=NOW)
    assert contents.record is not None
    assert contents.record.title == "Heat"
    (watch,) = contents.watch
    assert (watch.play_count, watch.position_ms) == (None, 60_000)


def test_broken_metadata_keeps_the_history() -> None:
    data = b"<movie><premiered>2019-13-45</premiered><playcount>4</playcount></movie>"
    contents = parse_contents(data, "Bad.nfo", "movie", build_movie, now=NOW)
    assert contents.record is None
    assert [w.play_count for w in contents.watch] == [4]


def test_each_episode_of_a_multi_episode_file_has_its_own_history() -> None:
    data = b"""<episodedetails><season>1</season><episode>1</episode><playcount>2</playcount>
        </episodedetails><episodedetails><season>1</season><episode>2</episode>
        <resume><position>300</position><total>1500</total></resume></episodedetails>"""
    first, second = parse_watch(data, "S01E01E02.nfo", "episodedetails", now=NOW)
    assert (first.season_number, first.episode_number, first.play_count) == (1, 1, 2)
    assert (second.season_number, second.episode_number, second.position_ms) == (1, 2, 300_000)


_ELEMENT_TEXT = st.one_of(
    st.text(_PRINTABLE, max_size=30),
    st.from_regex(r"[+-]?[0-9]{0,25}(\.[0-9]{0,8})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(str),
    st.sampled_from(["true", "false", "nan", "inf", "-0", "0000-00-00", "1969-12-31", ""]),
)


@given(
    playcount=_ELEMENT_TEXT,
    watched=_ELEMENT_TEXT,
    lastplayed=_ELEMENT_TEXT,
    position=_ELEMENT_TEXT,
    total=_ELEMENT_TEXT,
)
def test_arbitrary_text_in_the_history_gives_valid_values_or_none(
    playcount: str, watched: str, lastplayed: str, position: str, total: str
) -> None:
    body = (
        f"<title>T</title><playcount>{escape(playcount)}</playcount>"
        f"<watched>{escape(watched)}</watched><lastplayed>{escape(lastplayed)}</lastplayed>"
        f"<resume><position>{escape(position)}</position><total>{escape(total)}</total></resume>"
    )
    data = f"<movie>{body}</movie>".encode()
    contents = parse_contents(data, "fuzz.nfo", "movie", build_movie, now=NOW)
    assert contents.record is not None
    assert contents.record.title == "T"
    for watch in contents.watch:
        assert watch.says_anything
        assert watch.play_count is None or 0 <= watch.play_count <= PLAY_COUNT_MAX
        if watch.last_played is not None:
            assert watch.last_played.tzinfo is not None
            assert datetime(1970, 1, 2, tzinfo=UTC) <= watch.last_played <= NOW + MAX_UTC_OFFSET
        if watch.position_s is not None:
            assert 0 <= watch.position_s <= POSITION_MAX_S
            assert not watch.total_s or watch.position_s <= watch.total_s
        if watch.position_ms is not None:
            assert 0 < watch.position_ms <= POSITION_MAX_S * 1000 + 1000


@given(
    count=st.integers(min_value=0, max_value=PLAY_COUNT_MAX),
    when=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2024, 6, 1)),
    total=st.floats(min_value=0.001, max_value=1e7),
    share=st.floats(min_value=0, max_value=1),
)
def test_kodi_written_history_round_trips(
    count: int, when: datetime, total: float, share: float
) -> None:
    position = total * share
    (watch,) = watch_of(
        f"<playcount>{count}</playcount><lastplayed>{when:%Y-%m-%d %H:%M:%S}</lastplayed>"
        f"<resume><position>{position:f}</position><total>{total:f}</total></resume>"
    )
    assert watch.play_count == count
    assert watch.played == (count > 0)
    assert watch.last_played == when.replace(microsecond=0, tzinfo=UTC)
    assert watch.position_s == pytest.approx(position, abs=1e-6)
    assert watch.total_s == pytest.approx(total, abs=1e-6)
