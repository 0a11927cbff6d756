"""The seed plans read the registry: after loading the sample, the firm, carrier and scale
targets have figures, and a target without one says why."""

from __future__ import annotations

from pathlib import Path

from cockpit.db import session_scope
from cockpit.plans import all_progress

FED = {
    "chongqing-ai-2023-2025": {
        "ai_products",
        "leading_firms",
        "ai_firms",
        "related_firms",
        "clusters",
    },
    "chongqing-metaverse-2023-2025": {
        "industry_scale",
        "head_firms",
        "specialised_firms",
        "innovation_platforms",
        "industrial_parks",
    },
}


def test_the_registry_targets_have_figures_and_the_rest_say_why(home: Path) -> None:
    with session_scope() as session:
        progress = {p.plan.id: p for p in all_progress(session=session)}
    for plan_id, targets in FED.items():
        got = {t.target_id: t for t in progress[plan_id].targets}
        for target_id in targets:
            assert got[target_id].status != "no_data", (plan_id, target_id)
            assert got[target_id].actual_source is not None
    for plan in progress.values():
        for t in plan.targets:
            assert (t.status == "no_data") == (t.no_data_reason is not None), t.target_id


def test_the_metaverse_scale_is_short_of_the_plan_in_its_year(home: Path) -> None:
    with session_scope() as session:
        progress = {p.plan.id: p for p in all_progress(session=session)}
    scale = next(
        t
        for t in progress["chongqing-metaverse-2023-2025"].targets
        if t.target_id == "industry_scale"
    )
    assert scale.actual_year == 2025 and scale.actual is not None
    assert scale.actual < scale.target_value and scale.status == "off_track"


def test_an_empty_registry_is_no_data_with_the_command_to_run(cockpit_home: Path) -> None:
    from cockpit.db import upgrade

    upgrade()
    with session_scope() as session:
        progress = {p.plan.id: p for p in all_progress(session=session)}
    heads = next(
        t for t in progress["chongqing-metaverse-2023-2025"].targets if t.target_id == "head_firms"
    )
    assert heads.status == "no_data"
    assert heads.no_data_reason is not None and "cockpit industry load" in heads.no_data_reason


def test_the_plans_page_says_why_a_target_has_no_data(cockpit_home: Path) -> None:
    from fastapi.testclient import TestClient

    from cockpit.db import upgrade
    from cockpit.web.app import create_app
    from tests.access.helpers import sign_in_as

    upgrade()
    with TestClient(create_app()) as client:
        sign_in_as(client, "analyst")
        page = client.get("/plans").text
    assert 'class="why' in page and "cockpit industry load" in page
