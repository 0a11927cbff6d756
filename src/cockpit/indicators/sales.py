"""Net sales and payments by month, for the rooms that need them before a build.

Net sales is the catalogue's ``retail_sales`` and payments its ``transactions``, each over
the fact table (every transaction joined to the merchant version valid on its date,
``fact.version_on_date``): this module adds no definition of its own, so the alerts and the
synthetic lake's official figures count exactly what the indicators count.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.indicators.catalogue import indicator
from cockpit.indicators.engines import open_engine
from cockpit.indicators.fact import fact_table

if TYPE_CHECKING:
    import pandas as pd

#: The measures, named by their catalogue ids.
MEASURES = ("retail_sales", "transactions")


def monthly_sales(
    lake: Path, *, cuts: tuple[str, ...] = ("district", "category"), until_month: str = ""
) -> pd.DataFrame:
    """``month``, one column per cut, ``retail_sales`` (fen) and ``transactions``.

    One row per month for the total (every cut column ``""``) and one per month and value
    of each cut alone (the other cut columns ``""``), as the indicators cut them.
    """
    import pandas as pd

    eng = open_engine("duckdb", lake)
    try:
        t = fact_table(eng.table("transactions"), eng.table("merchants"))
        if until_month:
            t = t.filter(t.month <= until_month)
        frames = [_grouped(t, [], cuts)] + [_grouped(t, [cut], cuts) for cut in cuts]
    finally:
        eng.release()
    return pd.concat(frames, ignore_index=True)


def _grouped(t: Any, keys: list[str], cuts: tuple[str, ...]) -> pd.DataFrame:
    aggs = {m: indicator(m).num(t) for m in MEASURES}
    frame: pd.DataFrame = t.group_by(["month", *keys]).aggregate(**aggs).to_pandas()
    for cut in cuts:
        frame[cut] = frame[cut].fillna("") if cut in keys else ""
    return frame[["month", *cuts, *MEASURES]]
