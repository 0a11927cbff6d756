"""The industry room's code lists (``data/vocab.yaml``) and the checks a list row must pass."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cockpit.datafiles import validate_text


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str
    en: str
    spellings: list[str] = Field(default_factory=list)


class Vocab(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    designation_kinds: dict[str, Label]
    levels: dict[str, Label]
    sizes: dict[str, Label]
    carrier_kinds: dict[str, Label]
    link_statuses: dict[str, Label]


class IndustryError(ValueError):
    """A request the industry room refuses (unknown firm, chain or node; bad value)."""


class NotFound(IndustryError):
    """No such firm, chain or node."""


@cache
def vocab() -> Vocab:
    """The code lists shipped with the room."""
    text = resources.files("cockpit.industry").joinpath("data/vocab.yaml").read_text("utf-8")
    return validate_text(text, Vocab, "cockpit/industry/data/vocab.yaml")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().replace('"', "")


def code_of(table: dict[str, Label], text: str) -> str | None:
    """The code ``text`` spells (the code itself, a label or a listed spelling), if any."""
    folded = _fold(text)
    for code, label in table.items():
        names = [code, label.zh, label.en, *label.spellings]
        if any(_fold(name) == folded for name in names):
            return code
    return None


# list kind → (field, vocab table name) to normalise to codes
CODED: dict[str, tuple[tuple[str, str], ...]] = {
    "firms": (("size", "sizes"),),
    "designations": (("kind", "designation_kinds"), ("level", "levels")),
    "carriers": (("kind", "carrier_kinds"), ("level", "levels")),
    "links": (("status", "link_statuses"),),
    "candidates": (),
    "refs": (),
}
# Rooms whose own firm ids may point at the registry (ind_firm_refs).
REF_ROOMS = ("scenarios", "programmes", "trade")
REASONS = {
    "sizes": "unknown_size",
    "designation_kinds": "unknown_designation",
    "levels": "unknown_level",
    "carrier_kinds": "unknown_carrier_kind",
    "link_statuses": "unknown_status",
}


def check_record(kind: str, record: dict[str, Any]) -> tuple[str, str, str] | None:
    """Normalise the record's coded fields in place; (field, reason, message) of the first
    that fails, chain and node included."""
    tables = vocab().model_dump()
    for name, table_name in CODED[kind]:
        value = record.get(name)
        if value in (None, ""):
            continue
        table = getattr(vocab(), table_name)
        code = code_of(table, str(value))
        if code is None:
            known = ", ".join(label["zh"] for label in tables[table_name].values())
            return name, REASONS[table_name], f"'{value}' is not one of {known}"
        record[name] = code
    if "chain" in record:
        return _check_node(record)
    if "room" in record and record["room"] not in REF_ROOMS:
        return "room", "unknown_room", f"'{record['room']}' is not one of {', '.join(REF_ROOMS)}"
    return None


def _check_node(record: dict[str, Any]) -> tuple[str, str, str] | None:
    from cockpit.industry.chains import all_chains

    known = all_chains()
    chain_id = str(record["chain"])
    if chain_id not in known:
        by_name = {c.name_zh: c.id for c in known.values()}
        if chain_id not in by_name:
            return "chain", "unknown_chain", f"'{chain_id}' is not one of {', '.join(known)}"
        chain_id = by_name[chain_id]
    record["chain"] = chain_id
    if "node" in record and record["node"] not in known[chain_id].nodes():
        return "node", "unknown_node", f"'{record['node']}' is not a node of chain {chain_id}"
    return None
