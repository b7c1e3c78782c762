"""External subtitles to WebVTT (encodings, formats, hostile files) and the disk cache of
converted subtitles."""

from __future__ import annotations

import asyncio
import codecs
import html
import os
import queue
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.config import Settings
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.playback.subtitle_cache import SubtitleCache
from reelhouse.playback.subtitles import (
    decode_subtitle,
    read_subtitle_file,
    to_webvtt,
    webvtt_from_bytes,
    webvtt_from_file,
)
from reelhouse.testing.media import ass_text, external_srt, srt_text

MAX_BYTES = 1024 * 1024
_TIMING = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}")


def cues(vtt: bytes) -> list[tuple[str, str]]:
    """(timing, text) of each cue of a WebVTT file, checking the file's shape on the way: the
    header, then blocks of an identifier, a timing line and text; entities decoded."""
    text = vtt.decode("utf-8")
    header, *blocks = text.rstrip("\n").split("\n\n")
    assert header == "WEBVTT"
    found = []
    for block in blocks:
        _identifier, timing, *lines = block.split("\n")
        assert _TIMING.fullmatch(timing), timing
        assert lines, f"empty cue at {timing}"
        found.append((timing, html.unescape("\n".join(lines))))
    return found


def texts(vtt: bytes) -> list[str]:
    return [text for _, text in cues(vtt)]


# Encodings


@pytest.mark.parametrize(
    ("encoding", "first", "second"),
    [
        ("cp1252", "Café, naïve — déjà vu", "Où est la gare?"),
        ("cp1251", "Привет, как дела?", "До свидания."),
        ("latin-1", "Grüße aus München", "Schöne Straße"),
        ("utf-8", "Grüße, 東京", "Ça va"),
    ],
)
async def test_a_file_in_its_code_page_keeps_its_characters(
    tmp_path: Path, encoding: str, first: str, second: str
) -> None:
    path = external_srt(tmp_path / "movie.srt", srt_text(first, second), encoding)
    assert texts(await webvtt_from_file(str(path), MAX_BYTES, [str(tmp_path)], "srt")) == [
        first,
        second,
    ]


@pytest.mark.parametrize(
    ("encoding", "language", "first"),
    [
        ("cp1250", "pl", "Zażółć gęślą jaźń"),
        ("cp1250", "cs", "Příliš žluťoučký kůň"),
        ("cp1251", "ru", "Съешь же ещё"),
        ("cp1253", "el", "Καλημέρα"),
    ],
)
def test_the_language_in_the_name_picks_its_legacy_code_page(
    encoding: str, language: str, first: str
) -> None:
    """A few words are too little to guess a code page from; the name's language says it."""
    data = srt_text(first, "Ok.").encode(encoding)
    assert texts(webvtt_from_bytes(data, "srt", language)) == [first, "Ok."]


def test_a_language_whose_code_page_cannot_read_the_file_falls_back_to_the_guess() -> None:
    data = srt_text("Привет, как дела?", "До свидания.").encode("cp1251")
    # Greek's code page leaves a byte of these undefined (0xff, "я"): the guess reads them.
    assert texts(webvtt_from_bytes(data, "srt", "el")) == ["Привет, как дела?", "До свидания."]


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + srt_text("Ça va, 東京").encode("utf-8"),
        codecs.BOM_UTF16_LE + srt_text("Ça va, 東京").encode("utf-16-le"),
        codecs.BOM_UTF16_BE + srt_text("Ça va, 東京").encode("utf-16-be"),
        codecs.BOM_UTF32_LE + srt_text("Ça va, 東京").encode("utf-32-le"),
    ],
    ids=["utf-8", "utf-16-le", "utf-16-be", "utf-32-le"],
)
def test_a_byte_order_mark_decides_the_encoding(data: bytes) -> None:
    assert decode_subtitle(data) == srt_text("Ça va, 東京")
    assert texts(webvtt_from_bytes(data, "srt")) == ["Ça va, 東京", "Goodbye."]


