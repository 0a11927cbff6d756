"""The demo's subsidy rounds: the sample city's car and trade-in applications, applied,
checked by the rules, approved and paid four eyes, and leverage computed from what was paid.

Re-running is harmless: every call carries the same idempotency key as before.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from cockpit.programmes import subsidies, vouchers
from cockpit.programmes.leverage import computed
from cockpit.programmes.rules import shipped
from cockpit.programmes.tx import ProgrammeError, pseudonymise

APPLICATIONS = "subsidy_applications.jsonl"
GROUND_TRUTH = "ground_truth.json"


def _expected(sample_dir: Path) -> dict[int, dict[str, Any]]:
    path = sample_dir / GROUND_TRUTH
    if not path.exists():
        return {}
    truth = json.loads(path.read_text("utf-8"))
    return {int(e["line"]): e for e in truth.get("subsidy_applications", [])}


def _grant(aid: str) -> str:
    """Approve (Li proposes, Wang checks) and pay out (Zhao proposes, Wang checks)."""
    answer: dict[str, Any] = {}
    for officer in ("Li", "Wang"):
        answer = subsidies.review(
            application_id=aid,
            idem_key=f"demo-ok-{aid}-{officer}",
            decision="approve",
            reviewer=officer,
        )
    for officer in ("Zhao", "Wang"):
        answer = subsidies.disburse(
            application_id=aid, idem_key=f"demo-pay-{aid}-{officer}", officer=officer
        )
    return str(answer["status"])


def run_subsidy_rounds(sample_dir: Path) -> str:
    """One round of each shipped subsidy on the sample city's applications; a summary line."""
    path = sample_dir / APPLICATIONS
    if not path.exists():
        return f"subsidies: no {APPLICATIONS} in {sample_dir} (generate the sample city first)"
    expected = _expected(sample_dir)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for code in sorted({r["programme"] for r in rows}):
        vouchers.install_programme(programme=shipped(code))
    refused: dict[str, Counter[str]] = {}
    paid: Counter[str] = Counter()
    matches = 0
    for row in rows:
        code = row["programme"]
        who = pseudonymise(row["applicant"], "resident_id", field="applicant") or ""
        try:
            got = subsidies.apply(
                programme_code=code,
                idem_key=f"demo-apply-{code}-{row['line']}",
                applicant=who,
                facts=row["facts"],
            )
        except ProgrammeError as exc:
            refused.setdefault(code, Counter())[f"invalid: {exc.code}"] += 1
            continue
        rule = (got["decision"].get("refusal") or {}).get("rule")
        want = expected.get(int(row["line"]))
        matches += bool(want and want["status"] == got["status"] and want["rule"] == rule)
        if rule:
            refused.setdefault(code, Counter())[rule] += 1
        elif got["status"] in ("submitted", "approved"):
            paid[code] += _grant(got["application_id"]) == "disbursed"
        elif got["status"] == "disbursed":
            paid[code] += 1
    parts = []
    for code in sorted({r["programme"] for r in rows}):
        lev = computed(code)
        rules = ", ".join(f"{n} {k}" for k, n in sorted(refused.get(code, Counter()).items()))
        reported = lev["reported"]
        parts.append(
            f"{code}: {paid[code]} paid ({lev['subsidy_paid_fen'] / 100:,.0f} yuan on "
            f"{lev['sales_fen'] / 100:,.0f} yuan of sales), refused {rules or 'none'}; gross "
            f"leverage {lev['gross_leverage']}× computed"
            + (f" (reported {reported['gross_leverage']}×)" if reported else "")
        )
    checked = f"{matches}/{len(expected)} decisions as the ground truth expects" if expected else ""
    return "subsidies: " + "; ".join(parts) + (f"; {checked}" if checked else "")
