"""The FastAPI application: one router per room, as ``cockpit.rooms`` declares them.

A room's router module ``cockpit.web.routes.<room>`` defines ``router: APIRouter``;
``create_app`` includes each declared module in name order (a broken one fails at start-up).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from cockpit import __version__
from cockpit.access import DomainError, NotSignedIn, audit_writer
from cockpit.config import get_settings
from cockpit.rooms import router_modules
from cockpit.web import errors
from cockpit.web.guard import Guard, Limiter
from cockpit.web.routegate import gate_routers


def route_modules() -> list[str]:
    """Names of the router modules, in the order they are included (``cockpit.rooms``)."""
    return router_modules()


def declared_routes() -> list[APIRoute]:
    """Every route of every router module (what ``create_app`` serves)."""
    found: list[APIRoute] = []
    for name in route_modules():
        module = importlib.import_module(f"cockpit.web.routes.{name}")
        found.extend(r for r in module.router.routes if isinstance(r, APIRoute))
    return found


# Young collections after this many more container objects allocated than freed (Python's
# default: 700). A burst keeps a few hundred requests in flight, each holding dozens of objects:
# at 700 the collector ran every few requests, scanning and promoting objects about to be
# freed anyway (a tenth of the API's CPU in the claims burst, measured with perf). Objects that
# die young are never scanned at all now; cycles are still collected, a little later.
GC_THRESHOLDS = (20_000, 20, 20)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded so far (modules, routes, settings) lives as long as the process:
    # moved out of the collector's sight, so a full collection during a claims burst scans
    # only what requests allocate, instead of pausing every request for the whole heap.
    # The batched claim path is imported on first use elsewhere (cockpit.programmes keeps it
    # lazy for the CLI): here it is loaded first, so that it is frozen with the rest.
    from cockpit import programmes

    programmes.serves_batched  # noqa: B018 (the attribute's import is the point)
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        await run_in_threadpool(audit_writer.flush)  # queued audit entries reach the trail
        gc.unfreeze()  # collectable again at shutdown, so extension objects are freed
        gc.set_threshold(*thresholds)  # a process that runs apps one after another (tests)


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
        # /openapi.json is served by cockpit.web.routes.pages too, so that it declares its
        # permission like every other route.
        openapi_url=None,
        lifespan=_lifespan,
        # The cockpit exports no OpenTelemetry (it runs on isolated networks; the access log
        # and the audit trail are its record). Left on, FastAPI asks OpenTelemetry on every
        # request whether a provider was configured: an environment look-up per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    for name in route_modules():
        module = importlib.import_module(f"cockpit.web.routes.{name}")
        app.include_router(module.router)
    gate_routers(app.router.routes)  # each request tries only the rooms it may belong to
    install_error_handlers(app)
    limiter = Limiter(get_settings().rate_limit)
    app.state.limiter = limiter
    app.add_middleware(Guard, limiter=limiter)
    return app


def install_error_handlers(app: FastAPI) -> None:
    """Answer every refusal in one shape (also for apps that mount a single router)."""
    app.add_exception_handler(DomainError, _refusal)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    # Text no database can store (a lone surrogate such as "\\ud800") and numbers past 64 bits
    # reach the drivers as these; they are the caller's mistake, never the server's.
    app.add_exception_handler(UnicodeError, _unstorable)
    app.add_exception_handler(OverflowError, _unstorable)
    app.add_exception_handler(ClientDisconnect, _client_left)


def _wants_page(request: Request) -> bool:
    return request.method == "GET" and not request.url.path.startswith("/api/")


async def _refusal(request: Request, exc: DomainError) -> Response:
    """Every refusal as ``{code, message, field}``; a page without a session goes to /login."""
    if isinstance(exc, NotSignedIn) and _wants_page(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(errors.shape(exc.body()), status_code=exc.status, headers=headers)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    return JSONResponse(errors.from_validation(exc.errors()), status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    body = errors.from_http(exc.status_code, exc.detail)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _client_left(request: Request, exc: Exception) -> Response:
    # The caller closed the connection before its body arrived (seen at the end of a claims
    # burst): nobody reads this answer, and it is no error of the server's to log as one.
    body = errors.shape(
        {"code": "client_disconnected", "message": "the connection closed before the body came"}
    )
    return JSONResponse(body, status_code=400)


async def _unstorable(request: Request, exc: Exception) -> Response:
    body = errors.shape({"code": "invalid", "message": f"a value cannot be stored: {exc}"})
    return JSONResponse(body, status_code=422)
