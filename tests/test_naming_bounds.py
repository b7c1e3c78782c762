"""No name makes the identifier's regular expressions backtrack without bound.

``identify`` refuses names longer than any file system allows (255), so a pattern linear or
quadratic in the name's length costs at most some 65,000 steps there; what must never happen is
a blow-up that grows faster (nested quantifiers over the same characters). Every compiled pattern
of the naming modules, and every parser, runs here on long, repetitive names built from the
fragments the patterns look for, in a child process given a generous bound: a blow-up does not
finish in minutes, a sound pattern in milliseconds. The bound fails the test; nothing is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reelhouse.kinds import LibraryKind
from reelhouse.naming import Numbering, identify

_FRAGMENTS = [
    " ", "-", " - ", ".", "_", "..", "a", "1", "12", "S01", "E01", "s1e1", "1x", "x1", "1x01",
    "-e", "E01-", "[", "]", "[a]", "(", "(1999)", "1999", "1999.", "1999-12-", "12.", "~ 1",
    "Season 1 ", "Episode ", "ep", "afl.", "Cap.", "part ", "第1季", "【", "】", "月", "月 A",
    " | ", "/", "tt1234567", "{edition-", "{", "}", "www.a.com ", "sample", ".sample", "-trailer",
    "3d.", "sbs", "HSBS", "1080p", "x264-", "DDP5.1", "Directors.Cut.", "GERMAN.", "UNRATED ",
    "0", "v2", "-1", "en.", ".forced", "hi.",
]  # fmt: skip
_ENDS = ["", "x", "1", " - 1", " [a]", " (1999)", ".mkv", "E", "-", "]"]
_LIMIT = 255
_BOUND_SECONDS = 120

_CHILD = """
import json, re, sys
from reelhouse.naming import episodes, identify as identify_module, languages, subtitles, titles
from reelhouse.naming.identity import Numbering
patterns = [v for m in (episodes, identify_module, languages, subtitles, titles)
            for v in vars(m).values() if isinstance(v, re.Pattern)]
for name in json.load(sys.stdin):
    for pattern in patterns:
        pattern.search(name)
        pattern.match(name)
    titles.parse_name(name)
    titles.leading_words(name)
    subtitles.parse_subtitle(name)
    episodes.season_pack(name)
    episodes.season_of_folder(name)
    episodes.absolute_after(name)
    for numbering in (None, Numbering.ABSOLUTE, Numbering.SEASONAL):
        episodes.find_marker(name, in_season=False, tv=True, tv_library=True, numbering=numbering)
        episodes.find_marker(name, in_season=True, tv=True, tv_library=True, numbering=numbering)
"""


def _adversarial() -> list[str]:
    names = []
    for fragment in _FRAGMENTS:
        for end in _ENDS:
            body = fragment * (_LIMIT // len(fragment))
            names.append((body + end)[-_LIMIT:])
            names.append((end + body)[:_LIMIT])
        names.extend(((fragment + other) * _LIMIT)[:_LIMIT] for other in ("1", " ", "-", "a", "["))
    return names


def test_no_pattern_or_parser_backtracks_without_bound() -> None:
    names = _adversarial()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(names),
        text=True,
        env=env,
        check=True,
        timeout=_BOUND_SECONDS,
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=6),
    st.integers(1, 120),
    st.sampled_from(_ENDS),
    st.sampled_from([None, *LibraryKind]),
    st.sampled_from([None, *Numbering]),
)
def test_long_repetitive_names_are_identified(
    fragments: list[str],
    times: int,
    end: str,
    library: LibraryKind | None,
    numbering: Numbering | None,
) -> None:
    name = ("".join(fragments) * times)[: _LIMIT - len(end) - 4] + end + ".mkv"
    found = identify(name, library=library, numbering=numbering, fallback=False)
    assert found.path == name
