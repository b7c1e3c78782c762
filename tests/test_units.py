"""Grouping unlinked files into the items they become: the cases users have, and properties over
any identity a name could produce (the identities come from outside: file names)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.content.metadata.models import INT64_MAX, ExternalIds
from reelhouse.content.module import ContentModule
from reelhouse.content.movies.module import MOVIES
from reelhouse.content.registry import MODULES
from reelhouse.content.tv.module import TV
from reelhouse.ingest.units import group_units, provider_ids
from reelhouse.kinds import LibraryKind
from reelhouse.naming import Identity, identify

ROOT = "/media/movies"


def files(*paths: str, library: LibraryKind | None = LibraryKind.MOVIES) -> list[UnlinkedFile]:
    out = []
    for n, path in enumerate(paths, 1):
        stored = identify(f"{ROOT}/{path}", library=library, root=ROOT).to_json()
        identity = Identity.from_json(stored, path=f"{ROOT}/{path}")
        out.append(UnlinkedFile(n, f"{ROOT}/{path}", identity))
    return out


def test_versions_parts_and_extras_of_one_movie_are_one_unit() -> None:
    grouped = group_units(
        files(
            "Kill Bill (2003)/Kill Bill (2003) cd1.avi",
            "Kill Bill (2003)/Kill Bill (2003) cd2.avi",
            "Kill Bill (2003)/Kill Bill (2003) - 2160p.mkv",
            "Kill Bill (2003)/Featurettes/Making of.mkv",
            "Kill Bill (2003)/trailer.mkv",
            "Heat (1995) [tmdbid-949]/Heat (1995).mkv",
            "Alien.1979.1080p.BluRay.x264-GRP.mkv",
            "Aliens.1986.1080p.BluRay.x264-GRP.mkv",
            "Gone Girl (2014)/Extras/Interview.mkv",
        ),
        [ROOT],
        MOVIES,
    )
    units = {u.label: u for u in grouped.units}
    assert set(units) == {"Kill Bill (2003)", "Heat (1995)", "Alien (1979)", "Aliens (1986)"}
    kill_bill = units["Kill Bill (2003)"]
    assert [f.identity.part for f in kill_bill.files] == [None, 1, 2]
    assert sorted(e.identity.extra_type for e in kill_bill.extras) == ["featurette", "trailer"]
    assert kill_bill.folder == f"{ROOT}/Kill Bill (2003)"
    assert units["Heat (1995)"].ids == ExternalIds(tmdb=949)
    assert units["Alien (1979)"].folder is None  # a loose release: its NFO is beside it
    # An extra whose movie is not among these files belongs to one stored before.
    assert [e.path for e in grouped.orphan_extras] == [
        f"{ROOT}/Gone Girl (2014)/Extras/Interview.mkv"
    ]


def test_every_episode_below_a_series_folder_is_one_unit() -> None:
    grouped = group_units(
        files(
            "Show (2010) [tvdbid-81189]/Season 1/Show - S01E01.mkv",
            "Show (2010) [tvdbid-81189]/Season 2/Show - S02E01E02.mkv",
            "Show (2010) [tvdbid-81189]/Specials/Show - S00E01.mkv",
            "[Grp] Anime Show - 136 [1080p].mkv",
            library=LibraryKind.TV,
        ),
        [ROOT],
        TV,
    )
    units = {u.title: u for u in grouped.units}
    assert set(units) == {"Show", "Anime Show"}
    assert len(units["Show"].files) == 3
    assert units["Show"].ids == ExternalIds(tvdb=81189)


def test_ids_from_names_are_validated_never_truncated() -> None:
    stored = [
        {"provider_ids": {"tmdb": str(2**64)}},  # beyond 64 bits: left out
        {"provider_ids": {"tmdb": "603", "imdb": "tt0133093", "tvdb": "-4"}},
        {"provider_ids": {"tmdb": "604"}},  # the first file's id wins
    ]
    ids = provider_ids(Identity.from_json(identity, path="x.mkv") for identity in stored)
    assert ids == ExternalIds(tmdb=603, imdb="tt0133093")


identities = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["movie", "episode", "extra", "sample", "subtitle", "unknown"]),
    },
    optional={
        "title": st.one_of(st.text(max_size=30), st.integers(), st.none()),
        "series": st.one_of(st.text(max_size=30), st.none()),
        "year": st.one_of(st.integers(-5, 3000), st.text(max_size=4), st.booleans()),
        "part": st.one_of(st.integers(-3, 9), st.none()),
        "owner": st.one_of(st.text(alphabet="ab/ ", max_size=8), st.integers()),
        "provider_ids": st.one_of(
            st.dictionaries(
                st.sampled_from(["tmdb", "tvdb", "imdb", "other"]),
                st.one_of(st.text(max_size=12), st.integers(-(2**70), 2**70)),
                max_size=3,
            ),
            st.text(max_size=5),
        ),
        "extra_type": st.text(max_size=10),
    },
)


@given(
    st.lists(
        st.tuples(st.sampled_from(["a/", "a/b/", "c/", ""]), st.text(max_size=12), identities),
        max_size=30,
    ),
    st.sampled_from(MODULES),
)
def test_any_identities_group_without_losing_or_doubling_a_file(
    drawn: list[tuple[str, str, dict[str, Any]]], module: ContentModule
) -> None:
    stored = {
        n: (f"{ROOT}/{folder}{name}.mkv", identity)
        for n, (folder, name, identity) in enumerate(drawn)
    }
    unlinked = [
        UnlinkedFile(n, path, Identity.from_json(identity, path=path))
        for n, (path, identity) in stored.items()
    ]
    grouped = group_units(unlinked, [ROOT, f"{ROOT}/a"], module)
    main_kind = module.file_kind
    title_key = "title" if module is MOVIES else "series"
    expected_main = {
        n
        for n, (_, identity) in stored.items()
        if identity["kind"] == main_kind
        and isinstance(identity.get(title_key), str)
        and identity[title_key].strip()
    }
    placed = [f.id for unit in grouped.units for f in unit.files]
    assert sorted(placed) == sorted(expected_main)
    extras = [e.id for unit in grouped.units for e in unit.extras]
    extras += [e.id for e in grouped.orphan_extras]
    assert sorted(extras) == sorted(n for n, (_, i) in stored.items() if i["kind"] == "extra")
    for unit in grouped.units:
        assert unit.title.strip()
        for value in (unit.ids.tmdb, unit.ids.tvdb):
            assert value is None or 0 < value <= INT64_MAX
