"""The engine side of a build, as Ibis expressions (so DuckDB and Spark run the same).

Ibis compiles each aggregation; its GROUP BY is then swapped for SQL ``GROUPING SETS``
(``grouping_sets_sql``), so one pass computes many groupings. Per refresh:

1. *merchant cube* (``cube_sql``), one pass over the fact rows of the months to refresh:
   the catalogue's aggregates, each distinct formula once, grouped by month × merchant ×
   (district, business district, category, channel, and the digital flags that follow
   from them); × payer segment; × payment method. A few rows per merchant-month each,
   and every cut is a roll-up of one of them (any column may sit in any grain: this only
   keeps them small). The engine keeps it as a temporary table; the merchants present in
   a month (a payment, refunds aside) are read from it.
2. *daily values* (``day_sql``): the sums by day × district, from the cube's pass (a
   grouping set of it: ``DAY_GRAIN``), with the merchant counts taken over the distinct
   merchant-days with a payment (``merchant_day_counts``), and summed by day.
3. *levels* (``levels_sql``), over the merchant cube (the cuts by the merchant's own
   attributes over its roll-up to them, ``LEVEL_GRAINS``) joined to each merchant-month's
   presence flags (``presence_flags``: also present 1 / 12 months before / after): for
   each cut and month the sums, and beside each the same-store parts: ``__ss1`` /
   ``__ss12`` over merchants also present 1 / 12 months before, ``__b1`` / ``__b12`` over
   merchants also present 1 / 12 months after (the base of next month's / next year's
   same-store growth). Merchant counts are distinct merchants with a count above zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS, Indicator
from cockpit.indicators.fact import DIGITAL_FLAGS

LAGS = (1, 12)
# same-store part -> the presence flag it is restricted to
FLAGS = {
    **{f"ss{lag}": f"prev{lag}" for lag in LAGS},
    **{f"b{lag}": f"next{lag}" for lag in LAGS},
}
# The merchant's own attributes a cut can be by: a same-store comparison counts a merchant
# in the one cut it is in now, in both periods (NBS 可比口径: a move is not growth).
RESTATED = ("district", "business_district", "category", "dp", "dc")
# Two-dimension cuts built beside the single ones (for indicators that allow both).
PAIR_CUTS: tuple[tuple[str, ...], ...] = (
    ("district", "category"),
    ("business_district", "category"),
)
CUTS: tuple[tuple[str, ...], ...] = ((), *((d,) for d in CUT_DIMENSIONS), *PAIR_CUTS)
DAY_CUTS: tuple[tuple[str, ...], ...] = ((), ("district",))
# The merchant-grain groupings of the cube (beside mi and merchant_id); every month cut is
# a roll-up of the first that holds all its columns. The first holds the merchant's own
# attributes with the channel: a merchant-month has one version a channel or so, so the
# attributes add no rows, and the cuts by them roll up from it (one pass over the rows the
# fewer).
MERCHANT_GRAINS: tuple[tuple[str, ...], ...] = (
    ("district", "business_district", "category", "dp", "dc", "channel", "ds", "dch"),
    ("payer_segment",),
    ("payment_method",),
)
# What the levels roll up from: a merchant grain, or a roll-up of one over the columns
# listed (the merchant's own attributes: one or two rows a merchant-month, so the cuts by
# them, and their distinct merchant counts, read four times fewer rows).
LEVEL_GRAINS: tuple[tuple[str, ...], ...] = (
    ("district", "business_district", "category", "dp", "dc"),
    *MERCHANT_GRAINS,
)


@cache
def cube_layout() -> str:
    """A fingerprint of the cube's shape: its grains and each measure's formula. A stored
    cube of another layout is not added to (the build cubes its month afresh)."""
    import hashlib
    import json

    from cockpit.indicators.fact import unbound_fact

    fact = unbound_fact()
    m = measures(fact.mutate(mi=fact.mi.cast("int32")), merchant_grain=True)
    formulas = {a: m.exprs[a].get_name() for a in m.exprs}
    text = json.dumps([MERCHANT_GRAINS, RESTATED, formulas, m.column, sorted(m.merchants)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def built_cut(dims: list[str]) -> tuple[str, ...] | None:
    """The materialised cut over exactly ``dims`` (any order), or None when none is built."""
    for cut in CUTS:
        if sorted(cut) == sorted(dims):
            return cut
    return None


def measure_columns(ind: Indicator) -> list[str]:
    """The columns of an indicator: numerator, and denominator for ratios."""
    return [f"{ind.id}__n"] + ([f"{ind.id}__d"] if ind.den is not None else [])


@dataclass
class Measures:
    """The catalogue's aggregates over the fact table, each distinct formula once."""

    exprs: dict[str, Any] = field(default_factory=dict)  # a0, a1, … -> Ibis aggregate
    column: dict[str, str] = field(default_factory=dict)  # "<id>__n" / "<id>__d" -> a<k>
    merchants: set[str] = field(default_factory=set)  # a<k> that count merchants


