"""The SQL rewrites of grouping-sets queries give the same rows as the query Ibis wrote."""

from __future__ import annotations

import ibis
import pandas as pd
import sqlglot

from cockpit.indicators.cube import filter_as_case, hoist_aggregate_inputs

ROWS = pd.DataFrame(
    {
        "shop": ["a", "a", "b", "b", "b", "c"],
        "channel": ["online", "store", "online", "online", "store", "store"],
        "amount": [100, -20, 50, 70, 30, 5],
        "refund": [False, True, False, False, False, False],
    }
)


def _run(con: ibis.BaseBackend, sql: str) -> pd.DataFrame:
    frame: pd.DataFrame = con.raw_sql(sql).df()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_hoisted_inputs_give_the_same_groups_and_are_computed_once() -> None:
    con = ibis.duckdb.connect()
    con.con.register("rows_frame", ROWS)
    con.raw_sql("CREATE TABLE rows AS SELECT * FROM rows_frame")
    t = con.table("rows")
    online = t.channel == "online"
    expr = t.group_by("shop").aggregate(
        sales=t.amount.sum(),
        online=t.amount.sum(where=online),
        online_again=t.amount.sum(where=online),
        payments=t.count(where=~t.refund),
        shops=t.shop.nunique(where=~t.refund),
    )
    select = con.compiler.to_sqlglot(expr)
    plain = select.sql(dialect="duckdb")
    rewritten = hoist_aggregate_inputs(select.copy().transform(filter_as_case))
    sql = rewritten.sql(dialect="duckdb")

    pd.testing.assert_frame_equal(_run(con, sql), _run(con, plain))
    inner = rewritten.args["from_"].this.this
    hoisted = [e.alias for e in inner.expressions if e.alias.startswith("__x")]
    assert len(hoisted) == 2  # the online amount once for both sums; the payments' flag
    assert "DISTINCT" in sql  # distinct counts keep their own input
    assert sqlglot.parse_one(sql, read="duckdb").sql(dialect="spark")
