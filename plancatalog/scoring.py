"""How well the extractor reads a plan, against a hand-labelled list of its targets.

A labelled target and an extracted row match when
  * their quotes overlap in the plan and the overlap is at least half of the two spans together
    (intersection over union >= 0.5: the quote is the clause, not the sentence), and
  * value (both empty for a milestone), unit, comparator, kind and target year are all equal.
Pairs are made one to one, the largest overlap first. Precision is matched / extracted, recall is
matched / labelled. A looser count that asks only overlap, value and unit is reported beside it.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from plancatalog.draft import DraftTarget
from plancatalog.plantext import PlanInputError

MIN_IOU = 0.5
LABEL_COLUMNS = ("quote", "value", "unit", "comparator", "kind", "band", "target_year")


@dataclass(frozen=True, slots=True)
class Labelled:
    line: int
    quote: str
    start: int
    end: int
    value: float | None
    unit: str
    comparator: str
    kind: str
    target_year: int


@dataclass(slots=True)
class Score:
    name: str
    labelled: int
    extracted: int
    matched: int
    loose: int
    missed: list[Labelled] = field(default_factory=list)
    extra: list[DraftTarget] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.labelled if self.labelled else 0.0


def load_labels(path: Path, text: str) -> list[Labelled]:
    """The labels of one plan, each located in the text (in order: a repeated quote is the next one)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in LABEL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PlanInputError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    out, cursor = [], 0
    for line, row in enumerate(rows, start=2):
        pos = text.find(row["quote"], cursor)
        if pos < 0:
            raise PlanInputError(
                f"{path}: line {line}, quote: {row['quote']!r} is not in the text after line {line - 1}'s"
            )
        cursor = pos
        value = float(row["value"]) if row["value"].strip() else None
        unit = unicodedata.normalize("NFKC", row["unit"])
        out.append(
            Labelled(
                line,
                row["quote"],
                pos,
                pos + len(row["quote"]),
                value,
                unit,
                row["comparator"],
                row["kind"],
                int(row["target_year"]),
            )
        )
    return out


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _pairs(labels: list[Labelled], rows: list[DraftTarget], strict: bool) -> list[tuple[int, int]]:
    candidates = []
    for i, lab in enumerate(labels):
        for j, row in enumerate(rows):
            iou = _iou((lab.start, lab.end), (row.span_start, row.span_end))
            if iou < MIN_IOU or not _same_value(lab.value, row.value) or lab.unit != row.unit:
                continue
            if strict and (lab.comparator, lab.kind, lab.target_year) != (
                row.comparator,
                row.kind,
                row.target_year,
            ):
                continue
            candidates.append((iou, i, j))
    used_l: set[int] = set()
    used_r: set[int] = set()
    pairs = []
    for _iou_value, i, j in sorted(candidates, key=lambda c: -c[0]):
        if i not in used_l and j not in used_r:
            used_l.add(i)
            used_r.add(j)
            pairs.append((i, j))
    return pairs


def score(name: str, labels: list[Labelled], rows: list[DraftTarget]) -> Score:
    strict = _pairs(labels, rows, strict=True)
    matched_l = {i for i, _ in strict}
    matched_r = {j for _, j in strict}
    return Score(
        name=name,
        labelled=len(labels),
        extracted=len(rows),
        matched=len(strict),
        loose=len(_pairs(labels, rows, strict=False)),
        missed=[lab for i, lab in enumerate(labels) if i not in matched_l],
        extra=[row for j, row in enumerate(rows) if j not in matched_r],
    )


def total(name: str, scores: list[Score]) -> Score:
    return Score(
        name,
        sum(s.labelled for s in scores),
        sum(s.extracted for s in scores),
        sum(s.matched for s in scores),
        sum(s.loose for s in scores),
    )
