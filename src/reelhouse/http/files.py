"""Answering a GET or HEAD of an opened library file: validators, conditional requests, one
range, the download name. Shared by every route that serves a file as it is (direct play, its
download variant, and the compatible API's).

Multiple ranges are answered with the whole file (see `reelhouse.http.ranges`).
"""

from __future__ import annotations

import re
import unicodedata
from http import HTTPStatus
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from reelhouse.config.media import MediaSettings
from reelhouse.http.file_body import FileBodyResponse
from reelhouse.http.problems import problem
from reelhouse.http.ranges import (
    UNSATISFIABLE,
    etag_matches,
    http_date,
    if_range_holds,
    requested_range,
)
from reelhouse.playback.opening import OpenedFile

#: What a quoted `filename` may not hold as it is (RFC 6266 §4.3: the ASCII fallback).
_UNQUOTABLE = re.compile(r'[^\x20-\x7e]|["\\%]')
#: RFC 8187 `attr-char`s besides letters and digits: kept as they are in `filename*`.
_ATTR_CHARS = "!#$&+-.^_`|~"


def file_response(
    request: Request, opened: OpenedFile, settings: MediaSettings, *, download: bool
) -> Response:
    """The answer to `request` for the file: 304 if the client's copy is current, 416 for a range
    past the end, 206 for one range, else 200 (HEAD: the same headers, no body). It takes
    `opened` over: a body closes it when sent, any other answer at once."""
    validators = {
        "Accept-Ranges": "bytes",
        "ETag": opened.etag,
        "Last-Modified": http_date(opened.modified_s),
        # Behind library access: no shared cache may keep it.
        "Cache-Control": "private",
    }
    if etag_matches(request.headers.get("if-none-match"), opened.etag):
        opened.close()
        return Response(status_code=HTTPStatus.NOT_MODIFIED, headers=validators)
    wanted = None
    if request.method == "GET" and if_range_holds(
        request.headers.get("if-range"), opened.etag, opened.modified_s
    ):
        wanted = requested_range(request.headers.get("range"), opened.size)
    if wanted is UNSATISFIABLE:
        opened.close()
        detail = f"the range asked for is outside the file's {opened.size} bytes"
        refusal = {**validators, "Content-Range": f"bytes */{opened.size}"}
        return problem(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, detail, headers=refusal)
    headers = dict(validators)
    if download:
        headers["Content-Disposition"] = attachment(opened.name)
    status, offset, length = HTTPStatus.OK, 0, opened.size
    if wanted is not None:
        status, offset, length = HTTPStatus.PARTIAL_CONTENT, wanted.start, wanted.length
        headers["Content-Range"] = wanted.content_range
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        opened.close()
        return Response(status_code=status, headers=headers, media_type=opened.media_type)
    return FileBodyResponse(
        opened.file,
        offset,
        length,
        status_code=status,
        headers=headers,
        media_type=opened.media_type,
        chunk_bytes=settings.stream_chunk_bytes,
        readahead_bytes=settings.stream_readahead_bytes,
        sendfile=settings.sendfile,
    )


def attachment(name: str) -> str:
    """`Content-Disposition` of a download named `name` (RFC 6266): an ASCII `filename` for old
    clients, and the exact name, UTF-8, in `filename*` (RFC 8187) when it is not plain ASCII."""
    unaccented = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
    )
    fallback = _UNQUOTABLE.sub("_", unaccented)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
