"""The sample city's industry lists, as an industry office keeps them in Excel: the firm
registry (and a later correction of it), designations, carriers (parks, platforms,
clusters), chain links, external candidates and other rooms' firm ids.

Built so the plans' targets come out some met and some short, with nodes of each chain left
empty (or held only by small firms) and a few bad rows; everything a test needs to check
the industry room is in ground_truth.json under ``industry``. NOT real firms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cockpit.sample.trade import ENTERPRISES_FILE, _save

FOLDER = "industry"
FIRMS_FILE = "企业库.xlsx"
UPDATE_FILE = "企业库_2026年变更.xlsx"
DESIGNATIONS_FILE = "企业资质认定名单.xlsx"
CARRIERS_FILE = "产业载体名单.xlsx"
LINKS_FILE = "产业链关联企业.xlsx"
CANDIDATES_FILE = "招商目标企业.xlsx"
REFS_FILE = "企业身份对照.xlsx"
LOAD_ORDER = (
    ("firms", FIRMS_FILE),
    ("firms", UPDATE_FILE),
    ("designations", DESIGNATIONS_FILE),
    ("carriers", CARRIERS_FILE),
    ("links", LINKS_FILE),
    ("candidates", CANDIDATES_FILE),
    ("refs", REFS_FILE),
)
AS_OF = dt.date(2026, 11, 30)  # every expectation holds from 2026-07-01 to 2027-12-31
REVENUE_YEAR = 2025
METAVERSE_SCALE_FEN = 620 * 10**8 * 100  # short of the plan's 1,000亿
N_METAVERSE, N_AI, N_RELATED = 150, 120, 560
FIRM_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所在区县代码",
    "所在园区",
    "成立日期",
    "企业规模",
    "营业收入(万元)",
    "营收年度",
    "市值(亿元)",
    "从业人员",
]
WORDS = ("渝", "巴", "嘉", "江", "山", "云", "星", "智", "数", "维", "境", "光", "联", "科", "创")
SUFFIX = {"metaverse": "元宇宙科技", "ai": "智能科技", "related": "信息技术"}
DISTRICTS = ("500103", "500105", "500106", "500107", "500108", "500112", "500113", "500115")
MV_PARKS = (("两江元宇宙产业园", "500112", 12000.0), ("九龙坡数字文创元宇宙园", "500107", 8000.0))
REGIONS = (("北京市", "110108"), ("上海市", "310115"), ("深圳市", "440305"), ("杭州市", "330106"))
SIZE_REVENUE_YI = {"large": (20, 60), "medium": (2, 10), "small": (0.2, 1), "micro": (0.01, 0.1)}
SMALL = ("small", "micro")


def whole_hundreds(fen: float) -> int:
    """Fen rounded down to whole hundreds of yuan, which a 万元 column with two decimals
    carries exactly."""
    return int(fen) // 10_000 * 10_000


@dataclass
class Firm:
    code: str
    name: str
    district: str
    size: str
    founded: dt.date
    revenue_fen: int
    park: str = ""
    market_value_yi: float | None = None
    nodes: list[tuple[str, str]] = field(default_factory=list)  # confirmed (chain, node)

    def row(self) -> list[Any]:
        return [
            self.code,
            self.name,
            self.district,
            self.park,
            self.founded.isoformat(),
            {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}[self.size],
            round(self.revenue_fen / 100 / 10_000, 2),
            REVENUE_YEAR,
            self.market_value_yi,
            int(self.revenue_fen / 100 / 400_000) + 5,
        ]


class Codes:
    """Fresh, valid credit codes registered in a given division."""

    def __init__(self, rng: np.random.Generator) -> None:
        from cockpit.industry import ALPHABET

        self.rng, self.alphabet, self.used = rng, ALPHABET, set[str]()

    def new(self, division: str) -> str:
        from cockpit.industry import make_code

        while True:
            body = "".join(self.alphabet[int(i)] for i in self.rng.integers(0, 31, 9))
            code = make_code(f"91{division}{body}")
            if code not in self.used:
                self.used.add(code)
                return code


class Builder:
    """Draws the city's firms and everything attached to them, recording what it drew."""

    def __init__(self, rng: np.random.Generator) -> None:
        from cockpit.industry import all_chains

        self.rng = rng
        self.codes = Codes(rng)
        self.chains = all_chains()
        self.firms: list[Firm] = []
        self.designations: list[list[Any]] = []
        self.links: list[list[Any]] = []
        self.names: set[str] = set()

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def name(self, kind: str) -> str:
        for attempt in range(1000):
            words = "".join(self.pick(WORDS) for _ in range(3 if attempt < 50 else 4))
            name = f"重庆{words}{SUFFIX[kind]}有限公司"
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def firm(self, kind: str, size: str, *, district: str | None = None, park: str = "") -> Firm:
        district = district or self.pick(DISTRICTS)
        low, high = SIZE_REVENUE_YI[size]
        revenue = whole_hundreds(self.rng.uniform(low, high) * 10**8 * 100)
        founded = dt.date(int(self.rng.integers(2008, 2024)), int(self.rng.integers(1, 13)), 1)
        f = Firm(self.codes.new(district), self.name(kind), district, size, founded, revenue, park)
        self.firms.append(f)
        return f

    def designate(
        self, f: Firm, kind: str, level: str, granted: dt.date, expires: dt.date | None = None
    ) -> None:
        self.designations.append(
            [f.code, kind, level, granted.isoformat(), expires.isoformat() if expires else "", ""]
        )

    def link(self, f: Firm, chain: str, node: str, status: str = "已确认") -> None:
        on = dt.date(2026, int(self.rng.integers(1, 7)), 15)
        self.links.append([f.code, chain, node, status, "企业年报与官网", on.isoformat()])
        if status == "已确认":
            f.nodes.append((chain, node))

    def size(self) -> str:
        return str(self.rng.choice(["large", "medium", "small", "micro"], p=[0.08, 0.3, 0.42, 0.2]))


