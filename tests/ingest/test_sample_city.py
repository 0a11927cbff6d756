"""The sample city's feeds ingest in one command, and every deliberately bad row is caught."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.config import reset_settings
from cockpit.ingest import IngestReport, ingest_paths, open_catalog, quarantine_rows


@pytest.fixture(scope="module")
def ingested(
    sample_city: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, IngestReport], dict[str, Any]]]:
    """The city ingested once into a home of its own, shared by this module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COCKPIT_HOME", str(tmp_path_factory.mktemp("city-home")))
        reset_settings()
        truth = json.loads((sample_city / "ground_truth.json").read_text("utf-8"))
        reports = {Path(r.file).name: r for r in ingest_paths([sample_city])}
        yield reports, truth
    reset_settings()


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_every_feed_file_is_read_whole_and_accounted_for(
    ingested: tuple[dict[str, IngestReport], dict[str, Any]],
) -> None:
    reports, truth = ingested
    # Other rooms' records in the sample (the industry office's lists, the campaign's vouchers,
    # subsidy applications) are not feeds: ingest leaves them to their rooms.
    not_feeds = {"industry", "programme-campaign", "subsidy-applications"}
    feeds = {name: f for name, f in truth["files"].items() if f["source"] not in not_feeds}
    assert set(reports) == set(feeds)
    for name, expected in feeds.items():
        report = reports[name]
        assert report.source == expected["source"], name
        assert report.rows_read == expected["rows"], name
        assert report.accepted + report.quarantined + report.duplicates == report.rows_read, name
        assert report.file_sha256 == expected["sha256"], name


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_each_bad_row_of_the_ground_truth_is_quarantined_with_its_reason_at_its_line(
    ingested: tuple[dict[str, IngestReport], dict[str, Any]],
) -> None:
    _, truth = ingested
    assert truth["bad_rows"]
    rows = quarantine_rows()
    found = {
        (Path(f).name, line): reason
        for f, line, reason in zip(rows["file"], rows["line"], rows["reason"], strict=True)
    }
    for bad in truth["bad_rows"]:
        assert found.get((bad["file"], bad["line"])) == bad["reason"], bad
    # Nothing else is quarantined: the rest of the city is clean.
    assert len(found) == len(truth["bad_rows"])


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_ingesting_the_city_twice_changes_no_figure(
    ingested: tuple[dict[str, IngestReport], dict[str, Any]], sample_city: Path
) -> None:
    query = "SELECT count(*), sum(amount_fen) FROM transactions"
    before = open_catalog().execute(query).fetchone()
    again = ingest_paths([sample_city])
    assert sum(r.accepted for r in again) == 0
    assert open_catalog().execute(query).fetchone() == before


def test_the_city_copied_with_other_names_is_recognised_by_header_row(
    sample_city: Path, cockpit_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "renamed"
    folder.mkdir()
    shutil.copy(sample_city / "merchants.csv", folder / "data1.csv")
    shutil.copy(sample_city / "外贸订单月报.xlsx", folder / "data2.xlsx")
    sources = {Path(r.file).name: r.source for r in ingest_paths([folder])}
    assert sources == {"data1.csv": "merchants", "data2.xlsx": "trade-orders"}
