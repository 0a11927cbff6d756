"""Docs that are generated from the code stay in step with it."""

from __future__ import annotations

from pathlib import Path

from cockpit.cli import app
from cockpit.clidocs import render

DOCS = Path(__file__).parents[1] / "docs"


def test_cli_reference_matches_the_code() -> None:
    expected = render(app)
    actual = (DOCS / "cli.md").read_text("utf-8")
    assert actual == expected, "run: python -m cockpit.clidocs > docs/cli.md"


def test_every_verb_has_help_text() -> None:
    import typer

    from cockpit.clidocs import _walk

    root = typer.main.get_command(app)
    missing = [" ".join(p) for p, c in _walk(root, ["cockpit"])[1:] if not (c.help or "").strip()]
    assert not missing, f"verbs without help: {missing}"


def test_lake_reference_matches_the_registry() -> None:
    from cockpit import lakedocs

    actual = (DOCS / "lake.md").read_text("utf-8")
    assert actual == lakedocs.render(), "run: python -m cockpit.lakedocs > docs/lake.md"
