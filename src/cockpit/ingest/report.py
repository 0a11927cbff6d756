"""What one ingest did: rows read, accepted, quarantined (by reason), duplicates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal


@dataclass
class IngestReport:
    """The outcome of ingesting one file. ``accepted + quarantined + duplicates == rows_read``."""

    ingest_id: str
    source: str
    file: str
    file_sha256: str
    started_at: datetime
    finished_at: datetime
    rows_read: int
    accepted: int
    quarantined: int
    duplicates: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    months: list[str] = field(default_factory=list)
    table: str = ""
    notes: list[str] = field(default_factory=list)  # title lines, blank columns, totals

    @property
    def balanced(self) -> bool:
        """Whether every row read is accounted for."""
        return self.accepted + self.quarantined + self.duplicates == self.rows_read

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        return data

    def summary(self) -> str:
        """One line: file, source and counts."""
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.quarantined_by_reason.items()))
        text = (
            f"{self.file} [{self.source}]: read {self.rows_read}, accepted {self.accepted}, "
            f"quarantined {self.quarantined}, duplicates {self.duplicates}"
        )
        return f"{text} ({reasons})" if reasons else text


Outcome = Literal["ingested", "skipped", "failed"]


@dataclass
class FileOutcome:
    """What became of one file given to ``cockpit ingest``: ingested (with its report),
    skipped (a lock, hidden or temporary file; in a folder, a file of another type) or
    failed (a file that cannot be read at all), with why."""

    file: str
    outcome: Outcome
    report: IngestReport | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data: an ingested file's report, with ``outcome``."""
        data: dict[str, Any] = {"file": self.file, "outcome": self.outcome}
        if self.report is not None:
            data |= self.report.to_dict()
        if self.reason:
            data["error" if self.outcome == "failed" else "reason"] = self.reason
        return data

    def summary(self) -> str:
        """One line (more for an ingested file's notes)."""
        if self.report is not None:
            return "\n".join([self.report.summary(), *(f"  note: {n}" for n in self.report.notes)])
        word = "FAILED" if self.outcome == "failed" else "skipped"
        return f"{self.file}: {word}: {self.reason}"
