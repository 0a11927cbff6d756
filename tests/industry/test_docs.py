"""docs/industry.md covers every measure, designation, chain and list the room declares."""

from __future__ import annotations

from pathlib import Path

from cockpit.industry.chains import all_chains
from cockpit.industry.lists import list_contracts
from cockpit.industry.measures import MEASURES
from cockpit.industry.vocab import REASONS, vocab

DOC = (Path(__file__).resolve().parents[2] / "docs" / "industry.md").read_text("utf-8")


def test_every_measure_is_defined_in_the_docs() -> None:
    for name in MEASURES:
        assert f"| `{name}` |" in DOC, name


def test_every_designation_chain_list_and_reason_is_named() -> None:
    for code, label in vocab().designation_kinds.items():
        assert f"`{code}` {label.zh}" in DOC, code
    for chain in all_chains():
        assert f"**{chain}**" in DOC, chain
    for kind, contract in list_contracts().sources.items():
        assert f"| {kind} |" in DOC, kind
        for spec in contract.fields:
            assert any(alias in DOC for alias in spec.aliases), (kind, spec.name)
    for reason in REASONS.values():
        assert f"`{reason}`" in DOC, reason
