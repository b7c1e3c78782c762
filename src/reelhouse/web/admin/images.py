"""Admin page of an item's artwork: the image picker. Every choice is shown from this server
(the page's policy allows no other site's images), a page of them at a time, each with its
language and size; one button makes it the item's image, and a form uploads one's own."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.bootstrap import Services
from reelhouse.content.catalogue.models import MAX_BIGINT, ImageKind
from reelhouse.errors import DomainError
from reelhouse.http.deps import ServicesDep
from reelhouse.http.images import preview_path, read_upload
from reelhouse.http.params import RowIdPath
from reelhouse.http.problems import status_for
from reelhouse.ingest.image_choice import CHOOSABLE_KINDS
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import notice
from reelhouse.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Kind = Annotated[ImageKind, Query()]
Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/admin/items/{item_id}/images", response_class=HTMLResponse)
async def images_page(
    request: Request,
    item_id: RowIdPath,
    admin: AdminViewerDep,
    services: ServicesDep,
    kind: Kind = ImageKind.POSTER,
    page: Page = 1,
) -> HTMLResponse:
    """The item's choices of one kind, a page at a time."""
    return await _page(request, services, admin, item_id, kind, page)


@router.post("/admin/items/{item_id}/images/{kind}", response_model=None)
async def choose_image(
    request: Request,
    item_id: RowIdPath,
    kind: ImageKind,
    admin: AdminViewerDep,
    services: ServicesDep,
    image_id: Annotated[int | None, Form(ge=1, le=MAX_BIGINT)] = None,
    url: Annotated[str | None, Form(max_length=2048)] = None,
) -> HTMLResponse | RedirectResponse:
    """Make the chosen image the item's one of its kind."""
    try:
        await services.image_choices.choose(item_id, kind, image_id=image_id, url=url or None)
    except DomainError as exc:
        return await _page(request, services, admin, item_id, kind, 1, error=exc)
    return _back(item_id, kind, "image-chosen")


@router.post("/admin/items/{item_id}/images/{kind}/upload", response_model=None)
async def upload_image(
    request: Request,
    item_id: RowIdPath,
    kind: ImageKind,
    admin: AdminViewerDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File()],
) -> HTMLResponse | RedirectResponse:
    """Upload the item's own image of this kind, and show it."""
    limit = services.image_choices.settings.upload_max_bytes
    try:
        await services.image_choices.upload(item_id, kind, await read_upload(file, limit))
    except DomainError as exc:
        return await _page(request, services, admin, item_id, kind, 1, error=exc)
    return _back(item_id, kind, "image-uploaded")


def _back(item_id: int, kind: ImageKind, said: str) -> RedirectResponse:
    return RedirectResponse(
        f"/admin/items/{item_id}/images?kind={kind.value}&notice={said}", HTTPStatus.SEE_OTHER
    )


async def _page(
    request: Request,
    services: Services,
    admin: Principal,
    item_id: int,
    kind: ImageKind,
    page: int,
    *,
    error: DomainError | None = None,
) -> HTMLResponse:
    item = (await services.items.details(item_id, None)).item
    found = await services.image_choices.page(item_id, kind, page)
    context = {
        "item": item,
        "kind": kind,
        "kinds": CHOOSABLE_KINDS,
        "found": found,
        "previews": [preview_path(request, item_id, choice) for choice in found.choices],
        "error": error,
        "notice": notice(request),
    }
    status = status_for(error).value if error is not None else HTTPStatus.OK.value
    return render(request, "admin/images.html", context, principal=admin, status=status)
