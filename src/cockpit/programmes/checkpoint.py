"""Ledger checkpoints: every chain's head, count and balance, kept outside the database.

A checkpoint is a small JSON file authenticated with an HMAC under ``COCKPIT_LEDGER_KEY``.
It is written **outside ``COCKPIT_HOME``** (the folder that holds the default database), to a
place the database's administrators cannot rewrite — another machine's share, write-once
storage, or the alert channels' mail and chat, which keep a dated copy with someone else.
Later, ``check`` (``cockpit ledger verify --checkpoint FILE``) requires every chain to still
hold the entry the checkpoint named at its head, unchanged, and never fewer entries: so a
ledger wiped, truncated (even with its head moved back), or restored from an older copy is
found, not only one whose hashes no longer add up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from cockpit.config import get_settings
from cockpit.programmes.ledger import Problem, Report, ledger_key, now_iso
from cockpit.programmes.models import ChainRow, LedgerRow

FORMAT = "cockpit-ledger-checkpoint/1"
_DOMAIN = b"cockpit ledger checkpoint v1\x1f"


class CheckpointError(ValueError):
    """A checkpoint that cannot be written there, or read, or that was not made with the key."""


def _mac(body: dict[str, Any]) -> str:
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(ledger_key(), _DOMAIN + blob.encode("utf-8"), hashlib.sha256).hexdigest()


def snapshot(conn: Connection) -> dict[str, Any]:
    """Every chain's head (seq, hash, balance) and the number of entries, now."""
    chains = {
        h.chain_id: {"seq": int(h.seq), "head_hash": h.head_hash, "balance_fen": h.balance_fen}
        for h in conn.execute(select(ChainRow).order_by(ChainRow.chain_id))
    }
    entries = int(conn.execute(select(func.count()).select_from(LedgerRow)).scalar_one())
    return {
        "format": FORMAT,
        "created_at": now_iso(),
        "database": conn.engine.url.render_as_string(hide_password=True),
        "entries": entries,
        "chains": chains,
    }


def _outside_home(path: Path) -> Path:
    home = get_settings().home.resolve()
    target = path.resolve()
    if target == home or home in target.parents:
        raise CheckpointError(
            f"{path}: a checkpoint must be kept outside COCKPIT_HOME ({home}), away from the "
            "database it vouches for"
        )
    return target


def write(engine: Engine, path: Path) -> tuple[Path, dict[str, Any]]:
    """Write a signed checkpoint to ``path`` (a file, or a folder to put a dated file in)."""
    target = _outside_home(path)
    with engine.connect() as conn:
        body = snapshot(conn)
    if target.is_dir():
        stamp = datetime.fromisoformat(body["created_at"]).strftime("%Y%m%dT%H%M%S%fZ")
        target = target / f"ledger-checkpoint-{stamp}.json"
    if target.exists():
        raise CheckpointError(f"{target}: exists; a checkpoint is never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    signed = {**body, "hmac_sha256": _mac(body)}
    temporary = target.with_name(target.name + ".part")
    temporary.write_text(json.dumps(signed, indent=1, ensure_ascii=False), "utf-8")
    os.replace(temporary, target)
    return target, signed


def load(path: Path) -> dict[str, Any]:
    """A checkpoint's content, once its HMAC is checked; ``CheckpointError`` otherwise."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        mac = data.pop("hmac_sha256")
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a ledger checkpoint ({exc})") from None
    if data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format {data.get('format')!r}, expected {FORMAT}")
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(data)):
        raise CheckpointError(
            f"{path}: its HMAC does not match: it was altered, or made with another ledger key"
        )
    content: dict[str, Any] = data
    return content


def check(conn: Connection, path: Path, report: Report) -> None:
    """Add to ``report`` every way the database falls short of the checkpoint at ``path``."""
    try:
        data = load(path)
    except CheckpointError as exc:
        report.problems.append(Problem("checkpoint", "", None, None, str(exc)))
        return
    taken = data["created_at"]
    heads = {h.chain_id: h for h in conn.execute(select(ChainRow))}
    for chain_id, then in sorted(data["chains"].items()):
        seq = int(then["seq"])
        head = heads.get(chain_id)
        if head is None:
            report.problems.append(
                Problem(
                    "checkpoint",
                    chain_id,
                    seq,
                    None,
                    f"chain {chain_id} had {seq} entries at the checkpoint of {taken}; it is gone",
                )
            )
            continue
        if head.seq < seq:
            report.problems.append(
                Problem(
                    "checkpoint",
                    chain_id,
                    seq,
                    None,
                    f"chain {chain_id} had {seq} entries at the checkpoint of {taken}, it "
                    f"now has {head.seq}: entries {head.seq + 1}..{seq} were removed",
                )
            )
            continue
        if seq == 0:
            continue
        entry = conn.execute(
            select(LedgerRow.id, LedgerRow.hash).where(
                LedgerRow.chain_id == chain_id, LedgerRow.seq == seq
            )
        ).first()
        if entry is None or entry.hash != then["head_hash"]:
            report.problems.append(
                Problem(
                    "checkpoint",
                    chain_id,
                    seq,
                    entry.id if entry else None,
                    f"entry {seq} of chain {chain_id} is not the one checkpointed at "
                    f"{taken}: the chain was rewritten up to it",
                )
            )
        elif head.seq == seq and head.balance_fen != then["balance_fen"]:
            report.problems.append(
                Problem(
                    "checkpoint",
                    chain_id,
                    seq,
                    None,
                    f"chain {chain_id} holds {head.balance_fen} fen with no entry since the "
                    f"checkpoint of {taken}, which saw {then['balance_fen']}",
                )
            )
    count = int(conn.execute(select(func.count()).select_from(LedgerRow)).scalar_one())
    if count < int(data["entries"]):
        report.problems.append(
            Problem(
                "checkpoint",
                "",
                None,
                None,
                f"the ledger has {count} entries, fewer than the {data['entries']} at the "
                f"checkpoint of {taken}",
            )
        )
