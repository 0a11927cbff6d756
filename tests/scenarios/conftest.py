"""Fixtures of the scenarios room: a migrated SQLite database and a small registry."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cockpit.db import make_engine, upgrade
from cockpit.scenarios import calls, panel, registry
from cockpit.scenarios.schemas import FirmIn, ScenarioIn, SolutionIn
from cockpit.scenarios.vocab import Actor, Role

UNIT = Actor(Role.UNIT, "渝中区商务委员会")
OPERATOR = Actor(Role.OPERATOR, "重庆市软件和信息服务业运营中心")
T0 = datetime(2025, 3, 1, 9, 0)
# Tests that apply "now" need a deadline still ahead whenever they run.
DEADLINE = date.today() + timedelta(days=365)


def firm(firm_id: str) -> Actor:
    return Actor(Role.FIRM, firm_id)


def reviewer(reviewer_id: str) -> Actor:
    return Actor(Role.REVIEWER, reviewer_id)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every room's migrations applied, made once per session."""
    path = tmp_path_factory.mktemp("scn-template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(tmp_path: Path, migrated_template: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite database (a copy of the template)."""
    path = tmp_path / "scn.sqlite"
    shutil.copyfile(migrated_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


def seed_registry(engine: Engine) -> None:
    """One scenario need (budget 50–80万元) and three firms, each with one solution."""
    registry.add_scenario(
        need=ScenarioIn(
            id="S1",
            title_zh="解放碑商圈数字人导购",
            title_en="Digital-human shopping guides in Jiefangbei",
            description_zh="在解放碑步行街商场部署虚拟数字人导购与虚拟试穿，提升沉浸式购物体验。",
            sector="consumption",
            district_code="500103",
            budget_min_fen=50_000_000,
            budget_max_fen=80_000_000,
            deadline=DEADLINE,
            contact_unit_zh="渝中区商务委员会",
            capabilities=["digital_human", "xr"],
        ),
        actor=UNIT,
        engine=engine,
        at=T0,
    )
    for key, name in (("F1", "山城数字人科技"), ("F2", "渝见元宇宙"), ("F3", "两江虚拟现实")):
        registry.add_firm(
            firm=FirmIn(id=key, name_zh=name, district_code="500103", capabilities=["xr"]),
            actor=OPERATOR,
            engine=engine,
            at=T0,
        )
        registry.add_solution(
            solution=SolutionIn(
                id=f"{key}-sol",
                firm_id=key,
                title_zh=f"{name}数字人导购方案",
                description_zh="虚拟数字人导购、AR虚拟试穿与商场客流分析一体化方案。",
                sector="consumption",
                capabilities=["digital_human", "xr"],
            ),
            actor=Actor(Role.FIRM, key),
            engine=engine,
            at=T0,
        )


@pytest.fixture
def open_call(engine: Engine) -> str:
    """A call on S1, published and open, with reviewers R1 and R2 seated."""
    seed_registry(engine)
    call = calls.create_call(scenario_id="S1", actor=UNIT, call_id="C1", engine=engine, at=T0)
    calls.advance(call_id=call.id, step="publish", actor=UNIT, engine=engine, at=T0)
    calls.advance(call_id=call.id, step="open", actor=UNIT, engine=engine, at=T0)
    for key in ("R1", "R2"):
        panel.add_reviewer(reviewer_id=key, name=f"专家{key}", actor=OPERATOR, engine=engine)
        panel.seat_reviewer(call_id=call.id, reviewer_id=key, actor=OPERATOR, engine=engine)
    return call.id


@pytest.fixture(scope="session")
def sample_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The sample registry plus the labelled extra needs, with S11's call run to the end.

    Shared by read-only tests; tests that change data use ``engine``.
    """
    from cockpit.scenarios import quality, sample, walkthrough

    url = f"sqlite:///{tmp_path_factory.mktemp('scn-sample') / 'scn.sqlite'}"
    upgrade(url)
    eng = make_engine(url)
    sample.load_sample(engine=eng, at=T0)
    quality.add_label_queries(quality.labels(), engine=eng, at=T0)
    walkthrough.run_sample_call(engine=eng)
    yield eng
    eng.dispose()
