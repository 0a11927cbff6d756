"""Gross leverage of a purchase or trade-in subsidy, computed from its own records.

Gross leverage = sales of the purchases whose subsidy was paid ÷ the subsidy paid (net of
claw-backs), both from the programme's applications and ledger — never copied from the
programme file. A figure the file carries (``reported``) is shown beside it, labelled
"reported" with its source. Labels fit the kind: a car or appliance subsidy is paid on
purchases, not on voucher transactions. The causal effect is ``effect.causal_effect``'s.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from cockpit.programmes.catalog import load_rules, programme_id_of
from cockpit.programmes.models import ApplicationRow, LedgerRow
from cockpit.programmes.rules import yuan_to_fen
from cockpit.programmes.tx import engine_or_default

LABELS = {
    "consumption_voucher": (
        "Gross leverage (sales in voucher transactions per yuan of vouchers)",
        "拉动比（带券交易额 / 核销券额）",
    ),
    "purchase_subsidy": (
        "Gross leverage (sales of subsidised purchases per yuan of subsidy)",
        "拉动比（获补贴商品销售额 / 补贴额）",
    ),
    "trade_in_subsidy": (
        "Gross leverage (sales of new items traded in for, per yuan of subsidy)",
        "拉动比（以旧换新销售额 / 补贴额）",
    ),
}


def leverage_label(kind: str) -> tuple[str, str]:
    """The English and Chinese label of gross leverage for a programme of ``kind``."""
    return LABELS.get(kind, LABELS["purchase_subsidy"])


def rounded(ratio: float) -> float:
    """One decimal (63.8×): the inputs are sales totals, not more precise than that."""
    return round(ratio, 1)


def computed(programme_code: str, *, engine: Engine | None = None) -> dict[str, Any]:
    """Sales, subsidy paid and gross leverage from the programme's paid applications."""
    with engine_or_default(engine).connect() as conn:
        pid = programme_id_of(conn, programme_code)
        rules = load_rules(conn, pid)
        rows = conn.execute(
            select(ApplicationRow.facts_json, ApplicationRow.amount_fen).where(
                ApplicationRow.programme_id == pid, ApplicationRow.status == "disbursed"
            )
        ).all()
        recovered = int(
            conn.execute(
                select(func.coalesce(func.sum(LedgerRow.amount_fen), 0)).where(
                    LedgerRow.programme_id == pid, LedgerRow.op == "recover"
                )
            ).scalar_one()
        )
    sales = sum(yuan_to_fen(Decimal(str(json.loads(f)["price_yuan"]))) for f, _ in rows)
    paid = sum(int(a) for _, a in rows) - recovered
    label_en, label_zh = leverage_label(rules.kind)
    return {
        "programme": programme_code,
        "kind": rules.kind,
        "label_en": label_en,
        "label_zh": label_zh,
        "what": "computed from the programme's paid applications",
        "purchases": len(rows),
        "sales_fen": sales,
        "subsidy_paid_fen": paid,
        "gross_leverage": rounded(sales / paid) if paid > 0 else None,
        "reported": reported(rules),
    }


def reported(rules: Any) -> dict[str, Any] | None:
    """The figure the programme file carries, labelled as reported, with its source."""
    if getattr(rules, "reported", None) is None:
        return None
    sales = yuan_to_fen(rules.reported.sales_yuan)
    return {
        "what": "reported",
        "source": rules.reported.source,
        "sales_fen": sales,
        "subsidy_fen": rules.budget_fen,
        "beneficiaries": rules.reported.beneficiaries,
        "gross_leverage": rounded(sales / rules.budget_fen),
    }
