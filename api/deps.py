"""Typed dependencies shared by the routes.

They are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency
on a worker thread, one hop there and back for each (three per /search), while these
only read app state or check query parameters.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from api import messages
from api.errors import ApiError
from api.jobs import JobRegistry
from api.settings import Settings
from api.view_cache import ViewCache
from index import KnowledgeBase, SearchFilters
from ingest.domain import DOC_TYPES, FIELDS, FILTER_PILOT_TYPES


def pilot_or_404(kb: KnowledgeBase, pilot_id: str) -> dict:
    """The pilot, or a Chinese 404 naming the id (shared by the pilot and progress routes)."""
    pilot = kb.pilot(pilot_id)
    if pilot is None:
        raise ApiError(404, messages.PILOT_NOT_FOUND.format(pilot_id=pilot_id), "pilot_id")
    return pilot


async def _knowledge_base(request: Request) -> KnowledgeBase:
    return request.app.state.kb


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _jobs(request: Request) -> JobRegistry:
    return request.app.state.jobs


async def _views(request: Request) -> ViewCache:
    return request.app.state.views


class FilterParams(BaseModel):
    """The six filters as one query-parameter model: FastAPI checks a model in one
    validation, where it walked each separate parameter's annotation on every request."""

    pilot_type: str | None = Field(
        None, description=f"试点类型：{'、'.join(FILTER_PILOT_TYPES)}（政策文件：不属于某个试点的方案、通知等）"
    )
    region: str | None = Field(None, description="所在地区，如 银川市、宁东能源化工基地")
    doc_type: str | None = Field(None, description=f"文档类型：{'、'.join(DOC_TYPES)}")
    field: str | None = Field(None, description=f"领域：{'、'.join(FIELDS)}")
    year: str | None = Field(None, description="年份（如 2025）或半年度（如 2025H1）")
    pilot_id: str | None = Field(None, description="试点编号")

    def search_filters(self) -> SearchFilters:
        return SearchFilters.parse(
            pilot_type=self.pilot_type,
            region=self.region,
            doc_type=self.doc_type,
            field=self.field,
            year=self.year,
            pilot_id=self.pilot_id,
        )


async def _filters(params: Annotated[FilterParams, Query()]) -> SearchFilters:
    return params.search_filters()


KB = Annotated[KnowledgeBase, Depends(_knowledge_base)]
AppSettings = Annotated[Settings, Depends(_settings)]
Filters = Annotated[SearchFilters, Depends(_filters)]
Jobs = Annotated[JobRegistry, Depends(_jobs)]
Views = Annotated[ViewCache, Depends(_views)]
