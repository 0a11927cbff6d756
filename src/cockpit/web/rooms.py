"""What the pages show of the other rooms (alerts, plans, programmes, scenarios).

Each function calls the room's public Python API. A room with nothing stored gives
``{"available": False, "hint": ...}`` naming the command to run; a room that fails to import
raises (it is a bug, not an empty room).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from datetime import datetime
from typing import Any

from cockpit import rooms
from cockpit.access import NOTHING, Scope
from cockpit.format import SHANGHAI
from cockpit.web import i18n
from cockpit.web.i18n import Lang


def missing(hint: str) -> dict[str, Any]:
    return {"available": False, "hint": hint}


def _api(room: str, name: str) -> Any:
    """``cockpit.<room>.<name>``: a room declared in ``cockpit.rooms`` that fails to import,
    or lacks the name, raises here rather than passing for a room with nothing stored."""
    module = importlib.import_module(f"cockpit.{rooms.room(room).name}")
    return getattr(module, name)


def ensure_database() -> None:
    """Bring the operational database up to date once per process (the rooms' tables)."""
    from cockpit.db import ensure_schema

    ensure_schema()


def _alert_item(a: Any, lang: Lang) -> dict[str, Any]:
    en = lang == "en"
    return {
        "id": a.id,
        "severity": a.severity,
        "severity_label": i18n.code("severity", a.severity, lang),
        "title": a.title_en if en else a.title_zh,
        "summary": a.summary_en if en else a.summary_zh,
        "subject": a.subject,
        "period": a.period,
        "when": a.last_fired_at.strftime("%Y-%m-%d %H:%M"),
        "status": a.status,
        "status_label": i18n.code("alert_status", a.status, lang),
        "ack_url": f"/api/alerts/{a.id}/ack",
        "resolve_url": f"/api/alerts/{a.id}/resolve",
    }


def alerts(
    *,
    lang: Lang,
    limit: int,
    status: str | None = None,
    district: str = "",
    scope: Scope = NOTHING,
) -> dict[str, Any]:
    """Alerts (newest and most severe first), optionally of one status or district; alerts
    about firms only where ``scope`` sees the firm's district."""
    list_alerts = _api("alerts", "list_alerts")
    if list_alerts is None:
        return missing("cockpit alerts run")
    ensure_database()
    found = list_alerts(status=status, limit=2000 if district or not scope.whole_city else limit)
    found = [a for a in found if scope.sees_alert(a.subject, a.evidence)]
    if district:
        found = [a for a in found if district in a.subject]
    items = [_alert_item(a, lang) for a in found[:limit]]
    return {"available": True, "hint": "cockpit alerts run", "items": items, "count": len(items)}


def open_alerts(
    *, lang: Lang, limit: int, district: str = "", scope: Scope = NOTHING
) -> dict[str, Any]:
    """The latest open alerts (of firms: only those ``scope`` sees)."""
    return alerts(lang=lang, limit=limit, status="open", district=district, scope=scope)


def orderlist_warnings(*, lang: Lang) -> dict[str, list[str]]:
    """Warnings the alert rules raise on each enterprise of the Order + List, by id."""
    from cockpit.alerts import orderlist_rows
    from cockpit.config import get_settings

    rows = orderlist_rows(home=get_settings().ensure_home(), months=12)
    key = "summary_en" if lang == "en" else "summary_zh"
    return {str(r["enterprise_id"]): [w[key] for w in r["warnings"]] for r in rows}


def _figure(value: float | None, unit: str, lang: Lang) -> str:
    if value is None:
        return "—"
    if unit == "fen":
        return i18n.money(value, lang)
    if unit in ("%", "pct", "percent"):
        return i18n.pct(value)
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.0f} {unit}" if lang == "en" or unit.isascii() else f"{value:,.0f}{unit}"


