"""Query parameters read as one pydantic model, for routes that take many of them.

FastAPI solves each declared query parameter on every request, inspecting its annotation
again each time (a listing's fifteen parameters took as long as the rest of its warm request);
validating the query as one model costs a single pydantic call. The route documents the same
model's fields as its parameters (`openapi`), so the document and the validation cannot drift.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class QueryModel(Generic[M]):
    """Reads `model` from a request's query string; unknown parameters are ignored, as FastAPI
    ignores them, and an invalid one is a `RequestValidationError` naming `query.<field>`."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        parameters = _parameters(model)
        #: For the route's `openapi_extra`: each field as a query parameter, and the 422 that
        #: FastAPI documents for the parameters it solves itself.
        self.openapi: dict[str, Any] = {
            "parameters": parameters,
            "responses": {"422": {"description": "Validation Error"}},
        }
        self._names = frozenset(p["name"] for p in parameters)
        #: Arrays take every occurrence (`?library_id=1&library_id=2`); other fields the last.
        self._repeated = frozenset(p["name"] for p in parameters if _is_array(p["schema"]))

    def parse(self, request: Request) -> M:
        query = request.query_params
        values = {
            name: query.getlist(name) if name in self._repeated else query[name]
            for name in query
            if name in self._names
        }
        try:
            return self.model.model_validate(values)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raise RequestValidationError(
                [{**error, "loc": ("query", *error["loc"])} for error in errors]
            ) from None


def _parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _inlined(field_schema, definitions),
        }
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        parameters.append(parameter)
    return parameters


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with its references to the model's own definitions (enums) replaced by them:
    the document's components hold only what FastAPI put there."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inlined = {key: _inlined(value, definitions) for key, value in schema.items() if key != "$ref"}
    if "$ref" not in schema:
        return inlined
    # pydantic refers to `#/$defs/<name>`; the reference's siblings (its `default`) stay.
    definition = definitions[schema["$ref"].removeprefix("#/$defs/")]
    return {**_inlined(definition, definitions), **inlined}


def _is_array(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array" or any(_is_array(s) for s in schema.get("anyOf", ()))
