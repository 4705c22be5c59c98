"""A route's query parameters as one pydantic model, checked in one call.

Why: FastAPI solves a parameter model (``Annotated[Model, Query()]``) by walking every
field's annotation on every request (is it a sequence? which aliases?) before the one
validation: 0.1 of the 0.19 ms the framework spent on an in-process GET /search, and
about three times that in a server, where a search's request arrives on caches the
query's forward pass has just flushed. A route that reads ``Request`` and calls
``read_query`` validates the query string alone; ``documented_query`` lists the same
parameters in the OpenAPI schema (/docs), as FastAPI would.

Errors are FastAPI's own ``RequestValidationError``, located at ``("query", field)``,
so the Chinese messages of api/errors.py read alike. A parameter given twice keeps its
last value, as FastAPI does for a single-valued field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def read_query(request: Request, model: type[Model]) -> Model:
    """The request's query string as ``model``; 422 (RequestValidationError) when invalid."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("query", *item["loc"])} for item in error.errors(include_url=False)]
        ) from None


def documented_query(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` of a route that reads ``model`` with ``read_query``: its fields
    as OpenAPI query parameters (scalar fields only: no nested models, no lists)."""
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise TypeError(f"{model.__name__}: query parameters must be scalar fields")
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        parameters.append(parameter)
    return {"parameters": parameters}