def test_a_utf8_byte_order_mark_through_the_test_helper(tmp_path: Path) -> None:
    path = external_srt(tmp_path / "a.srt", srt_text("Déjà"), "utf-8", bom=True)
    vtt = webvtt_from_bytes(read_subtitle_file(str(path), MAX_BYTES, [str(tmp_path)]), "srt")
    assert vtt.startswith(b"WEBVTT\n")
    assert texts(vtt) == ["Déjà", "Goodbye."]


def test_a_byte_order_mark_that_lies_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="utf-16-le byte order mark"):
        decode_subtitle(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone surrogate


# Formats


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_simple_srt_converts_to_exactly_this_webvtt(line_end: str) -> None:
    srt = (
        "1\n00:00:01,500 --> 00:00:03,000\nHello, <i>world</i>!\n\n"
        "2\n00:01:02,003 --> 00:01:04,250\nTwo\nlines\n"
    ).replace("\n", line_end)
    expected = (
        "WEBVTT\n"
        "\n"
        "1\n"
        "00:00:01.500 --> 00:00:03.000\n"
        "Hello, <i>world</i>!\n"
        "\n"
        "2\n"
        "00:01:02.003 --> 00:01:04.250\n"
        "Two\n"
        "lines\n"
        "\n"
    )
    assert webvtt_from_bytes(srt.encode("ascii"), "srt") == expected.encode("ascii")


def test_text_that_would_break_webvtt_is_escaped() -> None:
    vtt = webvtt_from_bytes(srt_text("Tom & Jerry", "Go --> there").encode(), ".SRT")
    assert b"Tom &amp; Jerry" in vtt
    assert b"Go --&gt; there" in vtt
    assert texts(vtt) == ["Tom & Jerry", "Go --> there"]


def test_ass_keeps_its_text_italics_and_drops_other_tags_and_non_text_events() -> None:
    ass = ass_text("Hello {\\b1}there{\\b0}\\Nfriend", "Goodbye.") + (
        "Comment: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,a note for the typesetter\n"
        "Dialogue: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,{\\pos(10,10)}\n"
        "Dialogue: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,{\\p1}m 0 0 l 10 0 10 10{\\p0}\n"
        "Dialogue: 0,0:00:04.00,0:00:04.00,Default,,0,0,0,,never on screen\n"
    )
    assert cues(webvtt_from_bytes(ass.encode(), "ass")) == [
        ("00:00:00.000 --> 00:00:01.000", "Hello there\nfriend"),
        ("00:00:01.000 --> 00:00:02.000", "<i>Goodbye.</i>"),
    ]


def test_webvtt_in_is_webvtt_out_without_notes_identifiers_or_settings() -> None:
    vtt = (
        "WEBVTT\nKind: captions\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "intro\n00:00.000 --> 00:01.000 align:start\nHello &amp; <c.loud>welcome</c>\n\n"
        "NOTE for the translators\n\n"
        "00:01.000 --> 00:02.500\n<v Ann>Karaoke <00:01.500>time\n"
    )
    assert cues(webvtt_from_bytes(vtt.encode(), "vtt")) == [
        ("00:00:00.000 --> 00:00:01.000", "Hello & welcome"),
        ("00:00:01.000 --> 00:00:02.500", "Karaoke time"),
    ]


def test_cues_come_out_in_time_order() -> None:
    srt = "1\n00:00:05,000 --> 00:00:06,000\nLater\n\n2\n00:00:01,000 --> 00:00:02,000\nSooner\n"
    assert texts(webvtt_from_bytes(srt.encode(), None)) == ["Sooner", "Later"]


@pytest.mark.parametrize(
    ("data", "hint", "reason"),
    [
        (b"", "srt", "empty"),
        (bytes(range(256)) * 8, "srt", "not text|binary|no subtitle cues"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", None, "binary|not text"),
        (b"1\nHello\n\n2\nGoodbye\n", "srt", "no subtitle cues"),
        (b"1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\n  \n", "srt",
         "no cues with text"),
        (ass_text().split("Dialogue:")[0].encode(), "ass", "no cues with text"),
        (b"{1}{25}Hello\n{26}{50}Goodbye\n", "txt", "microdvd subtitles are not supported"),
        (b"{1}{25}Hello\n{26}{50}Goodbye\n", "sub", "MicroDVD subtitles are not supported"),
        (b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01", "sub", "image subtitles cannot be converted"),
        (b"# VobSub index file, v7\nsize: 720x576\n", ".idx", "image subtitles cannot be"),
        (srt_text().encode(), "hdmv_pgs_subtitle", "image subtitles cannot be converted"),
    ],
    ids=[
        "empty", "binary", "png", "srt-without-timings", "srt-without-text", "ass-without-events",
        "microdvd-content", "microdvd-extension", "vobsub", "vobsub-index", "pgs",
    ],
)  # fmt: skip
def test_what_cannot_be_converted_is_a_clear_invalid_input(
    data: bytes, hint: str | None, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        webvtt_from_bytes(data, hint)


# Reading files from the library


def _outcome_within(seconds: float, call: Callable[[], object]) -> object:
    """What `call` returns or raises, from a daemon thread: a call that hangs fails the test
    instead of hanging the run."""
    outcomes: queue.Queue[object] = queue.Queue()

    def run() -> None:
        try:
            outcomes.put(call())
        except Exception as exc:  # noqa: BLE001 - handed to the test, which checks it
            outcomes.put(exc)

    threading.Thread(target=run, daemon=True).start()
    try:
        return outcomes.get(timeout=seconds)
    except queue.Empty:
        pytest.fail(f"still running after {seconds} s")


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink-to-dev-zero"])
def test_anything_but_a_regular_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "movie.srt"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    outcome = _outcome_within(5, lambda: read_subtitle_file(str(path), MAX_BYTES, [str(tmp_path)]))
    assert isinstance(outcome, InvalidInputError)
    assert outcome.detail == "subtitle file 'movie.srt' is not a regular file"


def test_a_file_over_the_cap_is_refused_and_one_at_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.srt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InvalidInputError, match=r"'big\.srt' is larger than 100 bytes"):
        read_subtitle_file(os.fsencode(path), 100, [str(tmp_path)])
    assert read_subtitle_file(str(path), 101, [str(tmp_path)]) == b"x" * 101


async def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"'gone\.srt' does not exist"):
        await webvtt_from_file(str(tmp_path / "gone.srt"), MAX_BYTES, [str(tmp_path)], "srt")


def test_a_link_out_of_the_library_is_missing(tmp_path: Path) -> None:
    library, elsewhere = tmp_path / "library", tmp_path / "elsewhere"
    library.mkdir()
    elsewhere.mkdir()
    (elsewhere / "secret.srt").write_bytes(srt_text().encode())
    (library / "movie.srt").symlink_to(elsewhere / "secret.srt")
    (library / "inside.srt").symlink_to(library / "movie.srt")
    with pytest.raises(NotFoundError, match="not inside its library"):
        read_subtitle_file(str(library / "movie.srt"), MAX_BYTES, [str(library)])
    with pytest.raises(NotFoundError, match="not inside its library"):
        read_subtitle_file(str(library / "inside.srt"), MAX_BYTES, [str(library)])
    # Without roots (scan.follow_symlinks_outside_roots on), the link is followed.
    assert read_subtitle_file(str(library / "movie.srt"), MAX_BYTES, None) == srt_text().encode()
    (library / "real.srt").write_bytes(b"1")
    (library / "link.srt").symlink_to(library / "real.srt")
    assert read_subtitle_file(str(library / "link.srt"), MAX_BYTES, [str(library)]) == b"1"


def test_an_unopenable_file_says_why(tmp_path: Path) -> None:
    (tmp_path / "a.srt").write_bytes(srt_text().encode())
    with pytest.raises(InvalidInputError, match=r"cannot be opened \(Not a directory\)"):
        read_subtitle_file(str(tmp_path / "a.srt" / "b.srt"), MAX_BYTES, [str(tmp_path)])


# Properties

_CUE_CHARACTERS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="<>{}\\"
)
# Each line starts with a letter: a line of digits alone at a cue's end reads, in SubRip, as the
# number of the next cue.
_LINE = st.tuples(
    st.characters(categories=("Lu", "Ll"), codec="utf-8"), st.text(_CUE_CHARACTERS, max_size=30)
).map("".join)
_CUE = st.tuples(
    st.integers(0, 36_000_000),
    st.integers(1, 60_000),
    st.lists(_LINE, min_size=1, max_size=3).map("\n".join),
)
#: Encodings that say what they are; legacy code pages cannot, and are guessed (tested above with
#: real dialogue, which is what the guess needs).
_SELF_IDENTIFYING = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}


