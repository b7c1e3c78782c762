"""The words of the naming conventions: extensions, folder names, suffixes, release tokens.

Everything is lower case; lookups lower-case the name first.
"""

from __future__ import annotations

from reelhouse.naming.identity import ExtraType

VIDEO_EXTENSIONS = frozenset(
    {
        "3g2", "3gp", "asf", "avi", "divx", "dvr-ms", "f4v", "flv", "img", "iso", "m2t",
        "m2ts", "m2v", "m4v", "mk3d", "mkv", "mov", "mp4", "mpe", "mpeg", "mpg", "mts", "nsv",
        "ogm", "ogv", "rec", "rm", "rmvb", "strm", "ts", "vob", "webm", "wmv", "wtv", "xvid",
    }
)  # fmt: skip
AUDIO_EXTENSIONS = frozenset({"aac", "flac", "m4a", "mp3", "ogg", "opus", "wav", "wma"})
SUBTITLE_EXTENSIONS = frozenset({"ass", "idx", "smi", "srt", "ssa", "sub", "sup", "ttml", "vtt"})
DISC_IMAGE_EXTENSIONS = frozenset({"iso", "img"})
STUB_EXTENSION = "disc"
# Disc stubs (``Movie (2010).bd25.disc``): the word before ``.disc``, and the disc it stands for.
STUB_TYPES: dict[str, str] = {
    "bluray": "bluray", "blu-ray": "bluray", "bd": "bluray", "bd25": "bluray", "bd50": "bluray",
    "brrip": "bluray", "dvd": "dvd", "dvd5": "dvd", "dvd9": "dvd", "hddvd": "hddvd",
    "hdtv": "tv", "pdtv": "tv", "dsr": "tv", "tv": "tv", "vhs": "vhs", "web": "web",
    "laserdisc": "laserdisc",
}  # fmt: skip

# Names that are never media, wherever they appear (besides every dot file or folder).
JUNK_NAMES = frozenset(
    {
        "@eadir", "#recycle", "#snapshot", "$recycle.bin", "recycler", "lost+found",
        "system volume information", "__macosx", "thumbs.db", "desktop.ini", "@recycle",
        "@recently-snapshot", "@tmp", ".@__thumb", "@__thumb", "$extend", "msdownld.tmp",
        "plex versions", "extrafanart", "extrathumbs", ".actors",
    }
)  # fmt: skip

EXTRA_FOLDERS: dict[str, ExtraType] = {
    "extras": ExtraType.OTHER,
    "extra": ExtraType.OTHER,
    "other": ExtraType.OTHER,
    "others": ExtraType.OTHER,
    "featurettes": ExtraType.FEATURETTE,
    "featurette": ExtraType.FEATURETTE,
    "behind the scenes": ExtraType.BEHIND_THE_SCENES,
    "behindthescenes": ExtraType.BEHIND_THE_SCENES,
    "making of": ExtraType.BEHIND_THE_SCENES,
    "deleted scenes": ExtraType.DELETED_SCENE,
    "deletedscenes": ExtraType.DELETED_SCENE,
    "interviews": ExtraType.INTERVIEW,
    "interview": ExtraType.INTERVIEW,
    "scenes": ExtraType.SCENE,
    "shorts": ExtraType.SHORT,
    "trailers": ExtraType.TRAILER,
    "trailer": ExtraType.TRAILER,
    "clips": ExtraType.CLIP,
    "samples": ExtraType.SAMPLE,
    "sample": ExtraType.SAMPLE,
    "theme-music": ExtraType.THEME_SONG,
    "theme music": ExtraType.THEME_SONG,
    "backdrops": ExtraType.THEME_VIDEO,
}

EXTRA_SUFFIXES: dict[str, ExtraType] = {
    "trailer": ExtraType.TRAILER,
    "featurette": ExtraType.FEATURETTE,
    "behindthescenes": ExtraType.BEHIND_THE_SCENES,
    "deleted": ExtraType.DELETED_SCENE,
    "deletedscene": ExtraType.DELETED_SCENE,
    "interview": ExtraType.INTERVIEW,
    "scene": ExtraType.SCENE,
    "short": ExtraType.SHORT,
    "clip": ExtraType.CLIP,
    "other": ExtraType.OTHER,
    "extra": ExtraType.OTHER,
    "sample": ExtraType.SAMPLE,
    "theme": ExtraType.THEME_SONG,
}

# A whole file name (stem) that is an extra by itself.
EXTRA_STEMS: dict[str, ExtraType] = {
    "trailer": ExtraType.TRAILER,
    "sample": ExtraType.SAMPLE,
    "theme": ExtraType.THEME_SONG,
    "backdrop": ExtraType.THEME_VIDEO,
}

SEASON_WORDS = (
    "season", "series", "saison", "staffel", "temporada", "stagione", "seizoen", "sezon",
    "säsong", "sæson", "sesong", "kausi", "évad", "sezóna", "сезон", "sezona", "kauden",
    "sezonul", "seisoen", "tímabil", "séria",
)  # fmt: skip
SPECIALS_FOLDERS = frozenset(
    {"specials", "special", "season specials", "speciali", "especiales", "spéciaux",
     "sonderfolgen", "extras specials"}
)  # fmt: skip

