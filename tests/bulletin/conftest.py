"""Fixtures of the bulletin tests: the demo city's lake, built once; loopback servers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.alerts.conftest import mailbox, receiver  # noqa: F401  (fixtures re-exported)


@contextmanager
def using_home(home: Path) -> Iterator[Path]:
    """COCKPIT_HOME set to ``home`` for a fixture wider than one test."""
    from cockpit.config import reset_settings
    from cockpit.db import get_engine

    old = os.environ.get("COCKPIT_HOME")
    os.environ["COCKPIT_HOME"] = str(home)
    reset_settings()
    get_engine.cache_clear()
    try:
        yield home
    finally:
        if old is None:
            os.environ.pop("COCKPIT_HOME", None)
        else:
            os.environ["COCKPIT_HOME"] = old
        reset_settings()
        get_engine.cache_clear()


@pytest.fixture(scope="session")
def built_lake(sample_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sample city ingested, built and its official series estimated."""
    from cockpit.forecast.officialrun import run_official
    from cockpit.indicators.build import build
    from cockpit.ingest.compact import compact
    from cockpit.ingest.pipeline import ingest_paths

    home = tmp_path_factory.mktemp("bulletin-built")
    with using_home(home):
        ingest_paths([sample_city], home=home)
        compact(home)
        build(home=home)
        run_official(home)  # the official-scale estimates of releases not yet published
    return home / "lake"


@pytest.fixture
def home(cockpit_home: Path, built_lake: Path) -> Path:
    """A fresh COCKPIT_HOME (its own database and archive) reading the built lake."""
    cockpit_home.mkdir(parents=True, exist_ok=True)
    (cockpit_home / "lake").symlink_to(built_lake, target_is_directory=True)
    return cockpit_home


@pytest.fixture
def own_lake_home(cockpit_home: Path, built_lake: Path) -> Path:
    """Like ``home`` but with a copy of the lake the test may revise."""
    cockpit_home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built_lake, cockpit_home / "lake", ignore=shutil.ignore_patterns("_work*"))
    return cockpit_home


def pdf_text(pdf: Path) -> str:
    """pdftotext (Debian's poppler-utils) in layout mode."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def pdf_fonts(pdf: Path) -> list[list[str]]:
    """pdffonts' rows (name, type, encoding, emb, sub, uni, ...)."""
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


@pytest.fixture(scope="session")
def poppler() -> Iterator[None]:
    """pdftotext and pdffonts must be installed (scripts/setup.sh --test installs them)."""
    missing = [tool for tool in ("pdftotext", "pdffonts") if shutil.which(tool) is None]
    assert not missing, f"install poppler-utils (scripts/setup.sh --test): {missing} missing"
    yield
