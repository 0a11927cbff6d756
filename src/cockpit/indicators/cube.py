"""The engine side of a build, as Ibis expressions (so DuckDB and Spark run the same).

Ibis compiles each aggregation; its GROUP BY is then swapped for SQL ``GROUPING SETS``
(``grouping_sets_sql``), so one pass computes many groupings. Per refresh:

1. *merchant cube* (``cube_sql``), one pass over the fact rows of the months to refresh:
   the catalogue's aggregates, each distinct formula once, grouped by month × merchant ×
   (district, business district, category, and the digital flags that follow from them);
   × (channel and the flags that follow from it); × payer segment; × payment method. A few
   rows per merchant-month each, and every cut is a roll-up of one of them (any column may
   sit in any grain: this only keeps them small). The engine keeps it as a temporary
   table; the merchants present in a month (a payment, refunds aside) are read from it.
2. *daily values* (``day_sql``), one pass: by day, and day × district, final.
3. *levels* (``levels_sql``), over the merchant cube joined to each merchant-month's
   presence flags (``presence_flags``: also present 1 / 12 months before / after): for
   each cut and month the sums, and beside each the same-store parts: ``__ss1`` /
   ``__ss12`` over merchants also present 1 / 12 months before, ``__b1`` / ``__b12`` over
   merchants also present 1 / 12 months after (the base of next month's / next year's
   same-store growth). Merchant counts are distinct merchants with a count above zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS, Indicator
from cockpit.indicators.fact import DIGITAL_FLAGS

LAGS = (1, 12)
# same-store part -> the presence flag it is restricted to
FLAGS = {
    **{f"ss{lag}": f"prev{lag}" for lag in LAGS},
    **{f"b{lag}": f"next{lag}" for lag in LAGS},
}
# Two-dimension cuts built beside the single ones (for indicators that allow both).
PAIR_CUTS: tuple[tuple[str, ...], ...] = (("district", "category"),)
CUTS: tuple[tuple[str, ...], ...] = ((), *((d,) for d in CUT_DIMENSIONS), *PAIR_CUTS)
DAY_CUTS: tuple[tuple[str, ...], ...] = ((), ("district",))
# The merchant-grain groupings of the cube (beside mi and merchant_id); every month cut is
# a roll-up of the first that holds all its columns.
# The first holds the merchant's own attributes (one or two rows per merchant-month).
MERCHANT_GRAINS: tuple[tuple[str, ...], ...] = (
    ("district", "business_district", "category", "dp", "dc"),
    ("channel", "ds", "dch"),
    ("payer_segment",),
    ("payment_method",),
)


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
    and is only tested for being above zero, so it is taken as a plain count (much cheaper
    for the engine than a distinct count).
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
    """``expr`` with every distinct count of ``merchant_id`` made a plain count."""
    import ibis.expr.operations as ops
    from ibis.expr.operations.reductions import Count, CountDistinct

    def rule(node: Any, kwargs: Any) -> Any:
        if kwargs:
            node = node.copy(**kwargs)
        if isinstance(node, CountDistinct) and getattr(node.arg, "name", "") == "merchant_id":
            return Count(node.arg, where=node.where)
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
    """The daily groupings (final values, straight from the fact rows)."""
    return [GroupingSet("day", cut, ("mi", "date", *cut)) for cut in DAY_CUTS]


def grain_of(s: GroupingSet) -> tuple[str, ...]:
    """The merchant grain a month grouping rolls up from."""
    for grain in MERCHANT_GRAINS:
        if set(s.keys) - {"mi"} <= set(grain):
            return grain
    raise ValueError(f"no merchant grain holds {s.keys}")


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

    Adds ``g__<key>`` (SQL ``GROUPING``: 1 where the row is not grouped by that key).
    """
    from sqlglot import exp

    select = con.compiler.to_sqlglot(expr)
    cols = {k: select.expressions[i].unalias() for i, k in enumerate(keys)}
    tuples = [exp.Tuple(expressions=[cols[k].copy() for k in s.keys]) for s in sets]
    select.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=tuples)]))
    flags = [
        exp.alias_(exp.Anonymous(this="GROUPING", expressions=[cols[k].copy()]), f"g__{k}")
        for k in keys
    ]
    select.set("expressions", [*select.expressions, *flags])
    return select


def _grouped_sql(con: Any, fact: Any, sets: list[GroupingSet], m: Measures, dialect: str) -> str:
    keys = key_columns(sets)
    expr = fact.mutate(mi=fact.mi.cast("int32")).group_by(keys).aggregate(**m.exprs)
    sql: str = grouping_sets_sql(con, expr, keys, sets).sql(dialect=dialect)
    return sql


