"""Generate ``docs/cli.md`` from the Typer app, so the CLI reference never drifts from the code.

``python -m cockpit.clidocs > docs/cli.md`` rewrites it; ``tests/test_docs.py`` fails when the
file differs from what this renders.
"""

from __future__ import annotations

from typing import Any

import typer

# Typer ships its own copy of click, so commands are recognised by shape, not by class.


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    subcommands = getattr(command, "commands", None) or {}
    for name in sorted(subcommands):
        found += _walk(subcommands[name], [*path, name])
    return found


def _option_line(param: Any) -> str:
    names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    help_text = getattr(param, "help", None) or ""
    if getattr(param, "param_type_name", "") == "argument":
        name = f"`{(param.metavar or param.name or '').upper()}`"
        return f"- {name} (argument){': ' + help_text if help_text else ''}"
    return f"- {names}{': ' + help_text if help_text else ''}"


def render(app: typer.Typer) -> str:
    """The CLI reference as Markdown: every verb, its help and its options."""
    root = typer.main.get_command(app)
    out = [
        "# Command-line reference",
        "",
        "Generated from the code by `python -m cockpit.clidocs > docs/cli.md`; a test fails when "
        "this file drifts.",
        "",
        "**`--json`.** Every reporting verb that takes `--json` prints one shape "
        '(`cockpit.format.json_text`): `{"data": ...}` holding the result, with '
        '`"count"` beside it when the result is a list, and any further facts about the '
        'result (such as plan files that failed to load, `"broken"`) as top-level keys. '
        "Chinese text is kept as is; dates and times are ISO 8601 text, naive times being "
        "Asia/Shanghai.",
        "",
    ]
    for path, command in _walk(root, ["cockpit"])[1:]:
        out.append(f"## `{' '.join(path)}`")
        out.append("")
        out.append((command.help or "").strip().split("\n\n")[0])
        params = [p for p in command.params if p.name != "help"]
        if params:
            out.append("")
            out += [_option_line(p) for p in params]
        out.append("")
    return "\n".join(out)


def main() -> None:
    from cockpit.cli import app

    print(render(app), end="")


if __name__ == "__main__":
    main()
