"""Compact serialization of cached values (msgpack through msgspec) and the immutability rule.

A value is kept in the L1 as the object itself only when nothing reachable from it can be changed
(numbers, strings, tuples and frozensets of such, frozen msgspec structs and frozen dataclasses);
anything else (dicts, lists, mutable structs, pydantic models...) is kept as its encoded bytes and
decoded afresh on every hit, so a caller can never change what the cache holds.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from typing import Any, Generic, TypeVar, cast

import msgspec

T = TypeVar("T")

_SCALARS: tuple[type, ...] = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    decimal.Decimal,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    enum.Enum,
)
_MAX_DEPTH = 16


_EXACT_SCALARS = frozenset({type(None), bool, int, float, str, bytes})


def is_immutable(value: object, depth: int = 0) -> bool:
    """True when neither `value` nor anything it holds can be changed in place."""
    kind = type(value)
    if kind in _EXACT_SCALARS:
        return True
    if depth >= _MAX_DEPTH:
        return False
    if kind is tuple or kind is frozenset:
        exact = _EXACT_SCALARS
        for item in value:  # type: ignore[attr-defined]
            if type(item) not in exact and not is_immutable(item, depth + 1):
                return False
        return True
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, tuple | frozenset):
        return all(is_immutable(item, depth + 1) for item in value)
    if isinstance(value, msgspec.Struct):
        if not type(value).__struct_config__.frozen:
            return False
        return all(
            is_immutable(getattr(value, name), depth + 1) for name in value.__struct_fields__
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        if params is None or not params.frozen:
            return False
        return all(
            is_immutable(getattr(value, field.name), depth + 1)
            for field in dataclasses.fields(value)
        )
    return False


def _is_pydantic_model(type_: Any) -> bool:
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic is a dependency of reelhouse
        return False
    return isinstance(type_, type) and issubclass(type_, BaseModel)


def _enc_hook(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # a pydantic model
        return dump(mode="json")
    raise NotImplementedError(f"cannot cache a value of type {type(value).__name__}")


class Codec(Generic[T]):
    """Encodes values of one type to msgpack and back (msgspec types, builtins, pydantic models)."""

    __slots__ = ("_decode", "_encode", "_model", "type")

    def __init__(self, type_: type[T] | Any = Any) -> None:
        self.type = type_
        self._encode = msgspec.msgpack.Encoder(enc_hook=_enc_hook).encode
        self._model: Any = type_ if _is_pydantic_model(type_) else None
        decoder = msgspec.msgpack.Decoder(Any if self._model is not None else type_)
        self._decode = decoder.decode

    def encode(self, value: T) -> bytes:
        return self._encode(value)

    def decode(self, data: bytes | memoryview | msgspec.Raw) -> T:
        if isinstance(data, msgspec.Raw):
            data = memoryview(data)
        obj = self._decode(data)
        if self._model is not None:
            return cast(T, self._model.model_validate(obj))
        return cast(T, obj)


# L2 envelope: [kind, tags, payload]. kind 1 = a value, 0 = a remembered "not found".
KIND_NEGATIVE = 0
KIND_VALUE = 1


class Envelope(msgspec.Struct, array_like=True, frozen=True):
    kind: int
    tags: tuple[str, ...]
    payload: msgspec.Raw  # the value's own msgpack (nil for KIND_NEGATIVE)


_NIL = b"\xc0"
_envelope_encode = msgspec.msgpack.Encoder().encode
_envelope_decode = msgspec.msgpack.Decoder(Envelope).decode


def encode_envelope(kind: int, tags: tuple[str, ...], payload: bytes | None) -> bytes:
    raw = msgspec.Raw(payload if payload is not None else _NIL)
    return _envelope_encode(Envelope(kind, tags, raw))


def decode_envelope(data: bytes) -> Envelope:
    return _envelope_decode(data)