def _metaverse(b: Builder, truth: dict[str, Any]) -> list[Firm]:
    """150 firms on the metaverse chain: four nodes empty, one held by small firms only."""
    nodes = list(b.chains["metaverse"].nodes())
    picked = b.rng.permutation(len(nodes))
    empty = sorted(nodes[i] for i in picked[:4])
    small_only = nodes[int(picked[4])]
    held = [n for n in nodes if n not in empty]
    sizeable = [n for n in held if n != small_only]
    firms: list[Firm] = []
    for i in range(N_METAVERSE):
        if i < 13:
            size = "large"  # the head firms
        elif i < 13 + len(sizeable):
            size = "medium"  # every node but the small-only one gets a sizeable firm
        else:
            size = b.size()
        park = MV_PARKS[i % 2] if i % 5 < 2 else None
        f = b.firm(
            "metaverse", size, district=park[1] if park else None, park=park[0] if park else ""
        )
        if i >= N_METAVERSE - 20:  # newly registered firms (rent subsidy)
            f.founded = dt.date(2024 + i % 3, 1 + i % 12, 1)
        if size in SMALL and i % 4 == 0:
            node = small_only
        else:
            node = sizeable[i % len(sizeable)] if i < 13 + len(sizeable) else b.pick(sizeable)
        b.link(f, "metaverse", node)
        if b.rng.random() < 0.3:
            other = b.pick(held if size in SMALL else sizeable)
            if other != node:
                b.link(f, "metaverse", other)
        b.designate(f, "元宇宙企业", "市级", dt.date(2023 + i % 3, 6, 1))
        firms.append(f)
    for node in empty:  # an uncertain firm does not fill a node
        b.link(b.pick(firms), "metaverse", node, "待确认")
    b.link(b.pick(firms), "metaverse", empty[0], "已排除")
    _metaverse_designations(b, firms)
    truth["gap_nodes"]["metaverse"] = {"empty": empty, "small_only": [small_only]}
    return firms


