"""Identification throughput and accuracy, printed as JSON.

Paths/s of the fast path alone, of reelhouse as a whole (fast path plus the guessit fallback) and
of guessit on the same paths (on a sample: it is slow), plus agreement with guessit on title, year,
season and episode; and accuracy per class on the project's naming corpus
(``tests/data/naming_corpus``) of the fast path alone, of reelhouse as a whole and of guessit (on
a seeded random sample of each class, and reelhouse on the same names beside it).
Run: ``python bench/identify.py [--paths N] [--guessit-sample N] [--corpus-sample N] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import guessit

from reelhouse.naming import DecidedBy, Identity, Kind, identify
from reelhouse.naming.identify import clear_caches
from reelhouse.testing.library import GeneratedPath, generate_library
from reelhouse.testing.naming_corpus import CLASSES, CorpusCase, accuracy, guessit_reading, load

CORPUS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "naming_corpus"

_FOLD = re.compile(r"[\W_]+")
FIELDS = ("title", "year", "season", "episode")


def fold(value: object) -> str:
    return _FOLD.sub("", str(value or "")).casefold()


def rate(action: Callable[[str], object], paths: list[str], rounds: int = 1) -> float:
    """Paths per CPU second of this process (one core), best of ``rounds``: on a shared machine
    wall time also counts the other processes' turns. Each round starts with no folder parsed,
    as a first scan does."""
    best = float("inf")
    for _ in range(rounds):
        clear_caches()
        start = time.process_time()
        for path in paths:
            action(path)
        best = min(best, time.process_time() - start)
    return len(paths) / best


def ours(found: Identity) -> dict[str, Any]:
    episode = found.episode if found.episode is not None else found.absolute_episode
    title = found.series if found.kind is Kind.EPISODE else found.title
    return {"title": fold(title), "year": found.year, "season": found.season, "episode": episode}


def theirs(found: dict[str, Any]) -> dict[str, Any]:
    episode = found.get("episode")
    return {
        "title": fold(found.get("title")),
        "year": found.get("year"),
        "season": found.get("season"),
        "episode": episode[0] if isinstance(episode, list) else episode,
    }


def truth_of(generated: GeneratedPath) -> dict[str, Any]:
    """The generator's expected identity, in the fields compared with guessit."""
    want = generated.expected
    episodes = want.get("episodes") or [want.get("absolute_episode")]
    if want["kind"] == "episode":
        return {
            "title": fold(want.get("series")),
            "year": want.get("year"),
            "season": want.get("season"),
            "episode": episodes[0],
        }
    return {"title": fold(want["title"]), "year": want["year"], "season": None, "episode": None}


def corpus_accuracy(per_class_sample: int) -> dict[str, Any]:
    """Per class: the share of names read right by the fast path alone, by reelhouse as a whole,
    and by guessit and reelhouse on the same sample of the class."""
    out: dict[str, Any] = {}

    def fast(case: CorpusCase) -> dict[str, Any]:
        return case.read(fallback=False)

    def combined(case: CorpusCase) -> dict[str, Any]:
        return case.read()

    for name_class in CLASSES:
        cases = load(CORPUS_DIR, name_class)
        sample = random.Random(name_class).sample(cases, min(per_class_sample, len(cases)))
        out[name_class] = {
            "names": len(cases),
            "fast": round(accuracy(cases, fast)[0], 4),
            "reelhouse": round(accuracy(cases, combined)[0], 4),
            "sample": len(sample),
            "reelhouse_on_sample": round(accuracy(sample, combined)[0], 4),
            "guessit_on_sample": round(accuracy(sample, guessit_reading)[0], 4),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=50_000)
    parser.add_argument("--guessit-sample", type=int, default=300)
    parser.add_argument("--corpus-sample", type=int, default=60, help="guessit's names per class")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    generated = generate_library(args.paths, seed=args.seed)
    paths = [g.path for g in generated]
    fast = rate(lambda p: identify(p, fallback=False), paths, rounds=3)
    overall = rate(identify, paths, rounds=3)
    results = [identify(p) for p in paths]

    media = [g for g in generated if g.expected.get("kind") in ("movie", "episode")]
    step = max(1, len(media) // args.guessit_sample)
    chosen = media[::step][: args.guessit_sample]
    sample = [g.path for g in chosen]
    tails = ["/".join(p.split("/")[-2:]) for p in sample]
    guessit_rate = rate(guessit.guessit, tails)
    agree = dict.fromkeys(FIELDS, 0)
    right = {"reelhouse": dict.fromkeys(FIELDS, 0), "guessit": dict.fromkeys(FIELDS, 0)}
    for g, tail in zip(chosen, tails, strict=True):
        a, b, want = ours(identify(g.path)), theirs(dict(guessit.guessit(tail))), truth_of(g)
        for key in FIELDS:
            agree[key] += a[key] == b[key]
            right["reelhouse"][key] += a[key] == want[key]
            right["guessit"][key] += b[key] == want[key]
    truth = sum(
        all(r.to_json().get(k) == v for k, v in g.expected.items())
        for g, r in zip(generated, results, strict=True)
    )
    print(
        json.dumps(
            {
                "paths": len(paths),
                "fast_paths_per_s": round(fast),
                "overall_paths_per_s": round(overall),
                "guessit_paths_per_s": round(guessit_rate, 1),
                "guessit_sample": len(sample),
                "speedup_overall_vs_guessit": round(overall / guessit_rate, 1),
                "decided_by_guessit": sum(r.decided_by is DecidedBy.GUESSIT for r in results),
                "agreement_with_guessit": {k: round(v / len(sample), 3) for k, v in agree.items()},
                "correct_on_sample": {
                    who: {k: round(v / len(sample), 3) for k, v in counts.items()}
                    for who, counts in right.items()
                },
                "matches_generator_truth": round(truth / len(paths), 4),
                "target_overall_paths_per_s": 20_000,
                "corpus_accuracy": corpus_accuracy(args.corpus_sample),
                "corpus_target": 0.99,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
