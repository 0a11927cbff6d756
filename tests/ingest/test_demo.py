"""The ingest step of `cockpit demo` loads the sample city and says so in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console

from cockpit.demo import DemoContext
from cockpit.ingest import open_catalog
from cockpit.ingest.commands import demo_step
from cockpit.ingest.compact import is_clustered, month_files


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_demo_step_ingests_the_sample_city(sample_city: Path, cockpit_home: Path) -> None:
    ctx = DemoContext(
        home=cockpit_home, sample_dir=sample_city, scale="tiny", seed=7, console=Console()
    )
    summary = demo_step(ctx)
    assert re.fullmatch(
        r"ingested 16 files: [\d,]+ rows read, [\d,]+ accepted, 11 quarantined, \d+ duplicates;"
        r" \d+ months compacted",
        summary,
    ), summary
    assert open_catalog().execute("SELECT count(*) FROM transactions").fetchone()[0] > 90_000
    months = month_files(cockpit_home / "lake")
    assert months and all(len(files) == 1 and is_clustered(files[0]) for files in months.values())