def _metaverse_designations(b: Builder, firms: list[Firm]) -> None:
    """13 head firms (one expired), 15 专精特新 (one expired), on the chain."""
    for i, f in enumerate(firms[:13]):
        kind = "链主企业" if i < 5 else "行业头部企业"
        expires = dt.date(2025, 12, 31) if i == 12 else dt.date(2028, 12, 31)
        b.designate(f, kind, "市级", dt.date(2024, 3, 1), expires)
    for i, f in enumerate(firms[13:28]):
        if i < 4:
            b.designate(f, "专精特新小巨人", "国家级", dt.date(2024, 7, 1), dt.date(2027, 6, 30))
        else:
            expires = dt.date(2024, 12, 31) if i == 14 else dt.date(2028, 6, 30)
            b.designate(f, "专精特新中小企业", "市级", dt.date(2022, 1, 1), expires)


def _scale_revenue(firms: list[Firm]) -> None:
    """Revenues of the metaverse chain scaled to a total short of the plan's 1,000亿."""
    total = sum(f.revenue_fen for f in firms)
    for f in firms:
        f.revenue_fen = whole_hundreds(f.revenue_fen * METAVERSE_SCALE_FEN / total)


def _ai(b: Builder, truth: dict[str, Any]) -> None:
    """120 AI firms in force (one more expired), 6 of them worth 10亿+, 560 related firms."""
    nodes = list(b.chains["ai"].nodes())
    empty = sorted(nodes[i] for i in b.rng.permutation(len(nodes))[:2])
    held = [n for n in nodes if n not in empty]
    for i in range(N_AI + 1):
        f = b.firm("ai", "medium" if i < len(held) else b.size())
        b.link(f, "ai", held[i % len(held)])
        expires = dt.date(2025, 6, 30) if i == N_AI else None
        b.designate(f, "人工智能企业", "市级", dt.date(2023, 9, 1), expires)
        if i < 8:  # six leading firms; two just under the 10亿 line
            f.size = "large"
            f.market_value_yi = float(15 + 40 * i) if i < 6 else 8.5
        if i in (10, 11, 12):  # 专精特新 off the metaverse chain: not counted there
            b.designate(f, "专精特新", "市级", dt.date(2024, 1, 1), dt.date(2027, 12, 31))
    for i in range(N_RELATED):
        f = b.firm("related", b.size())
        b.designate(f, "人工智能相关企业", "区县级", dt.date(2024, 5, 1))
        if i % 14 == 0:
            b.link(f, "ai", b.pick(nodes), "待确认")
    truth["gap_nodes"]["ai"] = {"empty": empty, "small_only": []}


def _carriers(b: Builder, mv: list[Firm]) -> tuple[list[list[Any]], Firm]:
    """2 metaverse parks, 3 platforms of municipal level or above (and one district one),
    3 AI clusters, and a small innovation centre for the carrier subsidy."""
    operator = mv[40]
    rows: list[list[Any]] = [
        [name, "产业园区", "元宇宙产业链", "市级", district, mv[i].code, area, "2024-04-01"]
        for i, (name, district, area) in enumerate(MV_PARKS)
    ]
    rows += [
        [
            "重庆市元宇宙技术创新中心",
            "创新平台",
            "元宇宙产业链",
            "市级",
            "500112",
            mv[2].code,
            3000,
            "2024-06-01",
        ],
        [
            "国家虚拟现实制造业创新中心重庆分中心",
            "创新平台",
            "元宇宙产业链",
            "国家级",
            "500107",
            mv[3].code,
            5000,
            "2025-03-01",
        ],
        [
            "重庆数字孪生重点实验室",
            "创新平台",
            "元宇宙产业链",
            "市级",
            "500106",
            None,
            None,
            "2025-09-01",
        ],
        [
            "渝中区元宇宙创客空间",
            "创新平台",
            "元宇宙产业链",
            "区县级",
            "500103",
            operator.code,
            650,
            "2025-01-15",
        ],
        [
            "两江新区人工智能产业集聚区",
            "产业集聚区",
            "人工智能产业链",
            "市级",
            "500112",
            None,
            None,
            "2023-12-01",
        ],
        [
            "西部科学城人工智能产业集聚区",
            "产业集聚区",
            "人工智能产业链",
            "市级",
            "500106",
            None,
            None,
            "2024-08-01",
        ],
        [
            "渝北人工智能产业集聚区",
            "产业集聚区",
            "人工智能产业链",
            "市级",
            "500112",
            None,
            None,
            "2025-05-01",
        ],
        [
            "永川人工智能产业园",
            "产业园区",
            "人工智能产业链",
            "市级",
            "500118",
            None,
            20000,
            "2024-02-01",
        ],
    ]
    return rows, operator


