"""The invalidation message: what a process publishes on the channel when it drops or writes
entries, and what every other process applies to its L1 (msgpack-encoded)."""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, omit_defaults=True):
    """One invalidation on the channel."""

    origin: str
    sent_ns: int
    keys: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    clear: bool = False


_message_encode = msgspec.msgpack.Encoder().encode
_message_decode = msgspec.msgpack.Decoder(Message).decode


def encode_message(message: Message) -> bytes:
    return _message_encode(message)


def decode_message(data: bytes) -> Message:
    return _message_decode(data)
