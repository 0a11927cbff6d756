"""The ``cockpit`` command: one Typer app, to which every room adds its verbs.

Each room declared in ``cockpit.rooms`` has a ``commands`` module with ``register(app)``;
heavy libraries are imported inside the commands, so ``cockpit --help`` stays fast.
"""

from __future__ import annotations

import typer

from cockpit import __version__, demo
from cockpit.rooms import ROOMS

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
    _room.commands().register(app)

demo.register(app)
