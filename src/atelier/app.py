"""ASGI app factory: routers, GraphQL, pages, error handling, lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from atelier import __version__, jobs
from atelier.accounts.api import router as accounts_router
from atelier.coaching.api import router as coaching_router
from atelier.config import Settings, get_settings
from atelier.forge import files as forge_files
from atelier.forge.api import router as forge_router
from atelier.forge.today_api import router as today_router
from atelier.kit.graphql import build_router
from atelier.kit.limits import BodySizeLimit
from atelier.kit.problems import install_problem_handlers
from atelier.kit.runtime import Runtime
from atelier.planning.api import router as planning_router
from atelier.planning.classes_api import router as classes_router
from atelier.planning.feed_api import router as feed_router
from atelier.planning.graphql import PlanningQueries
from atelier.planning.routines_api import router as routines_router
from atelier.portability import api as portability
from atelier.training.adhoc_api import router as adhoc_router
from atelier.training.api import router as training_router
from atelier.training.events_api import router as events_router
from atelier.training.graphql import TrainingQueries
from atelier.training.records_api import router as records_router
from atelier.training.recovery_api import router as recovery_router
from atelier.web import pages
from atelier.wods.api import router as wods_router
from atelier.wods.graphql import WodQueries

MAX_BODY_BYTES = 1_048_576


def serve_app() -> FastAPI:
    """The app a server process runs (``atelier serve --workers N`` builds one in each worker)."""
    app = create_app()
    # Everything imported so far lives as long as the process: freezing it keeps the collector
    # from walking those objects again on every full collection during requests.
    gc.collect()
    gc.freeze()
    return app


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or Runtime.from_settings(settings)
        # Jobs (and their schedule) run with a served app, not with one a test or a tool hands a
        # runtime to; closing the runtime stops them.
        if owned:
            await jobs.start(app.state.runtime, worker=False)
        try:
            yield
        finally:
            if owned:
                await app.state.runtime.close()

    app = FastAPI(
        title="Atelier",
        version=__version__,
        description="Plan, run and record training. Errors are RFC 9457 problem documents.",
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.add_middleware(
        BodySizeLimit,
        max_bytes=MAX_BODY_BYTES,
        # A wearable file's own limit, plus room for the multipart envelope.
        larger={
            "/api/v1/recordings": forge_files.MAX_BYTES + 65_536,
            "/api/v1/import": portability.ARCHIVE_LIMIT,
            "/api/v1/imports/csv": portability.CSV_LIMIT,
        },
    )
    install_problem_handlers(app)
    app.include_router(accounts_router)
    app.include_router(wods_router)
    # Before planning: POST /sessions/{id}/attempts would otherwise match /sessions/{id}/{action}.
    app.include_router(training_router)
    app.include_router(adhoc_router)  # before planning's /sessions/{id}/{action}
    app.include_router(recovery_router)
    app.include_router(records_router)
    app.include_router(events_router)
    app.include_router(planning_router)
    app.include_router(routines_router)
    app.include_router(classes_router)
    app.include_router(feed_router)
    app.include_router(forge_router)
    app.include_router(today_router)
    app.include_router(portability.router)
    app.include_router(coaching_router)
    app.include_router(build_router(WodQueries, PlanningQueries, TrainingQueries), prefix="/graphql")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    pages.install(app)
    return app
