"""The Bulletins page lists the archive and serves its files; the CLI refuses bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cockpit.cli import app

pytestmark = pytest.mark.slow


def test_the_bulletins_page_lists_the_archive_and_serves_each_file(home: Path) -> None:
    from fastapi.testclient import TestClient

    from cockpit.web.app import create_app
    from tests.access.helpers import sign_in_as

    out = CliRunner().invoke(app, ["bulletin", "--month", "2026-09", "--json"])
    assert out.exit_code == 0, out.output
    issued = json.loads(out.output)["data"]
    with TestClient(create_app()) as client:
        assert client.get("/api/bulletins").status_code == 401  # signed in, or nothing
        sign_in_as(client, "leader")
        page = client.get("/bulletins?lang=zh-CN")
        assert page.status_code == 200
        assert 'data-period="2026-09"' in page.text and "重庆市" in page.text
        listed = client.get("/api/bulletins").json()
        assert listed["count"] == 1 and listed["data"][0]["version"] == 1
        base = "/bulletins/500000/2026-09/zh-CN/v1"
        html = client.get(base)
        assert html.status_code == 200 and "1—9月，全市社会消费品零售总额" in html.text
        pdf = client.get(f"{base}/pdf")
        assert pdf.content == Path(issued["files"]["pdf"]).read_bytes()
        assert pdf.headers["content-type"] == "application/pdf"
        assert client.get(f"{base}/xlsx").content[:2] == b"PK"
        assert client.get("/bulletins/500000/2026-09/zh-CN/v9").status_code == 404
        assert client.get("/bulletins/..%2F..%2Fetc/2026-09/zh-CN/v1").status_code in (404, 422)
        assert client.get(f"{base}/json").status_code == 422  # only pdf and xlsx


def test_the_command_writes_the_three_formats_and_a_preview(home: Path, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    out = CliRunner().invoke(
        app,
        ["bulletin", "--month", "2026-02", "--lang", "en", "--out", str(tmp_path), "--png-preview"],
    )
    assert out.exit_code == 0, out.output
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = "bulletin-500000-2026-01-02-en"
    assert names == [f"{stem}-p1.png", f"{stem}.html", f"{stem}.pdf", f"{stem}.xlsx"]
    assert (tmp_path / f"{stem}-p1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "--month '2026-13'"),
        (["--month", "2026-10", "--district", "999999"], "999999"),
        (["--month", "2026-10", "--lang", "fr"], "--lang 'fr'"),
        (["--month", "2019-10"], "no published or estimated retail sales"),
        (["--png-preview"], "--out"),
    ],
)
def test_bad_input_is_a_clear_error(home: Path, args: list[str], message: str) -> None:
    out = CliRunner().invoke(app, ["bulletin", *args])
    assert out.exit_code == 2
    assert message in out.output


def test_the_demo_issues_the_latest_month_and_says_where(home: Path) -> None:
    from rich.console import Console

    from cockpit.bulletin.commands import demo_step
    from cockpit.demo import DemoContext
    from cockpit.rooms import ROOMS

    names = [r.name for r in ROOMS]
    assert names.index("bulletin") > names.index("alerts")  # after the warnings it lists
    ctx = DemoContext(home=home, sample_dir=home, scale="tiny", seed=7, console=Console())
    line = demo_step(ctx)
    pdf = Path(line.split(": ", 1)[1].split(" (", 1)[0])
    assert "2026-10" in line and pdf.is_file() and pdf.read_bytes()[:4] == b"%PDF"
    assert "/bulletins" in line
