"""Where plans come from: the files shipped with the product and those a district adds.

A district's plan goes into ``COCKPIT_HOME/plans/`` through ``add_plan``, which refuses a
broken file (naming its line) before anything is written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cockpit.config import get_settings
from cockpit.datafiles import DataFileError, load_model, validate_text
from cockpit.plans.model import Plan


@dataclass(frozen=True)
class LoadedPlans:
    """The plans that load, and the user files that do not (with why)."""

    plans: list[Plan]
    broken: list[DataFileError]


def shipped_plan_files() -> list[str]:
    """Names of the plan files shipped inside the package."""
    folder = resources.files("cockpit.plans").joinpath("data")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))


def shipped_plans() -> list[Plan]:
    """The plans of the source documents: Yuzhong commerce, metaverse, AI, Guiding Opinions."""
    folder = resources.files("cockpit.plans").joinpath("data")
    return [
        validate_text(folder.joinpath(name).read_text("utf-8"), Plan, name)
        for name in shipped_plan_files()
    ]


def user_plan_dir() -> Path:
    """Where added plans live: ``COCKPIT_HOME/plans``."""
    return get_settings().home / "plans"


def load_plan(path: str | Path) -> Plan:
    """Read and validate one plan file; mistakes raise DataFileError with the line."""
    return load_model(path, Plan)


def load_plans() -> LoadedPlans:
    """Shipped plans, then user plans; a broken user file is set aside, never half-read."""
    plans = shipped_plans()
    broken: list[DataFileError] = []
    folder = user_plan_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            try:
                plans.append(load_plan(path))
            except DataFileError as err:
                broken.append(err)
    return LoadedPlans(plans=plans, broken=broken)


def find_plan(plan_id: str) -> Plan:
    """The plan with ``plan_id``."""
    for plan in load_plans().plans:
        if plan.id == plan_id:
            return plan
    raise KeyError(f"no plan {plan_id!r}")


def add_plan(path: str | Path, *, replace: bool = False) -> Plan:
    """Validate a district's plan file and keep a copy; a broken file changes nothing."""
    plan = load_plan(path)
    taken = {p.id for p in shipped_plans()}
    if plan.id in taken:
        raise ValueError(f"{path}: plan id {plan.id!r} is a shipped plan; choose another id")
    folder = user_plan_dir()
    target = folder / f"{plan.id}.yaml"
    if target.exists() and not replace:
        raise ValueError(f"{path}: plan {plan.id!r} exists already; use --replace to update it")
    folder.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".yaml.tmp")
    shutil.copyfile(path, staged)
    staged.replace(target)
    return plan
