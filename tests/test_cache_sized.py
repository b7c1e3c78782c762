"""The byte-bounded in-process cache of immutable content (served image files)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reelhouse.infra.cache.sized import SizedLRU

MAX_BYTES = 1_000
MAX_VALUE_BYTES = 300


@given(st.lists(st.tuples(st.integers(0, 20), st.binary(max_size=400)), max_size=60))
def test_the_bytes_held_never_exceed_the_bound(puts: list[tuple[int, bytes]]) -> None:
    cache: SizedLRU[int, bytes] = SizedLRU(MAX_BYTES, MAX_VALUE_BYTES, size_of=len)
    for key, value in puts:
        held = cache.put(key, value)
        assert held == (len(value) <= MAX_VALUE_BYTES)
        if held:  # the newest value is always there
            assert cache.get(key) == value
        assert cache.held_bytes <= MAX_BYTES


def test_the_least_recently_used_go_first() -> None:
    cache: SizedLRU[str, bytes] = SizedLRU(MAX_BYTES, MAX_VALUE_BYTES, size_of=len)
    for key in "abc":
        cache.put(key, bytes(300))
    assert cache.get("a") is not None  # now the most recently used
    cache.put("d", bytes(300))
    assert cache.get("b") is None
    assert [cache.get(key) is not None for key in "acd"] == [True, True, True]


def test_a_value_over_the_whole_bound_is_never_held() -> None:
    cache: SizedLRU[str, bytes] = SizedLRU(100, 1_000, size_of=len)
    assert cache.put("big", bytes(101)) is False
    assert cache.get("big") is None
