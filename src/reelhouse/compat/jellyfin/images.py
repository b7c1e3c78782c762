"""Artwork by Jellyfin's image types (`Primary`, `Backdrop`, `Logo`, `Thumb`, `Banner`), from
reelhouse's image store through `ImagesService`: the stored image, or the smallest offered
resized copy as wide as the client asks (`maxWidth`, `fillWidth`, `width`).

Jellyfin serves images without a token (clients load them by plain URL), and so does this API
while `jellyfin.public_images` is on; a request that does carry a token sees only the libraries
that token may, as everywhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Request, Response

from reelhouse.compat.jellyfin.auth import client_info
from reelhouse.compat.jellyfin.ids import IdType, decode_id
from reelhouse.compat.jellyfin.mapping import image_kind
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.content.catalogue.models import ImageKind
from reelhouse.content.reads.images import ServedImage
from reelhouse.errors import AuthenticationError, NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.images import image_response

router = jellyfin_router()
ItemIdPath = Annotated[str, Path(alias="itemId", max_length=64)]
TypePath = Annotated[str, Path(alias="imageType", max_length=32)]
IndexPath = Annotated[int, Path(alias="imageIndex", ge=0, le=1000)]
IMAGE_QUERY = documented(
    "maxWidth", "maxHeight", "fillWidth", "fillHeight", "width", "quality", "tag"
)
IMAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
    404: {"description": "No such item, or no image of this type stored."},
}


async def served(
    request: Request, services: ServicesDep, public: bool, item: str, image_type: str, index: int
) -> ServedImage:
    info = client_info(request)
    if info.token:
        visible = (await services.users.authenticate(info.token)).visible_libraries
    elif public:
        visible = None
    else:
        raise AuthenticationError("images need a token (`jellyfin.public_images` is off)")
    kinds = image_kind(image_type)
    if not kinds or index > 0:
        raise NotFoundError(f"no {image_type[:32]} image {index} is stored")
    query = JellyfinQuery(request)
    wanted = query.integer("maxWidth") or query.integer("fillWidth") or query.integer("width")
    width = services.images.fitting_width(wanted)
    owner, row_id = decode_id(item, IdType.ITEM, IdType.PERSON)
    if owner is IdType.PERSON:
        return await services.images.person_image(row_id, ImageKind.PROFILE, width, visible)
    for kind in kinds:
        try:
            return await services.images.image(row_id, kind, width, visible)
        except NotFoundError:
            if kind is kinds[-1]:
                raise
    raise NotFoundError(f"no {image_type[:32]} image is stored")


@router.get(
    "/Items/{itemId}/Images/{imageType}", responses=IMAGE_RESPONSES, openapi_extra=IMAGE_QUERY
)
async def item_image(
    item: ItemIdPath,
    image_type: TypePath,
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    found = await served(request, services, settings.jellyfin.public_images, item, image_type, 0)
    return image_response(found, if_none_match)


@router.get(
    "/Items/{itemId}/Images/{imageType}/{imageIndex}",
    responses=IMAGE_RESPONSES,
    openapi_extra=IMAGE_QUERY,
)
async def item_image_by_index(
    item: ItemIdPath,
    image_type: TypePath,
    index: IndexPath,
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    found = await served(
        request, services, settings.jellyfin.public_images, item, image_type, index
    )
    return image_response(found, if_none_match)