def cube_sql(con: Any, fact: Any, dialect: str) -> tuple[str, Measures]:
    """The merchant cube over ``fact`` as SQL text, and the measures it holds."""
    m = measures(fact, merchant_grain=True)
    return _grouped_sql(con, fact, cube_sets(), m, dialect), m


def day_sql(con: Any, fact: Any, dialect: str) -> str:
    """The daily values over ``fact`` as SQL text (columns named as in ``cube_sql``)."""
    return _grouped_sql(con, fact, day_sets(), measures(fact), dialect)


def presence_query(fact: Any) -> Any:
    """(mi, merchant_id) of every merchant-month with a payment, from the fact rows."""
    from cockpit.indicators.catalogue import indicator

    n = indicator("transactions").num(fact)
    g = fact.mutate(mi=fact.mi.cast("int32")).group_by(["mi", "merchant_id"]).aggregate(n=n)
    return g.filter(g.n > 0).select("mi", "merchant_id")


def present(cube: Any, m: Measures) -> Any:
    """(mi, merchant_id) of every merchant-month with a payment (refunds aside)."""
    grain = cube_sets()[0]
    rows = rows_of(cube, grain, key_columns(cube_sets()))  # any grain covers every row
    n = rows[m.column["transactions__n"]]
    g = rows.group_by(["mi", "merchant_id"]).aggregate(n=n.sum())
    return g.filter(g.n > 0).select("mi", "merchant_id")


def presence_flags(present: Any) -> Any:
    """Per present (mi, merchant_id): also present 1 and 12 months before and after?

    ``present`` is an Ibis table of (mi, merchant_id); one union and one group-by.
    """
    import ibis

    names = list(FLAGS.values())
    zero = {n: ibis.literal(0) for n in names}
    parts = [present.select("mi", "merchant_id", here=ibis.literal(1), **zero)]
    for lag in LAGS:
        # present at mi - lag, seen from mi: "prev"; present at mi + lag: "next"
        for name, shift in ((f"prev{lag}", lag), (f"next{lag}", -lag)):
            marks = {n: ibis.literal(1 if n == name else 0) for n in names}
            parts.append(
                present.select(
                    mi=(present.mi + shift).cast("int32"),
                    merchant_id=present.merchant_id,
                    here=ibis.literal(0),
                    **marks,
                )
            )
    u = ibis.union(*parts)
    g = u.group_by(["mi", "merchant_id"]).aggregate(
        here=u.here.max(), **{n: u[n].max() for n in names}
    )
    return g.filter(g.here == 1).select("mi", "merchant_id", **{n: g[n] == 1 for n in names})


def with_flags(rows: Any, flags: Any) -> Any:
    """Rows with their merchant-month's presence flags (False when not present)."""
    names = list(FLAGS.values())
    f = flags.rename(f_mi="mi", f_id="merchant_id")
    joined = rows.left_join(f, [rows.mi == f.f_mi, rows.merchant_id == f.f_id])
    joined = joined.drop("f_mi", "f_id")
    return joined.mutate(**{n: joined[n].fill_null(False) for n in names})


def level_measures(q: Any, m: Measures) -> dict[str, Any]:
    """Roll-ups of the cube's measures over flagged rows ``q``, with same-store parts."""
    out: dict[str, Any] = {}
    for a in m.exprs:
        if a in m.merchants:
            out[a] = q.merchant_id.nunique(where=q[a] > 0).cast("int64")
            continue
        out[a] = q[a].sum().fill_null(0).cast("int64")
        for part, flag in FLAGS.items():
            out[f"{a}__{part}"] = q[a].sum(where=q[flag]).fill_null(0).cast("int64")
    return out


def levels_sql(
    con: Any, cube: Any, flags: Any, m: Measures, dialect: str
) -> list[tuple[str, list[GroupingSet], list[str]]]:
    """The levels queries, one per merchant grain: (SQL text, its groupings, its keys)."""
    cube_keys = key_columns(cube_sets())
    out = []
    for grain_set in cube_sets():
        sets = [s for s in month_sets() if grain_of(s) == grain_set.cut]
        keys = key_columns(sets)
        q = with_flags(rows_of(cube, grain_set, cube_keys), flags)
        expr = q.group_by(keys).aggregate(**level_measures(q, m))
        out.append((grouping_sets_sql(con, expr, keys, sets).sql(dialect=dialect), sets, keys))
    return out
