"""The programme officer's workspace: create a programme, release (four eyes) and close a
round, and the claims and redemptions lists — filtered, paged, downloaded, district-scoped."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.access.helpers import sign_in_as
from tests.web.test_burndown import VOUCHERS, run_programmes, voucher_yaml

BASE = "/api/cockpit/programmes"


def _shanghai_today() -> date:
    """Today where the claims are stamped (Asia/Shanghai), not on the machine's clock."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def app_home(cockpit_home: Path) -> Iterator[Path]:
    run_programmes()
    yield cockpit_home


def client_as(role: str, districts: list[str] | None = None) -> TestClient:
    from cockpit.web.app import create_app

    c = TestClient(create_app())
    sign_in_as(c, role, districts=districts)
    return c


def test_lists_filter_page_and_download_every_row(app_home: Path) -> None:
    c = client_as("analyst")
    claims = c.get(f"{BASE}/{VOUCHERS}/claims", params={"lang": "en"}).json()
    assert claims["total"] == 4 and len(claims["rows"]) == 4 and claims["note"] == ""
    assert {r["status"] for r in claims["rows"]} <= {"active", "partly_spent", "spent", "expired"}
    assert all(r["status_label"] != r["status"] for r in claims["rows"])
    reds = c.get(f"{BASE}/{VOUCHERS}/redemptions", params={"lang": "zh-CN"}).json()
    assert reds["total"] == 3
    assert {r["district_label"] for r in reds["rows"]} == {"渝中区"}
    by_status = {r["status"] for r in reds["rows"]}
    assert by_status == {"paid", "partly_refunded", "refunded"}
    one = c.get(f"{BASE}/{VOUCHERS}/redemptions", params={"status": "refunded"}).json()
    assert one["total"] == 1 and one["rows"][0]["refunded_fen"] == one["rows"][0]["bill_fen"]
    assert (
        c.get(f"{BASE}/{VOUCHERS}/redemptions", params={"district": "500105"}).json()["total"] == 0
    )
    assert c.get(f"{BASE}/{VOUCHERS}/claims", params={"round": 2}).json()["total"] == 0
    later = (_shanghai_today() + timedelta(days=3)).isoformat()
    assert c.get(f"{BASE}/{VOUCHERS}/claims", params={"since": later}).json()["total"] == 0
    today = _shanghai_today().isoformat()
    window = {"since": (_shanghai_today() - timedelta(days=1)).isoformat(), "until": today}
    assert c.get(f"{BASE}/{VOUCHERS}/claims", params=window).json()["total"] == 4
    paged = c.get(f"{BASE}/{VOUCHERS}/claims", params={"limit": 3, "offset": 3}).json()
    assert len(paged["rows"]) == 1 and paged["total"] == 4
    # every matching row, not the page, in files that open
    got = c.get(f"{BASE}/{VOUCHERS}/claims.csv", params={"limit": 1, "lang": "en"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Claim" and len(rows) == 1 + 4
    book = c.get(f"{BASE}/{VOUCHERS}/redemptions.xlsx", params={"status": "paid"})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    values = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    assert (
        values[2][0] == "核销编号" and len(values) == 3 + 1 + 1
    )  # title, filters, head, row, footer
    assert "已核销" in str(values[1][0])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "query.status"),
        ({"since": "2025-05-02", "until": "2025-05-01"}, "query.since"),
        ({"since": "yesterday"}, "query.since"),
        ({"district": "999999"}, "query.district"),
        ({"round": 0}, "query.round"),
        ({"round": "²"}, "query.round"),  # str.isdigit() says yes, int() says no
    ],
)
def test_bad_filters_are_refused_in_the_one_shape(
    app_home: Path, params: dict[str, str | int], field: str
) -> None:
    c = client_as("analyst")
    got = c.get(f"{BASE}/{VOUCHERS}/redemptions", params=params)
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["code"] in ("invalid", "invalid_request") and body["field"].startswith(field)


def test_a_district_official_sees_only_their_districts_rows(app_home: Path) -> None:
    yuzhong = client_as("district_official", ["500103"])
    assert yuzhong.get(f"{BASE}/{VOUCHERS}/redemptions").json()["total"] == 3
    claims = yuzhong.get(f"{BASE}/{VOUCHERS}/claims", params={"lang": "en"}).json()
    assert claims["total"] == 0 and "no district" in claims["note"]
    jiangbei = client_as("district_official", ["500105"])
    assert jiangbei.get(f"{BASE}/{VOUCHERS}/redemptions").json()["total"] == 0
    asked = jiangbei.get(f"{BASE}/{VOUCHERS}/redemptions", params={"district": "500103"})
    assert asked.json()["total"] == 0
    rows = list(csv.reader(io.StringIO(jiangbei.get(f"{BASE}/{VOUCHERS}/redemptions.csv").text)))
    assert len(rows) == 1  # the header only
    page = jiangbei.get("/programmes", params={"programme": VOUCHERS, "lang": "en"})
    assert page.status_code == 200 and 'id="records-none"' in page.text
    # officers' tools are not theirs
    assert jiangbei.post(f"{BASE}/{VOUCHERS}/rounds/1/close").status_code == 403
    assert jiangbei.get(f"{BASE}/{VOUCHERS}/approvals").status_code == 403


