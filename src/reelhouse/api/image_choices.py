"""The image picker (admins only): an item's choices of poster, backdrop and logo, a small copy
of each from this server, choosing one, and uploading one's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Header, Query, Request, UploadFile, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from reelhouse.api.deps import AdminDep, token_router
from reelhouse.content.catalogue.models import MAX_BIGINT, ImageKind
from reelhouse.http.deps import ServicesDep
from reelhouse.http.images import image_response, preview_path, read_upload
from reelhouse.http.params import NO_NUL, RowIdPath
from reelhouse.ingest.image_choice import ChoicePage, ImageChoice

router = token_router("/items/{item_id}", tags=["images"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item, or no such image of it."}
}
UPLOADED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    413: {"description": "The image is larger than `images.upload_max_bytes`."},
    422: {"description": "Not a whole JPEG, PNG or WebP image within `images.max_pixels`."},
}
PREVIEW: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
    **NOT_FOUND,
}
RowId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
Url = Annotated[str, Field(min_length=1, max_length=2048, pattern=NO_NUL)]


class ChoiceOut(BaseModel):
    kind: ImageKind
    source: str = Field(description="The provider, `local_file` or `upload`.")
    image_id: int | None = Field(description="The stored image, when it is stored.")
    url: str | None = Field(description="The provider's original, when a provider has it.")
    language: str | None
    width: int | None
    height: int | None
    score: float | None
    selected: bool
    sizes: dict[str, str] = Field(description="The provider's sizes of it: name -> URL.")
    preview: str = Field(description="A small copy of it, from this server.")


class ChoicePageOut(BaseModel):
    kind: ImageKind
    page: int
    pages: int
    total: int
    provider_error: str | None = Field(
        description="Why the providers' images are not listed (they failed): the stored ones are."
    )
    choices: list[ChoiceOut]


class ChoiceIn(BaseModel):
    """The image to select: a stored one by id, or one the provider offers by its URL (as
    the choices list it)."""

    image_id: RowId | None = None
    url: Url | None = None


def choice_out(request: Request, item_id: int, choice: ImageChoice) -> ChoiceOut:
    return ChoiceOut(
        kind=choice.kind,
        source=choice.source,
        image_id=choice.image_id,
        url=choice.url,
        language=choice.language,
        width=choice.width,
        height=choice.height,
        score=choice.score,
        selected=choice.selected,
        sizes=dict(choice.sizes),
        preview=preview_path(request, item_id, choice),
    )


def page_out(request: Request, item_id: int, page: ChoicePage) -> ChoicePageOut:
    return ChoicePageOut(
        kind=page.kind,
        page=page.page,
        pages=page.pages,
        total=page.total,
        provider_error=page.unavailable,
        choices=[choice_out(request, item_id, c) for c in page.choices],
    )


@router.get("/image-choices", responses=NOT_FOUND)
async def image_choices(
    request: Request,
    item_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    kind: ImageKind = ImageKind.POSTER,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ChoicePageOut:
    """A page of the images the item could show as its `kind`: the selected one, the stored
    ones, and everything its provider has in every language (asked now, through the cache)."""
    found = await services.image_choices.page(item_id, kind, page)
    return page_out(request, item_id, found)


@router.get(
    "/image-choices/preview",
    response_class=FileResponse,
    responses=PREVIEW,
)
async def image_choice_preview(
    item_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    kind: ImageKind = ImageKind.POSTER,
    image_id: Annotated[int | None, Query(ge=1, le=MAX_BIGINT)] = None,
    url: Annotated[str | None, Query(min_length=1, max_length=2048, pattern=NO_NUL)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A small copy of one choice, served by this server (the page shows no other site's
    images): a stored one resized, a provider's in a small size."""
    served = await services.image_choices.preview(item_id, kind, image_id=image_id, url=url)
    return image_response(served, if_none_match)


@router.put("/images/{kind}", responses=NOT_FOUND)
async def choose_image(
    request: Request,
    item_id: RowIdPath,
    kind: ImageKind,
    body: ChoiceIn,
    _admin: AdminDep,
    services: ServicesDep,
) -> ChoiceOut:
    """Make this image the item's `kind`: stored, selected, and kept by later refreshes (the
    item's `artwork` is locked)."""
    chosen = await services.image_choices.choose(
        item_id, kind, image_id=body.image_id, url=body.url
    )
    return choice_out(request, item_id, chosen)


@router.post("/images/{kind}", status_code=status.HTTP_201_CREATED, responses=UPLOADED)
async def upload_image(
    request: Request,
    item_id: RowIdPath,
    kind: ImageKind,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP image.")],
    _admin: AdminDep,
    services: ServicesDep,
) -> ChoiceOut:
    """Upload the item's own `kind` image, and make it the one shown (as `choose_image`)."""
    limit = services.image_choices.settings.upload_max_bytes
    chosen = await services.image_choices.upload(item_id, kind, await read_upload(file, limit))
    return choice_out(request, item_id, chosen)
