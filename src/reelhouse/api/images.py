"""Artwork of any item, and people's photos, from the image store: the original or a resized
copy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query
from fastapi.responses import FileResponse, Response

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.content.catalogue.models import ImageKind
from reelhouse.http.deps import ServicesDep
from reelhouse.http.images import image_response
from reelhouse.http.params import RowIdPath

router = token_router(tags=["images"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "image/gif": {}},
        "description": "The image.",
    },
    304: {"description": "The copy the client has (`If-None-Match`) is current."},
    404: {"description": "No such item or person, or no image of this kind stored yet."},
    422: {"description": "A width that is not offered."},
}


Width = Annotated[int | None, Query(ge=1, description="One of the offered widths.")]
IfNoneMatch = Annotated[str | None, Header()]


@router.get("/items/{item_id}/images/{kind}", response_class=FileResponse, responses=RESPONSES)
async def get_image(
    item_id: RowIdPath,
    kind: ImageKind,
    caller: CallerDep,
    services: ServicesDep,
    width: Width = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The item's selected image of `kind`: the original, or resized to `width` pixels."""
    served = await services.images.image(item_id, kind, width, caller.visible_libraries)
    return image_response(served, if_none_match)


@router.get("/people/{person_id}/images/{kind}", response_class=FileResponse, responses=RESPONSES)
async def get_person_image(
    person_id: RowIdPath,
    kind: ImageKind,
    caller: CallerDep,
    services: ServicesDep,
    width: Width = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The person's selected image of `kind` (`profile`: their photo), as `get_image`."""
    served = await services.images.person_image(person_id, kind, width, caller.visible_libraries)
    return image_response(served, if_none_match)
