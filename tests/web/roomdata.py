"""The other rooms' state for the cockpit's tests, made through their own Python APIs:
a simulated voucher round (programmes), the sample scenario list with one call run from
draft to acceptance (scenarios). Run with COCKPIT_HOME pointing at the home to fill.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace


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


def fill_rooms(home: Path) -> dict[str, object]:
    """One voucher round and the scenario sample with a call, in ``home``'s database."""
    from cockpit.db import upgrade
    from cockpit.programmes.demo import run_demo_round
    from cockpit.scenarios.sample import load_sample
    from cockpit.scenarios.walkthrough import run_sample_call

    with home_env(home):
        upgrade()
        voucher_round = run_demo_round(SimpleNamespace(seed=7))
        loaded = load_sample()
        call = run_sample_call()
    return {"programmes": voucher_round, "scenarios": loaded, "call": call}
