"""Every docstring example in the package runs, so the examples cannot drift from the code.

Modules are found by their text (a ``>>>`` line), not listed, so a new example runs too.
An example that needs built data says so with ``# doctest: +SKIP``.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
MODULES = sorted(
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC / "cockpit").rglob("*.py")
    if ">>> " in path.read_text("utf-8") and "migrations" not in path.parts
)


def test_modules_with_examples_are_found() -> None:
    assert "cockpit.format" in MODULES and "cockpit.lake" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
