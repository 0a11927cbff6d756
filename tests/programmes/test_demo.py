"""The programmes' demo step runs a voucher round on the demo database and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from cockpit.demo import DemoContext
from cockpit.programmes.commands import demo_step


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_demo_step_runs_a_round_and_verifies_the_ledger(cockpit_home: Path) -> None:
    ctx = DemoContext(
        home=cockpit_home,
        sample_dir=cockpit_home / "sample-city",
        scale="tiny",
        seed=7,
        console=Console(quiet=True),
    )
    summary = demo_step(ctx)
    assert "packs claimed" in summary and "ledger verified" in summary
    # The sample channel's statement carries five injected differences; all are queued.
    assert "5 differences in the error queue" in summary, summary
    assert (cockpit_home / "lake" / "programme_events" / "part-programmes.parquet").exists()
    assert demo_step(ctx).split(" — ")[1].startswith(summary.split(" — ")[1][:20])