def measures(t: Any, merchant_grain: bool = False) -> Measures:
    """Numerators and denominators of every indicator over ``t``, zero when empty.

    ``merchant_grain``: for groups of one merchant, a distinct count of merchants is 0 or 1
    and is only tested for being above zero, so it is taken as a count of rows (much
    cheaper for the engine than a distinct count, and the same aggregate as the payments
    count where the condition is the same: engines compute it once).
    """
    out = Measures()
    seen: dict[Any, str] = {}
    for ind in INDICATORS:
        formulas = [ind.num] + ([ind.den] if ind.den is not None else [])
        for name, formula in zip(measure_columns(ind), formulas, strict=True):
            expr = formula(t)
            key = expr.op()
            if key not in seen:
                seen[key] = f"a{len(seen)}"
                agg = _plain_merchant_count(expr) if merchant_grain else expr
                out.exprs[seen[key]] = agg.fill_null(0).cast("int64")
            out.column[name] = seen[key]
            if ind.kind == "merchants":
                out.merchants.add(seen[key])
    return out


def _plain_merchant_count(expr: Any) -> Any:
    """``expr`` with every distinct count of ``merchant_id`` made a count of rows."""
    import ibis.expr.operations as ops
    from ibis.expr.operations.reductions import CountDistinct, CountStar

    def rule(node: Any, kwargs: Any) -> Any:
        if kwargs:
            node = node.copy(**kwargs)
        if isinstance(node, CountDistinct) and getattr(node.arg, "name", "") == "merchant_id":
            return CountStar(node.arg.rel, where=node.where)
        return node

    return expr.op().replace(rule, filter=ops.Value).to_expr()


@dataclass(frozen=True)
class GroupingSet:
    """One grouping: a cut, by month or by day."""

    period: str  # "month" or "day"
    cut: tuple[str, ...]
    keys: tuple[str, ...]  # columns grouped by (a digital type is its flag column)
    digital_type: str | None = None  # set for the digital_type cut: keep rows with the flag


def month_sets() -> list[GroupingSet]:
    """Every month grouping the build materialises (levels query)."""
    out = []
    for cut in CUTS:
        if "digital_type" in cut:
            for name, col in DIGITAL_FLAGS.items():
                keys = tuple(col if d == "digital_type" else d for d in cut)
                out.append(GroupingSet("month", cut, ("mi", *keys), name))
        else:
            out.append(GroupingSet("month", cut, ("mi", *cut)))
    return out


def cube_sets() -> list[GroupingSet]:
    """The merchant-grain groupings of the merchant cube."""
    return [GroupingSet("merchant", g, ("mi", "merchant_id", *g)) for g in MERCHANT_GRAINS]


def day_sets() -> list[GroupingSet]:
    """The daily groupings of the daily values."""
    return [GroupingSet("day", cut, ("mi", "date", *cut)) for cut in DAY_CUTS]


# The finest daily grouping: what the fact rows are summed by (the others roll up from it).
DAY_GRAIN = GroupingSet("day", ("district",), ("mi", "date", "district"))


def grain_of(
    s: GroupingSet, grains: tuple[tuple[str, ...], ...] = MERCHANT_GRAINS
) -> tuple[str, ...]:
    """The first of ``grains`` (merchant grains unless told) that holds a month grouping."""
    for grain in grains:
        if set(s.keys) - {"mi"} <= set(grain):
            return grain
    raise ValueError(f"no grain holds {s.keys}")


def key_columns(sets: list[GroupingSet]) -> list[str]:
    """Every column some grouping set groups by, in a fixed order."""
    seen: dict[str, None] = {}
    for s in sets:
        seen.update(dict.fromkeys(s.keys))
    return list(seen)


