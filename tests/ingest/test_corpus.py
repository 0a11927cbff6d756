"""The corpus: files made like the offices' own (tests/ingest/corpus/), each ingested on its
own into a fresh COCKPIT_HOME and held to the verdicts written beside it from the contract
(docs/data-contracts.md): every data line accepted, a duplicate or quarantined with its
reason and field; the notes; what the lake holds; and no clear identifier anywhere.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from cockpit.ingest import open_catalog, quarantine_rows
from cockpit.ingest.pipeline import ingest_files
from tests.ingest.identifiers import clear_identifiers_under

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = ".expected.json"
CASES = sorted(p.name[: -len(EXPECTED)] for p in CORPUS.glob(f"*{EXPECTED}"))
CLEAR = json.loads((CORPUS / "clear_identifiers.json").read_text("utf-8"))


def _cell(value: Any) -> Any:
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    return value


def _build_xlsx(path: Path, description: dict[str, Any]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for spec in description["sheets"]:
        sheet = book.create_sheet(spec["title"])
        for row in spec["rows"]:
            sheet.append([_cell(v) for v in row])
        for merged in spec.get("merged", []):
            sheet.merge_cells(merged)
    book.save(path)


def _build_parquet(path: Path, columns: dict[str, list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name, values in columns.items():
        if name == "ts":
            arrays[name] = pa.array([datetime.fromisoformat(v) for v in values], pa.timestamp("us"))
        else:
            arrays[name] = pa.array(values)
    pq.write_table(pa.table(arrays), path)


def materialise(name: str, folder: Path) -> tuple[Path, str | None]:
    """The corpus file in ``folder`` (workbooks and Parquet built from their description),
    and the sheet to read."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    described = CORPUS / f"{name}.json"
    if described.exists() and not (CORPUS / name).exists():
        description = json.loads(described.read_text("utf-8"))
        if "parquet" in description:
            _build_parquet(path, description["parquet"])
        else:
            _build_xlsx(path, description)
        return path, description.get("sheet")
    shutil.copyfile(CORPUS / name, path)
    return path, None


def test_the_corpus_has_forty_files_in_the_shapes_offices_send() -> None:
    assert len(CASES) >= 40
    for name in CASES:
        assert (CORPUS / name).exists() or (CORPUS / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", CASES)
def test_corpus_file_meets_its_expected_verdicts(
    name: str, cockpit_home: Path, tmp_path: Path
) -> None:
    expected = json.loads((CORPUS / f"{name}{EXPECTED}").read_text("utf-8"))
    path, sheet = materialise(name, tmp_path / "in")
    (outcome,) = ingest_files([path.parent], sheet=sheet, home=cockpit_home)
    assert outcome.outcome == expected["outcome"], outcome.to_dict()
    if expected["outcome"] == "failed":
        assert name in outcome.reason
        assert expected["error"] in outcome.reason
    elif expected["outcome"] == "skipped":
        assert expected["reason"] in outcome.reason
    else:
        _check_ingested(expected, outcome.report, cockpit_home)
    assert clear_identifiers_under(cockpit_home, CLEAR) == []


def _check_ingested(expected: dict[str, Any], report: Any, home: Path) -> None:
    rows: dict[str, str] = expected["rows"]
    assert report.source == expected["source"]
    assert report.balanced, report.summary()
    verdicts = list(rows.values())
    assert report.rows_read == len(rows), report.summary()
    assert report.accepted == verdicts.count("accepted"), report.summary()
    assert report.duplicates == verdicts.count("duplicate"), report.summary()
    quarantined = sorted(
        (int(line), *verdict.split("@", 1)[::-1])
        for line, verdict in rows.items()
        if verdict not in ("accepted", "duplicate")
    )
    found = quarantine_rows(home=home, ingest_id=report.ingest_id)
    got = sorted(zip(found["line"], found["field"], found["reason"], strict=True))
    assert got == [(line, field, reason) for line, field, reason in quarantined]
    notes = " | ".join(report.notes)
    for note in expected.get("notes", []):
        assert note in notes, notes
    con = open_catalog(home=home)
    try:
        for check in expected.get("lake", []):
            assert [list(r) for r in con.execute(check["sql"]).fetchall()] == check["rows"], check
    finally:
        con.close()


@pytest.mark.slow
def test_the_whole_corpus_as_one_folder_finishes_and_lists_every_file(
    cockpit_home: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app

    folder = tmp_path / "feeds"
    for name in CASES:
        materialise(name, folder)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 1  # some files cannot be read: the exit code says so
    listed = {Path(o["file"]).name: o for o in json.loads(result.stdout)["data"]}
    assert sorted(listed) == sorted(p.name for p in folder.iterdir())
    for name in CASES:
        expected = json.loads((CORPUS / f"{name}{EXPECTED}").read_text("utf-8"))
        if name == "外贸重点企业名录_second_sheet.xlsx":
            continue  # its data is on the sheet a folder run does not name
        assert listed[name]["outcome"] == expected["outcome"], listed[name]
    ingested = [o for o in listed.values() if o["outcome"] == "ingested"]
    assert all(
        o["accepted"] + o["quarantined"] + o["duplicates"] == o["rows_read"] for o in ingested
    )
    assert clear_identifiers_under(cockpit_home, CLEAR) == []


def test_sheet_on_a_text_file_is_refused_not_ignored(cockpit_home: Path, tmp_path: Path) -> None:
    path, _ = materialise("交易流水_gb18030.csv", tmp_path / "in")
    (outcome,) = ingest_files([path], sheet="Sheet1", home=cockpit_home)
    assert outcome.outcome == "failed"
    assert "--sheet applies to Excel workbooks only" in outcome.reason
