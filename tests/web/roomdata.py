"""The other rooms' state for the cockpit's tests, made through their own Python APIs:
a simulated voucher round and a car subsidy with two applications (programmes), the sample
scenario list with one call run from draft to acceptance (scenarios). Run with COCKPIT_HOME
pointing at the home to fill.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from tests.programmes.helpers import car_facts


@contextmanager
def home_env(home: Path) -> Iterator[None]:
    """Settings and the default engine pointed at ``home`` for the block, then restored."""
    from cockpit.config import reset_settings
    from cockpit.db import get_engine

    before = os.environ.get("COCKPIT_HOME")
    os.environ["COCKPIT_HOME"] = str(home)
    reset_settings()
    get_engine.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COCKPIT_HOME", None)
        else:
            os.environ["COCKPIT_HOME"] = before
        reset_settings()
        get_engine.cache_clear()


def car_subsidy() -> list[dict[str, object]]:
    """The shipped car subsidy with two applications approved and one of them paid."""
    from cockpit.programmes import apply, disburse, install_programme, review, shipped

    install_programme(programme=shipped("chongqing-car-2023"))
    done = []
    for n, price in enumerate((159_800, 259_800)):
        app = apply(
            programme_code="chongqing-car-2023",
            idem_key=f"web-apply-{n}",
            applicant=f"web-applicant-{n}",
            facts=car_facts(price, f"WEB-{n}"),
        )
        aid = app["application_id"]
        for officer in ("web", "web-checker"):  # four eyes
            review(
                application_id=aid,
                idem_key=f"web-review-{n}-{officer}",
                decision="approve",
                reviewer=officer,
            )
        for officer in ("web", "web-checker"):
            if n == 0:
                app = disburse(
                    application_id=aid, idem_key=f"web-disburse-0-{officer}", officer=officer
                )
        done.append(app)
    return done


def fill_rooms(home: Path) -> dict[str, object]:
    """A voucher round, a car subsidy and the scenario sample with a call, in ``home``'s
    database."""
    from cockpit.db import upgrade
    from cockpit.programmes.demo import run_demo_round
    from cockpit.scenarios.sample import load_sample
    from cockpit.scenarios.walkthrough import run_sample_call

    with home_env(home):
        upgrade()
        voucher_round = run_demo_round(SimpleNamespace(seed=7))
        subsidy = car_subsidy()
        loaded = load_sample()
        call = run_sample_call()
    return {"programmes": voucher_round, "subsidy": subsidy, "scenarios": loaded, "call": call}