def _target_item(t: Any, lang: Lang) -> dict[str, Any]:
    en = lang == "en"
    progress = None
    if t.actual is not None and t.target_value:
        progress = round(t.actual / t.target_value * 100, 1)
    return {
        "key": f"{t.plan_id}/{t.target_id}",
        "plan_id": t.plan_id,
        "label": t.name_en if en else t.name_zh,
        "status": t.status,
        "status_label": i18n.code("plan_status", t.status, lang),
        "why_no_data": t.no_data_reason,
        "progress_pct": progress,
        # A target with no figure yet is "no data", never 0 %.
        "progress_text": i18n.code("plan_status", "no_data", lang)
        if progress is None
        else i18n.pct(progress),
        "actual_text": _figure(t.actual, t.unit, lang),
        "actual_year": t.actual_year,
        "target_text": _figure(t.target_value, t.unit, lang),
        "target_year": t.target_year,
        "projected_text": _figure(t.projected, t.unit, lang),
        "probability_text": i18n.pct(None if t.probability is None else t.probability * 100),
        "projection_sentence": _api("plans", "projection_sentence")(t, lang),
    }


# Manual figures entered through the plans room show within this time (and the one refresh
# it starts): an answer older than this is still served while a thread finds it afresh, so
# no page waits the seconds that reading every target's forecasts takes.
PLANS_TTL_S = 30.0
_plans_cache: dict[str, tuple[float, Any]] = {}
_plans_refreshing: set[str] = set()
_plans_lock = threading.Lock()
log = logging.getLogger(__name__)


def _progress() -> list[Any] | None:
    """Every plan's progress (the plans room's ``all_progress``), kept ``PLANS_TTL_S``; an
    older answer is served while one thread finds the new one (only the first waits)."""
    every = _api("plans", "all_progress")
    if every is None:
        return None
    from cockpit.config import get_settings

    key = get_settings().database_url
    hit = _plans_cache.get(key)
    if hit is None:
        ensure_database()
        return list(_find_progress(key, every))
    if hit[0] <= time.monotonic():
        _refresh_progress(key, every)
    return list(hit[1])


def _find_progress(key: str, every: Any) -> list[Any]:
    """``all_progress`` on the database at ``key``, kept under it."""
    from cockpit.db import get_engine, session_scope

    with session_scope(get_engine(key)) as session:
        plans = list(every(session=session))
    _plans_cache[key] = (time.monotonic() + PLANS_TTL_S, plans)
    return plans


def _refresh_progress(key: str, every: Any) -> threading.Thread | None:
    """Find the progress at ``key`` again in a thread, unless one already does (that
    thread, or None)."""
    with _plans_lock:
        if key in _plans_refreshing:
            return None
        _plans_refreshing.add(key)

    def run() -> None:
        try:
            _find_progress(key, every)
        except Exception:  # the answer kept stays served; the next request tries again
            log.exception("plans progress: refresh failed")
        finally:
            with _plans_lock:
                _plans_refreshing.discard(key)

    thread = threading.Thread(target=run, name="plans-progress", daemon=True)
    thread.start()
    return thread


def plan_gauges(*, lang: Lang, plan: str = "") -> dict[str, Any]:
    """Headline targets with their progress (gauges), and every target.

    The headline is the chosen plan's, else that of the plans still running: a plan whose
    end year has passed is marked ended and kept off it unless it is the one chosen."""
    plans = _progress()
    if plans is None:
        return missing("cockpit plans status")
    this_year = datetime.now(SHANGHAI).year
    heads = []
    every = []
    choices = []
    for p in plans:
        headline = {t.id for t in p.plan.targets if t.headline}
        name = p.plan.name_en if lang == "en" else p.plan.name_zh
        ended = p.plan.end_year < this_year
        choices.append({"id": p.plan.id, "name": name, "ended": ended, "end_year": p.plan.end_year})
        for t in p.targets:
            item = {
                **_target_item(t, lang),
                "plan": name,
                "plan_ended": ended,
                "plan_end_year": p.plan.end_year,
            }
            every.append(item)
            if t.target_id in headline and (p.plan.id == plan if plan else not ended):
                heads.append(item)
    return {
        "available": bool(every),
        "hint": "cockpit plans status",
        "items": heads,
        "all": every,
        "plans": choices,
        "plan": plan,
    }


