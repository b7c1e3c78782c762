"""The synthetic library generator: deterministic, duplicate-free, and writable to disk."""

from __future__ import annotations

from pathlib import Path

from reelhouse.testing.library import CatalogueTitle, generate_library, write_library


def test_same_seed_same_library_other_seed_other_library() -> None:
    assert generate_library(500, seed=3) == generate_library(500, seed=3)
    assert generate_library(500, seed=3) != generate_library(500, seed=4)


def test_exact_count_without_duplicates_and_every_kind() -> None:
    library = generate_library(3000, seed=1)
    paths = [g.path for g in library]
    assert len(paths) == len(set(paths)) == 3000
    kinds = {g.expected["kind"] for g in library}
    assert kinds == {"movie", "episode", "extra", "sample", "subtitle", "ignored"}
    assert any("absolute_episode" in g.expected for g in library)
    assert any(len(g.expected.get("episodes", [])) > 1 for g in library)
    assert any(g.expected.get("part") == 2 for g in library)


def test_titles_from_a_catalogue() -> None:
    catalogue = [CatalogueTitle("Zyzzyva Nights", 1999), CatalogueTitle("Qux Show", 2011, True)]
    library = generate_library(400, seed=2, titles=catalogue)
    titles = {g.expected.get("title") or g.expected.get("series") for g in library} - {None}
    assert titles == {"Zyzzyva Nights", "Qux Show"}


def test_write_library_creates_empty_files(tmp_path: Path) -> None:
    library = generate_library(200, seed=9)
    write_library(tmp_path, library)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(g.path for g in library)
    assert all((tmp_path / g.path).stat().st_size == 0 for g in library)
