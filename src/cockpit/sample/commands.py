"""Command-line verbs of the sample room: ``cockpit sample-city``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

SCALE_NAMES = ("tiny", "small", "medium", "large")


def _summary_line(summary: dict[str, object]) -> str:
    return (
        f"sample city ({summary['scale']}, seed {summary['seed']}): "
        f"{summary['transactions']:,} transactions, {summary['merchants']:,} merchants, "
        f"{summary['files']} files, {summary['events']} events, {summary['bad_rows']} bad rows "
        f"in {summary['seconds']} s → {summary['out_dir']}"
    )


def register(app: typer.Typer) -> None:
    """Add this room's verbs to the ``cockpit`` app."""

    @app.command("sample-city")
    def sample_city(
        out: Path = typer.Option(..., "--out", help="Folder to write the feeds into."),
        scale: str = typer.Option(
            "tiny", help="tiny (~100k transactions), small (~1M), medium (~10M), large (~100M)."
        ),
        seed: int = typer.Option(7, help="Same seed, same bytes."),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    ) -> None:
        """Write a generated Chongqing's feeds and ground_truth.json (NOT real data)."""
        from cockpit.sample import generate_city

        if scale not in SCALE_NAMES:
            raise typer.BadParameter(
                f"choose one of {', '.join(SCALE_NAMES)}", param_hint="--scale"
            )
        summary = generate_city(out, scale=scale, seed=seed, progress=not quiet and not json_out)
        if json_out:
            typer.echo(json_text(summary))
        else:
            typer.echo(_summary_line(summary))


def demo_step(ctx: DemoContext) -> str:
    """The demo's first step: generate the sample city into ``ctx.sample_dir``."""
    from cockpit.sample import generate_city

    summary = generate_city(ctx.sample_dir, scale=ctx.scale, seed=ctx.seed)
    return _summary_line(summary)