def _candidates(b: Builder, truth: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for chain, gaps in truth["gap_nodes"].items():
        for node in gaps["empty"] + gaps["small_only"]:
            for k in range(2):
                region, division = REGIONS[(len(rows) + k) % len(REGIONS)]
                revenue_wan = round(float(b.rng.uniform(5, 80)) * 10_000, 2)
                code = b.codes.new(division)
                rows.append(
                    [
                        code,
                        f"{region[:2]}{b.pick(WORDS)}{b.pick(WORDS)}科技股份有限公司",
                        region,
                        chain,
                        node,
                        revenue_wan,
                        "高新技术企业；专精特新",
                        "行业协会推荐",
                    ]
                )
    return rows


def _other_rooms(b: Builder, out_dir: Path) -> list[list[Any]]:
    """The scenarios room's sample firms and the Order + List enterprises, as registry firms
    with their own ids mapped (one identity across rooms)."""
    from openpyxl import load_workbook

    from cockpit.scenarios import sample_data

    refs: list[list[Any]] = []
    for firm in sample_data().firms:
        f = b.firm("metaverse", "small", district=firm.district_code)
        f.name = firm.name_zh
        if {"machine_vision", "speech_nlp", "aigc"} & set(firm.capabilities):
            b.designate(f, "人工智能相关企业", "区县级", dt.date(2024, 5, 1))
        refs.append(["scenarios", firm.id, f.code])
    book = load_workbook(out_dir / ENTERPRISES_FILE, read_only=True)
    try:
        for row in list(book.worksheets[0].iter_rows(values_only=True))[1:]:
            f = b.firm("related", "medium", district=str(row[2]))
            f.name = str(row[1])
            refs.append(["trade", str(row[0]), f.code])
    finally:
        book.close()
    return refs


def _spoil(rows: list[list[Any]], b: Builder, folder: str) -> list[dict[str, Any]]:
    """Four bad firm rows among the good ones; their lines (header = 1) in the truth."""
    spoilt = []
    good = rows[5][0]
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad = [
        (10, [bad_check, *rows[10][1:]], "invalid_credit_code"),
        (30, [good[:17], *rows[30][1:]], "invalid_credit_code"),
        (50, list(rows[7]), "duplicate_firm"),
        (
            70,
            [b.codes.new("510104"), "成都某某科技有限公司", "510104", *rows[70][3:]],
            "unknown_district",
        ),
    ]
    for position, row, _why in reversed(bad):
        rows.insert(position, row)
    for position, _row, why in bad:
        line = position + 2 + sum(1 for p, _, _ in bad if p < position)
        spoilt.append({"file": f"{folder}/{FIRMS_FILE}", "line": line, "reason": why})
    return spoilt


def _update_rows(firms: list[Firm]) -> tuple[list[list[Any]], list[str]]:
    """A later list: five firms' revenues corrected (new versions), one row unchanged."""
    changed = firms[20:25]
    for f in changed:
        f.revenue_fen = whole_hundreds(f.revenue_fen / 2)
    return [f.row() for f in [*changed, firms[30]]], [f.code for f in changed]


def _expected(b: Builder, mv: list[Firm], carriers: list[list[Any]]) -> dict[str, Any]:
    """The plans' figures as the generator drew them (tests also recount from the files)."""

    def holders(*kinds: str) -> set[str]:
        return {
            code
            for code, kind, _level, granted, expires, _ in b.designations
            if kind in kinds
            and dt.date.fromisoformat(granted) <= AS_OF
            and (not expires or dt.date.fromisoformat(expires) >= AS_OF)
        }

    on = {c: {f.code for f in b.firms if any(ch == c for ch, _ in f.nodes)} for c in b.chains}
    worth = {f.code for f in b.firms if (f.market_value_yi or 0) >= 10}
    ai = holders("人工智能企业")
    scale = sum(f.revenue_fen for f in b.firms if f.code in on["metaverse"])
    platforms = [r for r in carriers if r[1] == "创新平台" and r[3] in ("市级", "国家级")]
    return {
        "head_firms": len(holders("链主企业", "行业头部企业") & on["metaverse"]),
        "specialised_firms": len(
            holders("专精特新小巨人", "专精特新中小企业", "专精特新") & on["metaverse"]
        ),
        "platforms": len(platforms),
        "parks": sum(1 for r in carriers if r[1] == "产业园区" and r[2] == "元宇宙产业链"),
        "industry_scale_fen": scale,
        "ai_firms": len(ai),
        "leading_ai_firms": len(ai & worth),
        "ai_related_firms": len(ai | holders("人工智能相关企业") | on["ai"]),
        "clusters": sum(1 for r in carriers if r[1] == "产业集聚区"),
    }


def write_industry(out_dir: Path, *, rng: np.random.Generator) -> dict[str, Any]:
    """Write the industry lists into ``out_dir/industry``; return their ground truth."""
    folder = out_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    b = Builder(rng)
    truth: dict[str, Any] = {"gap_nodes": {}, "as_of": AS_OF.isoformat()}
    mv = _metaverse(b, truth)
    _scale_revenue(mv)
    _ai(b, truth)
    refs = _other_rooms(b, out_dir)
    newcomer = next(f for f in reversed(mv) if f.park)  # new, in a park: rent-eligible
    refs.append(["programmes", "applicant-0001", newcomer.code])
    carriers, operator = _carriers(b, mv)
    candidates = _candidates(b, truth)
    firm_rows = [f.row() for f in b.firms]
    update, changed = _update_rows(b.firms)
    bad = _spoil(firm_rows, b, FOLDER)
    links = list(b.links)
    links.insert(3, [mv[0].code, "metaverse", "holograms", "已确认", "企业官网", "2026-03-01"])
    bad.append({"file": f"{FOLDER}/{LINKS_FILE}", "line": 5, "reason": "unknown_node"})
    _save(folder / FIRMS_FILE, FIRM_HEADER, firm_rows, "企业库")
    _save(folder / UPDATE_FILE, FIRM_HEADER, update, "变更")
    _save(
        folder / DESIGNATIONS_FILE,
        ["统一社会信用代码", "认定类型", "认定级别", "认定日期", "有效期至", "认定文件"],
        b.designations,
        "认定",
    )
    _save(
        folder / CARRIERS_FILE,
        [
            "载体名称",
            "载体类型",
            "所属产业链",
            "级别",
            "所在区县代码",
            "运营主体信用代码",
            "面积(平方米)",
            "认定日期",
        ],
        carriers,
        "载体",
    )
    _save(
        folder / LINKS_FILE,
        ["统一社会信用代码", "产业链", "环节代码", "关联状态", "证据来源", "证据日期"],
        links,
        "关联",
    )
    _save(
        folder / CANDIDATES_FILE,
        [
            "统一社会信用代码",
            "企业名称",
            "所在地区",
            "产业链",
            "环节代码",
            "营业收入(万元)",
            "资质",
            "信息来源",
        ],
        candidates,
        "目标企业",
    )
    _save(folder / REFS_FILE, ["业务系统", "系统内编号", "统一社会信用代码"], refs, "对照")
    written = {
        FIRMS_FILE: firm_rows,
        UPDATE_FILE: update,
        DESIGNATIONS_FILE: b.designations,
        CARRIERS_FILE: carriers,
        LINKS_FILE: links,
        CANDIDATES_FILE: candidates,
        REFS_FILE: refs,
    }
    old = next(f for f in mv if f.park and f.founded.year < 2023)
    truth |= {
        "not_real_data": True,
        "load_order": [[kind, f"{FOLDER}/{name}"] for kind, name in LOAD_ORDER],
        "firms": len(b.firms),
        "files": {f"{FOLDER}/{name}": len(rows) for name, rows in written.items()},
        "bad_rows": bad,
        "changed_firms": changed,
        "expected": _expected(b, mv, carriers),
        "eligibility": {
            "rent_eligible": newcomer.code,
            "rent_too_old": old.code,
            "carrier_operator": operator.code,
            "carrier_area_m2": 650,
        },
    }
    return truth
