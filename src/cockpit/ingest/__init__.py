"""Ingestion: data contracts, readers for CSV and text exports (UTF-8/GB18030/UTF-16), Excel and
Parquet, quarantine, pseudonymisation (and scrubbing of identifiers from what is kept beside
the accepted rows) and the lake (docs/lake.md, docs/data-contracts.md).

Example::

    from cockpit.ingest import ingest_paths, open_catalog
    reports = ingest_paths(["feeds/"])        # every feed file in the folder, one report each
    outcomes = ingest_files(["feeds/"])       # every file: ingested, skipped or failed, each
    assert all(r.balanced for r in reports)   # accepted + quarantined + duplicates == rows read
    open_catalog().sql("SELECT month, sum(amount_fen) FROM transactions GROUP BY month")
    compact()                                 # each month one file, clustered by merchant
"""

from cockpit.ingest.catalog import open_catalog, refresh_catalog
from cockpit.ingest.compact import CompactReport, compact
from cockpit.ingest.contracts import SOURCES, Contract, contract, contracts, map_headers
from cockpit.ingest.pipeline import feed_files, ingest_file, ingest_files, ingest_paths
from cockpit.ingest.pseudonym import Pseudonymiser, pseudonym
from cockpit.ingest.quarantine import export_quarantine, quarantine_rows
from cockpit.ingest.readers import FileError, open_feed
from cockpit.ingest.report import FileOutcome, IngestReport
from cockpit.ingest.validate import validate_batch

__all__ = [
    "SOURCES",
    "CompactReport",
    "Contract",
    "FileError",
    "FileOutcome",
    "IngestReport",
    "Pseudonymiser",
    "compact",
    "contract",
    "contracts",
    "export_quarantine",
    "feed_files",
    "ingest_file",
    "ingest_files",
    "ingest_paths",
    "map_headers",
    "open_catalog",
    "open_feed",
    "pseudonym",
    "quarantine_rows",
    "refresh_catalog",
    "validate_batch",
]
