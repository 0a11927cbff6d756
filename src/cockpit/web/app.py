"""The FastAPI application: one router per room, as ``cockpit.rooms`` declares them.

A room's router module ``cockpit.web.routes.<room>`` defines ``router: APIRouter``;
``create_app`` includes each declared module in name order (a broken one fails at start-up).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cockpit import __version__
from cockpit.rooms import router_modules


def route_modules() -> list[str]:
    """Names of the router modules, in the order they are included (``cockpit.rooms``)."""
    return router_modules()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded so far (modules, routes, settings) lives as long as the process:
    # moved out of the collector's sight, so a full collection during a claims burst scans
    # only what requests allocate, instead of pausing every request for the whole heap.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # collectable again at shutdown, so extension objects are freed


def create_app() -> FastAPI:
    """The cockpit's web application."""
    app = FastAPI(
        title="Commerce Cockpit",
        version=__version__,
        description="Indicators, forecasts, plans, alerts, programmes and scenario calls "
        "of a city's digital consumption. Every chart of the cockpit reads one of these "
        "endpoints.",
        # /docs is served by cockpit.web.routes.pages with Swagger UI from the app itself;
        # FastAPI's own pages would load it from a CDN, which isolated networks cannot reach.
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    for name in route_modules():
        module = importlib.import_module(f"cockpit.web.routes.{name}")
        app.include_router(module.router)
    return app
