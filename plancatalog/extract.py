"""Read a Chinese work-plan text into draft targets, clause by clause.

The plan is normalised and cut into sections, sentences, clauses (at ，；：) and list items (at 、, and at
和/及 after a number): see plancatalog.structure. Each clause that sets this year's targets (plancatalog.periods
skips last year's results) yields:

* numeric targets: a quantity with a unit from the vocabulary (plancatalog.quantities), kept or dropped by
  plancatalog.rules, which also read its comparator and kind from the words around it;
* else a paired target, a coverage or milestones (plancatalog.milestones).

The quote is the clause or list item that states the target, not the sentence. See plancatalog/README.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from plancatalog import rules
from plancatalog.draft import DraftTarget, write_draft
from plancatalog.milestones import Wordless, clause_targets, milestones
from plancatalog.periods import clause_is_past, due_date, is_date_only, target_year
from plancatalog.plantext import PlanInputError, infer_plan_year, read_plan_text
from plancatalog.quantities import Quantity, QuantityReader, reader
from plancatalog.structure import OPEN_QUOTES, PlanText, Section

__all__ = ["PlanInputError", "extract_targets", "read_plan_text", "write_draft"]

logger = logging.getLogger(__name__)

_CONJUNCTIONS = ("以及", "和", "及")


@dataclass(frozen=True, slots=True)
class _Clause:
    """A clause with what its rows share: where its sentence starts, its section, the plan year."""

    pt: PlanText
    start: int
    end: int
    sentence_start: int
    section: Section | None
    date_clause: str = ""  # the clause before, when it is only a date (6月底前，…)

    @property
    def norm(self) -> str:
        return self.pt.norm[self.start : self.end]

    @property
    def dated(self) -> str:
        """The clause with a date-only clause before it: what its deadline is read from."""
        return self.date_clause + "," + self.norm

    def year(self, pos: int) -> int:
        return target_year(self.pt.norm[self.sentence_start : pos], self.pt.plan_year)


def extract_targets(text: str, plan_year: int | None = None) -> list[DraftTarget]:
    """Read every target in a plan text. Spans are offsets in ``text``."""
    if plan_year is None:
        plan_year = infer_plan_year(text)
    if plan_year is None:
        raise PlanInputError("cannot tell the plan's year from its title; pass --year")
    pt = PlanText(text, plan_year)
    quantities = reader()
    targets: list[DraftTarget] = []
    past = False
    for s_start, s_end in pt.sentences():
        section = pt.section_at(s_start)
        if pt.in_review(s_start):
            continue
        if s_start == 0 or pt.norm[s_start - 1] == "\n":
            past = False  # a paragraph starts as targets; results carry on to its later sentences
        previous: DraftTarget | None = None
        date_clause = ""
        for c_start, c_end in pt.clauses(s_start, s_end):
            clause = _Clause(pt, c_start, c_end, s_start, section, date_clause)
            date_clause = clause.norm if is_date_only(clause.norm) else ""
            past = clause_is_past(clause.norm, plan_year, past)
            if past:
                logger.debug("results, not targets: %s", text[c_start:c_end])
                continue
            found = _numeric_targets(clause, quantities, previous)
            found = _with_item_milestones(clause, found) if found else _wordless_targets(clause)
            if found:
                previous = found[-1]
            targets.extend(found)
    return targets


def _items(clause: _Clause, quantities: list[Quantity]) -> list[tuple[int, int]]:
    """List items (at 、), also cut after a quantity followed by 和/及 (新增A 80家和B 300家)."""
    cuts = {q.end for q in quantities if clause.pt.norm.startswith(_CONJUNCTIONS, q.end)}
    out = []
    for i_start, i_end in clause.pt.items(clause.start, clause.end):
        for cut in sorted(c for c in cuts if i_start < c < i_end):
            out.append((i_start, cut))
            i_start = cut
        out.append((i_start, i_end))
    return out


def _kept(clause: _Clause, quantities: list[Quantity], respectively: bool) -> list[tuple[Quantity, bool]]:
    """The quantities that are targets, each with whether it is a share (20％的村…)."""
    norm = clause.pt.norm
    items = _items(clause, quantities)
    kept: list[tuple[Quantity, bool]] = []
    for q in quantities:
        if any(share for _, share in kept):
            break  # the numbers after a share are the bar its members reach
        item = next((it for it in items if it[0] <= q.start < it[1]), (clause.start, clause.end))
        before = norm[clause.pt.skip_space(item[0], q.start, "、,和及") : q.start]
        after = norm[q.end : item[1]]
        if rules.is_share(before, q, after):
            kept.append((q, True))
            continue
        later = not respectively and any(
            item[0] <= o.start < item[1] and o.start >= q.end for o in quantities
        )
        reason = rules.skip_reason(before, after, q, later)
        if reason:
            logger.debug("not a target (%s): %s", reason, clause.pt.text[q.start : q.end])
            continue
        kept.append((q, False))
    return kept


def _numeric_targets(
    clause: _Clause, quantities_reader: QuantityReader, previous: DraftTarget | None
) -> list[DraftTarget]:
    pt, norm = clause.pt, clause.pt.norm
    quantities = quantities_reader.find(pt, clause.start, clause.end)
    first = quantities[0].start if quantities else clause.end
    respectively = "分别" in norm[clause.start : first]
    kept = _kept(clause, quantities, respectively)
    subjects = _subjects(norm[clause.start : first]) if respectively else []
    out: list[DraftTarget] = []
    quote_start = clause.start
    for n, (q, share) in enumerate(kept):
        quote_start = pt.skip_space(_skip_conjunction(pt, quote_start, q.start), q.start)
        quote_start = _own_item_start(clause, quote_start, q.start)
        if respectively:
            span = (pt.skip_space(clause.start, clause.end), clause.end)
            before = norm[span[0] : first]
        else:
            span = (quote_start, _quote_end(clause, q, share))
            before = norm[quote_start : q.start]
        name = subjects[n] if n < len(subjects) else rules.indicator_name(before, norm[q.end : span[1]], "")
        row = _row(clause, q, span, before, name, previous)
        out.append(row)
        previous = row
        quote_start = span[1]
    return out


def _own_item_start(clause: _Clause, quote_start: int, pos: int) -> int:
    """Start at the number's own list item when that item opens with its own verb (建成人民路天桥、新增公厕8座),
    but keep what comes before otherwise (完成靖宁路、长兴南路2个积水点改造; 进出口、实际利用外资增长5％)."""
    pt = clause.pt
    starts = [s for s, _ in pt.items(quote_start, pos) if s > quote_start]
    if starts:
        own = pt.skip_space(starts[-1], pos)
        if rules.has_own_verb(pt.norm[own:pos]):
            return own
    return quote_start


def _skip_conjunction(pt: PlanText, pos: int, limit: int) -> int:
    for word in _CONJUNCTIONS:
        if pt.norm.startswith(word, pos) and pos + len(word) <= limit:
            return pos + len(word)
    return pos


def _quote_end(clause: _Clause, q: Quantity, share: bool) -> int:
    """The number's end, extended over the noun it counts (2个小微园区) or the 全覆盖 it qualifies."""
    pt = clause.pt
    if share:
        return pt.item_end(q.end, clause.end)
    nxt = pt.norm[q.end] if q.end < clause.end else ""
    if not nxt or nxt == "的" or not (rules.CJK.match(nxt) or nxt in OPEN_QUOTES):
        return q.end
    if pt.norm.startswith(_CONJUNCTIONS, q.end):
        return q.end
    return pt.item_end(q.end, clause.end)


