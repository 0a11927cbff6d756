"""Reference data: counts, unique codes, the sources' own names and codes, and the taxonomy."""

from __future__ import annotations

import pytest

from cockpit import reference
from cockpit.datafiles import DataFileError
from cockpit.reference import ReferenceError

REFERENCE_FILES = [
    "districts.csv",
    "district_renames.csv",
    "business_districts.csv",
    "categories.csv",
    "codes.yaml",
    "digital_taxonomy.yaml",
]


def test_chongqing_has_38_divisions_26_districts_8_counties_4_autonomous() -> None:
    kinds = [d.type for d in reference.districts()]
    assert len(kinds) == 38
    assert kinds.count("district") == 26
    assert kinds.count("county") == 8
    assert kinds.count("autonomous_county") == 4


def test_district_codes_are_unique_six_digit_chongqing_codes() -> None:
    codes = [d.code for d in reference.districts()]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 6 and c.startswith("50") and c.isdigit() for c in codes)


@pytest.mark.parametrize(
    ("code", "name_zh", "name_en"),
    [
        ("500103", "渝中区", "Yuzhong District"),
        ("500105", "江北区", "Jiangbei District"),
        ("500155", "梁平区", "Liangping District"),
        ("500156", "武隆区", "Wulong District"),
        ("500243", "彭水苗族土家族自治县", "Pengshui Miao and Tujia Autonomous County"),
    ],
)
def test_a_sample_of_codes_match_gb_t_2260(code: str, name_zh: str, name_en: str) -> None:
    d = reference.district(code)
    assert (d.name_zh, d.name_en) == (name_zh, name_en)


@pytest.mark.parametrize(("old", "new"), [("500228", "500155"), ("500232", "500156")])
def test_retired_county_codes_map_to_the_new_districts(old: str, new: str) -> None:
    assert reference.current_district_code(old) == new
    assert reference.district(old).code == new


def test_every_retired_code_maps_to_a_current_district() -> None:
    current = {d.code for d in reference.districts()}
    assert set(reference.district_renames().values()) <= current
    assert not set(reference.district_renames()) & current


def test_a_code_outside_chongqing_is_refused_with_the_code_named() -> None:
    with pytest.raises(ReferenceError, match="510104"):
        reference.current_district_code("510104")


def test_named_business_districts_are_in_their_districts() -> None:
    where = {b.name_zh: b.district_code for b in reference.business_districts()}
    assert where["解放碑-朝天门"] == "500103"
    assert where["大坪"] == "500103"
    assert where["观音桥"] == "500105"
    assert where["三峡广场"] == "500106"
    assert where["杨家坪"] == "500107"
    assert where["南坪"] == "500108"
    districts = {d.code for d in reference.districts()}
    assert {b.district_code for b in reference.business_districts()} <= districts


def test_bulletin_has_16_goods_categories_now_and_15_before_sports_goods() -> None:
    now = [c for c in reference.categories_in(2025, bulletin_only=True) if c.kind == "goods"]
    before = [c for c in reference.categories_in(2018, bulletin_only=True) if c.kind == "goods"]
    assert len(now) == 16
    assert len(before) == 15
    assert "体育、娱乐用品类" in {c.name_zh for c in now} - {c.name_zh for c in before}


def test_database_also_carries_books_and_other_and_catering() -> None:
    names = {c.name_zh for c in reference.categories()}
    assert {"书报杂志类", "其他类", "餐饮收入"} <= names
    assert reference.category("CT01").kind == "catering"
    codes = [c.code for c in reference.categories()]
    assert len(codes) == len(set(codes)) == 19


def test_every_category_has_both_names() -> None:
    assert all(c.name_zh and c.name_en for c in reference.categories())


def test_every_category_channel_and_tag_maps_in_the_taxonomy() -> None:
    tax = reference.digital_taxonomy()
    category_codes = {c.code for c in reference.categories()}
    channel_codes = {c.code for c in reference.channels()}
    assert set(tax.rules.by_category) <= category_codes
    assert set(tax.rules.by_channel) <= channel_codes
    online = {c.code for c in reference.channels() if c.online}
    assert online == set(tax.rules.by_channel), "every online channel is a digital channel"


def test_a_phone_bought_online_is_a_digital_product_through_a_digital_channel() -> None:
    types = reference.digital_taxonomy().types_of(category="RS13", tags=[], channel="online")
    assert types == {"digital_products", "digital_channels"}
    assert not reference.digital_taxonomy().types_of(category="RS01", tags=[], channel="offline")


def test_a_broken_taxonomy_names_the_line_of_the_mistake() -> None:
    from importlib import resources

    text = resources.files("cockpit.reference").joinpath("data", "digital_taxonomy.yaml")
    broken = text.read_text("utf-8").replace("RS13: [digital_products]", "RS13: [digital_prods]")
    with pytest.raises(DataFileError) as err:
        reference.parse_taxonomy(broken)
    assert "digital_prods" in str(err.value)


def test_an_unknown_key_is_reported_on_its_own_line() -> None:
    text = 'version: "1"\ntypes: []\nrules:\n  by_category: {}\n  by_merchant_tag: {}\n'
    text += "  by_channel: {}\n  by_colour: {}\n"
    with pytest.raises(DataFileError) as err:
        reference.parse_taxonomy(text)
    lines = {p.line for p in err.value.problems}
    assert 7 in lines


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_every_reference_file_names_its_source_and_date(name: str) -> None:
    source = reference.source_of(name)
    assert "Checked 20" in source
    assert len(source) > 40