# Release tokens that end a title in any case (a title never starts with one: see titles.py).
STRONG_TOKENS = frozenset(
    {
        "480p", "576p", "720p", "1080p", "1080i", "2160p", "4320p", "4k", "8k", "uhd",
        "bluray", "blu-ray", "bdrip", "brrip", "bdremux", "remux", "web-dl", "webdl", "webrip",
        "web-rip", "hdtv", "pdtv", "sdtv", "hdtvrip", "dvdrip", "dvdr", "dvd5", "dvd9",
        "dvdscr", "hdrip", "hdcam", "camrip", "telesync", "telecine", "vhsrip", "x264", "x265",
        "h264", "h265", "hevc", "avc", "xvid", "divx", "av1", "vp9", "mpeg2", "10bit", "8bit",
        "hdr", "hdr10", "hdr10+", "hdr10plus", "dovi", "aac", "aac2", "ac3", "eac3", "dd5",
        "ddp5", "dd2", "ddp2", "dd+", "ddp", "dts", "dts-hd", "dtshd", "truehd", "atmos", "flac",
        "lpcm", "hsbs", "fsbs", "htab", "ftab", "h-sbs", "h-ou", "half-sbs", "half-ou",
        "full-sbs", "sbs3d", "3dsbs", "tab3d", "3dtab", "mvc", "amzn", "dsnp", "hmax", "atvp",
        "pcok", "vostfr", "multisubs",
        "proper", "repack", "rerip", "nfofix", "readnfo", "dubbed", "subbed", "hardsub", "ac3d",
    }
)  # fmt: skip

# Tokens that end a title only when written in capitals (they are also ordinary title words).
UPPER_TOKENS = frozenset(
    {
        "WEB", "DVD", "CAM", "TS", "TC", "HC", "DV", "SDR", "R5", "NF", "DC", "SBS", "OU", "TAB",
        "3D", "EXTENDED", "UNRATED", "UNCUT", "REMASTERED", "IMAX", "LIMITED", "INTERNAL",
        "COMPLETE", "MULTI", "DUAL", "FRENCH", "TRUEFRENCH", "GERMAN", "ITALIAN", "SPANISH",
        "ITA", "ENG", "HINDI", "NORDIC", "KOREAN", "JAPANESE", "RUSSIAN", "POLISH", "DUTCH",
        "SWEDISH", "DANISH", "FINNISH", "NORWEGIAN", "CHINESE", "PORTUGUESE", "LATINO", "HDR",
        "REAL", "FESTIVAL", "SUBS", "DOCU", "WS", "FS", "PAL", "NTSC", "SCREENER", "SCR",
        "DIRECTORS", "THEATRICAL", "CRITERION", "RESTORED", "OM", "AI", "HQ", "HD", "SD",
        "DL", "HDC", "DOKU", "SUBFRENCH", "HUNGARIAN", "CZECH", "CASTELLANO", "ULTRAHD",
        "HYBRID", "NFO", "READ", "RECUT", "DESPECIALIZED", "VOSTA", "TURKISH", "GREEK",
    }
)  # fmt: skip

# Audio or subtitle languages of a release; they end an episode title when release tokens follow.
LANGUAGE_WORDS = frozenset(
    {
        "english", "french", "truefrench", "german", "italian", "spanish", "castellano",
        "latino", "russian", "japanese", "korean", "chinese", "mandarin", "cantonese", "hindi",
        "dutch", "flemish", "swedish", "danish", "norwegian", "finnish", "polish", "portuguese",
        "brazilian", "czech", "hungarian", "turkish", "greek", "hebrew", "arabic", "thai",
        "multi", "vostfr", "dual", "ita", "eng", "ger", "fre", "spa",
    }
)  # fmt: skip

# Words of edition names (titles.py has the names): with a language word or a capitalised release
# word, a run of them between a title and its year or release words ends the title.
EDITION_WORDS = frozenset(
    {
        "director's", "directors", "extended", "theatrical", "final", "ultimate", "special",
        "collector's", "collectors", "anniversary", "criterion", "imax", "unrated", "uncut",
        "uncensored", "remastered", "redux", "open", "matte", "alternate", "despecialized",
        "diamond", "recut", "restored", "rogue", "signature", "platinum", "edition", "cut",
        "version", "ending", "collection",
    }
)  # fmt: skip

FORMATS_3D: dict[str, str] = {
    "hsbs": "hsbs", "h-sbs": "hsbs", "half-sbs": "hsbs", "fsbs": "fsbs", "full-sbs": "fsbs",
    "sbs": "sbs", "htab": "htab", "h-ou": "htab", "half-ou": "htab", "hou": "htab",
    "ftab": "ftab", "full-ou": "ftab", "fou": "ftab", "tab": "tab", "ou": "tab", "mvc": "mvc",
    "3d": "3d", "sbs3d": "sbs", "3dsbs": "sbs", "tab3d": "tab", "3dtab": "tab", "hsbs3d": "hsbs",
    "htab3d": "htab", "3dhsbs": "hsbs", "3dhtab": "htab",
}  # fmt: skip
# 3D words that are also ordinary words: they count in capitals, or right after "3d".
WEAK_3D_WORDS = frozenset({"ou", "tab", "sbs", "3d"})

SUBTITLE_FLAGS = frozenset({"forced", "foreign", "sdh", "cc", "hi", "default"})
