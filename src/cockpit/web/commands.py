"""Command-line verbs of the web room: ``cockpit serve`` and ``cockpit web-assets``."""

from __future__ import annotations

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


def serve_cockpit(*, host: str, port: int) -> None:
    """Serve the cockpit until interrupted; development mode only on loopback."""
    import logging

    import uvicorn

    from cockpit.web.app import create_app
    from cockpit.web.guard import buffer_access_log

    production = get_settings().mode == "production"
    if not production and not is_loopback(host):
        raise typer.BadParameter(
            f"{host} is not a loopback address: development mode serves this machine only; "
            "set COCKPIT_MODE=production (with its secrets) to serve a network",
            param_hint="--host",
        )
    stop_log = None
    if production:  # every access logged, one line each, written off the requests' path
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop_log = buffer_access_log()
    typer.echo(f"Commerce Cockpit on http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        # Behind a TLS proxy, X-Forwarded-Proto makes requests https: Secure cookies and HSTS.
        uvicorn.run(
            create_app(), host=host, port=port, log_level="warning", proxy_headers=production
        )
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
    ) -> None:
        """Serve the web cockpit and its JSON API (OpenAPI at /docs)."""
        settings = get_settings()
        serve_cockpit(host=host or settings.host, port=port or settings.port)

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
