"""The web page officials use: one HTML shell at ``/`` and its scripts and styles under
``/static``, all served from this app (no CDN: the page must work without internet).

The shell carries the domain vocabulary (pilot types, fields, …) as JSON, so the page
never spells those Chinese terms a second time and the filters cannot drift from the API.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.uploads import FILES_FIELD
from ingest.domain import DOC_TYPES, FIELDS, FILTER_PILOT_TYPES, METADATA_LABELS, PILOT_TYPES, REGIONS

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
STATIC_DIR = WEB_DIR / "static"
# Filters offer the programme's documents (政策文件) beside the six pilot types.
VOCABULARY = {
    "pilot_types": PILOT_TYPES,
    "filter_pilot_types": FILTER_PILOT_TYPES,
    "doc_types": DOC_TYPES,
    "regions": REGIONS,
    "fields": FIELDS,
    # The names the upload page gives the fields a file's error names.
    "field_labels": {**METADATA_LABELS, FILES_FIELD: "文件"},
}

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=WEB_DIR)


@router.get("/", summary="网页界面", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The page shell; every view lives behind the hash (``/#/search?q=…``)."""
    return templates.TemplateResponse(request, "index.html", {"vocabulary": VOCABULARY})


class _RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (a cheap 304) so an upgrade is never stale."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def static_files() -> StaticFiles:
    return _RevalidatedStaticFiles(directory=STATIC_DIR)
