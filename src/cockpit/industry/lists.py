"""Read the lists an industry office keeps (firms, designations, carriers, chain links,
external candidates) through the ingestion contracts: readers, header aliases and column
checks of ``cockpit.ingest``, then the checks only this room knows (credit codes, code
lists, duplicates). Every refused row comes back with its line, field and reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from cockpit.datafiles import validate_text
from cockpit.industry.creditcode import normalise, problem
from cockpit.ingest import Contract, map_headers

LIST_KINDS = ("firms", "designations", "carriers", "links", "candidates", "refs")


class ListContracts(BaseModel):
    """The contracts of the industry lists."""

    model_config = ConfigDict(extra="forbid")
    version: str
    sources: dict[str, Contract]


@cache
def list_contracts() -> ListContracts:
    """The contracts shipped in ``cockpit/industry/data/contracts.yaml``."""
    text = resources.files("cockpit.industry").joinpath("data/contracts.yaml").read_text("utf-8")
    return validate_text(text, ListContracts, "cockpit/industry/data/contracts.yaml")


class ListFileError(ValueError):
    """A list file that cannot be read at all (no sheet, missing required columns)."""


@dataclass(frozen=True)
class Reject:
    """A refused row: where it was, which field, why, and the row as read."""

    line: int
    field: str
    reason: str
    message: str
    raw: str


@dataclass
class ReadList:
    """A list file after reading: accepted records (with their ``line``) and refused rows."""

    kind: str
    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the file's header
    raws: dict[int, str] = field(default_factory=dict)  # line → the row as read (JSON)

    def refuse(self, record: dict[str, Any], name: str, reason: str, message: str) -> None:
        """Move ``record`` to the refused rows (the caller drops it from ``records``)."""
        header = self.columns.get(name, name)
        raw = self.raws.get(record["line"], "")
        self.rejects.append(Reject(record["line"], header, reason, f"{header}: {message}", raw))


def _pseudonymiser() -> Any:
    # The lists hold no personal field; validate_batch still wants one to call.
    from cockpit.ingest import Pseudonymiser

    return Pseudonymiser(b"industry lists hold no personal identifiers")


def read_list(kind: str, path: Path, *, sheet: str | None = None) -> ReadList:
    """Read ``path`` as a list of ``kind`` (one of ``LIST_KINDS``)."""
    from cockpit.ingest import FileError, open_feed, validate_batch

    if kind not in LIST_KINDS:
        raise ListFileError(f"unknown list {kind!r}; expected one of {', '.join(LIST_KINDS)}")
    contract = list_contracts().sources[kind]
    try:
        feed = open_feed(path, sheet=sheet)
    except FileError as exc:
        raise ListFileError(str(exc)) from None
    headers = map_headers(contract, feed.headers)
    if headers.missing_required:
        raise ListFileError(
            f"{path}, line 1: no column for {', '.join(headers.missing_required)} "
            f"(headers: {', '.join(feed.headers)})"
        )
    out = ReadList(kind=kind, path=path, columns=dict(headers.columns))
    pseudonymiser = _pseudonymiser()
    try:
        for frame in feed.batches():
            checked = validate_batch(kind, contract, headers, frame, pseudonymiser)
            out.rejects += [
                Reject(r["_line"], r["_field"], r["_reason"], r["_message"], r["_raw"])
                for r in checked.rejected.iter_rows(named=True)
            ]
            out.raws.update(_raw_by_line(frame, feed.headers))
            for row in checked.accepted.iter_rows(named=True):
                record = {k: v for k, v in row.items() if k != "_line"}
                record["line"] = row["_line"]
                _room_checks(kind, record, out)
    finally:
        pseudonymiser.close()
    for bad in feed.malformed:
        out.rejects.append(Reject(bad.line, "", "malformed_row", bad.message, bad.text))
    out.rejects.sort(key=lambda r: r.line)
    return out


def _raw_by_line(frame: Any, headers: list[str]) -> dict[int, str]:
    return {
        int(row["_line"]): json.dumps(
            {h: row.get(h) for h in headers}, ensure_ascii=False, default=str
        )
        for row in frame.iter_rows(named=True)
    }


CODE_FIELDS = {
    "firms": ("credit_code",),
    "designations": ("credit_code",),
    "carriers": ("operator_code",),
    "links": ("credit_code",),
    "candidates": ("credit_code",),
    "refs": ("credit_code",),
}


def _room_checks(kind: str, record: dict[str, Any], out: ReadList) -> None:
    """Credit codes and the room's code lists; the first failure refuses the row."""
    from cockpit.industry.vocab import check_record

    for name in CODE_FIELDS[kind]:
        value = record.get(name)
        if not value:
            continue
        code = normalise(str(value))
        why = problem(code)
        if why is not None:
            out.refuse(record, name, "invalid_credit_code", f"'{value}': {why}")
            return
        record[name] = code
    failure = check_record(kind, record)
    if failure is not None:
        out.refuse(record, *failure)
        return
    out.records.append(record)
