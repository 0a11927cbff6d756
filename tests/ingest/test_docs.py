"""docs/data-contracts.md covers every contract field, and its example files ingest cleanly."""

from __future__ import annotations

from pathlib import Path

from cockpit.ingest import contracts, ingest_paths

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_field_and_alias_of_every_contract_is_documented() -> None:
    text = (DOCS / "data-contracts.md").read_text("utf-8")
    declared = contracts()
    assert f"`{declared.version}`" in text
    for source, contract in declared.sources.items():
        assert f"### {source} (v{contract.version})" in text, source
        for field in contract.fields:
            assert f"| `{field.name}` |" in text, (source, field.name)
            for alias in field.aliases:
                assert alias in text, (source, field.name, alias)


def test_the_example_file_of_each_source_ingests_without_a_rejected_row(cockpit_home: Path) -> None:
    reports = ingest_paths([DOCS / "examples"])
    assert {r.source for r in reports} == set(contracts().sources)
    for report in reports:
        assert report.rows_read > 0, report.file
        assert (report.quarantined, report.duplicates) == (0, 0), report.summary()


def test_every_measure_name_of_the_alias_table_is_documented() -> None:
    from cockpit.ingest.codes import measures

    text = (DOCS / "data-contracts.md").read_text("utf-8")
    table = measures()
    for code, measure in table.measures.items():
        assert f"`{code}`" in text
        for alias in measure.aliases:
            assert alias in text, (code, alias)
    for name in table.not_aliases:
        assert name in text, name
