"""/search reads its query string itself (api/query_model.py): the same parameters in the
docs, the same answers and errors as when FastAPI read them."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel

from api.app import create_app
from api.query_model import documented_query
from api.routes.search import SearchParams


def test_the_docs_list_the_parameters_as_fastapi_would():
    reference = FastAPI()

    @reference.get("/search")
    async def search(params: Annotated[SearchParams, Query()]) -> None:  # FastAPI reads the model
        """Only its schema is used."""

    expected = reference.openapi()["paths"]["/search"]["get"]["parameters"]
    served = create_app().openapi()["paths"]["/search"]["get"]["parameters"]
    assert served == expected
    assert [parameter["name"] for parameter in served][:2] == ["q", "top_k"]


def test_a_model_with_nested_fields_is_refused():
    class Inner(BaseModel):
        value: int

    class Nested(BaseModel):
        inner: Inner

    with pytest.raises(TypeError, match="Nested"):
        documented_query(Nested)


def test_repeated_and_unknown_parameters_over_http(http):
    # A parameter given twice keeps its last value (FastAPI's rule for a single value).
    twice = http.get("/search", params=[("q", "光伏"), ("top_k", "2"), ("top_k", "3")]).json()
    assert twice["total"] == 3
    unknown = http.get("/search", params={"q": "光伏", "top_k": 2, "colour": "green"})
    assert unknown.status_code == 200 and unknown.json()["total"] == 2
    plain = http.get("/search", params={"q": "光伏余热", "top_k": 5, "diverse": "0"}).json()
    assert plain["total"] == 5
    bad = http.get("/search", params=[("q", "光伏"), ("top_k", "2"), ("top_k", "很多")])
    assert bad.status_code == 422 and bad.json()["parameter"] == "top_k" and "整数" in bad.json()["detail"]
