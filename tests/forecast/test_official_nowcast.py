"""The nowcast turned into an estimate of the official figure."""

from __future__ import annotations


def test_official_figure_divides_the_nowcast_by_the_feeds_coverage() -> None:
    from cockpit.forecast.nowcast import Nowcast, with_official

    base = Nowcast(
        month="2026-10",
        days_elapsed=10,
        days_in_month=31,
        observed=30.0,
        share_elapsed=0.3,
        feed_estimate=100.0,
        forecast=None,
        estimate=100.0,
        lo80=90.0,
        hi80=110.0,
        lo95=80.0,
        hi95=120.0,
        feed_weight=1.0,
    )
    official = with_official(base, 0.25)
    assert official.official_estimate == 400.0
    assert (official.official_lo95, official.official_hi95) == (320.0, 480.0)
    assert with_official(base, None) is base
