"""One call through its whole lifecycle on the sample registry, as the demo shows it.

解放碑商圈数字人导购与虚拟试穿 (S11): three firms take up the call, one reviewer declares a
conflict with one of them, the panel scores, the award is explained, the contract is signed,
delivered and accepted, and the result enters the case library.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from cockpit.scenarios import calls, catalogues, matching, panel
from cockpit.scenarios.vocab import Actor, Role

UNIT = Actor(Role.UNIT, "渝中区商务委员会")
OPERATOR = Actor(Role.OPERATOR, "重庆市元宇宙应用供需对接平台")
PROPOSALS = {
    "F06": ("P16", 72_000_000, "在解放碑5家商场部署数字人导购一体机20台，支持重庆话语音问答。"),
    "F11": ("P17", 65_000_000, "部署AR虚拟试衣镜12台，与商场小程序打通线上下单。"),
    "F15": ("P23", 58_000_000, "为商圈设计数字人IP形象并制作导购互动内容。"),
}
SHEETS = {  # reviewer -> firm -> sheet; R2 has a declared conflict with F11
    "R1": {"F06": (88, 85, 86, 70), "F11": (84, 80, 85, 82), "F15": (70, 72, 75, 88)},
    "R2": {"F06": (90, 84, 88, 72), "F15": (72, 70, 74, 90)},
    "R3": {"F06": (86, 86, 84, 70), "F11": (88, 82, 86, 80), "F15": (68, 74, 72, 86)},
}
CALL_ID = "C-2026-001"
CRITERIA = ("technical", "capability", "feasibility", "price")


def _apply_all(engine: Engine | None, call_id: str, start: datetime) -> dict[str, str]:
    apps = {}
    for i, (firm_id, (solution_id, price, text)) in enumerate(PROPOSALS.items()):
        apps[firm_id] = panel.apply(
            call_id=call_id,
            firm_id=firm_id,
            proposal_zh=text,
            price_fen=price,
            actor=Actor(Role.FIRM, firm_id),
            solution_id=solution_id,
            engine=engine,
            at=start + timedelta(days=3 + i),
        ).id
    return apps


def _review(engine: Engine | None, call_id: str, apps: dict[str, str], at: datetime) -> None:
    for rid, name in (("R1", "王建国"), ("R2", "李晓梅"), ("R3", "陈志远")):
        panel.add_reviewer(
            reviewer_id=rid,
            name=name,
            organisation="重庆市元宇宙专家库",
            actor=OPERATOR,
            engine=engine,
        )
        panel.seat_reviewer(call_id=call_id, reviewer_id=rid, actor=OPERATOR, engine=engine, at=at)
    panel.declare_conflict(
        call_id=call_id,
        reviewer_id="R2",
        firm_id="F11",
        reason="近三年曾为该企业提供技术咨询",
        actor=Actor(Role.REVIEWER, "R2"),
        engine=engine,
        at=at,
    )
    for rid, by_firm in SHEETS.items():
        for firm_id, values in by_firm.items():
            panel.score_application(
                call_id=call_id,
                application_id=apps[firm_id],
                reviewer_id=rid,
                sheet=dict(zip(CRITERIA, values, strict=True)),
                actor=Actor(Role.REVIEWER, rid),
                engine=engine,
                at=at + timedelta(hours=2),
            )


def run_sample_call(
    *, engine: Engine | None = None, start: datetime = datetime(2026, 3, 2, 9, 0)
) -> dict[str, Any]:
    """Run S11's call from draft to the case library; returns what happened."""
    call = calls.create_call(
        scenario_id="S11", actor=UNIT, call_id=CALL_ID, engine=engine, at=start
    )

    def step(name: str, actor: Actor, days: int, **kw: Any) -> None:
        calls.advance(
            call_id=call.id,
            step=name,
            actor=actor,
            engine=engine,
            at=start + timedelta(days=days),
            **kw,
        )

    step("publish", UNIT, 1)
    step("open", UNIT, 2)
    apps = _apply_all(engine, call.id, start)
    step("close", UNIT, 20)
    _review(engine, call.id, apps, start + timedelta(days=21))
    step("review", OPERATOR, 23)
    step("award", OPERATOR, 24)
    step("contract", UNIT, 30)
    winner = calls.get_call(call.id, engine=engine)
    firm_id = next(f for f, a in apps.items() if a == winner.award_application_id)
    step("deliver", Actor(Role.FIRM, firm_id), 120, text="完成5家商场20台数字人导购终端部署与联调")
    step("accept", UNIT, 135, text="验收合格：上线首月服务顾客6.8万人次，咨询转化率18%")
    case = catalogues.promote_case(
        call_id=call.id,
        results_zh="上线首月服务顾客6.8万人次，咨询转化率18%，商场会员新增4200人",
        metrics={"visitors_served": 68000, "conversion_pct": 18.0},
        benchmark=True,
        actor=OPERATOR,
        engine=engine,
        at=start + timedelta(days=140),
    )
    solution = next(s for f, (s, _p, _t) in PROPOSALS.items() if f == firm_id)
    catalogues.add_to_catalogue(
        solution_id=solution,
        year=2026,
        actor=OPERATOR,
        engine=engine,
        reason_zh="揭榜项目验收合格并入选典型案例",
        at=start + timedelta(days=140),
    )
    final = calls.get_call(call.id, engine=engine)
    return {
        "call_id": call.id,
        "state": final.state,
        "winner": firm_id,
        "decided_by": (final.award_explanation or {}).get("decided_by", {}).get("zh"),
        "case_id": case.id,
        "events": len(calls.timeline(call.id, engine=engine)),
        "top_match": matching.match_solutions(scenario_id="S11", engine=engine, limit=1)[0].id,
    }
