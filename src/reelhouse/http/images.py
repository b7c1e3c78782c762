"""An image from the image store as an HTTP answer, for every API that serves artwork; and
what the API and the admin page share of the image picker: where a choice's small copy is
served, and reading an upload no further than its limit."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, UploadFile
from fastapi.responses import FileResponse, Response

from reelhouse.content.reads.images import ServedImage
from reelhouse.http.ranges import etag_matches
from reelhouse.ingest.image_choice import ImageChoice


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


def preview_path(request: Request, item_id: int, choice: ImageChoice) -> str:
    """Where this server serves a small copy of the choice (the API's preview route)."""
    path = request.app.url_path_for("image_choice_preview", item_id=str(item_id))
    named = (
        f"image_id={choice.image_id}"
        if choice.image_id is not None
        else f"url={quote(choice.url or '', safe='')}"
    )
    return f"{path}?kind={choice.kind.value}&{named}"


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded bytes, no further than one past `limit` (which the service refuses)."""
    return await file.read(limit + 1)
