"""Command-line verbs of the web room: ``cockpit serve`` and ``cockpit web-assets``."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import typer

from cockpit.config import get_settings
from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_cockpit(*, host: str, port: int, workers: int = 1) -> None:
    """Serve the cockpit until interrupted; development mode only on loopback.

    With ``workers`` above 1, that many processes each listen on the port (``web.workers``).
    """
    production = get_settings().mode == "production"
    if not production and not is_loopback(host):
        raise typer.BadParameter(
            f"{host} is not a loopback address: development mode serves this machine only; "
            "set COCKPIT_MODE=production (with its secrets) to serve a network",
            param_hint="--host",
        )
    typer.echo(f"Commerce Cockpit on http://{host}:{port}/  (Ctrl+C to stop)")
    if workers > 1:
        from cockpit.web.workers import WorkerPlan, can_share_port, check_port, run_workers

        if not can_share_port():
            raise typer.BadParameter(
                "several workers need SO_REUSEPORT (Linux); serve one worker per port",
                param_hint="--workers",
            )
        try:
            check_port(host, port)
        except OSError as exc:
            typer.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from exc
        raise typer.Exit(run_workers(WorkerPlan(host, port, serve_socket), workers))
    serve_socket(None, host=host, port=port)


def serve_socket(sock: socket.socket | None, *, host: str = "", port: int = 0) -> None:
    """Run the app in this process, on ``sock`` (a worker's) or on ``host:port``."""
    import logging

    import uvicorn

    from cockpit.web.app import create_app
    from cockpit.web.guard import buffer_access_log

    production = get_settings().mode == "production"
    stop_log = None
    if production:  # every access logged, one line each, written off the requests' path
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop_log = buffer_access_log()
    # Behind a TLS proxy, X-Forwarded-Proto makes requests https: Secure cookies and HSTS.
    # Uvicorn's own access log is off: the gate writes the cockpit's (``guard.log_access``).
    config = uvicorn.Config(
        create_app(),
        host=host or "127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=production,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
    finally:
        if stop_log is not None:
            stop_log()  # the last lines reach the log before the process ends


def demo_step(ctx: DemoContext) -> str:
    """The cockpit's part of the demo: where it will be served, and its pages."""
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}/"
    return (
        f"cockpit: {url} (overview), {url}bigscreen (大屏), {url}data, {url}docs (API); "
        "`cockpit serve` to open it again"
    )


def register(app: typer.Typer) -> None:
    """Add ``cockpit serve``, ``cockpit web-assets`` and ``cockpit apikeys``."""
    from cockpit.web.auth import register_cli

    register_cli(app)

    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to bind. Default: COCKPIT_HOST (127.0.0.1)."),
        port: int = typer.Option(None, help="Port. Default: COCKPIT_PORT (8000)."),
        workers: int = typer.Option(
            1,
            min=1,
            max=64,
            help="Server processes, each listening on the port (one per core; Linux).",
        ),
    ) -> None:
        """Serve the web cockpit and its JSON API (OpenAPI at /docs)."""
        settings = get_settings()
        serve_cockpit(host=host or settings.host, port=port or settings.port, workers=workers)

    @app.command("web-assets")
    def web_assets(
        quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
        json_out: bool = typer.Option(False, "--json", help="Print the files written as JSON."),
    ) -> None:
        """Copy ECharts and the corrected Chongqing map from node_modules (after `npm ci`)."""
        from cockpit.web.assets import AssetsMissing, install_assets

        try:
            written = install_assets()
        except AssetsMissing as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        if json_out:
            typer.echo(json_text({"written": [str(p) for p in written]}))
        elif not quiet:
            for path in written:
                typer.echo(f"wrote {path}")
