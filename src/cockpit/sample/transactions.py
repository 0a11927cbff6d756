"""Transactions, a month at a time, as whole numpy arrays (no Python loop over rows).

Each merchant-day draws a Poisson number of payments whose mean follows the city model
(its district × category cell's trade, the merchant's share of the cell, and the events);
each payment then draws its time, ticket, channel, payer, payment method, voucher and refund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from cockpit.sample import events as ev_mod
from cockpit.sample.events import MerchantEvents
from cockpit.sample.merchants import Merchants
from cockpit.sample.model import CENTRE, CityModel, years_since_start
from cockpit.sample.params import (
    CATEGORY_TRAITS,
    DISTRICT_TRAITS,
    PERIOD_END,
    PERIOD_START,
    SOURCES,
    Scale,
)
from cockpit.sample.payers import Payers

EPOCH = dt.date(1970, 1, 1)
US = 1_000_000
PAYMENTS = ("bank_card", "mobile_wallet", "ecny", "foreign_card", "cash")
UNIONPAY, PLATFORM, WALLET = (SOURCES.index(s) for s in ("unionpay", "platform_a", "wallet_b"))
# fmt: off
RETAIL_HOURS = np.array([0.2, 0.1, 0.05, 0.03, 0.03, 0.05, 0.2, 0.5, 1.0, 2.0, 3.2, 3.8,
                         3.6, 3.2, 3.0, 3.0, 3.2, 3.5, 3.8, 3.9, 3.5, 2.6, 1.4, 0.6])
MEAL_HOURS = np.array([1.0, 0.6, 0.3, 0.1, 0.05, 0.1, 0.6, 1.6, 1.8, 0.8, 0.8, 2.6,
                       4.5, 3.2, 1.0, 0.8, 1.0, 2.0, 4.2, 4.6, 3.6, 2.8, 2.2, 1.6])
# fmt: on
NIGHT_HOURS = np.array([0, 1, 18, 19, 20, 21, 22, 23])
TOURIST_DISTRICTS = ("500156", "500237", "500230", "500236", "500240")


def _day(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class Batch:
    """Payments as parallel arrays; ``flag`` marks deliberately spoiled rows (0: clean)."""

    ts: NDArray[np.int64]  # microseconds since epoch, Asia/Shanghai wall clock
    amount: NDArray[np.int64]  # fen, refunds negative
    refund: NDArray[np.bool_]
    merchant: NDArray[np.int64]
    channel: NDArray[np.int8]
    payment: NDArray[np.int8]
    segment: NDArray[np.int8]
    payer: NDArray[np.int64]
    voucher: NDArray[np.int64]  # -1: none
    source: NDArray[np.int8]
    txn: NDArray[np.int64]  # sequence number within the source
    flag: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: NDArray[np.int64] | NDArray[np.bool_]) -> Batch:
        return Batch(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def insert(self, at: int, row: Batch) -> Batch:
        """A copy with ``row`` (one row) inserted before position ``at``."""
        return Batch(
            **{
                f.name: np.insert(getattr(self, f.name), at, getattr(row, f.name))
                for f in fields(self)
            }
        )

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        return Batch(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Batch)}
        )


def _hour_tables(categories: tuple[str, ...]) -> NDArray[np.float64]:
    """Cumulative hour-of-day distribution per category; night trades weigh 18–24 and 0–2."""
    table = np.empty((len(categories), 24))
    for j, code in enumerate(categories):
        trait = CATEGORY_TRAITS[code]
        if code == "RS14":
            profile = np.maximum(RETAIL_HOURS, 1.0)  # petrol stations never close
        else:
            profile = (MEAL_HOURS if code == "CT01" else RETAIL_HOURS).copy()
        profile[NIGHT_HOURS] *= trait.night
        table[j] = np.cumsum(profile) / profile.sum()
    return table


class TransactionGenerator:
    """Draws the sample city's payments month by month, in chunks of at most ``chunk_rows``."""

    def __init__(
        self,
        model: CityModel,
        merchants: Merchants,
        events: MerchantEvents,
        payers: Payers,
        scale: Scale,
        rng: np.random.Generator,
    ) -> None:
        self.model, self.m, self.ev, self.payers, self.scale, self.rng = (
            model,
            merchants,
            events,
            payers,
            scale,
            rng,
        )
        cats = model.categories
        lo, hi = model.day_index(PERIOD_START), model.day_index(PERIOD_END) + 1
        cat_yuan = model.yuan[lo:hi].sum(axis=(0, 1))
        row_share = np.array([CATEGORY_TRAITS[c].row_share for c in cats])
        rows_per_yuan = scale.rows * (row_share / row_share.sum()) / cat_yuan
        self.k = merchants.weight * rows_per_yuan[merchants.category]
        self.hour_thresholds = (_hour_tables(cats) + np.arange(len(cats))[:, None]).ravel()
        self.log_ticket = np.log([CATEGORY_TRAITS[c].ticket_yuan for c in cats])
        self.sigma = np.array([CATEGORY_TRAITS[c].ticket_sigma for c in cats])
        self.online = np.array([CATEGORY_TRAITS[c].online for c in cats])
        self.instant = np.array(
            [0.6 if c in ("CT01", "RS01", "RS02", "RS10") else 0.25 for c in cats]
        )
        dists = model.districts
        self.visitors = np.array([DISTRICT_TRAITS[d][2] for d in dists])
        self.foreign = np.array(
            [0.012 if d in CENTRE else 0.005 if d in TOURIST_DISTRICTS else 0.002 for d in dists]
        )
        self.opened = np.array([_day(d) for d in merchants.opened])
        self.closed = np.array([_day(d) if d else 1 << 30 for d in merchants.closed])
        self.treated = np.zeros(len(merchants), dtype=bool)
        self.treated[events.treated] = True
        self.txn_counter = np.zeros(len(SOURCES), dtype=np.int64)
        self.voucher_counter = 0

    def months(self) -> Iterator[tuple[dt.date, Iterator[list[Batch]]]]:
        """Each month of the period (its first day) with its chunks of payments, each chunk
        one time-ordered batch per source (consume
        each month's chunks before asking for the next month)."""
        month = PERIOD_START
        while month <= PERIOD_END:
            nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            yield month, self._month(month, min(nxt, PERIOD_END + dt.timedelta(1)))
            month = nxt

    def _rates(self, lo: int, hi: int) -> NDArray[np.float64]:
        """Expected payments per day × merchant."""
        m = self.m
        lam: NDArray[np.float64] = self.model.yuan[lo:hi][:, m.district, m.category] * self.k

        day = self.model.days.ordinal[lo:hi][:, None]
        lam *= (day >= self.opened[None, :]) & (day < self.closed[None, :])
        in_campaign = (day[:, 0] >= _day(ev_mod.CAMPAIGN_START)) & (
            day[:, 0] <= _day(ev_mod.CAMPAIGN_END)
        )
        lam[np.ix_(in_campaign, self.treated)] *= 1 + ev_mod.CAMPAIGN_UPLIFT
        lam[day[:, 0] >= _day(ev_mod.FEED_STOP_DAY), self.ev.feed_stop] = 0.0
        return lam

    def _month(self, first: dt.date, end: dt.date) -> Iterator[list[Batch]]:
        lo, hi = self.model.day_index(first), self.model.day_index(end)
        cells, n_merchants = self._draw_cells(self._rates(lo, hi))
        day = cells // n_merchants
        per_day = np.bincount(day, minlength=hi - lo)
        bounds = np.concatenate([[0], np.cumsum(per_day)])
        start = 0
        while start < hi - lo:  # whole days per chunk, so each chunk is in time order
            stop = start + 1
            while stop < hi - lo and bounds[stop + 1] - bounds[start] <= self.scale.chunk_rows:
                stop += 1
            rows = slice(bounds[start], bounds[stop])
            yield self._batch(day[rows] + lo, cells[rows] % n_merchants, lo + stop - 1)
            start = stop

    def _draw_cells(self, lam: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
        """Independent Poisson counts per day × merchant cell, drawn as one Poisson total spread
        over the cells in proportion to their rates (the same distribution, far fewer draws).
        Returns each payment's flat cell index, in ascending order, and the row width."""
        cum = np.cumsum(lam.ravel())
        n = int(self.rng.poisson(cum[-1]))
        gaps = self.rng.exponential(size=n + 1)
        sorted_u = np.cumsum(gaps)[:-1] * (cum[-1] / gaps.sum())  # sorted uniforms on [0, total)
        cells = np.searchsorted(cum, sorted_u, side="right")  # ascending, as the draws are
        return np.minimum(cells, cum.size - 1), lam.shape[1]

    def _batch(
        self, day: NDArray[np.int64], merchant: NDArray[np.int64], last_day: int
    ) -> list[Batch]:
        rng, m, days = self.rng, self.m, self.model.days
        n = len(day)
        cat = m.category[merchant]
        dist = m.district[merchant]
        t = years_since_start(days.ordinal[day])
        hour = self._hours(cat, rng.random(n))
        ts = (days.ordinal[day] * 86400 + hour * 3600 + rng.integers(0, 3600, n)) * US
        amount = self._amounts(cat, n)
        channel = self._channels(merchant, cat, t, days.shopping_festival[day])
        segment = self._segments(dist, t, days.tourist_peak[day])
        payer = self._payers(segment)
        source = self._sources(channel)
        voucher = self._vouchers(merchant, days.ordinal[day], amount)
        payment = self._payments(source, segment, t, voucher)
        batch = Batch(
            ts=ts,
            amount=amount,
            refund=np.zeros(n, dtype=bool),
            merchant=merchant,
            channel=channel,
            payment=payment,
            segment=segment,
            payer=payer,
            voucher=voucher,
            source=source,
            txn=np.zeros(n, dtype=np.int64),
            flag=np.zeros(n, dtype=np.int8),
        )
        batch = Batch.concat([batch, self._refunds(batch, cat, last_day)])
        return self._by_source(batch)

    def _hours(self, cat: NDArray[np.int64], u: NDArray[np.float64]) -> NDArray[np.int64]:
        """Hour of day from each category's distribution: one search over all categories'
        thresholds shifted by the category index (category ``j`` owns ``[j, j + 1)``)."""
        position = np.searchsorted(self.hour_thresholds, cat + u, side="right")
        hour: NDArray[np.int64] = np.minimum(position - 24 * cat, 23)
        return hour

    def _amounts(self, cat: NDArray[np.int64], n: int) -> NDArray[np.int64]:
        yuan = np.exp(self.log_ticket[cat] + self.sigma[cat] * self.rng.standard_normal(n))
        fen = np.maximum(np.round(yuan * 100), 100).astype(np.int64)
        cars = cat == self.model.categories.index("RS15")
        fen[cars] = fen[cars] // 10_000 * 10_000  # cars are priced in whole hundreds of yuan
        return fen

    def _channels(
        self,
        merchant: NDArray[np.int64],
        cat: NDArray[np.int64],
        t: NDArray[np.float64],
        festival: NDArray[np.float64],
    ) -> NDArray[np.int8]:
        """Online drifts up over the years and on 618 / Double 11."""
        rng = self.rng
        main = self.m.channel[merchant]
        p = np.clip(
            self.online[cat] * 0.6 * (1 + 0.35 * t) + 0.12 * festival * (self.online[cat] > 0.1),
            0,
            0.85,
        )
        u = rng.random(len(main))
        online = np.where(main == 0, u < p, u < 0.9)
        v = rng.random(len(main))
        live = 0.08 + 0.06 * t
        kind = np.where(v < live, 3, np.where(v < live + self.instant[cat], 2, 1))
        return np.where(online, np.where(main == 0, kind, main), 0).astype(np.int8)

    def _segments(
        self, dist: NDArray[np.int64], t: NDArray[np.float64], peak: NDArray[np.bool_]
    ) -> NDArray[np.int8]:
        p_foreign = self.foreign[dist] * (1 + 0.5 * t) * (1 + peak)
        p_visitor = self.visitors[dist] * (1 + 0.8 * peak)
        u = self.rng.random(len(dist))
        return np.where(u < p_foreign, 2, np.where(u < p_foreign + p_visitor, 1, 0)).astype(np.int8)

    def _payers(self, segment: NDArray[np.int8]) -> NDArray[np.int64]:
        """Some people pay often: low indices of each segment's pool come up more."""
        offset = self.payers.offset
        size = (offset[1:] - offset[:-1])[segment]
        return offset[segment] + (size * self.rng.random(len(segment)) ** 2).astype(np.int64)

    def _sources(self, channel: NDArray[np.int8]) -> NDArray[np.int8]:
        u = self.rng.random(len(channel))
        s_u, s_w = self.scale.unionpay_share, self.scale.wallet_share
        offline = np.where(u < s_u, UNIONPAY, np.where(u < s_u + s_w, WALLET, PLATFORM))
        return np.where(channel == 0, offline, PLATFORM).astype(np.int8)

    def _payments(
        self,
        source: NDArray[np.int8],
        segment: NDArray[np.int8],
        t: NDArray[np.float64],
        voucher: NDArray[np.int64],
    ) -> NDArray[np.int8]:
        """e-CNY grows; foreign visitors use foreign cards at the till; wallets are wallets."""
        u = self.rng.random(len(source))
        e = 0.02 + 0.012 * t + 0.4 * (voucher >= 0)  # many vouchers are paid out in e-CNY
        cash = 0.10 - 0.015 * t
        card, wallet, ecny, foreign, cash_ = 0, 1, 2, 3, 4
        foreigner = segment == 2
        unionpay = np.where(
            foreigner,
            np.where(u < 0.7, foreign, np.where(u < 0.8, cash_, wallet)),
            np.where(
                u < e,
                ecny,
                np.where(u < e + cash, cash_, np.where(u < e + cash + 0.22, wallet, card)),
            ),
        )
        wallet_feed = np.where(u < 2 * e, ecny, wallet)
        platform = np.where(
            u < e, ecny, np.where(u < e + 0.2, np.where(foreigner, foreign, card), wallet)
        )
        out = np.where(
            source == UNIONPAY, unionpay, np.where(source == WALLET, wallet_feed, platform)
        )
        return out.astype(np.int8)

    def _vouchers(
        self, merchant: NDArray[np.int64], ordinal: NDArray[np.int64], amount: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        inside = (ordinal >= _day(ev_mod.CAMPAIGN_START)) & (ordinal <= _day(ev_mod.CAMPAIGN_END))
        redeem = (
            self.treated[merchant]
            & inside
            & (self.rng.random(len(merchant)) < ev_mod.VOUCHER_SHARE)
            & (amount >= ev_mod.VOUCHER_THRESHOLD_FEN)  # a voucher needs a bill over its threshold
        )
        out = np.full(len(merchant), -1, dtype=np.int64)
        k = int(redeem.sum())
        out[redeem] = self.voucher_counter + np.arange(k)
        self.voucher_counter += k
        return out

    def _refunds(self, batch: Batch, cat: NDArray[np.int64], last_day: int) -> Batch:
        """Some purchases come back (clothes bought online most); a third only in part."""
        rate = np.where(
            np.isin(cat, [self.model.categories.index(c) for c in ("RS04", "RS05")])
            & (batch.channel != 0),
            0.06,
            0.012,
        )
        back = np.flatnonzero((self.rng.random(len(batch)) < rate) & (batch.voucher < 0))
        refund = batch.take(back)
        partial = self.rng.random(len(back)) < 0.33
        refund.amount = -np.where(partial, refund.amount // 2, refund.amount)
        refund.refund = np.ones(len(back), dtype=bool)
        later = refund.ts + self.rng.integers(1800, 48 * 3600, len(back)) * US
        day_end = (int(self.model.days.ordinal[last_day]) + 1) * 86400 * US - US
        refund.ts = np.minimum(later, day_end)
        return refund

    def _by_source(self, batch: Batch) -> list[Batch]:
        """Each source's payments in time order, numbered on from the source's last id."""
        order = np.argsort(batch.ts)
        parts = []
        for s in range(len(SOURCES)):
            part = batch.take(order[batch.source[order] == s])
            part.txn = self.txn_counter[s] + np.arange(len(part))
            self.txn_counter[s] += len(part)
            parts.append(part)
        return parts
