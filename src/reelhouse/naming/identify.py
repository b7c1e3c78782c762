"""Identify one path: the compiled fast path, and guessit where the fast path is not sure.

The path is analysed as a string only (nothing is read from disk). Folders end in ``/``. With a
``root``, only the part below it counts, so a library root that happens to be called ``Trailers``
is not an extras folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reelhouse.kinds import LibraryKind
from reelhouse.naming.episodes import (
    EpisodeMarker,
    absolute_after,
    find_marker,
    season_of_folder,
    season_pack,
)
from reelhouse.naming.fallback import guess, identity_from_guess
from reelhouse.naming.identity import (
    ExtraType,
    Identity,
    Kind,
    Numbering,
)
from reelhouse.naming.ignore import IgnoreRules, is_junk
from reelhouse.naming.media import is_media_name
from reelhouse.naming.subtitles import parse_subtitle
from reelhouse.naming.titles import (
    NameParts,
    is_generic,
    is_hashed,
    leading_words,
    parse_name,
)
from reelhouse.naming.vocabulary import (
    AUDIO_EXTENSIONS,
    DISC_IMAGE_EXTENSIONS,
    EXTRA_FOLDERS,
    EXTRA_STEMS,
    EXTRA_SUFFIXES,
    STUB_EXTENSION,
    STUB_TYPES,
    SUBTITLE_EXTENSIONS,
    VIDEO_EXTENSIONS,
)

_DISC_FOLDERS = {"video_ts": "dvd", "bdmv": "bluray", "hvdvd_ts": "hddvd"}
_STACK_NAME = re.compile(r"^(?:cd|dvd|part|pt|disc|disk)[\s._-]*([1-9]|[a-d])$", re.IGNORECASE)
_EXTRA_SUFFIX = re.compile(
    rf"(?:-(?P<any>{'|'.join(EXTRA_SUFFIXES)})|[._ ](?P<loose>trailer|sample))\d*$", re.IGNORECASE
)
_SAMPLE = re.compile(
    r"(?:^sample(?:(?P<dashed>-)|[\s._])|[\s._-]sample$|[._-]sample[._-])", re.IGNORECASE
)
_RELEASE_MARK = re.compile(r"(?<![a-z0-9])(?:s\d{1,4}e\d{1,4}|\d{3,4}p)(?![a-z0-9])", re.IGNORECASE)
_EXTRA_WORDS = tuple(EXTRA_SUFFIXES)
_FOLDED = re.compile(r"[\W_]+")
_NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows; characters here
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")

#: Names repeat: a folder's for every file below it (each episode of a season, each part and
#: extra of a movie), a series' in each of its episodes' file names. Each is parsed once, while
#: a scan walks that part of the tree. Cached parts are shared, so their `provider_ids` are
#: copied before an identity gets them.
_parse_repeated = lru_cache(maxsize=4096)(parse_name)
_folder_season = lru_cache(maxsize=4096)(season_of_folder)
_season_pack = lru_cache(maxsize=4096)(season_pack)


@dataclass(frozen=True, slots=True)
class _Folders:
    """What the folders above a file say, worked out once for all the files below them."""

    too_long: bool
    junk: bool
    disc_at: int | None  # the first disc structure folder (VIDEO_TS...)
    extras_at: int | None  # the innermost extras folder
    season: int | None  # of the innermost folder
    pack_series: str | None  # the series a season-pack release folder names (innermost)
    has_year: bool  # the innermost folder's name holds a year


@lru_cache(maxsize=4096)
def _folders(joined: str) -> _Folders:
    dirs = joined.split("/") if joined else []
    lowered = [d.lower() for d in dirs]
    too_long = any(len(d) > _NAME_MAX for d in dirs)
    junk = any(is_junk(d) for d in dirs if d != "..")
    # Nothing below a junk or impossible folder is identified: its season need not be read.
    season = _folder_season(dirs[-1]) if dirs and not (junk or too_long) else None
    pack = _season_pack(dirs[-1]) if dirs and season is None and not junk else None
    return _Folders(
        too_long=too_long,
        junk=junk,
        disc_at=next((i for i, d in enumerate(lowered) if d in _DISC_FOLDERS), None),
        extras_at=next(
            (i for i in range(len(dirs) - 1, -1, -1) if lowered[i] in EXTRA_FOLDERS), None
        ),
        season=pack[0] if pack else season,
        pack_series=pack[1] if pack else None,
        has_year=bool(dirs) and _YEAR.search(dirs[-1]) is not None,
    )


def clear_caches() -> None:
    """Forget the parsed names (a measurement of cold identification starts here)."""
    _parse_repeated.cache_clear()
    _folder_season.cache_clear()
    _season_pack.cache_clear()
    _folders.cache_clear()


def identify(
    path: str,
    *,
    library: LibraryKind | None = None,
    root: str = "",
    ignore: IgnoreRules | None = None,
    fallback: bool = True,
    numbering: Numbering | None = None,
) -> Identity:
    """What ``path`` is. ``fallback=False`` keeps the fast path's answer even where unsure.

    ``numbering`` is how the library's series count episodes, when known: it decides names that
    read both ways (``Show 112``), and the identity records the choice.
    """
    is_dir = path.endswith("/")
    relative = _below(path, root)
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts:
        return Identity(path=path, kind=Kind.UNKNOWN, reason="library_root")
    name = parts[-1]
    folders = _folders("/".join(parts[:-1]))
    if folders.too_long or len(name) > _NAME_MAX:
        # No file system has such names; refusing them also bounds the work per name.
        return Identity(path=path, kind=Kind.UNKNOWN, reason="name_too_long")
    if folders.junk or (name != ".." and is_junk(name)):
        return Identity(path=path, kind=Kind.IGNORED, reason="junk")
    if ignore is not None and ignore.ignores("/".join(parts), is_dir=is_dir):
        return Identity(path=path, kind=Kind.IGNORED, reason="ignore_file")
    if is_dir:
        return _folder(path, parts, library)
    return _file(path, parts, folders, library, fallback, numbering)


def _below(path: str, root: str) -> str:
    if not root:
        return path
    prefix = root.rstrip("/") + "/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return "" if path.rstrip("/") == root.rstrip("/") else path


def _owner(dirs: list[str]) -> str:
    return "/".join(dirs) + "/" if dirs else ""


def _fold(text: str | None) -> str:
    return _FOLDED.sub("", text or "").casefold()


def _file(
    path: str,
    parts: list[str],
    folders: _Folders,
    library: LibraryKind | None,
    fallback: bool,
    numbering: Numbering | None,
) -> Identity:
    name, dirs = parts[-1], parts[:-1]
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = ext.lower()
    owner = _owner(dirs)  # the files' own folder: what a subtitle, extra or unknown belongs to
    if ext in SUBTITLE_EXTENSIONS:
        sub = parse_subtitle(stem)
        return Identity(
            path=path,
            kind=Kind.SUBTITLE,
            title=sub.title,
            language=sub.language,
            forced=sub.forced,
            sdh=sub.sdh,
            default=sub.default,
            video_stem=sub.video_stem,
            owner=owner,
            container=ext,
        )
    disc_at = folders.disc_at
    if disc_at is not None:
        if not is_media_name(name):
            return Identity(path=path, kind=Kind.IGNORED, reason="disc_structure", container=ext)
        structure = _DISC_FOLDERS[dirs[disc_at].lower()]
        return _movie(path, "", dirs[:disc_at], ext, fallback=False, disc=structure)
    stub_type = None
    if ext == STUB_EXTENSION:
        named, _, label = stem.rpartition(".")
        typed = STUB_TYPES.get(label.lower()) if named else None
        stub_type = typed or "disc"
        stem = named if typed else stem
    elif ext in AUDIO_EXTENSIONS and stem.lower() == "theme":
        return _extra(path, "", ExtraType.THEME_SONG, owner, ext)
    elif ext not in VIDEO_EXTENSIONS:
        return Identity(path=path, kind=Kind.IGNORED, reason="not_media", container=ext or None)
    at = folders.extras_at
    if at is not None:
        return _extra(path, stem, EXTRA_FOLDERS[dirs[at].lower()], _owner(dirs[:at]), ext)
    lowered = stem.lower()
    if lowered in EXTRA_STEMS:
        return _extra(path, "", EXTRA_STEMS[lowered], owner, ext)
    # The patterns run only on names that end in an extra's word or hold "sample".
    extra_end = lowered.rstrip("0123456789").endswith(_EXTRA_WORDS)
    suffix = _EXTRA_SUFFIX.search(stem) if extra_end else None
    if suffix is not None and (suffix["any"] or _names_a_release(stem[: suffix.start()], dirs)):
        word = (suffix["any"] or suffix["loose"]).lower()
        return _extra(path, stem[: suffix.start()], EXTRA_SUFFIXES[word], owner, ext)
    sample = _SAMPLE.search(stem) if "sample" in lowered else None
    if sample is not None and (
        sample["dashed"] or _names_a_release(stem[: sample.start()] or stem[sample.end() :], dirs)
    ):
        return _extra(path, stem, ExtraType.SAMPLE, owner, ext)
    disc = "iso" if ext in DISC_IMAGE_EXTENSIONS else None
    if library is not LibraryKind.MOVIES and stub_type is None:
        season, pack = folders.season, folders.pack_series
        marker_stem, marker_dirs = stem, dirs
        if dirs and season is None and is_hashed(stem):
            # "Show S01E01/a3f9c0d1.mkv": the folder names the episode.
            marker_stem, marker_dirs = dirs[-1], dirs[:-1]
            season = _folder_season(marker_dirs[-1]) if marker_dirs else None
            pack = None
        # Bare "- 12" and "E12" are episodes in a TV library, and in a mixed one unless the name
        # or its folder carries a year (a movie, such as "Episode 1 - ... (1999)").
        tv = library is LibraryKind.TV or not (folders.has_year or _YEAR.search(stem))
        marker = find_marker(
            marker_stem,
            in_season=season is not None,
            tv=tv,
            tv_library=library is LibraryKind.TV,
            numbering=numbering,
        )
        if marker is not None:
            return _episode(path, marker_stem, marker, marker_dirs, season, pack, ext)
        if library is LibraryKind.TV:
            unknown = Identity(path=path, kind=Kind.UNKNOWN, owner=owner, container=ext)
            found = guess("/".join(parts[-2:]), library) if fallback else None
            return identity_from_guess(unknown, found) if found else unknown
    return _movie(path, stem, dirs, ext, fallback=fallback, stub_type=stub_type, disc=disc)


def _names_a_release(text: str, dirs: list[str]) -> bool:
    """Whether ``text`` (a name without its "trailer" or "sample" word) is a release or its own
    movie's name, so the word marks an extra: it has a year or release words, or it holds the
    title of the folder it is in. Otherwise the word ends a title ("The DNA Sample")."""
    if _YEAR.search(text) or _RELEASE_MARK.search(text):
        return True
    folder = _fold(_parse_repeated(dirs[-1]).title) if dirs else ""
    return bool(folder) and folder in _fold(text)


def _extra(path: str, stem: str, extra_type: ExtraType, owner: str, ext: str) -> Identity:
    parsed = parse_name(stem) if stem else None
    return Identity(
        path=path,
        kind=Kind.SAMPLE if extra_type is ExtraType.SAMPLE else Kind.EXTRA,
        title=parsed.title if parsed else None,
        year=parsed.year if parsed else None,
        extra_type=extra_type,
        owner=owner,
        container=ext,
    )


def _episode(
    path: str,
    stem: str,
    marker: EpisodeMarker,
    dirs: list[str],
    folder_season: int | None,
    pack_series: str | None,
    ext: str,
) -> Identity:
    if marker.series is not None:
        series_text = marker.series
    elif marker.series_after:
        series_text = stem[marker.end :]
    else:
        series_text = stem[: marker.series_until]
    from_file = _parse_repeated(series_text)
    series_dir = len(dirs) - (2 if folder_season is not None and pack_series is None else 1)
    from_folder = None
    if pack_series is not None:
        from_folder = _parse_repeated(pack_series)
    elif series_dir >= 0:
        from_folder = _parse_repeated(dirs[series_dir])
    use_folder = from_folder is not None and (
        folder_season is not None
        or from_file.title is None
        or _fold(from_file.title) == _fold(from_folder.title)
    )
    chosen = from_folder if use_folder and from_folder is not None else from_file
    ids = {**from_file.provider_ids, **(from_folder.provider_ids if from_folder else {})}
    episodes = marker.episodes
    season = marker.season
    absolute = marker.absolute
    rest = "" if marker.series_after or marker.series is not None else stem[marker.end :]
    if season is not None and absolute is None:
        absolute, rest = absolute_after(rest)
    if season is None and (episodes or marker.absolute is not None):
        season = folder_season
        if season and len(episodes) == 1 and 100 < episodes[0] < 1000:
            # "Season 1/Show - 101 - Title": season and episode run together, as guessit reads it.
            combined_season, number = divmod(episodes[0], 100)
            if combined_season == season and number:
                episodes = (number,)
    return Identity(
        path=path,
        kind=Kind.EPISODE,
        series=chosen.title,
        alternate_title=chosen.alternate_title,
        year=chosen.year or from_file.year,
        season=season,
        episode=episodes[0] if episodes else None,
        end_episode=episodes[-1] if len(episodes) > 1 else None,
        episodes=episodes,
        absolute_episode=absolute,
        numbering=marker.numbering,
        air_date=marker.air_date,
        episode_title=leading_words(rest),
        provider_ids=ids,
        format_3d=from_file.format_3d,
        owner=_owner(dirs[: series_dir + 1]) if series_dir >= 0 else "",
        container=ext,
    )


def _movie(
    path: str,
    stem: str,
    dirs: list[str],
    ext: str,
    *,
    fallback: bool,
    stub_type: str | None = None,
    disc: str | None = None,
) -> Identity:
    part_from_name = _STACK_NAME.match(stem)
    parsed = parse_name(stem) if stem and part_from_name is None else NameParts(title=None)
    part = parsed.part or (_stack_number(part_from_name) if part_from_name else None)
    folder_dirs = dirs
    if dirs and (stacked := _STACK_NAME.match(dirs[-1])) is not None:
        part = part or _stack_number(stacked)
        folder_dirs = dirs[:-1]
    folder = _parse_repeated(folder_dirs[-1]) if folder_dirs else None
    use_folder = folder is not None and (
        is_generic(parsed.title)
        or (
            parsed.year is None
            and folder.year is not None
            and _fold(parsed.title) == _fold(folder.title)
        )
    )
    chosen = folder if use_folder and folder is not None else parsed
    ids = {**(folder.provider_ids if folder else {}), **parsed.provider_ids}
    result = Identity(
        path=path,
        kind=Kind.MOVIE if chosen.title else Kind.UNKNOWN,
        title=chosen.title,
        alternate_title=chosen.alternate_title,
        year=chosen.year,
        edition=parsed.edition or (folder.edition if folder else None),
        version=parsed.version,
        part=part,
        format_3d=parsed.format_3d or (folder.format_3d if folder else None),
        stub_type=stub_type,
        disc=disc,
        provider_ids=ids,
        owner=_owner(folder_dirs),
        container=ext,
    )
    if fallback and not (chosen.confident and chosen.title):
        found = guess(_tail(dirs, stem, ext), LibraryKind.MOVIES)
        if found:
            return identity_from_guess(result, found)
    return result


def _tail(dirs: list[str], stem: str, ext: str) -> str:
    name = f"{stem}.{ext}" if ext else stem
    return "/".join([*dirs[-1:], name])


def _stack_number(match: re.Match[str]) -> int:
    n = match.group(1).lower()
    return int(n) if n.isdigit() else ord(n) - ord("a") + 1


def _folder(path: str, parts: list[str], library: LibraryKind | None) -> Identity:
    name, dirs = parts[-1], parts[:-1]
    lower = name.lower()
    owner = _owner(dirs)
    if lower in EXTRA_FOLDERS:
        extra_type = EXTRA_FOLDERS[lower]
        kind = Kind.SAMPLE if extra_type is ExtraType.SAMPLE else Kind.EXTRA
        return Identity(path=path, kind=kind, extra_type=extra_type, owner=owner)
    if lower in _DISC_FOLDERS:
        return _movie(path, "", dirs, "", fallback=False, disc=_DISC_FOLDERS[lower])
    parent = _parse_repeated(dirs[-1]) if dirs else None
    pack = _season_pack(name) if library is not LibraryKind.MOVIES else None
    if pack is not None:
        parent = _parse_repeated(pack[1])
    season = pack[0] if pack else _folder_season(name)
    if library is not LibraryKind.MOVIES and season is not None:
        return Identity(
            path=path,
            kind=Kind.SEASON_FOLDER,
            season=season,
            series=parent.title if parent else None,
            year=parent.year if parent else None,
            provider_ids=dict(parent.provider_ids) if parent else {},
            owner=owner,
        )
    stacked = _STACK_NAME.match(name)
    if stacked is not None and parent is not None:
        return Identity(
            path=path,
            kind=Kind.MOVIE_FOLDER,
            title=parent.title,
            year=parent.year,
            part=_stack_number(stacked),
            provider_ids=dict(parent.provider_ids),
            owner=owner,
        )
    parsed = _parse_repeated(name)
    if library is LibraryKind.TV:
        kind = Kind.SERIES_FOLDER
    elif library is LibraryKind.MOVIES:
        kind = Kind.MOVIE_FOLDER
    elif "tvdb" in parsed.provider_ids:
        kind = Kind.SERIES_FOLDER
    elif parsed.year is not None or parsed.provider_ids:
        kind = Kind.MOVIE_FOLDER
    else:
        kind = Kind.UNKNOWN
    if kind is Kind.SERIES_FOLDER:
        return Identity(
            path=path,
            kind=kind,
            series=parsed.title,
            year=parsed.year,
            provider_ids=dict(parsed.provider_ids),
            owner=owner,
        )
    return Identity(
        path=path,
        kind=kind,
        title=parsed.title,
        year=parsed.year,
        edition=parsed.edition,
        format_3d=parsed.format_3d,
        provider_ids=dict(parsed.provider_ids),
        owner=owner,
    )
