"""Budget burn-down of each programme over time, read from the programmes ledger.

Every movement of a programme's money is a ledger row ``debit → credit`` (docs/programmes.md,
``cockpit.programmes.ledger``). The balance of each kind of account at any moment says where
the budget stands:

- **remaining** — ``budget:<programme>``, funded and not yet released or approved;
- **committed** — out of the budget but not spent: ``round:`` (released to a voucher round,
  not claimed), ``holder:`` (vouchers held), ``firm:`` (subsidies approved, not paid);
- **spent** — ``merchant:`` (vouchers redeemed, net of refunds and claw-backs), ``paid:``
  (subsidies paid out) and ``loss:`` (settlement differences written off);
- **returned** — money sent back to ``treasury:`` (unclaimed or expired, when the rules
  return it there rather than to the budget).

So remaining + committed + spent + returned = funded at every moment. Movements are placed
at their **value time** (``value_at``: when the money moved — the claim, the payment, the
expiry, the disbursement — stored in Asia/Shanghai), not at their booking time (when the row
was written), so a round simulated or back-dated with ``now=`` (the demo's) burns down over
its own days. The ledger is read only, summed by second of value time in SQL, then cut into
at most ``MAX_POINTS`` steps of a second, a minute, an hour or a day (Asia/Shanghai),
whichever is the finest that fits. Answers are kept until the ledger grows (it is
append-only).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select

from cockpit.web import i18n
from cockpit.web.i18n import Lang

HINT = "cockpit programmes install"
MAX_POINTS = 300
KINDS = ("budget", "round", "holder", "firm", "merchant", "paid", "loss", "treasury")
STATE_OF = {
    "budget": "remaining",
    "round": "committed",
    "holder": "committed",
    "firm": "committed",
    "merchant": "spent",
    "paid": "spent",
    "loss": "spent",  # a reconciliation difference written off: gone, like a payment
}
STATES = ("remaining", "committed", "spent", "returned")
STEPS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))

_lock = threading.Lock()
_memo: dict[tuple[str, int], dict[int, list[tuple[datetime, str, str, int]]]] = {}


def _kind(column: Any) -> Any:
    """The kind of an account (``budget:7`` → ``budget``), in SQL."""
    return case(*[(column.like(f"{k}:%"), k) for k in KINDS], else_="other")


def _movements(engine: Engine) -> dict[int, list[tuple[datetime, str, str, int]]]:
    """Per programme id: (value second in Asia/Shanghai, debit kind, credit kind, fen), by time.

    Remembered until the ledger's last entry id changes.
    """
    from cockpit.programmes import LedgerRow

    with engine.connect() as conn:
        last = conn.execute(select(func.coalesce(func.max(LedgerRow.id), 0))).scalar_one()
        key = (str(engine.url), int(last))
        with _lock:
            hit = _memo.get(key)
        if hit is not None:
            return hit
        # ``2025-05-01T10:00:03.000000+08:00``: the first 19 characters are the local second.
        second = func.substr(LedgerRow.value_at, 1, 19).label("second")
        debit = _kind(LedgerRow.debit).label("debit_kind")
        credit = _kind(LedgerRow.credit).label("credit_kind")
        rows = conn.execute(
            select(
                LedgerRow.programme_id,
                second,
                debit,
                credit,
                func.sum(LedgerRow.amount_fen),
            )
            # Steps that move no money (a submission, a refusal) are no point on the curve.
            .where(LedgerRow.id <= last, LedgerRow.amount_fen > 0)
            .group_by(LedgerRow.programme_id, second, debit, credit)
            .order_by(second)
        ).all()
    found: dict[int, list[tuple[datetime, str, str, int]]] = defaultdict(list)
    for pid, sec, dkind, ckind, amount in rows:
        found[int(pid)].append((datetime.fromisoformat(sec), dkind, ckind, int(amount)))
    with _lock:
        # One ledger version per database: this database's older one is stale, others are not.
        for stale in [k for k in _memo if k[0] == key[0]]:
            del _memo[stale]
        _memo[key] = dict(found)
    return dict(found)


def _apply(state: dict[str, int], debit: str, credit: str, amount: int) -> None:
    """Move ``amount`` from the debit account's state to the credit account's."""
    if debit == "treasury":
        state["funded"] += amount
    elif debit in STATE_OF:
        state[STATE_OF[debit]] -= amount
    if credit == "treasury":
        state["returned"] += amount
    elif credit in STATE_OF:
        state[STATE_OF[credit]] += amount


def _step(moments: list[datetime]) -> tuple[str, int]:
    """The finest step (second, minute, hour, day) giving at most ``MAX_POINTS`` points."""
    for name, seconds in STEPS:
        if len({_bucket(m, seconds) for m in moments}) <= MAX_POINTS:
            return name, seconds
    return STEPS[-1]


def _bucket(moment: datetime, seconds: int) -> datetime:
    epoch = datetime(2000, 1, 1)
    return epoch + timedelta(seconds=(moment - epoch) // timedelta(seconds=seconds) * seconds)


def _points(moves: list[tuple[datetime, str, str, int]]) -> tuple[str, list[dict[str, Any]]]:
    """The state after the funding, then at the last movement of every step.

    The funding valued before any other movement is the first point (the budget as funded,
    before anything was released); funding valued later (a top-up) counts in its step like
    any movement.
    """
    # Within one second, funding first (a programme installed and released in the same second).
    moves = sorted(moves, key=lambda m: (m[0], m[1] != "treasury"))
    state = dict.fromkeys(("funded", *STATES), 0)
    points: list[dict[str, Any]] = []
    lead = 0
    while lead < len(moves) and moves[lead][1] == "treasury":
        lead += 1
    if lead:
        for _, debit, credit, amount in moves[:lead]:
            _apply(state, debit, credit, amount)
        points.append({"at": moves[0][0], **state})
    rest = moves[lead:]
    name, seconds = _step([m[0] for m in rest])
    by_step: dict[datetime, list[tuple[datetime, str, str, int]]] = defaultdict(list)
    for m in rest:
        by_step[_bucket(m[0], seconds)].append(m)
    for key in sorted(by_step):
        for _, debit, credit, amount in by_step[key]:
            _apply(state, debit, credit, amount)
        points.append({"at": max(m[0] for m in by_step[key]), **state})
    return name, points


def burndown(*, engine: Engine, lang: Lang, programme: str = "") -> dict[str, Any]:
    """The chosen programme's (else the first one's) budget left, committed and spent."""
    from cockpit.programmes import list_programmes, programme_status

    installed = list_programmes(engine=engine)
    if not installed:
        return {"available": False, "hint": HINT}
    moves = _movements(engine)
    chosen = next((p for p in installed if p["code"] == programme), installed[0])
    pid = _programme_id(engine, chosen["code"])
    step, points = _points(moves.get(pid, []))
    if not points:
        return {"available": False, "hint": HINT}
    divisor, unit = i18n.money_unit(max(p["funded"] for p in points), lang)
    name_key = "name_en" if lang == "en" else "name_zh"
    end = points[-1]
    return {
        "available": True,
        "programme": chosen["code"],
        "name": chosen[name_key],
        "programmes": [{"code": p["code"], "name": p[name_key]} for p in installed],
        "budget_fen": chosen["budget_fen"],
        "end": {f"{k}_fen": end[k] for k in ("funded", *STATES)},
        "step": step,
        "step_label": i18n.label(f"burndown_step_{step}", lang),
        "unit": unit,
        "x": [p["at"].strftime("%Y-%m-%d %H:%M:%S") for p in points],
        # The rounds' own dates, so the axis spans the round, not only its movements.
        "rounds": [
            {
                "no": r["no"],
                "label": i18n.label("col_round", lang) + f" {r['no']}",
                "opens_at": _stamp(r["opens_at"]),
                "closes_at": _stamp(r["closes_at"]),
            }
            for r in programme_status(chosen["code"], engine=engine)["rounds"]
        ],
        "series": [
            {
                "key": key,
                "label": i18n.label(f"burndown_{key}", lang),
                "values": [round(p[key] / divisor, 4) for p in points],
            }
            for key in STATES
            if key != "returned" or end["returned"]
        ],
    }


def _stamp(moment: Any) -> str | None:
    """A round's stored moment as Shanghai time 'YYYY-MM-DD HH:MM:00' (the movements' form)."""
    return None if moment is None else i18n.when(moment) + ":00"


def _programme_id(engine: Engine, code: str) -> int:
    from cockpit.programmes import ProgrammeRow

    with engine.connect() as conn:
        return int(conn.execute(select(ProgrammeRow.id).where(ProgrammeRow.code == code)).one()[0])