def rows_of(table: Any, s: GroupingSet, keys: list[str]) -> Any:
    """The rows of a grouping-sets result (Ibis) that belong to grouping ``s``."""
    cond = None
    for k in keys:
        c = table[f"g__{k}"] == (0 if k in s.keys else 1)
        cond = c if cond is None else cond & c
    return table.filter(cond)


def grouping_sets_sql(con: Any, expr: Any, keys: list[str], sets: list[GroupingSet]) -> Any:
    """``expr`` (an Ibis aggregation grouped by ``keys``) with GROUPING SETS, as sqlglot.

    Adds ``g__<key>`` (SQL ``GROUPING``: 1 where the row is not grouped by that key; a
    one-byte integer). Sums are BIGINT, as the formulas say: Ibis drops a cast to the type
    it expects, and DuckDB sums BIGINT into a 128-bit integer (which its Parquet writer
    would store as a float).
    """
    from sqlglot import exp

    select = con.compiler.to_sqlglot(expr)
    cols = {k: select.expressions[i].unalias() for i, k in enumerate(keys)}
    tuples = [exp.Tuple(expressions=[cols[k].copy() for k in s.keys]) for s in sets]
    select.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=tuples)]))
    flags = [
        exp.alias_(
            exp.cast(exp.Anonymous(this="GROUPING", expressions=[cols[k].copy()]), "TINYINT"),
            f"g__{k}",
        )
        for k in keys
    ]
    select.set("expressions", [*select.expressions, *flags])
    select = hoist_aggregate_inputs(select.transform(filter_as_case))
    return select.transform(_sum_as_bigint)


def _sum_as_bigint(node: Any) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.Sum) and not isinstance(node.parent, exp.Cast):
        return exp.cast(node.copy(), "BIGINT")
    return node


def filter_as_case(node: Any) -> Any:
    """``AGG(x) FILTER (WHERE p)`` as ``AGG(CASE WHEN p THEN x END)``: the same value (the
    aggregates skip NULL), and DuckDB evaluates it several times faster in grouping sets."""
    from sqlglot import exp

    if not isinstance(node, exp.Filter) or not isinstance(node.this, exp.Sum | exp.Count):
        return node
    agg, cond = node.this.copy(), node.expression.this

    def when(value: Any) -> Any:
        value = exp.Literal.number(1) if isinstance(value, exp.Star) else value
        return exp.Case(ifs=[exp.If(this=cond.copy(), true=value)])

    arg = agg.this
    if isinstance(arg, exp.Distinct) and len(arg.expressions) == 1:
        arg.set("expressions", [when(arg.expressions[0])])
    elif not isinstance(arg, exp.Distinct):
        agg.set("this", when(arg))
    else:
        return node
    return agg


def hoist_aggregate_inputs(select: Any) -> Any:
    """``select`` with the inputs of its plain sums and counts computed once, as columns
    of the table it reads (``__x0``, ``__x1``, …), the aggregates summing those columns.

    DuckDB runs each grouping set of a query as its own consumer of the rows, and computes
    an aggregate's input (``CASE WHEN p THEN x END``) in each; computed once below, every
    grouping set reads a column instead."""
    from sqlglot import exp

    source = select.args["from_"].this
    if not isinstance(source, exp.Subquery | exp.Table) or not source.alias:
        return select
    alias = source.alias
    inputs: dict[str, tuple[str, Any]] = {}

    def column_for(node: Any) -> Any:
        is_plain = isinstance(node, exp.Sum | exp.Count) and not isinstance(
            node.this, exp.Distinct | exp.Column | exp.Star
        )
        if not is_plain:
            return node
        key = node.this.sql()
        if key not in inputs:
            inputs[key] = (f"__x{len(inputs)}", node.this.copy())
        new = node.copy()
        new.set("this", exp.column(inputs[key][0], table=alias, quoted=True))
        return new

    for expr in select.expressions:
        expr.replace(expr.transform(column_for))
    if not inputs:
        return select
    computed = [exp.alias_(e, name) for name, e in inputs.values()]
    inner = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(alias)), *computed)
    inner = inner.from_(source.copy())
    select.args["from_"].set("this", inner.subquery(alias))
    return select


def _with_int_month(fact: Any) -> Any:
    return fact.mutate(mi=fact.mi.cast("int32"))