def _srt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def _normalised(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_CUE, min_size=1, max_size=12),
    st.sampled_from(sorted(_SELF_IDENTIFYING)),
)
def test_any_cues_in_any_self_identifying_encoding_survive(
    written: list[tuple[int, int, str]], encoding: str
) -> None:
    srt = "".join(
        f"{number}\n{_srt_time(start)} --> {_srt_time(start + length)}\n{text}\n\n"
        for number, (start, length, text) in enumerate(written, 1)
    )
    vtt = webvtt_from_bytes(_SELF_IDENTIFYING[encoding](srt), "srt")
    in_time_order = sorted(written, key=lambda cue: cue[0])
    assert [(timing, _normalised(text)) for timing, text in cues(vtt)] == [
        (
            f"{_srt_time(start)} --> {_srt_time(start + length)}".replace(",", "."),
            _normalised(text),
        )
        for start, length, text in in_time_order
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([None, "srt", "ass", "vtt", "sub"]))
def test_arbitrary_bytes_convert_or_are_invalid_input(data: bytes, hint: str | None) -> None:
    try:
        vtt = webvtt_from_bytes(data, hint)
    except InvalidInputError:
        return
    cues(vtt)


_SUBTITLE_LINES = st.sampled_from(
    [
        "[Script Info]", "[V4+ Styles]", "[Events]", "ScriptType: v4.00+",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        "Format: Start, End, Text", "Style: Default,Arial,20", "Style: x",
        "Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Hi {\\i1}there",
        "Dialogue: 0,0:00:00.00", "Dialogue: x,y,z,,,,,,,{\\c&Hzz&}",
        "Dialogue: 0,0:00:02.00,999:00:00.00,Nope,,a,b,c,,{\\p1}m 0 0",
        "WEBVTT", "NOTE x", "1", "00:00:00,000 --> 00:00:01,000", "00:00.000 --> 00:01.000",
        "00:00:05,000 --> 00:00:01,000", "", "<i>", "&amp;", "{1}{2}x", "<00:00.500>",
    ]
)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Failed to parse:RuntimeWarning")  # pysubs2 on a bad field
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_SUBTITLE_LINES, st.text(max_size=10)), max_size=20))
def test_broken_subtitle_text_converts_or_is_invalid_input(lines: list[str]) -> None:
    try:
        vtt = to_webvtt("\n".join(lines), None)
    except InvalidInputError:
        return
    cues(vtt.encode("utf-8"))


