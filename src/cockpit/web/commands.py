"""Command-line verbs of the web room: ``cockpit serve``."""

from __future__ import annotations

import typer

from cockpit.config import get_settings


def serve_cockpit(*, host: str, port: int) -> None:
    """Serve the cockpit until interrupted."""
    import uvicorn

    from cockpit.web.app import create_app

    typer.echo(f"Commerce Cockpit on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``cockpit serve``."""

    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to bind. Default: COCKPIT_HOST (127.0.0.1)."),
        port: int = typer.Option(None, help="Port. Default: COCKPIT_PORT (8000)."),
    ) -> None:
        """Serve the web cockpit and its JSON API (OpenAPI at /docs)."""
        settings = get_settings()
        serve_cockpit(host=host or settings.host, port=port or settings.port)
