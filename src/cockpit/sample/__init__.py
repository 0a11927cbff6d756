"""The sample city: a generated Chongqing whose feeds, injected events and deliberately bad rows
are listed in ground_truth.json. It is calibrated to published orders of magnitude; it is NOT
real data.

    >>> from cockpit.sample import generate_city
    >>> summary = generate_city("/tmp/city", scale="tiny", seed=7)  # doctest: +SKIP
    >>> summary["transactions"] > 90_000  # doctest: +SKIP
    True

Names are imported on first use, so ``cockpit --help`` does not load numpy and pyarrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.sample.city import GROUND_TRUTH, NOT_REAL, generate_city
    from cockpit.sample.params import SCALES, Scale
    from cockpit.sample.settlement import write_statement

_WHERE = {
    "write_statement": "settlement",
    "GROUND_TRUTH": "city",
    "NOT_REAL": "city",
    "generate_city": "city",
    "SCALES": "params",
    "Scale": "params",
}
__all__ = ["GROUND_TRUTH", "NOT_REAL", "SCALES", "Scale", "generate_city", "write_statement"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'cockpit.sample' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cockpit.sample.{_WHERE[name]}"), name)