def plan_trajectory(*, lang: Lang, key: str) -> dict[str, Any]:
    """One target's required trajectory, its actual and its projection, by year."""
    plans = _progress()
    if plans is None:
        return missing("cockpit plans status")
    targets = [t for p in plans for t in p.targets]
    chosen = next((t for t in targets if f"{t.plan_id}/{t.target_id}" == key), None)
    if chosen is None:
        chosen = next((t for t in targets if t.trajectory), None)
    if chosen is None or not chosen.trajectory:
        return missing("cockpit plans status")
    years = [int(p["year"]) for p in chosen.trajectory]
    scale, unit = (
        i18n.money_unit(chosen.target_value, lang) if chosen.unit == "fen" else (1.0, chosen.unit)
    )

    def at(year: int | None, value: float | None) -> list[float | None]:
        return [None if value is None or y != year else round(value / scale, 3) for y in years]

    series = [
        {
            "label": i18n.label("plan_required", lang),
            "values": [round(p["required"] / scale, 3) for p in chosen.trajectory],
        },
        {
            "label": i18n.label("plan_actual", lang),
            "type": "scatter",
            "values": at(chosen.actual_year, chosen.actual),
        },
        {
            "label": i18n.label("plan_projected", lang),
            "type": "scatter",
            "values": at(chosen.target_year, chosen.projected),
        },
    ]
    return {
        "available": True,
        "x": [str(y) for y in years],
        "unit": unit,
        "series": series,
        "title": chosen.name_en if lang == "en" else chosen.name_zh,
    }


def programmes(*, lang: Lang, with_flags: bool = True) -> dict[str, Any]:
    """Each programme's budget, what was claimed, redeemed and is left, leverage and flags
    (the anti-fraud flags read every claim: the chart leaves them out)."""
    api = [_api("programmes", n) for n in ("list_programmes", "programme_status", "flags")]
    if any(f is None for f in api):
        return missing("cockpit programmes install")
    list_programmes, programme_status, flags = api
    ensure_database()
    rows = []
    for p in list_programmes():
        st = programme_status(p["code"])
        issued = sum(st["vouchers_fen"].values())
        paid = st["redeemed_voucher_fen"]
        rows.append(
            {
                "code": p["code"],
                "name": p["name_en"] if lang == "en" else p["name_zh"],
                "kind": p["kind"],
                "kind_label": i18n.code("programme_kind", p["kind"], lang),
                "budget_fen": st["budget_fen"],
                "left_fen": st["budget_left_fen"],
                "issued_fen": issued,
                "paid_fen": paid,
                "sales_fen": st["redeemed_sales_fen"],
                "leverage": round(st["redeemed_sales_fen"] / paid, 2) if paid else None,
                "packs": sum(r["packs_claimed"] for r in st["rounds"]),
                "packs_total": sum(r["packs_total"] or 0 for r in st["rounds"]),
                "applications": st["applications"],
                "applications_text": _applications_text(st["applications"], lang),
                "flags": len(flags(programme_code=p["code"])) if with_flags else None,
            }
        )
    if not rows:
        return missing("cockpit programmes install")
    return {"available": True, "items": rows}


def _applications_text(counts: dict[str, int], lang: Lang) -> str:
    """Applications by status as words ('待审核 3 · 已批准 1'); '—' when there are none."""
    parts = [f"{i18n.code('application_status', k, lang)} {v:,}" for k, v in counts.items() if v]
    return " · ".join(parts) or "—"


