"""Firm- and person-level records of two districts outside the lake, for the scope tests:
alerts naming a firm, anti-fraud flags on merchants, subsidy applications.

Every string in ``Seeded.markers[district]`` appears only in that district's records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.alerts.findings import Finding, subject_key
from cockpit.alerts.lifecycle import list_alerts, record_findings
from cockpit.programmes import spending, subsidies, vouchers
from cockpit.programmes.rules import shipped
from tests.programmes.helpers import car_facts, person, voucher_programme

VOUCHERS = "scope-vouchers"
CARS = "chongqing-car-2023"
# District → (enterprise id, its name, merchant id, buyer pseudonym)
PARTIES = {
    "500103": ("E901", "渝中测试外贸公司", "m-yuzhong-901", "ps:" + "1" * 32),
    "500105": ("E902", "江北测试外贸公司", "m-jiangbei-902", "ps:" + "2" * 32),
}


@dataclass
class Seeded:
    """What was made: alert and application ids by district, and each district's markers."""

    alerts: dict[str, int] = field(default_factory=dict)
    applications: dict[str, str] = field(default_factory=dict)
    markers: dict[str, set[str]] = field(default_factory=dict)


def _firm_alert(district: str) -> Finding:
    enterprise, name, _, _ = PARTIES[district]
    return Finding(
        rule_id="orders-drop-test",
        kind="orderlist",
        severity="warning",
        subject=subject_key({"enterprise_id": enterprise}),
        period="2025-05",
        title_zh="重点外贸企业新签订单下降",
        title_en="Key exporter's new orders fell",
        summary_zh=f"{name}（{enterprise}）2025-05 新签订单下降 40%",
        summary_en=f"{name} ({enterprise}) new orders in 2025-05 fell 40 %",
        evidence={"enterprise_id": enterprise, "name": name, "district_code": district},
    )


def seed_records() -> Seeded:
    """Alerts, flags and applications of 渝中 (500103) and 江北 (500105) in the database
    (the schema must be up to date); plus one city-level alert everyone reads."""
    seeded = Seeded()
    aggregate = Finding(
        rule_id="city-sales-test", kind="series", severity="info",
        subject=subject_key({"indicator": "retail_sales", "district_code": "500103"}),
        period="2025-05", title_zh="渝中区零售额下降", title_en="Yuzhong retail sales fell",
        summary_zh="渝中区零售额环比下降 5%", summary_en="Yuzhong retail sales fell 5 %",
    )  # fmt: skip
    record_findings(findings=[aggregate, *(_firm_alert(d) for d in PARTIES)])
    by_subject = {a.subject: a.id for a in list_alerts(limit=2000)}

    vouchers.install_programme(programme=voucher_programme(VOUCHERS, packs=10))
    vouchers.install_programme(programme=shipped(CARS))
    merchants = [
        {"merchant_id": merchant, "category_code": "RS01", "district_code": district}
        for district, (_, _, merchant, _) in PARTIES.items()
    ]
    spending.enrol_merchants(programme_code=VOUCHERS, merchants=merchants)
    rid = vouchers.open_round(programme_code=VOUCHERS, no=1, parts=2)
    for n, (district, (enterprise, name, merchant, buyer)) in enumerate(PARTIES.items(), 1):
        # Three voucher payments by one payer at the district's merchant: a repeat_payer flag.
        payer = person(n)
        pack = vouchers.claim(round_id=rid, idem_key=f"scope-c{n}", who=payer)
        for k, v in enumerate(pack.vouchers[:3]):
            spending.redeem(
                idem_key=f"scope-r{n}-{k}", voucher_id=v["voucher_id"], merchant_id=merchant,
                txn_id=f"scope-t{n}-{k}", bill_fen=int(v["threshold_fen"]) + 500,
                payer=payer.person,
            )  # fmt: skip
        facts = car_facts(159_800, f"SCOPE-{district}", buyer_district=district)
        answer = subsidies.apply(
            programme_code=CARS, idem_key=f"scope-a{n}", applicant=buyer, facts=facts
        )
        seeded.applications[district] = str(answer["application_id"])
        seeded.alerts[district] = by_subject[subject_key({"enterprise_id": enterprise})]
        seeded.markers[district] = {name, f'"{enterprise}"', merchant, buyer, f"SCOPE-{district}"}
    return seeded