def cube_sql(con: Any, fact: Any, dialect: str, with_days: bool = False) -> tuple[str, Measures]:
    """The merchant cube over ``fact`` as SQL text, and the measures it holds.

    ``with_days``: the same pass also sums the rows by day and district (``DAY_GRAIN``;
    a few thousand groups beside the cube's, where a pass of their own would read and join
    every row again); ``cube_part`` and ``day_part`` take the result apart."""
    return _pass_sql(con, fact, dialect, [*cube_sets(), *([DAY_GRAIN] if with_days else [])])


def day_sums_sql(con: Any, fact: Any, dialect: str) -> str:
    """The rows of ``fact`` summed by day and district alone (``day_part`` reads them)."""
    return _pass_sql(con, fact, dialect, [DAY_GRAIN])[0]


def _pass_sql(con: Any, fact: Any, dialect: str, sets: list[GroupingSet]) -> tuple[str, Measures]:
    fact = _with_int_month(fact)
    m = measures(fact, merchant_grain=True)
    keys = key_columns(sets)
    expr = fact.group_by(keys).aggregate(**m.exprs)
    sql: str = grouping_sets_sql(con, expr, keys, sets).sql(dialect=dialect)
    return sql, m


def cube_part(both: Any, m: Measures) -> Any:
    """The merchant cube's rows of a ``cube_sql(with_days=True)`` result (Ibis), with the
    columns ``cube_sql`` gives alone."""
    keys = key_columns(cube_sets())
    rows = both.filter(both.g__date == 1)
    return rows.select(*keys, *m.exprs, *(f"g__{k}" for k in keys))


def day_part(both: Any, m: Measures) -> Any:
    """The day × district sums of a ``cube_sql(with_days=True)`` or ``day_sums_sql``
    result (Ibis); their merchant counts are not distinct counts (``day_sql`` replaces
    them)."""
    rows = rows_of(both, DAY_GRAIN, [k for k in both.columns if f"g__{k}" in both.columns])
    return rows.select(*DAY_GRAIN.keys, *(a for a in m.exprs if a not in m.merchants))


def merchant_day_counts(days: Any, m: Measures) -> Any:
    """The catalogue's merchant counts by day and district (Ibis), over ``days``
    (``fact.merchant_days``: a row per merchant and date, so a count of rows is a count of
    merchants)."""
    days = days.mutate(mi=days.mi.cast("int32"))
    counts = {}
    for ind in INDICATORS:
        if ind.kind == "merchants":
            count = _plain_merchant_count(ind.num(days))
            counts[m.column[f"{ind.id}__n"]] = count.fill_null(0).cast("int64")
    if set(counts) != m.merchants:
        raise ValueError("a merchant count of the catalogue is not an indicator's numerator")
    keys = list(DAY_GRAIN.keys)
    return days.group_by(keys).aggregate(**counts)


def day_sql(con: Any, sums: Any, counts: Any, m: Measures, dialect: str) -> str:
    """The daily values as SQL text (columns named as in ``cube_sql``): the ``day_part``
    sums with the ``merchant_day_counts``, by day and district and summed by day. A
    merchant has one version, so one district, a day: its district counts add up to the
    day's."""
    keys = list(DAY_GRAIN.keys)
    c = counts.rename(**{f"{k}__c": k for k in keys})
    joined = sums.left_join(c, [sums[k] == c[f"{k}__c"] for k in keys])
    rows = joined.select(
        *(sums[k] for k in keys),
        **{a: (c[a].fill_null(0) if a in m.merchants else sums[a]) for a in m.exprs},
    )
    expr = rows.group_by(keys).aggregate(**{a: rows[a].sum().cast("int64") for a in m.exprs})
    sql: str = grouping_sets_sql(con, expr, keys, day_sets()).sql(dialect=dialect)
    return sql


def present(cube: Any, m: Measures) -> Any:
    """(mi, merchant_id, and its ``RESTATED`` attributes) of every merchant-month with a
    payment (refunds aside). A merchant whose attributes changed within the month is in
    the cut of the version it made the most payments under (ties: the lower codes)."""
    import ibis

    grain = cube_sets()[0]
    rows = rows_of(cube, grain, key_columns(cube_sets()))
    n = rows[m.column["transactions__n"]]
    g = rows.group_by(["mi", "merchant_id", *RESTATED]).aggregate(n=n.sum())
    g = g.filter(g.n > 0)
    rank = ibis.row_number().over(
        group_by=[g.mi, g.merchant_id], order_by=[ibis.desc(g.n), *(g[a] for a in RESTATED)]
    )
    ranked = g.mutate(rank_=rank)
    return ranked.filter(ranked.rank_ == 0).select("mi", "merchant_id", *RESTATED)


