"""What the industry page draws: the chain as an ECharts tree coloured by coverage, and
firms by district for the map. Shapes only; the numbers come from ``cockpit.industry``."""

from __future__ import annotations

from typing import Any

from cockpit import reference
from cockpit.web import i18n
from cockpit.web.i18n import Lang

COLOURS = {"strong": "#1a7f37", "weak": "#d9730d", "gap": "#b42318"}


def chain_tree(chain_id: str, lang: Lang) -> dict[str, Any]:
    """chain → segment → node (→ firms) as ECharts tree data; each node names its coverage."""
    from cockpit.industry import chain_map, get_chain

    chain = get_chain(chain_id)
    en = lang == "en"
    views = chain_map(chain_id)
    segments: dict[str, dict[str, Any]] = {}
    for v in views:
        seg = segments.setdefault(
            v.segment_id, {"name": v.segment_en if en else v.segment_zh, "children": []}
        )
        firms = [{"name": f.name_zh, "value": f.credit_code} for f in v.confirmed]
        seg["children"].append(
            {
                "name": v.node_en if en else v.node_zh,
                "id": v.node_id,
                "coverage": v.coverage,
                "coverage_label": i18n.label(f"coverage_{v.coverage}", lang),
                "firms": len(v.confirmed),
                "itemStyle": {"color": COLOURS[v.coverage], "borderColor": COLOURS[v.coverage]},
                "children": firms,
                "collapsed": True,
            }
        )
    counts = {c: sum(1 for v in views if v.coverage == c) for c in COLOURS}
    return {
        "available": True,
        "chain": chain.id,
        "colours": COLOURS,
        "counts": counts,
        "tree": {
            "name": chain.name_en if en else chain.name_zh,
            "children": list(segments.values()),
        },
    }


def firms_map(lang: Lang) -> dict[str, Any]:
    """Registry firms by district, in the shape of the cockpit's district map."""
    from cockpit.industry import firms_by_district

    counts = firms_by_district()
    items = []
    for code, n in counts.items():
        d = reference.district(code)  # checked against GB/T 2260 when the list was loaded
        items.append({"code": code, "name": d.name_zh, "label": i18n.name_of(d, lang), "value": n})
    return {
        "available": bool(items),
        "hint": "cockpit industry load firms 企业库.xlsx",
        "items": items,
        "name_map": {d.name_zh: i18n.name_of(d, lang) for d in reference.districts()},
        "map_url": "/static/vendor/chongqing.geojson",
    }


def industry_page(*, chain: str, district: str, designation: str, lang: Lang) -> dict[str, Any]:
    """What the industry page lays out: chains, the gap list and the filtered firm list."""
    from urllib.parse import urlencode

    from cockpit.db import ensure_schema
    from cockpit.industry import FirmFilter, all_chains, gap_list, industry_vocab, list_firms

    ensure_schema()
    known = all_chains()
    chain = chain if chain in known else next(iter(known))
    flt = FirmFilter(district=district or None, chain=chain, designation=designation or None)
    query = {"chain": chain, "district": district, "designation": designation}
    return {
        "chain": chain,
        "chains": list(known.values()),
        "designation": designation,
        "designations": [
            (k, v.en if lang == "en" else v.zh)
            for k, v in industry_vocab().designation_kinds.items()
        ],
        "gaps": gap_list(chain_id=chain),
        "firms": [_shown(f, known, lang) for f in list_firms(flt)],
        "firm_query": urlencode({k: v for k, v in query.items() if v}),
        "district_names": {d.code: d.name_zh for d in reference.districts()},
    }


def _shown(firm: dict[str, Any], known: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """A firm of the list with its codes (size, designations, nodes) as labels in ``lang``."""
    from cockpit.industry import industry_vocab

    en = lang == "en"
    words = industry_vocab()

    def label(table: dict[str, Any], code: str) -> str:
        entry = table.get(code)
        return code if entry is None else (entry.en if en else entry.zh)

    def node(ref: str) -> str:
        chain_id, _, node_id = ref.partition("/")
        _, n = known[chain_id].nodes()[node_id]
        return str(n.name_en if en else n.name_zh)

    return firm | {
        "size": label(words.sizes, firm["size"]) if firm["size"] else None,
        "designations": [label(words.designation_kinds, d) for d in firm["designations"]],
        "nodes": [node(n) for n in firm["nodes"]],
    }