# The cache


class Maker:
    """A `make` that counts its calls."""

    def __init__(self, data: bytes, delay_s: float = 0.0) -> None:
        self.data = data
        self.delay_s = delay_s
        self.calls = 0

    async def __call__(self) -> bytes:
        self.calls += 1
        await asyncio.sleep(self.delay_s)
        return self.data


def _kept(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


def _folders_with_files(root: Path) -> list[Path]:
    return sorted({path.parent for path in root.rglob("*") if path.is_file()})


async def test_a_hit_returns_the_kept_bytes_without_making_them(tmp_path: Path) -> None:
    cache = SubtitleCache(tmp_path, 1000)
    make = Maker(b"WEBVTT\n\nfirst")
    assert await cache.get_or_make("1-0-10-5", make) == b"WEBVTT\n\nfirst"
    assert await cache.get_or_make("1-0-10-5", Maker(b"other")) == b"WEBVTT\n\nfirst"
    assert make.calls == 1
    reopened = SubtitleCache(tmp_path, 1000)
    assert await reopened.get_or_make("1-0-10-5", Maker(b"other")) == b"WEBVTT\n\nfirst"


async def test_the_least_recently_used_go_first_and_the_total_stays_under_the_cap(
    tmp_path: Path,
) -> None:
    cache = SubtitleCache(tmp_path, 300)
    for key in ("a", "b", "c"):
        await cache.get_or_make(key, Maker(key.encode() * 100))
    await cache.get_or_make("a", Maker(b"unused"))  # "b" is now the least recently used
    await cache.get_or_make("d", Maker(b"d" * 100))
    assert sum(path.stat().st_size for path in _kept(tmp_path)) <= 300
    remade = {key: Maker(key.encode() * 100) for key in "abcd"}
    for key in "acd":
        await cache.get_or_make(key, remade[key])
    assert [remade[key].calls for key in "acd"] == [0, 0, 0]
    await cache.get_or_make("b", remade["b"])
    assert remade["b"].calls == 1


async def test_a_value_larger_than_the_cache_is_returned_but_not_kept(tmp_path: Path) -> None:
    cache = SubtitleCache(tmp_path, 10)
    make = Maker(b"x" * 11)
    assert await cache.get_or_make("big", make) == b"x" * 11
    assert await cache.get_or_make("big", make) == b"x" * 11
    assert make.calls == 2
    assert _kept(tmp_path) == []


async def test_a_failing_make_keeps_nothing(tmp_path: Path) -> None:
    cache = SubtitleCache(tmp_path, 1000)

    async def broken() -> bytes:
        raise InvalidInputError("no cues")

    with pytest.raises(InvalidInputError, match="no cues"):
        await cache.get_or_make("k", broken)
    assert _kept(tmp_path) == []


async def test_concurrent_fills_of_one_key_agree(tmp_path: Path) -> None:
    cache = SubtitleCache(tmp_path, 10_000)
    make = Maker(b"WEBVTT\n\nsame", delay_s=0.05)
    results = await asyncio.gather(*(cache.get_or_make("k", make) for _ in range(8)))
    assert set(results) == {b"WEBVTT\n\nsame"}
    assert [path.read_bytes() for path in _kept(tmp_path)] == [b"WEBVTT\n\nsame"]
    assert await cache.get_or_make("k", Maker(b"other")) == b"WEBVTT\n\nsame"


async def test_opening_removes_leftover_temporary_files_and_enforces_the_cap(
    tmp_path: Path,
) -> None:
    cache = SubtitleCache(tmp_path, 1000)
    for key in ("old", "new"):
        await cache.get_or_make(key, Maker(b"v" * 400))
    (tmp_path / ".part-abc123").write_bytes(b"half a subtitle")
    (tmp_path / "README").write_bytes(b"not the cache's")
    SubtitleCache(tmp_path, 500)
    names = [path.name for path in _kept(tmp_path)]
    assert not [name for name in names if name.startswith(".part-")]
    assert "README" in names
    assert len([name for name in names if name.endswith(".vtt")]) == 1
    remade = Maker(b"v" * 400)
    await SubtitleCache(tmp_path, 500).get_or_make("new", remade)
    assert remade.calls == 0


@pytest.mark.parametrize("key", ["../../etc/passwd", "a/b/c", ".", "..", "", "x\0y", "\udcff"])
async def test_keys_never_become_paths(tmp_path: Path, key: str) -> None:
    folder = tmp_path / "subtitles"
    cache = SubtitleCache(folder, 1000)
    assert await cache.get_or_make(key, Maker(b"WEBVTT\n")) == b"WEBVTT\n"
    assert await cache.get_or_make(key, Maker(b"other")) == b"WEBVTT\n"
    assert _folders_with_files(tmp_path) == [folder]
    assert re.fullmatch(r"[0-9a-f]{64}\.vtt", _kept(folder)[0].name)


def test_the_cache_lives_in_the_data_folder_with_its_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cache = SubtitleCache.from_settings(settings)
    assert cache.folder == tmp_path / "subtitles"
    assert cache.folder.is_dir()
    assert cache.max_bytes == settings.media.subtitle_cache_bytes
