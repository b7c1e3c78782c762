"""The naming corpus (``tests/data/naming_corpus``): every class read right at least 99% of the
time, with the names read wrong printed. ``bench/identify.py`` reports the same accuracies beside
guessit's."""

from __future__ import annotations

import pytest

from reelhouse.testing.naming_corpus import CLASSES, accuracy, load
from tests.naming_corpus_build import CORPUS_DIR, build

TARGET = 0.99


@pytest.mark.parametrize("name_class", CLASSES)
def test_each_class_reads_right(name_class: str) -> None:
    cases = load(CORPUS_DIR, name_class)
    share, failures = accuracy(cases, lambda case: case.read())
    for case, wrong in failures:
        print(f"{name_class}: {case.path!r} [{case.library_text()}] wrong {wrong}")
    print(f"{name_class}: {share:.2%} of {len(cases)} names read right")
    assert share >= TARGET, f"{name_class}: {share:.2%} < {TARGET:.0%}"


def test_the_corpus_files_are_what_the_builder_writes() -> None:
    built = build()
    assert sum(len(cases) for cases in built.values()) >= 3000
    for name_class, cases in built.items():
        assert load(CORPUS_DIR, name_class) == cases, "rerun: python -m tests.naming_corpus_build"
