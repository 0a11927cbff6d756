"""One label catalogue in two languages; money in 亿元/万元 or billion/million yuan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.datafiles import DataFileError, validate_text
from cockpit.web import i18n

WEB = Path(i18n.__file__).parent


def test_every_label_has_both_languages() -> None:
    for key, text in i18n.catalogue().items():
        assert text.zh and text.en, key
    assert i18n.label("nav_overview", "en") == "Overview"
    assert i18n.label("nav_overview", "zh-CN") == "总览"


def test_a_label_missing_a_language_is_rejected_with_its_line() -> None:
    with pytest.raises(DataFileError) as err:
        validate_text("a: {zh-CN: 甲, en: A}\nb: {zh-CN: 乙}\n", i18n.Catalogue, "labels.yaml")
    assert err.value.line == 2


def test_every_label_the_pages_use_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r"t\('([a-z0-9_]+)'\)", path.read_text("utf-8")))
    for script in ("cockpit.js", "tools.js"):
        used |= set(re.findall(r"\bL\.([a-z0-9_]+)", (WEB / "static" / script).read_text()))
    missing = used - set(i18n.catalogue())
    assert used and not missing, missing


@pytest.mark.parametrize(
    ("fen", "lang", "text"),
    [
        (151_300_000_000_000, "zh-CN", "15,130.0亿元"),
        (151_300_000_000_000, "en", "1,513.0 billion yuan"),
        (52_000_000, "zh-CN", "52.0万元"),
        (52_000_000, "en", "520.0 thousand yuan"),
        (12_345, "zh-CN", "123.45元"),
        (250_000_000_00, "en", "250.0 million yuan"),
        (None, "en", "—"),
    ],
)
def test_money_reads_in_the_units_of_each_language(fen: int | None, lang: str, text: str) -> None:
    assert i18n.money(fen, lang) == text


@pytest.mark.parametrize(
    ("query", "cookie", "default", "lang"),
    [
        ("en", "zh-CN", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),
        (None, None, "en", "en"),
        ("fr", None, "zh-CN", "zh-CN"),
        ("en-GB", None, "zh-CN", "en"),
        ("zh", None, "en", "zh-CN"),
    ],
)
def test_language_comes_from_query_then_cookie_then_setting(
    query: str | None, cookie: str | None, default: str, lang: str
) -> None:
    assert i18n.pick_lang(query, cookie, default=default) == lang


def test_labels_built_from_other_rooms_codes_exist() -> None:
    from typing import get_args

    from cockpit.plans.progress import Status

    keys = [f"prog_{k}" for k in ("budget_fen", "issued_fen", "paid_fen", "left_fen")]
    keys += ["digital_products", "digital_services", "digital_content", "digital_channels"]
    keys += [f"kpi_scope_{s}" for s in ("sample", "city_total")]
    assert not [k for k in keys if k not in i18n.catalogue()]
    # Statuses are codes: they come from the one code catalogue (tests/test_codes.py).
    assert all(i18n.code("plan_status", s, "en") != s for s in get_args(Status))


def test_api_docs_have_the_way_back_in_the_chosen_language() -> None:
    from fastapi.testclient import TestClient

    from cockpit.web.app import create_app

    with TestClient(create_app()) as client:
        zh = client.get("/docs?lang=zh-CN").text
        en = client.get("/docs?lang=en").text
    assert 'href="/"' in zh and "返回驾驶舱" in zh and '<html lang="zh-CN">' in zh
    assert "Back to the cockpit" in en and 'href="/docs?lang=zh-CN"' in en