def programme_chart(*, lang: Lang) -> dict[str, Any]:
    """Claimed, redeemed and left of every programme as shares of its own budget, so a
    small share stays visible beside a large budget (the money itself in ``texts``)."""
    got = programmes(lang=lang, with_flags=False)
    if not got["available"]:
        return got
    items = got["items"]
    keys = ("issued_fen", "paid_fen", "left_fen")

    def share(item: dict[str, Any], key: str) -> float | None:
        return round(item[key] / item["budget_fen"] * 100, 2) if item["budget_fen"] else None

    return {
        "available": True,
        "unit": i18n.label("unit_share_of_budget", lang),
        "x": [i["name"] for i in items],
        "series": [
            {
                "label": i18n.label(f"prog_{k}", lang),
                "type": "bar",
                "values": [share(i, k) for i in items],
                "texts": [i18n.money(i[k], lang) for i in items],
            }
            for k in keys
        ],
        "budgets": [i18n.money(i["budget_fen"], lang) for i in items],
        "max": 100,
    }


def programme_workspace(
    *, lang: Lang, programme: str, flag_scope: Scope | None = None
) -> dict[str, Any]:
    """The chosen programme's rounds as its rules schedule them (released, proposed for
    release and waiting for a second officer, or scheduled) and its anti-fraud flags: those
    ``flag_scope`` sees (None: the caller may not read flags, none shown)."""
    names = ("list_programmes", "programme_status", "flags", "list_proposals", "scheduled_rounds")
    list_programmes, programme_status, flags, list_proposals, scheduled_rounds = (
        _api("programmes", n) for n in names
    )
    ensure_database()
    installed = list_programmes()
    if not installed:
        return missing("cockpit programmes install")
    code = next((p["code"] for p in installed if p["code"] == programme), installed[0]["code"])
    st = programme_status(code)
    released = {r["no"]: r for r in st["rounds"]}
    waiting = {
        p["subject"]: p for p in list_proposals(programme_code=code) if p["action"] == "release"
    }
    rounds = []
    for r in scheduled_rounds(programme_code=code) or list(released.values()):
        got = released.get(r["no"])
        proposal = waiting.get(f"{code}#{r['no']}")
        state = got["status"] if got else "proposed" if proposal else "scheduled"
        shown = got or r
        rounds.append(
            {
                "no": r["no"],
                "status": state,
                "status_label": i18n.code("round_status", state, lang),
                "opens_at": i18n.when(shown["opens_at"]),
                "closes_at": i18n.when(shown["closes_at"]),
                "packs": (
                    f"{got['packs_claimed']:,}"
                    + (f" / {got['packs_total']:,}" if got["packs_total"] else "")
                    if got
                    else "—"
                ),
                "maker": proposal["maker"] if proposal else "",
            }
        )
    next_round = next((r["no"] for r in rounds if r["status"] in ("scheduled", "proposed")), None)
    found = [
        {
            "kind": f["kind"],
            "kind_label": i18n.code("flag_kind", f["kind"], lang),
            "subject": f["subject"],
            "records": _evidence_size(f["evidence"]),
        }
        for f in (
            flag_scope.keep(flags(programme_code=code), "district_code") if flag_scope else []
        )
    ]
    return {
        "available": True,
        "programme": code,
        "kind": next(p["kind"] for p in installed if p["code"] == code),
        "rounds": rounds,
        "next_round": next_round,
        "flags": found,
    }


def _evidence_size(evidence: dict[str, Any]) -> int:
    """How many records a flag rests on (the longest list in its evidence)."""
    return max((len(v) for v in evidence.values() if isinstance(v, list)), default=0)


def programme_burndown(*, lang: Lang, programme: str = "") -> dict[str, Any]:
    """One programme's budget left, committed and spent over time, from its ledger."""
    if _api("programmes", "list_programmes") is None:
        return missing("cockpit programmes install")
    from cockpit.db import get_engine
    from cockpit.web.burndown import burndown

    ensure_database()
    return burndown(engine=get_engine(), lang=lang, programme=programme)
