"""Command-line verbs of the access room: ``cockpit users create|disable|reset|list``."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

# The district the demo's district official looks after (渝中区).
DEMO_DISTRICT = "500103"


def _fail(exc: Exception, hint: str) -> typer.BadParameter:
    return typer.BadParameter(str(getattr(exc, "message", exc)), param_hint=hint)


def _password(given: str | None) -> str:
    return given if given else typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def demo_users() -> list[dict[str, str]]:
    """One account per role for people, each with a fresh random password (printed once)."""
    from cockpit.access import create_user, policy
    from cockpit.access.accounts import AccountError, reset_password

    made = []
    for role in policy().roles_of_kind("user"):
        username = f"demo-{role.replace('_', '-')}"
        password = secrets.token_urlsafe(12)
        districts = [DEMO_DISTRICT] if policy().role(role).scope == "districts" else []
        try:
            create_user(username=username, password=password, role=role, districts=districts)
        except AccountError:  # a second demo in the same home: new password, same account
            reset_password(username=username, password=password)
        made.append({"role": role, "username": username, "password": password})
    return made


def demo_step(ctx: DemoContext) -> str:
    """The demo's accounts: one per role, with their sign-in details."""
    from cockpit.db import upgrade

    upgrade()
    users = demo_users()
    ctx.results["access_users"] = users
    lines = [f"  {u['role']:<18} {u['username']:<26} {u['password']}" for u in users]
    return "sign in at /login as (role, user name, password):\n" + "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``cockpit users``."""
    group = typer.Typer(help="Accounts of people who sign in to the cockpit.")
    app.add_typer(group, name="users")

    @group.command("create")
    def create_cmd(
        username: str = typer.Argument(..., help="User name: a-z, 0-9, '.', '_' or '-'."),
        role: str = typer.Option(..., help="leader, analyst, district_official, ... (policy)."),
        district: list[str] = typer.Option(
            [], "--district", help="GB/T 2260 code a district official looks after (repeat)."
        ),
        display_name: str = typer.Option("", help="The person's name as shown."),
        password: str | None = typer.Option(
            None, help="Password (at least 12 characters). Default: asked without echo."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Create an account (its password is hashed with argon2id; never stored in clear)."""
        from cockpit.access import AccountError, create_user
        from cockpit.db import upgrade

        upgrade()
        try:
            who = create_user(
                username=username,
                password=_password(password),
                role=role,
                display_name=display_name,
                districts=district,
            )
        except AccountError as exc:
            raise _fail(exc, f"--{exc.field}" if exc.field else "username") from exc
        out = {"username": who.name, "role": who.role, "districts": sorted(who.districts)}
        typer.echo(json.dumps(out, ensure_ascii=False) if json_out else f"created {who.name}")

    @group.command("disable")
    def disable_cmd(username: str = typer.Argument(..., help="The account.")) -> None:
        """Disable an account; its sessions end at once."""
        from cockpit.access import AccountError, disable_user
        from cockpit.db import upgrade

        upgrade()
        try:
            disable_user(username=username)
        except AccountError as exc:
            raise _fail(exc, "username") from exc
        typer.echo(f"disabled {username}")

    @group.command("reset")
    def reset_cmd(
        username: str = typer.Argument(..., help="The account."),
        password: str | None = typer.Option(None, help="New password. Default: asked."),
    ) -> None:
        """Set a new password, lift a lockout and end the account's sessions."""
        from cockpit.access import AccountError, reset_password
        from cockpit.db import upgrade

        upgrade()
        try:
            reset_password(username=username, password=_password(password))
        except AccountError as exc:
            raise _fail(exc, "--password" if exc.field == "password" else "username") from exc
        typer.echo(f"password of {username} reset")

    @group.command("list")
    def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """List accounts (never their hashes)."""
        from cockpit.access import list_users
        from cockpit.db import upgrade

        upgrade()
        users = list_users()
        if json_out:
            typer.echo(json.dumps({"data": users, "count": len(users)}, ensure_ascii=False))
            return
        for u in users:
            state = "disabled" if u["disabled"] else "locked" if u["locked"] else "active"
            typer.echo(f"{u['username']:<26} {u['role']:<18} {state:<8} {','.join(u['districts'])}")  # type: ignore[arg-type]