def test_officers_create_a_programme_release_with_four_eyes_and_close(app_home: Path) -> None:
    from datetime import datetime

    maker, checker = client_as("programme_officer"), client_as("programme_officer")
    rules = voucher_yaml(datetime.now().astimezone() + timedelta(days=1)).replace(
        VOUCHERS, "ws-new-vouchers"
    )
    bad = maker.post(BASE, json={"rules_yaml": rules.replace("budget_yuan: 600", "budget_yuan: x")})
    assert bad.status_code == 422 and bad.json()["field"] == "body.rules_yaml"
    assert "line" in bad.json()["message"]
    made = maker.post(BASE, params={"lang": "en"}, json={"rules_yaml": rules})
    assert made.status_code == 201 and made.json()["created"] is True
    assert made.json()["budget_fen"] == 60_000
    again = maker.post(BASE, json={"rules_yaml": rules}).json()
    assert again["created"] is False
    release = "/api/programmes/ws-new-vouchers/rounds/1/release"
    assert maker.post(release).json()["status"] == "proposed"
    waiting = maker.get(f"{BASE}/ws-new-vouchers/approvals", params={"lang": "en"}).json()
    assert [r["action_label"] for r in waiting["rows"]] == ["Release a round"]
    page = checker.get("/programmes", params={"programme": "ws-new-vouchers", "lang": "en"})
    assert 'data-status="proposed"' in page.text and 'id="approvals"' in page.text
    assert maker.post(release).status_code == 403  # the maker cannot check
    assert checker.post(release).json()["status"] == "released"
    assert maker.get(f"{BASE}/ws-new-vouchers/approvals").json()["rows"] == []
    closed = checker.post(f"{BASE}/ws-new-vouchers/rounds/1/close")
    assert closed.status_code == 200 and closed.json()["moved_fen"] == 30_000
    page = checker.get("/programmes", params={"programme": "ws-new-vouchers", "lang": "en"})
    assert 'data-status="closed"' in page.text
    missing = checker.post(f"{BASE}/ws-new-vouchers/rounds/7/close")
    assert missing.status_code == 404
    names = maker.get(f"{BASE}/templates").json()["names"]
    assert "yuzhong-vouchers-2025" in names
    text = maker.get(f"{BASE}/templates/yuzhong-vouchers-2025").json()["rules_yaml"]
    assert "consumption_voucher" in text
    assert maker.get(f"{BASE}/templates/nope").status_code == 404


def test_readers_without_officer_rights_cannot_create(app_home: Path) -> None:
    c = client_as("analyst")
    assert c.post(BASE, json={"rules_yaml": "programme: {}"}).status_code == 403
    page = c.get("/programmes", params={"programme": VOUCHERS, "lang": "en"})
    assert 'id="create-form"' not in page.text and 'id="records-table"' in page.text


def _listing_row(page: str, code: str) -> list[str]:
    """The cells of the programmes table's row of ``code``, as text."""
    row = page.split(f'<tr data-code="{code}">', 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", cell).strip() for cell in row.split("</td>")[:-1]]


def test_a_new_claim_changes_the_page_at_once(app_home: Path) -> None:
    """The listing's packs and flags (kept between requests) follow every claim, refused too."""
    from datetime import datetime

    from cockpit.programmes import claim, install_programme, open_round
    from cockpit.programmes.rules import parse_programme
    from cockpit.programmes.tx import LimitReached
    from cockpit.programmes.vouchers import Identity

    code = "ws-fresh-vouchers"
    opens = datetime.now().astimezone() - timedelta(hours=1)
    install_programme(programme=parse_programme(voucher_yaml(opens).replace(VOUCHERS, code)))
    rid = open_round(programme_code=code, no=1)
    c = client_as("analyst")

    def packs_and_flags() -> tuple[str, str]:
        page = c.get("/programmes", params={"lang": "en"})
        assert page.status_code == 200, page.text
        cells = _listing_row(page.text, code)
        return cells[3], cells[7]

    assert packs_and_flags() == ("0 / 6", "0")
    claim(round_id=rid, idem_key="fresh-1", who=Identity(person=f"ps:{1:032x}", device="d1"))
    assert packs_and_flags() == ("1 / 6", "0")
    claim(round_id=rid, idem_key="fresh-2", who=Identity(person=f"ps:{2:032x}", device="d2"))
    assert packs_and_flags() == ("2 / 6", "0")
    # Person 1 again, past the limit, on person 2's device: refused, no ledger entry, and a
    # shared-device flag at once.
    with pytest.raises(LimitReached):
        claim(round_id=rid, idem_key="fresh-3", who=Identity(person=f"ps:{1:032x}", device="d2"))
    assert packs_and_flags() == ("2 / 6", "1")
