"""The sample registry: ≈30 scenario needs and 25 firms with 40 solutions, in Chinese.

``data/sample.yaml`` is validated like every YAML file officials edit (errors name the
line and field); ``load_sample`` writes it into the operational database.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from cockpit.datafiles import load_model
from cockpit.db import session_scope
from cockpit.scenarios import history, registry
from cockpit.scenarios.schemas import FirmIn, ScenarioIn, SolutionIn
from cockpit.scenarios.vocab import Actor, Role

SAMPLE_OPERATOR = Actor(Role.OPERATOR, "重庆市元宇宙应用供需对接平台")


class SampleData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenarios: list[ScenarioIn]
    firms: list[FirmIn]
    solutions: list[SolutionIn]


def data_path(name: str) -> Path:
    """Path of a data file shipped in ``cockpit/scenarios/data``."""
    return Path(str(resources.files("cockpit.scenarios").joinpath("data", name)))


def sample_data(path: Path | None = None) -> SampleData:
    """The sample registry, validated."""
    return load_model(path or data_path("sample.yaml"), SampleData)


def load_sample(
    *, engine: Engine | None = None, at: datetime | None = None, data: SampleData | None = None
) -> dict[str, int]:
    """Write the sample needs, firms and solutions; returns how many of each."""
    data = data or sample_data()
    when = history.as_shanghai(at)
    # One transaction: the file loads whole or not at all.
    with session_scope(engine) as session:
        for firm in data.firms:
            registry.insert_firm(session, firm, SAMPLE_OPERATOR, when)
        for solution in data.solutions:
            registry.insert_solution(session, solution, Actor(Role.FIRM, solution.firm_id), when)
        for need in data.scenarios:
            registry.insert_scenario(session, need, Actor(Role.UNIT, need.contact_unit_zh), when)
    return {
        "scenarios": len(data.scenarios),
        "firms": len(data.firms),
        "solutions": len(data.solutions),
    }
