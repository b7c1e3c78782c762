"""Provider JSON at the edge: anything either validates or is a ValidationError; nulls tolerated,
out-of-range refused."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from reelhouse.providers import tmdb_models as tmdb
from reelhouse.providers import tvdb_models as tvdb
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.tmdb_json import movie_json, tv_json
from reelhouse.testing.fake_providers.tvdb_json import series_base

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
MODELS: list[type[BaseModel]] = [
    tmdb.Movie,
    tmdb.Tv,
    tmdb.Season,
    tmdb.Find,
    tmdb.Page[tmdb.MovieResult],
    tvdb.SeriesExtended,
    tvdb.EpisodesAnswer,
    tvdb.Envelope[list[tvdb.SearchHit]],
]


def request(query: str) -> Request:
    return Request({"type": "http", "query_string": query.encode(), "headers": []})


APPEND = "append_to_response=credits,images,external_ids,release_dates,keywords,videos,translations"
CATALOGUE = Catalogue(movies=5, series=5)
_movie, _series = CATALOGUE.movie(3), CATALOGUE.series(3)
assert _movie is not None
assert _series is not None
MOVIE = movie_json(_movie, request(APPEND))
TV = tv_json(_series, request(APPEND.replace("release_dates", "content_ratings")))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(value=JSON)
def test_any_json_validates_or_is_a_validation_error(model: type[BaseModel], value: Any) -> None:
    with contextlib.suppress(ValidationError):
        model.model_validate_json(json.dumps(value))


@given(
    fields=st.dictionaries(
        st.sampled_from(sorted(MOVIE)),
        JSON,
        max_size=5,
    )
)
def test_a_real_movie_with_fields_replaced_never_breaks_the_parser(fields: dict[str, Any]) -> None:
    with contextlib.suppress(ValidationError):
        tmdb.Movie.model_validate_json(json.dumps({**MOVIE, **fields}))


@pytest.mark.parametrize("key", sorted(k for k in MOVIE if k != "id"))
def test_null_in_any_movie_field_is_tolerated(key: str) -> None:
    assert tmdb.Movie.model_validate_json(json.dumps({**MOVIE, key: None})).id == 3


@pytest.mark.parametrize("key", sorted(k for k in TV if k != "id"))
def test_null_in_any_tv_field_is_tolerated(key: str) -> None:
    assert tmdb.Tv.model_validate_json(json.dumps({**TV, key: None})).id == 3


@pytest.mark.parametrize(
    ("patch", "valid"),
    [
        ({"id": 2**63 - 1}, True),
        ({"id": 2**63}, False),
        ({"id": 0}, False),
        ({"id": -5}, False),
        ({"release_date": "2019-02-30"}, False),
        ({"release_date": ""}, True),
        ({"vote_average": 10.5}, False),
        ({"runtime": -1}, False),
        ({"id": "12"}, True),
        ({"id": 1.5}, False),
    ],
)
def test_out_of_range_values_are_refused(patch: dict[str, Any], valid: bool) -> None:
    body = json.dumps({**MOVIE, **patch})
    if valid:
        tmdb.Movie.model_validate_json(body)
    else:
        with pytest.raises(ValidationError):
            tmdb.Movie.model_validate_json(body)


def test_unknown_fields_are_ignored() -> None:
    movie = tmdb.Movie.model_validate_json(json.dumps({**MOVIE, "brand_new_field": {"x": [1]}}))
    assert not hasattr(movie, "brand_new_field")


def tvdb_series() -> dict[str, Any]:
    series = CATALOGUE.series(3)
    assert series is not None
    return {**series_base(series, "http://fake/banners/"), "artworks": [],
            "genres": [{"id": 1, "name": "Drama"}],
            "seasons": [{"id": 7, "number": 1, "type": {"type": "official"}}]}  # fmt: skip


@pytest.mark.parametrize("key", sorted(k for k in tvdb_series() if k != "id"))
def test_null_in_any_tvdb_series_field_is_tolerated(key: str) -> None:
    series = tvdb.SeriesExtended.model_validate_json(json.dumps({**tvdb_series(), key: None}))
    assert series.id == 70_003


def test_tvdb_ids_given_as_strings_are_read_and_huge_ones_refused() -> None:
    hit = {"tvdb_id": "81189", "name": "x"}
    assert tvdb.SearchHit.model_validate_json(json.dumps(hit)).tvdb_id == 81189
    with pytest.raises(ValidationError):
        tvdb.SearchHit.model_validate_json(json.dumps({**hit, "tvdb_id": str(2**64)}))
