"""Programmes built for the tests: rounds open around now, small budgets."""

from __future__ import annotations

from datetime import datetime, timedelta

from cockpit.identity import gb11643_check
from cockpit.programmes.rules import VoucherProgramme, parse_programme
from cockpit.programmes.vouchers import Identity


def voucher_programme(
    code: str,
    *,
    packs: int,
    per_round: int = 1,
    total: int = 3,
    roll_over: str = "next_round",
    rounds: int = 1,
    validity_days: int = 7,
    categories: str = "[RS01, CT01]",
) -> VoucherProgramme:
    """Pack 2×5 + 2×10 + 1×20 yuan (50 yuan) over 20/40/80; round 1 open now."""
    now = datetime.now().astimezone()
    lines = []
    for i in range(rounds):
        opens = now - timedelta(hours=1) + timedelta(days=2 * i)
        lines.append(
            f"    - {{opens_at: '{opens.isoformat()}', closes_at: "
            f"'{(opens + timedelta(hours=2)).isoformat()}', budget_share: {1 / rounds}}}"
        )
    text = f"""
programme:
  kind: consumption_voucher
  code: {code}
  name_zh: 测试券
  name_en: Test vouchers
  budget_yuan: {packs * 50 * rounds}
  pack:
    - {{face_yuan: 5, threshold_yuan: 20, count: 2}}
    - {{face_yuan: 10, threshold_yuan: 40, count: 2}}
    - {{face_yuan: 20, threshold_yuan: 80, count: 1}}
  eligibility: {{categories: {categories}}}
  limits: {{per_person_per_round: {per_round}, per_person_total: {total}}}
  rounds:
{chr(10).join(lines)}
  validity_days: {validity_days}
  roll_over: {roll_over}
"""
    programme = parse_programme(text)
    assert isinstance(programme, VoucherProgramme)
    return programme


def person(n: int, **shared: str) -> Identity:
    """Person ``n`` with their own ID, phone, card and device unless some are ``shared``."""
    ids = {
        "person": f"ps:{n:032x}",
        "account": f"acct-{n}",
        "phone": f"phone-{n}",
        "card": f"card-{n}",
        "device": f"dev-{n}",
    }
    return Identity(**{**ids, **shared})


def resident_id(n: int, *, region: str = "500103", born: str = "19900101") -> str:
    """A valid resident ID number (GB 11643 check digit) for person ``n`` (< 1000)."""
    first17 = f"{region}{born}{n:03d}"
    return first17 + gb11643_check(first17)


CAR_DEALER = "91500000MA5U000A1A"
APPLIANCE_SELLER = "91500103MA5U100D4Y"


def vin_for(seed: str) -> str:
    """A well-formed VIN (check digit at position 9) made from ``seed``."""
    import hashlib

    from cockpit.programmes.evidence import vin_check_digit

    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    body = "LFV" + "".join(alphabet[b % len(alphabet)] for b in digest[:14])
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def car_facts(price_yuan: object, invoice_no: str, **change: object) -> dict[str, object]:
    """An eligible car purchase for ``chongqing-car-2023`` (VIN made from the invoice)."""
    facts: dict[str, object] = {
        "price_yuan": price_yuan,
        "invoice_no": invoice_no,
        "item_class": "new_passenger_car",
        "item_id": vin_for(invoice_no),
        "purchase_date": "2023-06-18",
        "seller": CAR_DEALER,
        "buyer_district": "500103",
    }
    return {**facts, **change}


def trade_in_facts(price_yuan: object, serial: str, **change: object) -> dict[str, object]:
    """An eligible grade-1 refrigerator traded in under ``appliance-trade-in-2025``."""
    facts: dict[str, object] = {
        "price_yuan": price_yuan,
        "invoice_no": f"INV-{serial}",
        "item_class": "new_household_appliance",
        "item_id": serial,
        "purchase_date": "2025-05-01",
        "seller": APPLIANCE_SELLER,
        "buyer_district": "500105",
        "category": "refrigerator",
        "efficiency_grade": 1,
        "old_item_certificate": f"REC-{serial}",
        "payout": "buyer",
    }
    return {**facts, **change}
