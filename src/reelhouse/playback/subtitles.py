"""Text subtitles to WebVTT, the one subtitle format browsers play.

Subtitle files sit beside videos in the library, so they are untrusted (house rule 11): they are
read only when they are regular files, up to a size cap, and every way a file can be wrong —
not text, an unknown code page, not a subtitle, an image format, no cues — ends in an
`InvalidInputError` (422) that says why (house rules 4 and 10). Parsing and writing is pysubs2's,
guessing legacy code pages is charset-normalizer's; this module only chooses and cleans up.

Reading and converting block (file IO, parsing a file of up to `subtitle_max_bytes`): async code
calls `webvtt_from_file`, or the blocking functions through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import codecs
import html
import re
from collections.abc import Sequence

import charset_normalizer
import pysubs2
from pysubs2.formats.subrip import MAX_REPRESENTABLE_TIME

from reelhouse.errors import InvalidInputError
from reelhouse.libraries.reading import read_library_file

#: Byte order marks, longest first: UTF-32-LE's begins with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: When charset-normalizer finds several code pages equally plausible, the one most subtitles in
#: Latin script were written in. Its ranking alone often prefers cp1250 or cp1257 for French or
#: Spanish in cp1252 (a subtitle file is mostly ASCII timings, little text to judge by); this
#: tie-break fixes most of those at the cost of some Central European files read as cp1252.
_TIE_BREAK_CHARSET = "cp1252"
#: The Windows code page legacy subtitles in each language were written in: with the language
#: from the file's name (`Movie.pl.srt`), a file that is not UTF-8 is read in it first, which a
#: guess from a few words of dialogue often gets wrong.
_LEGACY_CODE_PAGES = {
    **dict.fromkeys(("cs", "hr", "hu", "pl", "ro", "sk", "sl", "bs", "sq"), "cp1250"),
    **dict.fromkeys(("be", "bg", "mk", "ru", "sr", "uk"), "cp1251"),
    "el": "cp1253",
    "tr": "cp1254",
    "he": "cp1255",
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
    **dict.fromkeys(("et", "lt", "lv"), "cp1257"),
    "vi": "cp1258",
}
#: pysubs2's names of the formats converted; others it knows (MicroDVD, MPL2, SAMI, TTML...) are
#: refused rather than half supported.
_TEXT_FORMATS = frozenset({"srt", "ass", "ssa", "vtt"})
#: File extensions and ffprobe codec names of bitmap subtitles, which need OCR or burning in.
_IMAGE_FORMATS = frozenset(
    {"idx", "sup", "pgs", "vobsub", "hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"}
)
#: A VobSub `.sub` is an MPEG program stream: it opens with a pack header.
_MPEG_PACK_HEADER = b"\x00\x00\x01\xba"
#: WebVTT's karaoke timestamps inside cue text (`<00:01.500>`), which pysubs2 keeps as text.
_VTT_TIMESTAMP_TAG = re.compile(r"<\d[\d:.]*>")
_NEWLINES = re.compile(r"\r\n?")
#: What pysubs2 raises on malformed input: its own errors, and `ValueError` for a bad field (an
#: ASS timestamp, colour or number); fuzzing with broken SRT, ASS and WebVTT found nothing else.
_PARSE_ERRORS = (pysubs2.exceptions.Pysubs2Error, ValueError)


def read_subtitle_file(path: str | bytes, max_bytes: int, roots: Sequence[str] | None) -> bytes:
    """The bytes of the subtitle file at `path`, inside one of `roots` unless they are None
    (see `read_library_file`)."""
    return read_library_file(path, max_bytes, what="subtitle file", roots=roots)


def decode_subtitle(data: bytes, language: str | None = None) -> str:
    """The text of a subtitle file: by its byte order mark, else strict UTF-8, else the legacy
    code page of its `language` (an IETF tag such as "pl" or "pt-BR"), else the code page
    charset-normalizer finds most plausible (cp1252, cp1251, latin-1 files are common)."""
    if not data:
        raise InvalidInputError("the subtitle file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _text_only(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError as exc:
                raise InvalidInputError(
                    f"the subtitle file has a {encoding} byte order mark but is not {encoding}: "
                    f"{exc.reason} at byte {exc.start + len(bom)}"
                ) from None
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\0" in text:  # UTF-16 without a byte order mark is UTF-8 full of NULs
        text = _in_code_page_of(data, language) or _guessed(data)
    return _text_only(text)


def _in_code_page_of(data: bytes, language: str | None) -> str | None:
    code_page = _LEGACY_CODE_PAGES.get((language or "").split("-")[0].lower())
    if code_page is None or b"\0" in data:
        return None
    try:
        return data.decode(code_page)
    except UnicodeDecodeError:
        return None


def _guessed(data: bytes) -> str:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise InvalidInputError("the subtitle file is not text in any known encoding")
    for match in matches:
        tied = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tied and _TIE_BREAK_CHARSET in match.could_be_from_charset:
            return str(match)
    return str(best)


def _text_only(text: str) -> str:
    if "\0" in text:
        raise InvalidInputError("the subtitle file holds NUL characters: it is binary, not text")
    return text


def to_webvtt(text: str, format_hint: str | None) -> str:
    """`text`, in SubRip, ASS/SSA or WebVTT, as WebVTT.

    The content decides the format (a `.srt` holding WebVTT is common); `format_hint`, a file
    extension or an ffprobe codec name, only serves to refuse image and MicroDVD subtitles with a
    clear reason. Styling becomes `<i>`, `<u>`, `<s>` where pysubs2 maps it and is dropped
    otherwise; comments, drawings and cues without text or duration are left out."""
    hint = _normal_hint(format_hint)
    if hint in _IMAGE_FORMATS:
        raise InvalidInputError(f"image subtitles cannot be converted ({hint})")
    if hint in {"sub", "microdvd"}:
        raise InvalidInputError("MicroDVD subtitles are not supported (SubRip, ASS/SSA, WebVTT)")
    text = _NEWLINES.sub("\n", text)
    try:
        detected = pysubs2.formats.autodetect_format(text)
    except pysubs2.exceptions.FormatAutodetectionError:
        raise InvalidInputError(
            "no subtitle cues found: the file is not SubRip, ASS/SSA or WebVTT"
        ) from None
    if detected not in _TEXT_FORMATS:
        raise InvalidInputError(f"{detected} subtitles are not supported (SubRip, ASS/SSA, WebVTT)")
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=detected)
    except _PARSE_ERRORS as exc:
        raise InvalidInputError(f"the {detected} subtitles cannot be parsed: {exc}") from None
    _keep_cues_with_text(subs, from_webvtt=detected == "vtt")
    if not subs.events:
        raise InvalidInputError(f"the {detected} subtitles have no cues with text")
    return subs.to_string("vtt")


def _normal_hint(format_hint: str | None) -> str:
    return (format_hint or "").lower().lstrip(".")


def _keep_cues_with_text(subs: pysubs2.SSAFile, *, from_webvtt: bool) -> None:
    """Drop what would be an empty or invisible cue, and escape text for WebVTT (`&`, `<`, `>`:
    a literal `<` would open a tag, `-->` would end the cue's text)."""
    kept = []
    for event in subs.events:
        text = event.text
        if from_webvtt:
            # A WebVTT cue's text ends at its first blank line; pysubs2 keeps reading up to the
            # next timing line, taking in NOTE blocks and the next cue's identifier.
            text = _VTT_TIMESTAMP_TAG.sub("", text.split(r"\N\N", 1)[0])
            text = html.unescape(text)
        event.text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        event.end = min(event.end, MAX_REPRESENTABLE_TIME)
        if event.is_text and event.plaintext.strip() and event.end > max(event.start, 0):
            kept.append(event)
    subs.events = kept


def webvtt_from_bytes(data: bytes, format_hint: str | None, language: str | None = None) -> bytes:
    """A subtitle file's bytes as UTF-8 WebVTT: `decode_subtitle`, then `to_webvtt`."""
    if _normal_hint(format_hint) == "sub" and data.startswith(_MPEG_PACK_HEADER):
        raise InvalidInputError("image subtitles cannot be converted (VobSub)")
    return to_webvtt(decode_subtitle(data, language), format_hint).encode("utf-8")


async def webvtt_from_file(
    path: str | bytes,
    max_bytes: int,
    roots: Sequence[str] | None,
    format_hint: str | None,
    language: str | None = None,
) -> bytes:
    """An external subtitle file as UTF-8 WebVTT, read and converted in a worker thread."""
    return await asyncio.to_thread(_webvtt_from_file, path, max_bytes, roots, format_hint, language)


def _webvtt_from_file(
    path: str | bytes,
    max_bytes: int,
    roots: Sequence[str] | None,
    format_hint: str | None,
    language: str | None,
) -> bytes:
    return webvtt_from_bytes(read_subtitle_file(path, max_bytes, roots), format_hint, language)
