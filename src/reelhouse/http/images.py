"""An image from the image store as an HTTP answer, for every API that serves artwork."""

from __future__ import annotations

from fastapi.responses import FileResponse, Response

from reelhouse.content.reads.images import ServedImage
from reelhouse.http.ranges import etag_matches


def image_response(served: ServedImage, if_none_match: str | None) -> Response:
    headers = {
        "ETag": served.etag,
        # private: images are behind library access, so no shared cache may hand them out;
        # not immutable: the URL names the item's chosen image, which a refresh may change.
        "Cache-Control": f"private, max-age={served.max_age_s}",
    }
    if etag_matches(if_none_match, served.etag):
        return Response(status_code=304, headers=headers)
    if served.body is not None:  # no file to open, stat, read and close, each in a thread
        return Response(served.body, media_type=served.content_type, headers=headers)
    return FileResponse(served.path, media_type=served.content_type, headers=headers)
