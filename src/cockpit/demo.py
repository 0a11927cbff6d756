"""``cockpit demo``: the whole product on the sample city, one room after another.

Each room declared with ``demo=True`` in ``cockpit.rooms`` defines
``demo_step(ctx: DemoContext) -> str`` in its ``commands`` module; the demo runs them in the
order of ``cockpit.rooms.ROOMS`` and prints each summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from cockpit.config import get_settings
from cockpit.format import json_text
from cockpit.rooms import ROOMS


@dataclass
class DemoContext:
    """What the demo steps share: where things are, and what each step reported."""

    home: Path
    sample_dir: Path
    scale: str
    seed: int
    console: Console
    results: dict[str, Any] = field(default_factory=dict)


def run_demo(*, scale: str, seed: int, console: Console) -> DemoContext:
    """Run every room's demo step on a freshly generated sample city."""
    settings = get_settings()
    home = settings.ensure_home()
    ctx = DemoContext(
        home=home, sample_dir=home / "sample-city", scale=scale, seed=seed, console=console
    )
    for room in ROOMS:
        if not room.demo:
            continue
        console.rule(f"[bold]{room.name}")
        summary = room.demo_step()(ctx)
        ctx.results[room.name] = summary
        console.print(summary)
    return ctx


def register(app: typer.Typer) -> None:
    """Add ``cockpit demo`` to the app."""

    @app.command()
    def demo(
        scale: str = typer.Option("tiny", help="Sample-city size: tiny, small, medium or large."),
        seed: int = typer.Option(2025, help="Seed of the sample city; same seed, same city."),
        serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the cockpit after."),
        json_out: bool = typer.Option(False, "--json", help="Print the steps' results as JSON."),
    ) -> None:
        """Make the sample city, ingest it, build everything, and open the cockpit."""
        console = Console(stderr=json_out)
        ctx = run_demo(scale=scale, seed=seed, console=console)
        if json_out:
            typer.echo(json_text(ctx.results))
        if serve:
            from cockpit.web.commands import serve_cockpit

            settings = get_settings()
            serve_cockpit(host=settings.host, port=settings.port)