def presence_flags(present: Any) -> Any:
    """Per present (mi, merchant_id): also present 1 and 12 months before and after, its
    own cut now (``here_<attr>``) and where it will be 1 and 12 months after
    (``next1_<attr>``, ``next12_<attr>``: the cut that month's same-store growth counts its
    sales of this month in).

    ``present`` is an Ibis table of (mi, merchant_id, *RESTATED); left joins on its shifts.
    """
    import ibis

    here = present.select("mi", "merchant_id", **{f"here_{a}": present[a] for a in RESTATED})
    out = here
    for lag in LAGS:
        for name, shift in ((f"prev{lag}", lag), (f"next{lag}", -lag)):
            other = present.select(
                mi_=(present.mi + shift).cast("int32"),
                mid_=present.merchant_id,
                **{name: ibis.literal(True)},
                **(
                    {f"{name}_{a}": present[a] for a in RESTATED} if name.startswith("next") else {}
                ),
            )
            out = out.left_join(other, [out.mi == other.mi_, out.merchant_id == other.mid_]).drop(
                "mi_", "mid_"
            )
            out = out.mutate(**{name: out[name].fill_null(False)})
    return out


def levels_sql(
    cube: Any, flags: Any, m: Measures, dialect: str
) -> list[tuple[str, list[GroupingSet], list[str]]]:
    """The levels queries, one per merchant grain: (SQL text, its groupings, its keys).

    Plain SQL over two named tables, as the roll-ups are the same for every measure (the
    formulas are in the cube). The sums are taken in two steps: first by the grain's cut
    columns (a few thousand rows), then by each grouping; the merchant counts, which do
    not add up, are counted over the cube rows apart; the two are put together by grouping.

    The same-store parts restate the base (``RESTATED``): ``__ss<lag>`` sums a merchant's
    month in its own cut of the month (``here_``), ``__b<lag>`` its month in the cut it
    will be in ``lag`` months later (``next<lag>_``), so both periods of a same-store
    growth count each merchant in its current cut. Columns of a payment (channel, payer,
    method) are not restated: a merchant's sales keep their own."""
    import sqlglot

    flag_names = list(FLAGS.values())
    sums = [a for a in m.exprs if a not in m.merchants]
    merchants = [a for a in m.exprs if a in m.merchants]
    attrs = [f"f.{n}_{a}" for n in ("here", *(f"next{lag}" for lag in LAGS)) for a in RESTATED]
    out = []
    for level_grain in LEVEL_GRAINS:
        sets = [s for s in month_sets() if grain_of(s, LEVEL_GRAINS) == level_grain]
        keys = key_columns(sets)
        source = cubes_rows(cube.get_name(), level_grain, m)
        q = (
            f"SELECT {_list(f'c.{k}' for k in [*keys, 'merchant_id', *m.exprs])}, "
            f"{_list(f'COALESCE(f.{n}, FALSE) AS {n}' for n in flag_names)}, "
            f"{_list(f'{c} AS {c[2:]}' for c in attrs)} "
            f"FROM {source} AS c LEFT JOIN {flags.get_name()} AS f "
            f"ON c.mi = f.mi AND c.merchant_id = f.merchant_id"
        )
        columns = _sum_columns(sums)
        moments = _moment_columns(sums, ratio_pairs(m))
        parts = [_part_rows(keys, columns, moments, "", None, sums)]
        parts += [
            _part_rows(keys, columns, moments, part, flag, sums) for part, flag in FLAGS.items()
        ]
        by_cut = " UNION ALL ".join(parts)
        counts = [f"0 AS {c}" for c in [*columns, *moments]]
        counts += [
            f"COUNT(DISTINCT CASE WHEN {a} > 0 THEN merchant_id END) AS {a}" for a in merchants
        ]
        grouping = _grouping_sets(sets)
        flags_of = _list(f"GROUPING({k}) AS g__{k}" for k in keys)
        summed = [f"SUM({c}) AS {c}" for c in [*columns, *moments]]
        summed += [f"0 AS {a}" for a in merchants]
        outer = [f"CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}" for c in [*columns, *merchants]]
        outer += [f"CAST(COALESCE(SUM({c}), 0) AS DOUBLE) AS {c}" for c in moments]
        g_cols = [f"g__{k}" for k in keys]
        # q is read by each part: DuckDB computes it once when told (Spark has no word)
        materialised = "MATERIALIZED " if dialect == "duckdb" else ""
        sql = (
            f"WITH q AS {materialised}({q}), s AS ({by_cut}), "
            f"both_ AS (SELECT {_list(keys)}, {_list(summed)}, {flags_of} FROM s {grouping} "
            f"UNION ALL SELECT {_list(keys)}, {_list(counts)}, {flags_of} FROM q {grouping}) "
            f"SELECT {_list([*keys, *g_cols])}, {_list(outer)} FROM both_ "
            f"GROUP BY {_list([*keys, *g_cols])}"
        )
        if dialect != "duckdb":  # parsing is slow (a second a build): only where needed
            sql = sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
        out.append((sql, sets, keys))
    return out


