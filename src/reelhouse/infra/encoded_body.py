"""A response body encoded once for every request that asks for it.

Kept as it is and gzipped, so that a cached answer costs a request neither a serialization nor
a compression (compressing a 14 KB listing page takes a quarter of a millisecond, as long as
the rest of the request).
"""

from __future__ import annotations

import gzip

import msgspec

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
