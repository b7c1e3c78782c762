"""Response bodies encoded once for every request that asks for them.

The HTTP layers cache their own forms of what the read services answer: a read's value encoded
(the API's JSON, say), kept as it is and gzipped, under the read's key and tags. A cached answer
then costs a request one lookup, with neither a serialization nor a compression, and a write
that drops the value drops its encoded forms with it.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import TypeVar

import msgspec
from fastapi import Request, Response

from reelhouse.infra.cache import Cache, CacheNamespace, Read

T = TypeVar("T")

#: Compressed once and served many times: the smallest output is worth the slowest level.
GZIP_LEVEL = 9


class EncodedBody(msgspec.Struct, frozen=True):
    identity: bytes
    gzipped: bytes | None = None  # None: too small to be worth compressing

    @classmethod
    def of(cls, body: bytes, gzip_min_bytes: int) -> EncodedBody:
        """`body`, with its gzip form when it has `gzip_min_bytes` or more (the rule the
        server's gzip middleware applies to the responses it compresses itself)."""
        if len(body) < gzip_min_bytes:
            return cls(body)
        return cls(body, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))

    def for_client(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The body to send a client whose `Accept-Encoding` is `accept_encoding`, and its
        `Content-Encoding` (None: as it is)."""
        if self.gzipped is not None and "gzip" in accept_encoding.lower():
            return self.gzipped, "gzip"
        return self.identity, None


class EncodedBodies:
    """The encoded forms of reads, in the cache namespace `namespace`."""

    def __init__(self, cache: Cache, namespace: str, gzip_min_bytes: int) -> None:
        self._bodies: CacheNamespace[EncodedBody] = cache.namespace(namespace, EncodedBody)
        self.gzip_min_bytes = gzip_min_bytes

    async def get(self, read: Read[T], form: str, encode: Callable[[T], bytes]) -> EncodedBody:
        """The value of `read` as `encode` writes it (`form` names the encoding), made on the
        first request that asks for it."""

        async def load() -> EncodedBody:
            return EncodedBody.of(encode(await read.load()), self.gzip_min_bytes)

        body = await self._bodies.get_or_load(f"{read.key}:{form}", load, tags=read.tags)
        assert body is not None  # noqa: S101 - the loader never answers "not found"
        return body


class JSONBody(Response):
    """A JSON body encoded already: FastAPI neither validates nor encodes it again (the route's
    `response_model` still documents it)."""

    media_type = "application/json"

    @classmethod
    def encoded(cls, body: EncodedBody, request: Request) -> JSONBody:
        """`body` in the form the client accepts; the gzip middleware passes a body that says
        its encoding as it is."""
        content, encoding = body.for_client(request.headers.get("accept-encoding", ""))
        if body.gzipped is None:
            return cls(content)
        headers = {"Vary": "Accept-Encoding"}
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        return cls(content, headers=headers)