def ratio_pairs(m: Measures) -> list[tuple[str, str]]:
    """(numerator, denominator) cube columns of every ratio indicator, each pair once."""
    pairs = {
        (m.column[f"{i.id}__n"], m.column[f"{i.id}__d"]) for i in INDICATORS if i.den is not None
    }
    return sorted(pairs)


def _moment_columns(sums: list[str], pairs: list[tuple[str, str]]) -> list[str]:
    """The sums over merchants of squares and of numerator × denominator, the moments the
    sampling error is computed from (``cockpit.indicators.sampling``): ``<a>__q``, and
    ``<n>__x__<d>`` for the ratios."""
    return [f"{a}__q" for a in sums] + [f"{n}__x__{d}" for n, d in pairs]


def _part_rows(
    keys: list[str],
    columns: list[str],
    moments: list[str],
    part: str,
    flag: str | None,
    sums: list[str],
) -> str:
    """SQL: the rows of ``q`` summed into one part (``""``: the levels), by the cut the
    part counts a merchant in, the other columns zero. A row of ``q`` is a merchant's in a
    cut: its squares are the merchant's (as doubles: a square of fen overflows BIGINT)."""
    if flag is None:
        cut = keys
        where = ""
        filled = {a: a for a in sums}
        filled |= {f"{a}__q": f"CAST({a} AS DOUBLE) * {a}" for a in sums}
        for c in moments:
            if "__x__" in c:
                n, d = c.split("__x__")
                filled[c] = f"CAST({n} AS DOUBLE) * {d}"
    else:
        side = "here" if part.startswith("ss") else flag
        cut = [f"{side}_{k} AS {k}" if k in RESTATED else k for k in keys]
        where = f" WHERE {flag}"
        filled = {f"{a}__{part}": a for a in sums}
    values = [
        f"SUM({filled[c]}) AS {c}" if c in filled else f"0 AS {c}" for c in [*columns, *moments]
    ]
    return (
        f"(SELECT {_list(cut)}, {_list(values)} FROM q{where} "
        f"GROUP BY {_list(str(i + 1) for i in range(len(keys)))})"
    )


def cubes_rows(cube: str, grain: tuple[str, ...], m: Measures) -> str:
    """SQL: the rows of ``cube`` (a table name) by month × merchant × ``grain``: the rows of
    that merchant grain, or rolled up from the first merchant grain that holds it (every
    measure of the cube adds up, merchant counts being counts of rows), one row each."""
    cube_keys = key_columns(cube_sets())
    held = grain_of(GroupingSet("month", grain, grain))
    where = " AND ".join(
        f"g__{k} = {0 if k in ('mi', 'merchant_id', *held) else 1}" for k in cube_keys
    )
    # summed even where the grain is held as it is: a month's cube may be two parts (one
    # merchant twice), and the sampling error squares each merchant's sum, not its parts
    keys = ["mi", "merchant_id", *grain]
    sums = _list(f"SUM({a}) AS {a}" for a in m.exprs)
    return f"(SELECT {_list(keys)}, {sums} FROM {cube} WHERE {where} GROUP BY {_list(keys)})"


def _sum_columns(sums: list[str]) -> list[str]:
    return [*sums, *(f"{a}__{part}" for a in sums for part in FLAGS)]


def _grouping_sets(sets: list[GroupingSet]) -> str:
    return "GROUP BY GROUPING SETS (" + _list(f"({_list(s.keys)})" for s in sets) + ")"


def _list(items: Any) -> str:
    return ", ".join(items)
