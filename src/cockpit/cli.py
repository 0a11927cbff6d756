"""The ``cockpit`` command: one Typer app, to which every room adds its verbs.

Each room has a ``commands`` module with ``register(app)``; heavy libraries are
imported inside the commands, so ``cockpit --help`` stays fast. ``ROOMS`` is also the order
of ``cockpit demo``: the controls (programmes, scenarios) run before the plans that count them.
"""

from __future__ import annotations

import importlib

import typer

from cockpit import __version__

ROOMS = (
    "sample",
    "ingest",
    "indicators",
    "forecast",
    "programmes",
    "scenarios",
    "plans",
    "alerts",
    "web",
)

app = typer.Typer(
    name="cockpit",
    help="Commerce Cockpit: measure and steer a city's digital consumption.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cockpit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Commerce Cockpit: measure and steer a city's digital consumption."""


for _room in ROOMS:
    importlib.import_module(f"cockpit.{_room}.commands").register(app)

importlib.import_module("cockpit.demo").register(app)
