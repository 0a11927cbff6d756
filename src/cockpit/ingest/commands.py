"""Command-line verbs of the ingest room."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this room's verbs to the ``cockpit`` app."""
