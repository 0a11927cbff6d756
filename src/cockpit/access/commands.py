"""Command-line verbs of the access room: ``cockpit users create|disable|reset|list``."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def _when(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date or time: {text!r}", param_hint=option) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def register_audit(app: typer.Typer) -> None:
    """Add ``cockpit audit verify|search``."""
    group = typer.Typer(help="The audit trail: verify its hash chain, search it.")
    app.add_typer(group, name="audit")

    @group.command("verify")
    def verify_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Recompute the chain with the audit key; exit 1 at the first broken entry."""
        from cockpit.access import audit
        from cockpit.db import upgrade

        upgrade()
        verdict = audit.verify()
        if json_out:
            typer.echo(json_text(verdict.as_dict()))
        elif verdict.ok:
            typer.echo(f"audit trail intact: {verdict.checked} entries")
        else:
            typer.echo(
                f"audit trail BROKEN at entry {verdict.broken_at}: {verdict.reason} "
                f"({verdict.checked} checked)"
            )
        if not verdict.ok:
            raise typer.Exit(1)

    @group.command("search")
    def search_cmd(
        actor: str = typer.Option("", help="Part of the actor, e.g. user:li.si or key:M0001."),
        action: str = typer.Option("", help="signin, signin_failed, write, export, read_rows, ..."),
        target: str = typer.Option("", help="Part of the target (a path, a user, key:ID)."),
        since: str = typer.Option(None, help="From this date/time (ISO; Asia/Shanghai)."),
        until: str = typer.Option(None, help="Before this date/time (ISO; Asia/Shanghai)."),
        limit: int = typer.Option(100, min=1, max=100_000, help="At most this many entries."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Entries matching every filter, newest first."""
        from cockpit.access import audit
        from cockpit.db import upgrade

        if action and action not in audit.ACTIONS:
            raise typer.BadParameter(f"one of {', '.join(audit.ACTIONS)}", param_hint="--action")
        upgrade()
        rows = audit.search(
            actor=actor, action=action, target=target, since=_when(since, "--since"),
            until=_when(until, "--until"), limit=limit,
        )  # fmt: skip
        if json_out:
            typer.echo(json_text(rows))
            return
        for r in rows:
            typer.echo(
                f"{r['id']:>7} {r['at'][:19]} {r['actor']:<24} {r['action']:<14} {r['target']}"
            )


def register(app: typer.Typer) -> None:
    """Add ``cockpit users`` and ``cockpit audit``."""
    register_audit(app)
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
        typer.echo(json_text(out) if json_out else f"created {who.name}")

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

    @group.command("link")
    def link_cmd(
        username: str = typer.Argument(..., help="The account."),
        subject: str = typer.Option(
            "", help="The subject (sub) the identity provider gives this person."
        ),
        unlink: bool = typer.Option(False, "--unlink", help="Remove the link instead."),
    ) -> None:
        """Link an account to its person at the city's identity provider (OpenID Connect)."""
        from cockpit.access import AccountError
        from cockpit.access.accounts import link_subject
        from cockpit.db import upgrade

        if not unlink and not subject:
            raise typer.BadParameter("give --subject SUB, or --unlink", param_hint="--subject")
        upgrade()
        try:
            link_subject(username=username, subject=None if unlink else subject)
        except AccountError as exc:
            raise _fail(exc, "--subject" if exc.field == "subject" else "username") from exc
        typer.echo(f"unlinked {username}" if unlink else f"linked {username} to {subject}")

    @group.command("list")
    def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """List accounts (never their hashes)."""
        from cockpit.access import list_users
        from cockpit.db import upgrade

        upgrade()
        users = list_users()
        if json_out:
            typer.echo(json_text(users))
            return
        for u in users:
            state = "disabled" if u["disabled"] else "locked" if u["locked"] else "active"
            typer.echo(f"{u['username']:<26} {u['role']:<18} {state:<8} {','.join(u['districts'])}")  # type: ignore[arg-type]
