"""Scoring search candidates against a parsed name, and deciding whether any is a match.

A candidate's score is its best normalized-title similarity (title, original title, alternative
titles; rapidfuzz's normalized Indel similarity, so "Cam" does not match "Camp" and "It" does not
match "It Follows") times a year factor (exact, then ±1, then further off). The best candidate is
a match only when it reaches the threshold and beats every different runner-up by the margin;
otherwise the item stays unmatched and the ranked candidates go to review. The first search
result is never taken for being first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import Indel

from reelhouse.content.matching.normalize import normalize_title
from reelhouse.content.metadata.models import Candidate
from reelhouse.kinds import ItemKind

YEAR_FACTORS = {0: 1.0, 1: 0.93, 2: 0.75}
YEAR_FACTOR_FAR = 0.5
YEAR_FACTOR_UNKNOWN_CANDIDATE = 0.9
YEAR_FACTOR_NO_QUERY_YEAR = 0.97


@dataclass(frozen=True)
class MatchQuery:
    title: str
    kind: ItemKind
    year: int | None = None
    alternative_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float


class Verdict(StrEnum):
    MATCHED = "matched"
    NO_CANDIDATES = "no_candidates"
    BELOW_THRESHOLD = "below_threshold"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class MatchResult:
    verdict: Verdict
    ranked: tuple[Scored, ...]

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0].candidate if self.verdict is Verdict.MATCHED else None

    @property
    def confidence(self) -> float:
        return self.ranked[0].score if self.ranked else 0.0


def title_similarity(query: MatchQuery, candidate: Candidate) -> float:
    wanted = {normalize_title(t) for t in (query.title, *query.alternative_titles) if t}
    offered = {
        normalize_title(t)
        for t in (candidate.title, candidate.original_title, *candidate.alternative_titles)
        if t
    }
    return max((Indel.normalized_similarity(a, b) for a in wanted for b in offered), default=0.0)


def year_factor(wanted: int | None, offered: int | None) -> float:
    if wanted is None:
        return YEAR_FACTOR_NO_QUERY_YEAR
    if offered is None:
        return YEAR_FACTOR_UNKNOWN_CANDIDATE
    return YEAR_FACTORS.get(abs(wanted - offered), YEAR_FACTOR_FAR)


def score(query: MatchQuery, candidate: Candidate) -> float:
    if candidate.kind is not query.kind:
        return 0.0
    return title_similarity(query, candidate) * year_factor(query.year, candidate.year)


def choose(
    query: MatchQuery, candidates: list[Candidate], *, threshold: float, margin: float
) -> MatchResult:
    ranked = tuple(
        sorted(
            (Scored(c, score(query, c)) for c in candidates),
            key=lambda s: s.score,
            reverse=True,
        )
    )
    if not ranked:
        return MatchResult(Verdict.NO_CANDIDATES, ranked)
    best = ranked[0]
    if best.score < threshold:
        return MatchResult(Verdict.BELOW_THRESHOLD, ranked)
    rival = next((s for s in ranked[1:] if s.candidate.ids != best.candidate.ids), None)
    if rival is not None and best.score - rival.score < margin:
        return MatchResult(Verdict.AMBIGUOUS, ranked)
    return MatchResult(Verdict.MATCHED, ranked)
