"""Title, year and the decorations around them, from one folder or file name (no extension).

Two shapes are recognised. ``Title (Year)`` (Plex, Jellyfin, Kodi, Radarr) is split at the first
bracketed year, so a title may itself contain numbers or years (``2001 A Space Odyssey (1968)``).
Release names (``The.Matrix.1999.1080p.BluRay.x264-GRP``) are split into tokens; the title runs up
to the last year before the first release token, and never starts with a release token, so
``Cam (2018)`` or ``It`` keep their title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from reelhouse.naming.vocabulary import (
    EDITION_WORDS,
    FORMATS_3D,
    LANGUAGE_WORDS,
    STRONG_TOKENS,
    UPPER_TOKENS,
    WEAK_3D_WORDS,
)

_MAX_ID = 2**63 - 1

_PROVIDER_ID = re.compile(
    r"[\[\{\(]\s*(tmdb|tvdb|imdb)(?:id)?\s*[-=:\s]\s*(tt\d{5,12}|\d{1,19})\s*[\]\}\)]",
    re.IGNORECASE,
)
_BARE_IMDB = re.compile(r"(?<![\s._-])[\s._-]++(tt\d{7,8})\s*+$", re.IGNORECASE)
_EDITION_TAG = re.compile(r"\{edition-([^{}]*)\}", re.IGNORECASE)
_TITLE_YEAR = re.compile(
    r"^(?P<title>.*?[^\s(\[])\s*[(\[](?P<year>(?:18|19|20)\d\d)[)\]](?P<rest>.*)$"
)
_YEAR_TOKEN = re.compile(r"^(?:18|19|20)\d\d$")
_RESOLUTION = re.compile(r"^\d{3,4}[pi]$", re.IGNORECASE)
_AUDIO = re.compile(
    r"^(?:(?:ddp?|dd\+|e?ac3|aac|dts(?:-hd)?(?:-ma)?|truehd|flac|opus|lpcm|atmos)[257]?\.?[01]?"
    r"|[257]\.[01])$",
    re.IGNORECASE,
)
_PART = re.compile(
    r"(?:^|[\s._-])(?P<word>cd|dvd|part|pt|disc|disk)[\s._-]*(?P<n>[1-9]|[a-d])(?![a-z0-9])",
    re.IGNORECASE,
)
_PART_AT_END = re.compile(
    r"(?<![\s._-])[\s._-]++(?:cd|dvd|part|pt|disc|disk)[\s._-]*+([1-9]|[a-d])$", re.IGNORECASE
)
_PART_TOKEN = re.compile(r"^(?:cd|dvd|part|pt|disc|disk)[1-9a-d]$", re.IGNORECASE)
_SITE = re.compile(
    r"^\s*+[\[(]?\s*+www\.[\w-]+\.[a-z]{2,6}\s*+[\])]?[\s._-]*+(?=\S)", re.IGNORECASE
)
_LEADING_GROUP = re.compile(r"^\s*(?:\[[^\]]*\]|【[^】]*】)[\s._-]*(?=\S)")
_SPACED_SPLIT = re.compile(r"[\s_]+")
_DOTTED_SPLIT = re.compile(r"[\s._]+")
_BRACKETS = re.compile(r"[\[\](){}]")
_WORDS = re.compile(r"[\s._\[\](){}]+")
_EDGE = " -_.,;:"
_TRAILING_TAGS = re.compile(r"(?<![\]\s])(?:\s*+\[[^\[\]]*+\])++$")
_ACRONYM_END = re.compile(r"(?:^|\s)(?:[A-Za-z]\.){2,}$")

_EDITION_NAMES: tuple[tuple[str, str], ...] = (
    (r"director'?s[\s._-]*(?:cut|edition)", "Director's Cut"),
    (r"extended[\s._-]*(?:cut|edition|version)?", "Extended"),
    (r"theatrical[\s._-]*(?:cut|edition|version)?", "Theatrical"),
    (r"final[\s._-]*cut", "Final Cut"),
    (r"ultimate[\s._-]*(?:cut|edition)", "Ultimate Edition"),
    (r"special[\s._-]*edition", "Special Edition"),
    (r"collector'?s[\s._-]*edition", "Collector's Edition"),
    (r"\d+(?:th)?[\s._-]*anniversary(?:[\s._-]*edition)?", "Anniversary Edition"),
    (r"criterion(?:[\s._-]*(?:collection|edition))?", "Criterion"),
    (r"imax(?:[\s._-]*edition)?", "IMAX"),
    (r"unrated", "Unrated"),
    (r"uncut", "Uncut"),
    (r"uncensored", "Uncensored"),
    (r"remastered", "Remastered"),
    (r"redux", "Redux"),
    (r"open[\s._-]*matte", "Open Matte"),
    (r"alternate[\s._-]*(?:cut|ending)", "Alternate Cut"),
    (r"despecialized(?:[\s._-]*edition)?", "Despecialized"),
    (r"diamond[\s._-]*edition", "Diamond Edition"),
    (r"platinum[\s._-]*edition", "Platinum Edition"),
    (r"signature[\s._-]*edition", "Signature Edition"),
    (r"rogue[\s._-]*cut", "Rogue Cut"),
    (r"re-?cut", "Recut"),
    (r"restored", "Restored"),
)
_EDITIONS = re.compile(
    r"(?:^|[\s._-])(?:"
    + "|".join(f"(?P<e{i}>{pattern})" for i, (pattern, _) in enumerate(_EDITION_NAMES))
    + r")(?![a-z0-9])",
    re.IGNORECASE,
)
_HASH = re.compile(r"^(?=[a-f]*\d)[0-9a-f]{8,64}$", re.IGNORECASE)
_ORDINAL = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$", re.IGNORECASE)
_WEAK_FORMATS = WEAK_3D_WORDS - {"3d"}
_ARTICLES = frozenset({"the", "a", "an"})
_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_TWO_TITLES = re.compile(  # "|", "/" between spaces, or the full-width solidus
    r"^(?P<first>[^|/\uff0f]*?[^\s|/\uff0f])(?:\s++[|/]\s++|\s*+\uff0f\s*+)"
    r"(?P<second>[^|/\uff0f]+)$"
)
_LATIN = re.compile(r"[A-Za-z]")
#: The words edition names start with: a name without one of them has no edition.
_EDITION_FIRST_WORDS = frozenset(
    {
        "director's", "directors", "extended", "theatrical", "final", "ultimate", "special",
        "collector's", "collectors", "anniversary", "criterion", "imax", "unrated", "uncut",
        "uncensored", "remastered", "redux", "open", "alternate", "despecialized", "diamond",
        "platinum", "signature", "rogue", "recut", "re", "restored",
    }
)  # fmt: skip
_LOWER_WORDS = re.compile(r"[^a-z0-9']+")
_GENERIC_TITLES = frozenset({"movie", "video", "film", "main", "feature", "title", "video_ts"})


@dataclass(frozen=True, slots=True)
class NameParts:
    """What one name says about a movie or series."""

    title: str | None
    year: int | None = None
    alternate_title: str | None = None
    provider_ids: dict[str, str] = field(default_factory=dict)
    edition: str | None = None
    version: str | None = None
    part: int | None = None
    format_3d: str | None = None
    confident: bool = True


def provider_ids(name: str) -> tuple[dict[str, str], str]:
    """The provider ids in ``name`` (all bracket forms) and the name without them."""
    ids: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        provider, value = match.group(1).lower(), match.group(2).lower()
        if provider == "imdb":
            if not value.startswith("tt"):
                return match.group(0)
        elif value.startswith("tt") or not 0 < int(value) <= _MAX_ID:
            return match.group(0)
        ids.setdefault(provider, value)
        return " "

    lower = name.lower()
    if "tt" in lower and (bare := _BARE_IMDB.search(name)) is not None:
        # Jellyfin's "Title (2010) - tt1234567" folders.
        ids["imdb"] = bare.group(1).lower()
        name = name[: bare.start()]
    if "tmdb" not in lower and "tvdb" not in lower and "imdb" not in lower:
        return ids, name
    return ids, _PROVIDER_ID.sub(take, name)


def split_part(text: str) -> tuple[int | None, str]:
    """A stacking marker (``cd2``, ``part 1``, ``disc-b``...) and the text around it."""
    match = _PART.search(text)
    if match is None:
        return None, text
    return _part_number(match.group("n")), text[: match.start()] + " " + text[match.end() :]


def _part_number(n: str) -> int:
    n = n.lower()
    return int(n) if n.isdigit() else ord(n) - ord("a") + 1


def clean(text: str, *, dots: bool = True) -> str | None:
    """Separators to spaces (dots too if ``dots``), edges trimmed; None when nothing is left."""
    if dots and is_dotted(text):
        text = text.replace(".", " ").replace("_", " ")
    else:
        text = text.replace("_", " ")
    text = " ".join(text.split())
    acronym = text.endswith(".") and _ACRONYM_END.search(text) is not None
    text = text.strip(_EDGE) + ("." if acronym else "")
    return text if text.strip(".") else None


def _join_acronyms(words: list[str]) -> list[str]:
    """``U N C L E`` (a dotted name split into letters) back to ``U.N.C.L.E.``."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) > 1:
            out.append("".join(f"{letter}." for letter in run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


def is_hashed(name: str) -> bool:
    """A hash or a long number (``a3f9c0d1``, ``613261``) where a name would be."""
    if len(name) < 5 or not name.isalnum():
        return False
    return name.isdigit() or _HASH.match(name) is not None


def is_generic(title: str | None) -> bool:
    """A title that names nothing: ``movie``, ``01``, a hash or a long number."""
    return (
        title is None
        or title.lower() in _GENERIC_TITLES
        or (title.isdigit() and len(title) < 3)
        or is_hashed(title)
    )


def _scene_cased(token: str) -> bool:
    """Capitals, or the scene's mixed case (``MULTi``, ``iTALiAN``), not a title's ``Multi``."""
    return token.isupper() or token not in (token.lower(), token.capitalize())


def is_release_token(token: str) -> bool:
    lower = token.lower()
    if lower in STRONG_TOKENS or token in UPPER_TOKENS or _RESOLUTION.match(token):
        return True
    if lower != token and not token.istitle() and token.upper() in UPPER_TOKENS:
        return True  # the scene's mixed case: "MULTi", "iTALiAN"
    if _AUDIO.match(token):
        return True
    if "-" in token:
        # A release group glued on: "x264-GRP", "WEB-DL-GRP", "WEB-GRP".
        head = token.split("-", 1)[0]
        before_group = lower.rsplit("-", 1)[0]
        return (
            head.lower() in STRONG_TOKENS
            or head in UPPER_TOKENS
            or before_group in STRONG_TOKENS
            or bool(_RESOLUTION.match(head))
        )
    return bool(_PART_TOKEN.match(token))


def is_dotted(text: str) -> bool:
    """Whether dots, not spaces, separate the words (``The.Matrix.1999 [1080p]`` does)."""
    spaces = text.strip().count(" ")
    return spaces == 0 or text.count(".") > spaces


def tokens(text: str) -> list[str]:
    dotted = is_dotted(text)
    splitter = _DOTTED_SPLIT if dotted else _SPACED_SPLIT
    text = _BRACKETS.sub(" ", text)
    found = [t for t in splitter.split(text) if t and t != "-"]
    if dotted or "." not in text:
        return found
    # Spaced words with a dotted release after them ("Title 2010.3d.sbs 1080p.BluRay"): the
    # dotted tokens that start with a year, a release or an edition word are split.
    out: list[str] = []
    for token in found:
        head = token.split(".", 1)[0] if "." in token else ""
        if head and (_YEAR_TOKEN.match(head) or is_release_token(head) or _is_tag_word(head)):
            out.extend(p for p in token.split(".") if p)
        else:
            out.append(token)
    return out


def leading_words(text: str) -> str | None:
    """The words of ``text`` before its first release token (an episode title, say)."""
    words: list[str] = []
    found = tokens(text)
    for i, token in enumerate(found):
        if is_release_token(token) or (_YEAR_TOKEN.match(token) and words):
            break
        if token.lower() in LANGUAGE_WORDS and is_language_tag(token, found[i + 1 :], words):
            break
        words.append(token)
    return clean(" ".join(words)) if words else None


def is_language_tag(token: str, rest: list[str], before: list[str]) -> bool:
    """Whether a language word ends a title: followed by release tokens, or last and in capitals
    after other words (``Pilot GERMAN``). An episode called "German" keeps its title."""
    if rest:
        return is_release_token(rest[0])
    return bool(before) and token.isupper()


def edition_in(text: str) -> str | None:
    """The canonical names of the edition words in ``text``, in their order (``Director's Cut``,
    ``Special Edition Remastered``...)."""
    if _EDITION_FIRST_WORDS.isdisjoint(_LOWER_WORDS.split(text.lower())):
        return None  # the common case, decided without the long pattern
    names = dict.fromkeys(
        _EDITION_NAMES[int(m.lastgroup[1:])][1] for m in _EDITIONS.finditer(text) if m.lastgroup
    )
    return " ".join(names) or None


def format_3d_in(words: list[str]) -> str | None:
    """The 3D format the release words name (``HSBS``, ``3d.sbs``, ``[sbs3d]``...)."""
    found: str | None = None
    after_3d = False
    for word in words:
        lower = word.lower()
        fmt = FORMATS_3D.get(lower)
        weak = lower in _WEAK_FORMATS and word != word.upper() and not after_3d
        after_3d = lower == "3d"
        if fmt is None or weak:
            continue
        if fmt != "3d":
            return fmt
        found = fmt
    return found


def parse_name(name: str) -> NameParts:
    """Title, year, ids, edition, version label, stacking part and 3D format of ``name``."""
    ids, text = provider_ids(name)
    edition: str | None = None
    tag = _EDITION_TAG.search(text) if "{" in text else None
    if tag is not None:
        edition = clean(tag.group(1))
        text = text[: tag.start()] + " " + text[tag.end() :]
    if "www." in text[:12].lower():
        text = _SITE.sub("", text)
    if text.lstrip()[:1] in ("[", "【"):
        text = _LEADING_GROUP.sub("", text)
    shaped = _TITLE_YEAR.match(text)
    parts = _title_year(shaped, ids, edition) if shaped else _release(text, ids, edition)
    if parts.title is None or parts.title.isascii():
        return parts
    title, alternate = split_titles(parts.title)
    return replace(parts, title=title, alternate_title=alternate) if alternate else parts


def split_titles(title: str) -> tuple[str, str | None]:
    """A title in two scripts, native and Latin ("銀河食堂 | Galaxy Diner", "바람의 정원 Garden
    of Wind"): the first, and the second as the alternate title."""
    if not _CJK.search(title):
        return title, None
    match = _TWO_TITLES.match(title)
    if match is not None:
        first, second = match["first"], match["second"]
    else:
        # The native title, then the Latin one from its first letter on.
        latin = _LATIN.search(title)
        if latin is None:
            return title, None
        first, second = title[: latin.start()], title[latin.start() :]
        if not first[-1:].isspace() or _CJK.search(second):
            return title, None
    first_clean, second_clean = clean(first, dots=False), clean(second, dots=False)
    if not (first_clean and second_clean and _CJK.search(first_clean)):
        return title, None
    return first_clean, second_clean


def _title_year(match: re.Match[str], ids: dict[str, str], edition: str | None) -> NameParts:
    rest, raw_title = match.group("rest"), match.group("title")
    tags = _TRAILING_TAGS.search(raw_title) if raw_title.endswith("]") else None
    if tags is not None and tags.start() > 0 and _all_release_words(tags.group()):
        # "Title [3D][HSBS] (2010)": release tags before the year are no part of the title.
        raw_title, rest = raw_title[: tags.start()], f"{tags.group()} {rest}"
    title, year = clean(raw_title), int(match.group("year"))
    if not rest or rest.isspace():
        return NameParts(title=title, year=year, provider_ids=ids, edition=edition)
    part, rest = split_part(rest)
    words = _WORDS.split(rest)
    version = None
    label = rest.strip()
    if label.startswith("-") or label.startswith("["):
        version = clean(_BRACKETS.sub(" ", label.lstrip("-")))
    return NameParts(
        title=title,
        year=year,
        provider_ids=ids,
        edition=edition or edition_in(rest),
        version=version,
        part=part,
        format_3d=format_3d_in(words),
    )


def _all_release_words(text: str) -> bool:
    words = [w for w in _WORDS.split(text) if w]
    return bool(words) and all(is_release_token(w) or w.lower() in FORMATS_3D for w in words)


def _is_edition_word(word: str) -> bool:
    return word.lower() in EDITION_WORDS or (
        word[:1].isdigit() and _ORDINAL.match(word) is not None
    )


def _is_tag_word(word: str) -> bool:
    """A word that may end a title as a tag: a language, edition or capitalised release word."""
    lower = word.lower()
    return (
        lower in LANGUAGE_WORDS
        or lower in EDITION_WORDS
        or word.upper() in UPPER_TOKENS
        or (word[:1].isdigit() and _ORDINAL.match(word) is not None)
    )


def _year_after_tags(words: list[str], start: int) -> int | None:
    """The index of a year right after the release words and tags from ``start`` on
    (``Title.DTS.2004.720p``, ``Title.REPACK.1945``)."""
    j = start
    while j < len(words) and (is_release_token(words[j]) or _is_tag_word(words[j])):
        j += 1
    return j if j < len(words) and _YEAR_TOKEN.match(words[j]) else None


def _title_end(words: list[str]) -> tuple[int, int | None, int]:
    """Where the title of a release's words ends (``Title.UNRATED.2019``, ``Title.German.DL.AC3``,
    ``Title.Directors.Cut.2006``): that index, the index of the year right after tags there if
    there is one, and else where to look for a year after more release words."""
    count = len(words)
    i = 1
    while i < count:
        if is_release_token(words[i]):
            return i, None, i
        if not _is_tag_word(words[i]):
            i += 1
            continue
        j = i
        while j < count and _is_tag_word(words[j]) and not is_release_token(words[j]):
            j += 1
        run = words[i:j]
        year_next = j < count and _YEAR_TOKEN.match(words[j]) is not None
        ends = j < count and (is_release_token(words[j]) or year_next)
        if year_next:
            # "Johnny English 2003" keeps its title: before a year, only editions and capitals.
            ends = edition_in(" ".join(run)) is not None or any(_scene_cased(w) for w in run)
        elif ends and all(_is_edition_word(w) for w in run):
            ends = edition_in(" ".join(run)) is not None
        if ends and not all(w.lower() in _ARTICLES for w in words[:i]):
            return i, (j if year_next else None), j
        i = j
    return count, None, count


def _release(text: str, ids: dict[str, str], edition: str | None) -> NameParts:
    end_part = _PART_AT_END.search(text)
    if end_part is not None:
        text = text[: end_part.start()]
    words = tokens(text)
    stop, year_after, resume = _title_end(words)
    year_at = year_after or next(
        (i for i in range(stop - 1, 0, -1) if _YEAR_TOKEN.match(words[i])), None
    )
    if year_at is None and resume < len(words):
        year_after = year_at = _year_after_tags(words, resume)
    if year_after is not None:
        title_words, year = words[:stop], int(words[year_after])
        rest_words = words[stop:year_after] + words[year_after + 1 :]
    elif year_at is not None:
        title_words, rest_words, year = words[:year_at], words[year_at + 1 :], int(words[year_at])
    else:
        title_words, rest_words, year = words[:stop], words[stop:], None
    rest = " ".join(rest_words)
    part = _part_number(end_part.group(1)) if end_part else split_part(rest)[0]
    dotted = is_dotted(text)
    title = clean(" ".join(_join_acronyms(title_words) if dotted else title_words), dots=False)
    numeric = any(any(c.isdigit() for c in w) for w in title_words[1:])
    return NameParts(
        title=title,
        year=year,
        provider_ids=ids,
        edition=edition or edition_in(rest),
        part=part,
        format_3d=format_3d_in(_WORDS.split(rest)),
        confident=title is not None and (year is not None or bool(ids) or not numeric),
    )
