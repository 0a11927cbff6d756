"""Issued bulletins, kept immutable: ``COCKPIT_HOME/bulletins/<region>/<period>/<lang>/vN``.

Each version folder holds the PDF, the workbook, the HTML, the model as JSON and a
``manifest.json`` with every file's SHA-256, the data version the figures came from and
what changed since the version before. Folders are created exclusively (two issuers cannot
write the same version) and files are made read-only; ``verify`` recomputes the hashes, so
an edit after issue is found. Issuing again when no printed figure changed returns the
last version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.bulletin.model import Bulletin, Lang
from cockpit.format import SHANGHAI

MANIFEST = "manifest.json"
VERSION_DIR = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class Issued:
    """One archived version."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.manifest["version"])

    def file(self, kind: str) -> Path:
        """The issued ``pdf``, ``xlsx``, ``html`` or ``json`` file."""
        return self.folder / str(self.manifest["names"][kind])

    @property
    def changes(self) -> list[dict[str, str]]:
        return list(self.manifest.get("changes", []))


def archive_root(home: Path) -> Path:
    return home / "bulletins"


def folder_of(home: Path, region: str, period: str, lang: Lang) -> Path:
    return archive_root(home) / region / period / lang


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions(home: Path, region: str, period: str, lang: Lang) -> list[Issued]:
    """The archived versions, oldest first."""
    root = folder_of(home, region, period, lang)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        if VERSION_DIR.match(child.name) and (child / MANIFEST).is_file():
            found.append(Issued(child, json.loads((child / MANIFEST).read_text("utf-8"))))
    return sorted(found, key=lambda i: i.version)


def all_issued(home: Path) -> list[Issued]:
    """Every archived version, newest issue first."""
    root = archive_root(home)
    if not root.is_dir():
        return []
    found = [
        Issued(m.parent, json.loads(m.read_text("utf-8")))
        for m in root.glob(f"*/*/*/v*/{MANIFEST}")
    ]
    return sorted(found, key=lambda i: i.manifest["issued_at"], reverse=True)


def changes_between(
    before: dict[str, str], after: dict[str, str], labels: dict[str, str]
) -> list[dict[str, str]]:
    """The figures whose printed text differs between two versions."""
    keys = sorted(set(before) | set(after))
    return [
        {
            "figure": key,
            "label": labels.get(key, key),
            "before": before.get(key, ""),
            "after": after.get(key, ""),
        }
        for key in keys
        if before.get(key) != after.get(key)
    ]


def archive(
    home: Path, b: Bulletin, lang: Lang, files: dict[str, Path], labels: dict[str, str]
) -> tuple[Issued, bool]:
    """Archive rendered ``files`` (kind → path) as a new version unless nothing changed.

    Returns the version and whether it is new.
    """
    figures = b.figures()
    previous = versions(home, b.region_code, b.period, lang)
    last = previous[-1] if previous else None
    if last is not None and last.manifest["figures"] == figures:
        return last, False  # the same document: a rebuild that changed no printed figure
    number = last.version + 1 if last else 1
    folder = folder_of(home, b.region_code, b.period, lang) / f"v{number}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.mkdir(folder)  # exclusive: a concurrent issue of the same version fails here
    names: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for kind, src in files.items():
        target = folder / src.name
        shutil.copyfile(src, target)
        names[kind] = target.name
        hashes[target.name] = sha256_of(target)
    manifest = {
        "region": b.region_code,
        "region_zh": b.region_zh,
        "region_en": b.region_en,
        "period": b.period,
        "month": b.month,
        "lang": lang,
        "version": number,
        "title": b.title(lang),
        "issued_at": dt.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
        "data_version": b.data_version,
        "names": names,
        "sha256": hashes,
        "figures": figures,
        "previous": last.version if last else None,
        "changes": changes_between(last.manifest["figures"], figures, labels) if last else [],
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
    for f in folder.iterdir():
        f.chmod(0o444)
    return Issued(folder, manifest), True


def verify(issued: Issued) -> list[str]:
    """Files whose content no longer matches the manifest's hash (empty: intact)."""
    bad = []
    for name, digest in issued.manifest["sha256"].items():
        path = issued.folder / name
        if not path.is_file() or sha256_of(path) != digest:
            bad.append(name)
    return bad


def find_issued(home: Path, region: str, period: str, lang: Lang, version: int) -> Issued | None:
    """One archived version, or None."""
    for issued in versions(home, region, period, lang):
        if issued.version == version:
            return issued
    return None
