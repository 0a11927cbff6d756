"""The FastAPI application: one router per room, found in ``cockpit.web.routes``.

A room's router module defines ``router: APIRouter``; ``create_app`` includes every
module in ``cockpit/web/routes`` in name order.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI

from cockpit import __version__
from cockpit.web import routes


def route_modules() -> list[str]:
    """Names of the router modules, in the order they are included."""
    return sorted(m.name for m in pkgutil.iter_modules(routes.__path__))


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
    )
    for name in route_modules():
        module = importlib.import_module(f"cockpit.web.routes.{name}")
        app.include_router(module.router)
    return app
