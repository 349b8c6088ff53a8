"""Carry indicator and bureau mappings over from the same jurisdiction's previous plan.

An indicator keeps its code from year to year, so that last year's actual comes from last year's final
figures. For each draft row this proposes the previous plan's target that speaks of the same indicator:
the indicator's name (indicators.name_zh, or the draft's indicator_name) or the quote with its numbers
taken out must be alike (difflib ratio >= 0.75, or one name inside the other: 水质优良率 in
市控及以上断面水质优良率) and the kind the same. A milestone follows a milestone only at the same stage: 建成投用
this year is another event than last year's 开工. Pairs are one to one, the most alike first. Accepting a proposal fills the row's empty indicator_code, responsible_bureau, frequency,
measure and assessable_within_year; what the reviewer wrote is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from plancatalog.catalog import Catalog

MIN_SIMILARITY = 0.75
CARRIED = ("indicator_code", "responsible_bureau", "frequency", "measure", "assessable_within_year")
_NUMBERS = re.compile(r"[\d.,%％０-９—\-~～]+")
_STAGES = (
    ("开工",),
    ("中交",),
    ("竣工", "完工", "建成"),
    ("投用", "投产", "通车", "开诊", "交付", "开通", "使用"),
    ("创成",),
    ("报批",),
)


@dataclass(frozen=True)
class Proposal:
    row: int  # 1 = the first draft row
    target_id: str  # the previous plan's target it follows
    previous_quote: str
    values: dict[str, str]  # CARRIED fields from the previous target
    indicator_name: str
    similarity: float


def _wording(quote: str) -> str:
    return _NUMBERS.sub("", quote)


def _stage(quote: str) -> int | None:
    """The stage a milestone names (start, handover, completion, in use, accredited, submitted): its last verb."""
    found = [(quote.rfind(word), n) for n, words in enumerate(_STAGES) for word in words if word in quote]
    return max(found)[1] if found else None


def _similarity(row: dict[str, str], target: dict[str, str], name_zh: str) -> float:
    if row["kind"] == "milestone" and _stage(row["quote"]) != _stage(target["quote"]):
        return 0.0
    name = row.get("indicator_name", "")
    if name and name == name_zh:
        by_name = 1.0
    elif len(name) >= 3 and (name in name_zh or name_zh in name):
        by_name = 0.9
    else:
        by_name = SequenceMatcher(None, name, name_zh).ratio()
    by_quote = SequenceMatcher(None, _wording(row["quote"]), _wording(target["quote"])).ratio()
    return max(by_name, by_quote)


def propose(rows: list[dict[str, str]], catalog: Catalog, previous_plan_id: str) -> list[Proposal]:
    """The proposals for the draft's rows from the previous plan's targets (see the module docstring)."""
    indicators = catalog.indicators
    previous = catalog.plan_targets(previous_plan_id)
    candidates = []
    for n, row in enumerate(rows, start=1):
        for target in previous:
            if target["kind"] != row["kind"]:
                continue
            name_zh = indicators.get(target["indicator_code"], {}).get("name_zh", "")
            score = _similarity(row, target, name_zh)
            if score >= MIN_SIMILARITY:
                candidates.append((score, n, target, name_zh))
    used_rows: set[int] = set()
    used_targets: set[str] = set()
    out = []
    for score, n, target, name_zh in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if n in used_rows or target["target_id"] in used_targets:
            continue
        used_rows.add(n)
        used_targets.add(target["target_id"])
        values = {key: target[key] for key in CARRIED}
        out.append(Proposal(n, target["target_id"], target["quote"], values, name_zh, round(score, 2)))
    return sorted(out, key=lambda p: p.row)


def accept(rows: list[dict[str, str]], proposals: list[Proposal]) -> list[dict[str, str]]:
    """The rows with each proposal's values in the fields the reviewer left empty."""
    by_row = {p.row: p for p in proposals}
    out = []
    for n, row in enumerate(rows, start=1):
        filled = dict(row)
        if n in by_row:
            for key, value in by_row[n].values.items():
                if not filled.get(key):
                    filled[key] = value
        out.append(filled)
    return out


def describe(proposal: Proposal, rows: list[dict[str, str]]) -> str:
    row = rows[proposal.row - 1]
    v = proposal.values
    return (
        f"row {proposal.row} {row['quote']} -> {v['indicator_code']} ({proposal.indicator_name}), "
        f"bureau {v['responsible_bureau']}; like {proposal.target_id} {proposal.previous_quote} "
        f"(similarity {proposal.similarity:.2f})"
    )