def _subjects(text: str) -> list[str]:
    """规上工业增加值、工业投资分别增长 -> the indicators a 分别 list speaks of, in order."""
    head = text.split("分别")[0]
    parts = [p for p in head.replace("和", "、").replace("及", "、").split("、") if p]
    return [rules.strip_lead(p) or p for p in parts]


def _row(
    clause: _Clause,
    q: Quantity,
    span: tuple[int, int],
    before: str,
    name: str,
    previous: DraftTarget | None,
) -> DraftTarget:
    pt = clause.pt
    after = pt.norm[q.end : clause.end]
    kind = rules.kind(before, pt.norm[clause.start : q.start], after, q)
    notes = []
    bare = span[1] == q.end
    if bare and previous and not rules.indicator_name(before, "", "") and previous.unit == q.unit:
        # 增长6%，力争7%: a bare number continues the previous target of the sentence.
        kind, name = previous.kind, previous.indicator_name
        notes.append("continues the previous target")
    cmp_ = "=" if kind == "coverage" else rules.comparator(before, q)
    benchmark = rules.relative_benchmark(before, q)
    if benchmark:
        cmp_ = ">="
        notes.append(f"relative to {benchmark}")
    if q.is_range:
        notes.append(f"range {q.value - rules.band(q):g}-{q.value + rules.band(q):g}")
    year = clause.year(q.start)
    unit_def = q.unit_def
    return DraftTarget(
        section_no=clause.section.number if clause.section else None,
        section=clause.section.numeral if clause.section else "",
        quote=pt.text[span[0] : span[1]],
        indicator_name=name,
        kind=kind,
        comparator=cmp_,
        value=q.value,
        band=rules.band(q) if cmp_ == "~" else None,
        unit=q.unit,
        direction="lower" if kind == "decrease" or cmp_ in ("<=", "<") else "higher",
        aspirational=rules.is_aspirational(clause.norm),
        target_year=year,
        due_date=due_date(clause.dated, year),
        notes="; ".join(notes),
        span_start=span[0],
        span_end=span[1],
        unit_canonical=unit_def.canonical if unit_def else "ratio",
        unit_multiplier=unit_def.multiplier if unit_def else 1.0,
    )


def _with_item_milestones(clause: _Clause, numeric: list[DraftTarget]) -> list[DraftTarget]:
    """建成6条市政道路、建成子午大道天桥: a list item without a number can still be a milestone."""
    pt = clause.pt
    found: list[Wordless] = []
    for i_start, i_end in pt.items(clause.start, clause.end):
        if not any(t.span_start < i_end and i_start < t.span_end for t in numeric):
            found.extend(milestones(pt, pt.skip_space(i_start, i_end), i_end))
    rows = numeric + _wordless_rows(clause, found)
    return sorted(rows, key=lambda t: t.span_start)


def _wordless_targets(clause: _Clause) -> list[DraftTarget]:
    return _wordless_rows(clause, clause_targets(clause.pt, clause.start, clause.end))


def _wordless_rows(clause: _Clause, found: list[Wordless]) -> list[DraftTarget]:
    pt = clause.pt
    year = clause.year(clause.end)
    return [
        DraftTarget(
            section_no=clause.section.number if clause.section else None,
            section=clause.section.numeral if clause.section else "",
            quote=pt.text[w.start : w.end],
            indicator_name=w.name,
            kind=w.kind,
            comparator=w.comparator,
            value=w.value,
            band=None,
            unit="",
            direction="lower" if w.kind == "decrease" else "higher",
            aspirational=rules.is_aspirational(clause.norm),
            target_year=year,
            due_date=due_date(clause.dated, year),
            notes="",
            span_start=w.start,
            span_end=w.end,
            unit_canonical=w.unit_canonical,
            unit_multiplier=1.0 if w.unit_canonical else None,
        )
        for w in found
    ]
