"""Merchant-level injected events: a voucher campaign, a feed that stops, and history changes.

The city-level events (a district slump, a category spike) live in ``model``; the exporter whose
orders collapse lives in ``trade``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cockpit.sample.merchants import Merchants
from cockpit.sample.model import MODEL_EVENTS, CityModel, Event

CAMPAIGN_DISTRICT = "500103"
CAMPAIGN_CATEGORIES = ("CT01", "RS04", "RS01", "RS07", "RS05", "RS02", "RS03", "RS10", "RS18")
CAMPAIGN_START = dt.date(2026, 3, 1)
CAMPAIGN_END = dt.date(2026, 5, 31)
CAMPAIGN_UPLIFT = 0.30  # treated merchants sell 30 % more while the campaign runs
VOUCHER_SHARE = 0.45  # share of a treated merchant's payments (at the threshold) with a voucher
CAMPAIGN_PROGRAMME = "yuzhong-campaign-2026"  # its code on the demo's programme ledger
VOUCHER_FACE_FEN = 1000  # each voucher takes 10 yuan off a bill of at least 30 yuan
VOUCHER_THRESHOLD_FEN = 3000
FEED_STOP_DAY = dt.date(2026, 8, 15)
MOVE_DAY = dt.date(2025, 7, 1)  # history changes take effect on the first of a month
RECATEGORISE_DAY = dt.date(2024, 9, 1)


@dataclass
class MerchantEvents:
    """Which merchants the injected events touch."""

    treated: list[int] = field(default_factory=list)
    controls: list[int] = field(default_factory=list)
    feed_stop: int = -1
    mover: int = -1
    mover_to: int = -1  # district index after the move
    recategorised: int = -1
    recategorised_to: int = -1  # category index after the change

    def district_in(self, merchants: Merchants, month_start: dt.date) -> NDArray[np.int64]:
        """Each merchant's district index in the month starting ``month_start``."""
        out = merchants.district.copy()
        if month_start >= MOVE_DAY:
            out[self.mover] = self.mover_to
        return out

    def category_in(self, merchants: Merchants, month_start: dt.date) -> NDArray[np.int64]:
        """Each merchant's category index in the month starting ``month_start``."""
        out = merchants.category.copy()
        if month_start >= RECATEGORISE_DAY:
            out[self.recategorised] = self.recategorised_to
        return out


def _steady(merchants: Merchants, chosen: list[int]) -> None:
    """Event merchants trade through the whole period, so their signal is clean."""
    for i in chosen:
        merchants.opened[i] = min(merchants.opened[i], dt.date(2020, 1, 1))
        merchants.closed[i] = None


def _campaign_pairs(merchants: Merchants, model: CityModel) -> tuple[list[int], list[int]]:
    """Treated merchants and untreated look-alikes: neighbours by size in the same category."""
    n_pairs = min(300, max(40, len(merchants) // 50))
    district = model.districts.index(CAMPAIGN_DISTRICT)
    per_category = max(1, n_pairs // len(CAMPAIGN_CATEGORIES) + 1)
    treated: list[int] = []
    controls: list[int] = []
    for code in CAMPAIGN_CATEGORIES:
        cat = model.categories.index(code)
        members = np.flatnonzero(
            (merchants.district == district)
            & (merchants.category == cat)
            & (merchants.channel == 0)
        )
        members = members[np.argsort(-merchants.weight[members], kind="stable")]
        for k in range(0, min(len(members) - 1, 2 * per_category), 2):
            treated.append(int(members[k]))
            controls.append(int(members[k + 1]))
    return treated[:n_pairs], controls[:n_pairs]


def _pick(
    merchants: Merchants, model: CityModel, district: str, category: str, taken: set[int]
) -> int:
    d, c = model.districts.index(district), model.categories.index(category)
    cell = np.flatnonzero((merchants.district == d) & (merchants.category == c))
    ranked = [int(i) for i in cell[np.argsort(-merchants.weight[cell])] if i not in taken]
    return ranked[0]


def choose_merchant_events(merchants: Merchants, model: CityModel) -> MerchantEvents:
    """Pick the merchants each event touches (deterministic given the merchants)."""
    treated, controls = _campaign_pairs(merchants, model)
    taken = set(treated) | set(controls)
    ev = MerchantEvents(treated=treated, controls=controls)
    ev.feed_stop = _pick(merchants, model, "500112", "RS07", taken)
    taken.add(ev.feed_stop)
    ev.mover = _pick(merchants, model, "500105", "RS04", taken)
    ev.mover_to = model.districts.index("500112")
    taken.add(ev.mover)
    ev.recategorised = _pick(merchants, model, "500107", "RS07", taken)
    ev.recategorised_to = model.categories.index("RS18")
    _steady(merchants, [*taken, ev.recategorised])
    return ev


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "place": event.place,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "size": event.size,
        "note": event.note,
    }


def events_json(ev: MerchantEvents, merchants: Merchants, model: CityModel) -> list[dict[str, Any]]:
    """The merchant and city events as ground_truth.json lists them (trade added by caller)."""
    out = [_event_json(e) for e in MODEL_EVENTS]
    out.append(
        {
            "kind": "voucher_campaign",
            "place": CAMPAIGN_DISTRICT,
            "start": CAMPAIGN_START.isoformat(),
            "end": CAMPAIGN_END.isoformat(),
            "size": CAMPAIGN_UPLIFT,
            "uplift": CAMPAIGN_UPLIFT,
            "programme_code": CAMPAIGN_PROGRAMME,
            "programme_file": "campaign/programme.yaml",
            "vouchers_file": "campaign/vouchers.csv",
            "treated_merchants": [merchants.ids[i] for i in ev.treated],
            "control_merchants": [merchants.ids[i] for i in ev.controls],
            "note": (
                f"Digital vouchers in Yuzhong: treated merchants sell {CAMPAIGN_UPLIFT:.0%} more "
                f"while it runs; about {VOUCHER_SHARE:.0%} of their payments of "
                f"{VOUCHER_THRESHOLD_FEN // 100} yuan or more carry a voucher id of programme "
                f"{CAMPAIGN_PROGRAMME} (campaign/vouchers.csv lists each voucher). "
                "Controls are untreated merchants of the same district, category and size."
            ),
        }
    )
    out.append(
        {
            "kind": "feed_stop",
            "place": merchants.ids[ev.feed_stop],
            "start": FEED_STOP_DAY.isoformat(),
            "end": "2026-10-31",
            "size": -1.0,
            "note": "This merchant's transactions stop arriving from this day; it did not close.",
        }
    )
    return out


def changes_json(
    ev: MerchantEvents, merchants: Merchants, model: CityModel
) -> list[dict[str, Any]]:
    """The merchant history changes (second rows of merchants.csv)."""
    return [
        {
            "merchant_id": merchants.ids[ev.mover],
            "field": "district_code",
            "old": model.districts[merchants.district[ev.mover]],
            "new": model.districts[ev.mover_to],
            "valid_from": MOVE_DAY.isoformat(),
        },
        {
            "merchant_id": merchants.ids[ev.recategorised],
            "field": "category_code",
            "old": model.categories[merchants.category[ev.recategorised]],
            "new": model.categories[ev.recategorised_to],
            "valid_from": RECATEGORISE_DAY.isoformat(),
        },
    ]
