"""The injected voucher campaign as its issuer records it: a programme file and its vouchers.

The campaign's vouchers are the ones the transaction feeds carry (``voucher_id``). The city
writes the programme definition (``campaign/programme.yaml``, a ``consumption_voucher``
programme of the programmes room) and one row per voucher it issued
(``campaign/vouchers.csv``: id, holder's identifier, face and threshold, and the payment that
spent it), so that the demo can put the campaign on its ledger and evaluate that programme.
Holders are the payers of the spending transactions, named as a real-name voucher platform
knows them, by resident ID number: the payer's own when the feeds carry one, else a valid one
made from the payer's number; the demo pseudonymises them before the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

from cockpit import identity
from cockpit.sample import events as ev_mod
from cockpit.sample.transactions import Batch

PROGRAMME_FILE = "campaign/programme.yaml"
VOUCHERS_FILE = "campaign/vouchers.csv"
COLUMNS = (
    "voucher_id",
    "holder",
    "face_fen",
    "threshold_fen",
    "merchant_id",
    "txn_id",
    "paid_at",
    "bill_fen",
)


class CampaignVouchers:
    """Collects the vouchers spent in the generated payments (before any row is spoilt)."""

    def __init__(self, merchant_ids: pa.Array, payer_ids: pa.Array) -> None:
        self.merchant_ids = merchant_ids
        self.payer_ids = payer_ids
        self.rows: list[tuple[str, ...]] = []

    def holder(self, payer: int) -> str:
        """The payer's resident ID number, or one made for it (GB 11643, a valid check)."""
        own = str(self.payer_ids[payer].as_py())
        try:
            return identity.canonical(own, "resident_id")
        except identity.Refused:
            born = dt.date(1950, 1, 1) + dt.timedelta(days=payer // 1000)
            first17 = f"{ev_mod.CAMPAIGN_DISTRICT}{born:%Y%m%d}{payer % 1000:03d}"
            return first17 + identity.gb11643_check(first17)

    def add(self, part: Batch, txn_prefix: str, voucher_prefix: str) -> None:
        for i in np.flatnonzero(part.voucher >= 0):
            wall = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(part.ts[i]))
            self.rows.append(
                (
                    f"{voucher_prefix}{int(part.voucher[i]):08d}",
                    self.holder(int(part.payer[i])),
                    str(ev_mod.VOUCHER_FACE_FEN),
                    str(ev_mod.VOUCHER_THRESHOLD_FEN),
                    str(self.merchant_ids[int(part.merchant[i])].as_py()),
                    f"{txn_prefix}{int(part.txn[i]):012d}",
                    wall.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).isoformat(),
                    str(int(part.amount[i])),
                )
            )

    def rows_in(self, name: str) -> int:
        """Data rows of one of the written files (the programme file holds one programme)."""
        return len(self.rows) if name == VOUCHERS_FILE else 1

    def write(self, out: Path) -> list[str]:
        """Write the programme file and the vouchers file; return their relative paths."""
        self.rows.sort()
        path = out / VOUCHERS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            writer.writerows(self.rows)
        (out / PROGRAMME_FILE).write_text(
            programme_yaml([dt.date.fromisoformat(r[6][:10]) for r in self.rows]), encoding="utf-8"
        )
        return [PROGRAMME_FILE, VOUCHERS_FILE]


def programme_yaml(paid_months: list[dt.date]) -> str:
    """The campaign as a voucher programme: one round per campaign month, vouchers of one
    face value, a budget of the vouchers issued and a small reserve."""
    months = []
    day = ev_mod.CAMPAIGN_START
    while day <= ev_mod.CAMPAIGN_END:
        nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        months.append((day, nxt))
        day = nxt
    # each month's round releases at least its month's vouchers
    # (at least one, as a round must fund a pack)
    per_month = [max(1, sum(1 for p in paid_months if a <= p < b)) for a, b in months]
    total = sum(per_month)
    # the budget keeps a reserve of 2 % (and 3 vouchers), so each share can be rounded up
    # to cover its month's vouchers and the shares still add up to at most 1
    packs = total + total // 50 + 3
    shares = [-(-10_000 * n // packs) / 10_000 for n in per_month]
    rounds = "\n".join(
        f'    - {{opens_at: "{a.isoformat()}T00:00:00+08:00", '
        f'closes_at: "{b.isoformat()}T00:00:00+08:00", budget_share: {s}}}'
        for (a, b), s in zip(months, shares, strict=True)
    )
    budget = packs * ev_mod.VOUCHER_FACE_FEN // 100
    categories = ", ".join(ev_mod.CAMPAIGN_CATEGORIES)
    face, threshold = ev_mod.VOUCHER_FACE_FEN // 100, ev_mod.VOUCHER_THRESHOLD_FEN // 100
    return f"""# The sample city's injected voucher campaign (not real data), as issued.
programme:
  kind: consumption_voucher
  code: {ev_mod.CAMPAIGN_PROGRAMME}
  name_zh: 渝中区数字消费券（样例城市 2026 注入活动）
  name_en: Yuzhong digital vouchers (sample city's injected 2026 campaign)
  source: "sample city ground truth: the voucher_campaign event"
  budget_yuan: {budget}
  pack:
    - {{face_yuan: {face}, threshold_yuan: {threshold}, count: 1}}
  eligibility:
    categories: [{categories}]
    districts: ["{ev_mod.CAMPAIGN_DISTRICT}"]
    merchants: []
  limits:
    per_person_per_round: 10
    per_person_total: 30
    identifiers: [id]
  rounds:
{rounds}
  validity_days: 31
  roll_over: next_round
  allocation:
    mode: first_come
"""
