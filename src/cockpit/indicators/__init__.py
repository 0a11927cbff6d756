"""The indicator catalogue and its engines (DuckDB by default, PySpark at scale).

    >>> from cockpit import indicators
    >>> indicators.indicator("online_share").unit
    '%'
    >>> # indicators.build()                       # materialise into the lake (incremental)
    >>> # indicators.compute("retail_sales", by=["district"], period="2025-06")
    >>> # indicators.values("retail_sales", by=["district"], period="2025-06")  # built rows

Names are imported on first use, so ``cockpit --help`` does not load pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.indicators.build import BuildReport, build
    from cockpit.indicators.calibration import period_label
    from cockpit.indicators.catalogue import DIMENSIONS, INDICATORS, Indicator, indicator
    from cockpit.indicators.disclosure import load_policy as load_disclosure_policy
    from cockpit.indicators.query import compute, export, read_table, read_values, values
    from cockpit.indicators.sales import monthly_sales_of

_WHERE = {
    "monthly_sales_of": "sales",
    "period_label": "calibration",
    "BuildReport": "build",
    "build": "build",
    "DIMENSIONS": "catalogue",
    "INDICATORS": "catalogue",
    "Indicator": "catalogue",
    "indicator": "catalogue",
    "compute": "query",
    "export": "query",
    "read_table": "query",
    "read_values": "query",
    "values": "query",
}
__all__ = [
    "DIMENSIONS",
    "INDICATORS",
    "BuildReport",
    "Indicator",
    "build",
    "compute",
    "export",
    "indicator",
    "load_disclosure_policy",
    "monthly_sales_of",
    "period_label",
    "read_table",
    "read_values",
    "values",
]

_ALIASES = {"load_disclosure_policy": ("disclosure", "load_policy")}


def __getattr__(name: str) -> Any:
    if name in _ALIASES:  # face names that differ from the module's own
        module, attr = _ALIASES[name]
        return getattr(importlib.import_module(f"cockpit.indicators.{module}"), attr)
    if name not in _WHERE:
        raise AttributeError(f"module 'cockpit.indicators' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cockpit.indicators.{_WHERE[name]}"), name)
