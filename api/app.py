"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.api_docs import install_redoc
from api.auth import ReadAccess
from api.errors import install_error_handlers
from api.index_watcher import IndexWatcher
from api.ingest_jobs import clear_stale_staging, resumer
from api.job_store import JobStore
from api.jobs import JobRegistry
from api.mcp_http import mount_mcp
from api.pilot_tokens import TokenStore
from api.routes import (
    ask,
    compile,
    documents,
    exports,
    figures,
    health,
    jobs,
    pages,
    pilots,
    practices,
    progress,
    retrieval,
    search,
    writes,
)
from api.settings import Settings
from api.time_limits import AnswerTimeLimits, ReadTimeout
from api.view_cache import ViewCache
from index import KnowledgeBase
from index.generative import make_llm

DESCRIPTION = """碳路 TanLu：宁夏碳达峰试点知识库。检索试点的实施方案、进展报告与经验总结，
按试点类型发现可复制、可推广的经验做法。所有演示数据均为虚构（demo: true）。"""


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the app; the knowledge base opens at start-up unless one is given."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        owned = kb is None
        app.state.kb = kb or KnowledgeBase(settings.index_config())
        app.state.kb.warm_up()
        app.state.views = ViewCache()
        options = settings.llm_options()
        app.state.llm = make_llm(options) if options else None
        app.state.tokens = TokenStore(settings.data_dir)
        store = JobStore(settings.data_dir)
        app.state.jobs = JobRegistry(store=store, resume=resumer(app.state.kb, settings))
        app.state.jobs.start()  # takes over what a stopped server left unfinished
        clear_stale_staging(settings, store)
        watcher = IndexWatcher(app.state.kb)
        watcher.start()
        try:
            yield
        finally:
            await mcp.stop()
            watcher.stop()
            app.state.jobs.stop()
            store.close()
            app.state.tokens.close()
            if owned:
                app.state.kb.close()

    # /docs and /redoc load Swagger UI and ReDoc from this server: 全程离线运行.
    app = FastAPIOffline(
        title="碳路 TanLu", description=DESCRIPTION, version="0.1.0", lifespan=lifespan, redoc_url=None
    )
    install_redoc(app)
    install_error_handlers(app)
    # Reads need a token only when one is set (api/auth.py).
    reads = [ReadAccess] if settings.read_token.get_secret_value() else []
    for module in (search, ask, documents, pilots, figures, progress, practices, compile, exports, jobs):
        app.include_router(module.router, dependencies=reads)
    # Writes and Dify's /retrieval check their own keys; /health and the page stay open.
    for module in (writes, retrieval, health, pages):
        app.include_router(module.router)
    app.mount("/static", pages.static_files(), name="static")
    app.add_middleware(ReadTimeout, seconds=settings.read_timeout)
    app.add_middleware(AnswerTimeLimits, limits={"/search": settings.search_timeout, "/ask": settings.ask_timeout})
    mcp = mount_mcp(app, settings)
    return app
