"""The admin's editor of an item's fields, and the locks it leaves against refresh.

The form carries the values it was shown beside the fields (hidden), and only the fields the
admin changed are sent to the editor: a form left open does not undo another admin's edit of
another field, nor lock what nobody touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from reelhouse.content.reads.views import ItemDetailsView
from reelhouse.errors import DomainError, InvalidInputError
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath
from reelhouse.ingest.editing import LISTS, ItemChanges
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import form_page, see
from reelhouse.web.render import PageRoute, item_path

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: The form's fields in the order shown, with their labels.
FIELDS = {
    "title": "Title",
    "original_title": "Original title",
    "sort_title": "Sort title",
    "tagline": "Tagline",
    "overview": "Overview",
    "release_date": "Release date",
    "end_date": "End date",
    "year": "Year",
    "community_rating": "Rating (0 to 10)",
    "certification": "Content rating",
    "genres": "Genres, one per line",
    "studios": "Studios, one per line",
    "tags": "Tags, one per line",
}
#: Where a form keeps the value it showed of a field.
WAS = "was:"


def shown(details: ItemDetailsView) -> dict[str, str]:
    """The item's fields as the form shows them (and as they come back unchanged)."""
    item = details.item
    values: dict[str, Any] = {
        "title": item.title,
        "original_title": item.original_title,
        "sort_title": item.sort_title,
        "tagline": details.tagline,
        "overview": details.overview,
        "release_date": item.release_date,
        "end_date": details.end_date,
        "year": item.year,
        "community_rating": item.community_rating,
        "certification": details.certification,
        "genres": "\n".join(details.genres),
        "studios": "\n".join(s.name for s in details.studios),
        "tags": "\n".join(details.tags),
    }
    return {name: "" if value is None else str(value) for name, value in values.items()}


def changed(form: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the one the form showed, as the editor takes them:
    blank is none, a list is its non-blank lines."""
    changes: dict[str, Any] = {}
    for name in FIELDS:
        sent, was = form.get(name), form.get(WAS + name)
        if not isinstance(sent, str) or not isinstance(was, str):
            continue  # not on this form (an end date of a movie)
        sent, was = _lines(sent), _lines(was)
        if name in LISTS:
            if _names(sent) != _names(was):
                changes[name] = _names(sent)
        elif sent != was:
            changes[name] = sent if sent.strip() else None
    return changes


def _lines(text: str) -> str:
    """Browsers send a text area's lines ended by CR LF."""
    return text.replace("\r\n", "\n")


def _names(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


async def _edit_page(
    request: Request,
    admin: Principal,
    details: ItemDetailsView,
    *,
    values: Mapping[str, str] | None = None,
    was: Mapping[str, str] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    current = shown(details)
    fields = {
        name: label
        for name, label in FIELDS.items()
        if name != "end_date" or details.item.kind == "series"
    }
    return form_page(
        request,
        "admin/edit_item.html",
        {
            "item": details.item,
            "details": details,
            "fields": fields,
            "lists": LISTS,
            "values": values or current,
            "was": was or current,
            "back": item_path(details.item.kind, details.item.id),
        },
        principal=admin,
        error=error,
    )


@router.get("/admin/items/{item_id}/edit", response_class=HTMLResponse)
async def edit_page(
    request: Request, item_id: RowIdPath, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    return await _edit_page(request, admin, await services.items.details(item_id, None))


@router.post("/admin/items/{item_id}/edit", response_model=None)
async def save_item(
    request: Request, item_id: RowIdPath, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse | RedirectResponse:
    details = await services.items.details(item_id, None)
    form = await request.form()
    try:
        try:
            changes = ItemChanges.model_validate(changed(form))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else None
            label = FIELDS.get(field or "", "A field")
            raise InvalidInputError(f"{label}: {first['msg']}", field=field) from None
        await services.editor.edit(item_id, changes)
    except DomainError as exc:
        typed = {name: _lines(str(form.get(name, ""))) for name in FIELDS}
        was = {name: str(form.get(WAS + name, "")) for name in FIELDS}
        return await _edit_page(request, admin, details, values=typed, was=was, error=exc)
    return RedirectResponse(item_path(details.item.kind, item_id), HTTPStatus.SEE_OTHER)


@router.post("/admin/items/{item_id}/unlock", response_model=None)
async def unlock(
    item_id: RowIdPath,
    _admin: AdminViewerDep,
    services: ServicesDep,
    field: Annotated[str, Form(max_length=64)],
) -> RedirectResponse:
    """Let refresh write a field again."""
    await services.editor.unlock(item_id, [field])
    return see(f"/admin/items/{item_id}/edit", "field-unlocked")
