"""Every code a room can show a person has words in both languages (cockpit/codes.yaml)."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import BaseModel

from cockpit import codes
from cockpit.datafiles import DataFileError, validate_text


def _kind_annotation(model: type[BaseModel]) -> object:
    """The annotation of a programme model's ``kind`` field (a ``Literal``)."""
    return model.model_fields["kind"].annotation


def _room_codes() -> list[tuple[str, str]]:
    from cockpit.ingest.contracts import DEFAULT_REASONS
    from cockpit.plans.progress import Status
    from cockpit.programmes import rules as programme_rules
    from cockpit.scenarios.vocab import STEPS, CallState, Role

    models = (
        programme_rules.VoucherProgramme,
        programme_rules.PurchaseSubsidy,
        programme_rules.RentSubsidy,
        programme_rules.CarrierSubsidy,
    )
    kinds = [_kind_annotation(m) for m in models]
    found = [("plan_status", s) for s in get_args(Status)]
    found += [("scenario_status", str(s)) for s in CallState]
    found += [("event", name) for name in STEPS]
    found += [("role", str(r)) for r in Role]
    found += [("quarantine_reason", r) for r in DEFAULT_REASONS.values()]
    found += [("programme_kind", k) for kind in kinds for k in get_args(kind)]
    found += [("severity", s) for s in ("info", "warning", "critical")]
    found += [("alert_status", s) for s in ("open", "acknowledged", "resolved")]
    return found


@pytest.mark.parametrize(("kind", "code"), _room_codes())
def test_every_room_code_has_words_in_both_languages(kind: str, code: str) -> None:
    assert codes.known(kind, code), f"{kind}/{code} is not in cockpit/codes.yaml"
    assert codes.text(kind, code, "zh-CN") != code
    assert codes.text(kind, code, "en") != code


def test_known_codes_read_as_words() -> None:
    assert codes.text("plan_status", "off_track", "zh-CN") == "进度滞后"
    assert codes.text("event", "seat_reviewer", "en") == "Reviewer seated"
    assert codes.text("programme_kind", "consumption_voucher", "zh") == "消费券"


def test_an_unknown_code_shows_as_itself_rather_than_failing() -> None:
    assert codes.text("plan_status", "brand_new", "en") == "brand_new"


def test_a_code_missing_a_language_is_rejected_with_its_line() -> None:
    with pytest.raises(DataFileError) as err:
        validate_text("unit:\n  a: {zh-CN: 甲, en: A}\n  b: {en: B}\n", codes.Codes, "codes.yaml")
    assert err.value.line == 3


def test_generated_order_sentences_use_each_languages_money_units() -> None:
    from cockpit.alerts.findings import fmt_yuan

    assert fmt_yuan(1_183_500_000) == "1,183.5万元"
    assert fmt_yuan(1_183_500_000, "en") == "11.8 million yuan"
