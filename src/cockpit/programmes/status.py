"""Where a programme stands: budget left, rounds, packs claimed, vouchers spent and expired."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from cockpit.programmes.models import (
    ApplicationRow,
    ChainRow,
    ClaimRow,
    ProgrammeRow,
    RedemptionRow,
    RoundRow,
    VoucherRow,
)
from cockpit.programmes.tx import NotFound, engine_or_default


def list_programmes(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every installed programme: code, kind, names and budget."""
    with engine_or_default(engine).connect() as conn:
        rows = conn.execute(select(ProgrammeRow).order_by(ProgrammeRow.id)).all()
    return [
        {
            "code": r.code,
            "kind": r.kind,
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "budget_fen": r.budget_fen,
            "rules_sha256": r.rules_sha256,
        }
        for r in rows
    ]


def programme_status(code: str, *, engine: Engine | None = None) -> dict[str, Any]:
    """Budget, rounds (packs claimed of total), vouchers by status, redemptions, applications."""
    with engine_or_default(engine).connect() as conn:
        prog = conn.execute(select(ProgrammeRow).where(ProgrammeRow.code == code)).first()
        if prog is None:
            raise NotFound(f"no programme {code!r}")
        pid = prog.id
        budget_left = conn.execute(
            select(ChainRow.balance_fen).where(ChainRow.chain_id == f"p{pid}")
        ).scalar_one()
        rounds = []
        for r in conn.execute(
            select(RoundRow).where(RoundRow.programme_id == pid).order_by(RoundRow.no)
        ):
            claimed = conn.execute(
                select(func.count()).select_from(ClaimRow).where(ClaimRow.round_id == r.id)
            ).scalar_one()
            rounds.append(
                {
                    "round_id": r.id,
                    "no": r.no,
                    "status": r.status,
                    "opens_at": r.opens_at,
                    "closes_at": r.closes_at,
                    "packs_total": r.packs_total,
                    "packs_claimed": claimed,
                    "seed_sha256": r.seed_sha256,
                    "seed": r.seed,
                }
            )
        by_status = dict(
            conn.execute(
                select(VoucherRow.status, func.sum(VoucherRow.face_fen))
                .where(VoucherRow.programme_id == pid)
                .group_by(VoucherRow.status)
            ).all()
        )
        sales, paid = conn.execute(
            select(
                func.coalesce(
                    func.sum(
                        RedemptionRow.bill_fen
                        - RedemptionRow.refunded_own_fen
                        - RedemptionRow.refunded_voucher_fen
                    ),
                    0,
                ),
                func.coalesce(
                    func.sum(RedemptionRow.voucher_fen - RedemptionRow.refunded_voucher_fen), 0
                ),
            ).where(RedemptionRow.programme_id == pid)
        ).one()
        apps = dict(
            conn.execute(
                select(ApplicationRow.status, func.count())
                .where(ApplicationRow.programme_id == pid)
                .group_by(ApplicationRow.status)
            ).all()
        )
    return {
        "code": code,
        "kind": prog.kind,
        "name_zh": prog.name_zh,
        "name_en": prog.name_en,
        "budget_fen": prog.budget_fen,
        "budget_left_fen": budget_left,
        "rounds": rounds,
        "vouchers_fen": {k: int(v) for k, v in by_status.items()},
        "redeemed_sales_fen": int(sales),
        "redeemed_voucher_fen": int(paid),
        "applications": {k: int(v) for k, v in apps.items()},
    }
