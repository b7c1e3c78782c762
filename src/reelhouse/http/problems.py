"""RFC 9457 problem+json for every error the API returns (house rule 4), and the status of each
domain error, which the web page's error pages answer with too."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reelhouse.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    InvalidInputError,
    MalformedRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TooLargeError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.logging import get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[DomainError], HTTPStatus], ...] = (
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (ConflictError, HTTPStatus.CONFLICT),
    (MalformedRequestError, HTTPStatus.BAD_REQUEST),
    (TooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (InvalidInputError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (AuthenticationError, HTTPStatus.UNAUTHORIZED),
    (PermissionDeniedError, HTTPStatus.FORBIDDEN),
    (RateLimitedError, HTTPStatus.TOO_MANY_REQUESTS),
    (UpstreamUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
    (UpstreamResponseError, HTTPStatus.BAD_GATEWAY),
)


def status_for(error: DomainError) -> HTTPStatus:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return HTTPStatus.BAD_REQUEST


def problem(
    status: HTTPStatus,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": status.phrase, "status": status.value}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status.value, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError) -> JSONResponse:
    """A domain error as problem+json: its status, the invalid field, the headers it calls
    for (`WWW-Authenticate`, `Retry-After`)."""
    status = status_for(exc)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    if isinstance(exc, InvalidInputError) and exc.field:
        extensions["errors"] = [{"field": exc.field, "message": exc.detail}]
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="reelhouse"'
    if isinstance(exc, RateLimitedError | UpstreamUnavailableError) and exc.retry_after_s:
        headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
    return problem(status, exc.detail, headers=headers, **extensions)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
    return domain_problem(exc)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """422 naming each invalid field of a request."""
    errors = [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors()
    ]
    return problem(HTTPStatus.UNPROCESSABLE_ENTITY, "the request is not valid", errors=errors)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    return validation_problem(exc)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # noqa: S101
    return problem(HTTPStatus(exc.status_code), exc.detail, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred")


#: What every error answer is, in the OpenAPI document (`document_problems`).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field, for 422.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# FastAPI's own 422 body, which the handlers above replace with a problem.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the handlers above send: every error answer of every
    operation is problem+json (FastAPI documents its own 422 body, and no other error at all),
    including statuses a route does not list (401, 413, 431...), as the `default` response."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status == "default" or status[0] in "45":
                    response["content"] = _PROBLEM_CONTENT
                if status == "422" and response.get("description") == "Validation Error":
                    response["description"] = "The request is not valid; `errors` names each field."
            responses.setdefault(
                "default",
                {"description": "An error, as problem details.", "content": _PROBLEM_CONTENT},
            )
    schemas = document["components"]["schemas"]
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
