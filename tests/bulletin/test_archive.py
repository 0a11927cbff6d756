"""The archive: versions are immutable, hashed, and a revision says what changed."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cockpit.bulletin.archive import all_issued, verify
from cockpit.bulletin.issue import issue_bulletin

pytestmark = pytest.mark.slow


def revise_official(lake: Path, period: str, new_yi: float) -> None:
    """The bureau revises the city's month: a new part replaces official_stats."""
    files = sorted((lake / "official_stats").rglob("*.parquet"))
    table = pa.concat_tables([pq.read_table(f) for f in files])
    frame = table.to_pandas()
    hit = (
        (frame["period"] == period)
        & (frame["region_code"] == "500000")
        & (frame["category_code"].fillna("") == "")
        & (frame["measure"] == "retail_sales")
    )
    assert hit.sum() == 1
    frame.loc[hit, "value_fen"] = int(new_yi * 1e10)
    for f in files:
        f.unlink()
    pq.write_table(
        pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False),
        lake / "official_stats" / "part-revised.parquet",
    )


def test_reissue_after_a_revision_is_a_new_version_saying_what_changed(
    own_lake_home: Path,
) -> None:
    home = own_lake_home
    first = issue_bulletin(month="2026-09", home=home)
    assert first.new and first.issued.version == 1
    again = issue_bulletin(month="2026-09", home=home)
    assert not again.new and again.issued.folder == first.issued.folder
    revise_official(home / "lake", "2026-09", 1500.0)
    revised = issue_bulletin(month="2026-09", home=home)
    assert revised.new and revised.issued.version == 2
    assert revised.issued.manifest["data_version"] != first.issued.manifest["data_version"]
    changed = {c["figure"]: c for c in revised.issued.changes}
    assert changed["main.total.0"]["after"] == "1500.0"
    assert changed["main.total.0"]["before"] == first.bulletin.table("main").rows[0].cells[0].text
    assert "社会消费品零售总额" in changed["main.total.0"]["label"]
    # Goods are total less catering: the revision carries through, and is listed.
    assert "main.goods.0" in changed
    # Version 1 is untouched.
    assert verify(first.issued) == []
    assert [i.version for i in all_issued(home)] == [2, 1]


def test_an_edit_after_issue_is_found(home: Path) -> None:
    issued = issue_bulletin(month="2026-09", home=home).issued
    pdf = issued.file("pdf")
    assert not pdf.stat().st_mode & 0o222, "issued files are read-only"
    pdf.chmod(0o644)
    pdf.write_bytes(pdf.read_bytes() + b"%tampered")
    assert verify(issued) == [pdf.name]


def test_a_version_folder_is_created_once(home: Path) -> None:
    from cockpit.bulletin.archive import archive, versions

    result = issue_bulletin(month="2026-09", home=home)
    (earlier,) = versions(home, "500000", "2026-09", "zh-CN")
    with pytest.raises(FileExistsError):
        # A second issuer that computed the same next number loses: the folder exists.
        (home / "bulletins" / "500000" / "2026-09" / "zh-CN" / "v2").mkdir()
        changed = result.bulletin.figures() | {"main.total.0": "0.0"}
        object.__setattr__(result.bulletin, "figures", lambda: changed)
        archive(home, result.bulletin, "zh-CN", {"pdf": earlier.file("pdf")}, {})
