"""A release's series, periods and regions decided, with the series table built in DuckDB.

The grouping query (engine.py) leaves one row per distinct series (label or code, unit, column), period
and region in `pw_found_<tag>`. From there:
1. the distinct labels go to Python once each (resolve.Resolver.key_facts: which registry label, a unit in
   brackets, a growth word, the mapping's profile) and come back as a table;
2. DuckDB numbers the series in file order and gives each its signature (what a decision reads);
3. Python decides the first series of each signature (resolve.Resolver.decide), a handful of rows;
4. one statement joins the series to their decisions and mappings into `pw_series_<tag>`, which the
   INSERT of the figures (engine.ParsedRelease.insert) and the release's series rows are written from;
5. the skips are counted by reason in the same way.
Python touches each distinct label once and each signature once, never each series or figure: a 统计月报
of 100,000 rows (300,000 series) costs a pass over 100,000 labels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.base import Cells, Format, ReleaseContext
from ingest.formats.periods import read_periods, where_of
from ingest.formats.resolve import NULL_KEY, UNCLEAN_RE2, Decision, Decisions, Resolver, Skip
from ingest.formats.rules import GROWTH_RE2
from ingest.normalise import Period, Unit
from ingest.raw_store import dicts

if TYPE_CHECKING:
    from ingest.registry import Source

_SERIES = "no_key = 0 and no_period = 1"  # the series rows of pw_found (grouping sets, engine._GROUPS)


def nk(column: str) -> str:
    return f"coalesce({column}, '{NULL_KEY}')"


def decide(
    con: duckdb.DuckDBPyConnection,
    tag: str,
    cells: Cells,
    fmt: Format,
    source: Source,
    ctx: ReleaseContext,
    history: dict[tuple[str, str], Unit],
    period_parser: Callable[[str], Period],
) -> Decisions:
    """Decide the series, periods and regions found in pw_found_<tag>; writes pw_series_<tag>."""
    resolver = Resolver(cells, fmt, source, ctx, history)
    d = Decisions()
    parts = (
        ["reg_label", "code_measure", "f.unit_text", "f.measure"]
        if fmt.key_kind == "code"
        else [
            "cast(k.profile as varchar)",
            "label_unit",
            "f.unit_text",
            "f.col_unit",
            "f.measure",
            "cast(growth as varchar)",
        ]
    )
    signature = "concat_ws(chr(31), " + ", ".join(nk(p) for p in parts) + ")"
    # the label, registry and decision tables are Arrow, registered for the few statements that read them
    try:
        profiles, maps = _registry(source)
        _keys(con, tag, resolver, profiles)
        con.register(f"pw_maps_{tag}", maps)
        _signature_table(con, tag, signature)
        _decide_signatures(con, tag, resolver)
        _series_table(con, tag)
        d.skips = _skips(con, tag)
    finally:
        for name in ("keys", "maps", "dec"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(f"pw_{name}_{tag}")
    count, identities, found, varies = _summary(con, tag)
    d.series_count, d.identities = count, identities
    d.join_columns = varies
    if fmt.key_kind == "label":
        missing = [m.label for m in source.indicators if m.label not in found]
        if missing:
            raise ReleaseError(
                Location(source.id, ctx.file_name, cells.columns.get("sheet")),
                f"indicator rows missing or renamed: {', '.join(dict.fromkeys(missing))}",
                "rows named as in the registry",
            )
    # the periods and regions, in file order: a check names the first row it fails on
    rows = dicts(con, f"select * from pw_found_{tag} where no_key = 1 order by first_row")
    read_periods(d, rows, cells, source, ctx, period_parser)
    _regions(d, rows, cells, source, ctx)
    return d


def _signature_table(con: duckdb.DuckDBPyConnection, tag: str, signature: str) -> None:
    """pw_sig_<tag>: each series with what its label resolved to, its signature's number and file order.

    The file order is numbered on the series' row ids and positions alone and joined back: a window
    that sorts every column of 300,000 series cost five times as much."""
    con.execute(
        f"""create temp table pw_sig_{tag} as
            with f as (select rowid as rid, * from pw_found_{tag} where {_SERIES}),
            cols as (select col, row_number() over (order by length(col), col) as col_rank
                     from (select distinct coalesce(col, '') as col from f)),
            o as (select f.rid, row_number() over (order by coalesce(f.first_row, 0), c.col_rank) as ord
                  from f join cols c on c.col = coalesce(f.col, '')),
            s as (
                select f.rid, f.key, f.unit_text, f.col_unit, f.measure, f.n, f.first_row, f.sheet, f.col,
                       f.label, k.reg_label, k.label_unit, k.growth, k.profile, k.code_measure,
                       k.skip as key_skip, case when k.skip is null then {signature} end as sig_text
                from f left join pw_keys_{tag} k on k.key = {nk("f.key")}),
            sigs as (select sig_text, row_number() over () as sig
                     from (select distinct sig_text from s where sig_text is not null))
            select s.* exclude (rid, sig_text), sigs.sig, o.ord
            from s join o using (rid) left join sigs on sigs.sig_text = s.sig_text"""
    )


def figures_read(con: duckdb.DuckDBPyConnection, tag: str) -> int:
    """Every figure once: the (region_text) grouping set covers all rows."""
    row = con.execute(
        f"select coalesce(sum(n), 0) from pw_found_{tag} where no_key = 1 and no_period = 1 and no_region = 0"
    ).fetchall()
    return int(row[0][0])


_COLUMNS = ("unit_text", "col_unit", "measure")


def _summary(con: duckdb.DuckDBPyConnection, tag: str) -> tuple[int, int, set[str], tuple[str, ...]]:
    """In one statement: the series loaded, their identities (an identity's number is its first series'),
    the registry labels they load, and the columns besides the key whose value differs within one key
    somewhere in the release (only those take part in the join of the cells to the series)."""
    differs = ", ".join(f"min({nk(c)}) <> max({nk(c)}) as {c}" for c in _COLUMNS)
    varies = ", ".join(f"coalesce(bool_or({c}), false)" for c in _COLUMNS)
    row = con.execute(
        f"""select (select count(*) from pw_series_{tag}),
                   (select count(*) filter (where series_no = dup_key) from pw_series_{tag}),
                   (select list(distinct reg_label) from pw_series_{tag}),
                   {varies}
            from (select {differs} from pw_sig_{tag} group by {nk("key")})"""
    ).fetchall()[0]
    count, identities, labels, *flags = row
    return (
        int(count),
        int(identities),
        set(labels or ()),
        tuple(c for c, f in zip(_COLUMNS, flags, strict=True) if f),
    )


def _registry(source: Source) -> tuple[dict[str, int], pa.Table]:
    """The source's mappings, read in registry order in one pass (a 100,000-indicator entry is a
    100,000-step loop): each label's profile number (labels mapped alike share one: what a decision
    reads of a label's mappings, the code only where the last release's unit is the reference, since no
    unit is declared), and the mappings as a table of label, index among the label's mappings and code."""
    texts: dict[str, list[tuple[object, ...]]] = {}
    labels, indexes, codes = [], [], []
    for m in source.indicators:
        measures = None if m.measures is None else tuple(m.measures)
        mapping = (m.unit, measures, m.unit_change, m.index_base, m.code if m.unit is None else None)
        mine = texts.setdefault(m.label, [])
        labels.append(m.label)
        indexes.append(len(mine))
        codes.append(m.code)
        mine.append(mapping)
    numbers: dict[tuple[tuple[object, ...], ...], int] = {}
    profiles = {label: numbers.setdefault(tuple(t), len(numbers) + 1) for label, t in texts.items()}
    maps = pa.table(
        {
            "label": pa.array(labels, pa.string()),
            "idx": pa.array(indexes, pa.int32()),
            "code": pa.array(codes, pa.string()),
        }
    )
    return profiles, maps


def _keys(con: duckdb.DuckDBPyConnection, tag: str, resolver: Resolver, profiles: dict[str, int]) -> None:
    """Each distinct label once, back as pw_keys_<tag>: a label written exactly as the registry's (the
    common case) is recognised by pyarrow's compute functions; the others go through the resolver."""
    found = con.sql(f"select distinct key from pw_found_{tag} where {_SERIES}").to_arrow_table()
    keys_arrow = found.column(0).combine_chunks()
    keys: list[str | None] = keys_arrow.to_pylist()
    if resolver.fmt.key_kind == "label":
        exact = written_as_registered(keys_arrow, resolver.labels)
        growth = pc.fill_null(pc.match_substring_regex(keys_arrow, GROWTH_RE2), False).to_pylist()
    else:
        exact = growth = [False] * len(keys)
    facts = [
        (k, None, g, None) if e else resolver.key_facts(k)
        for k, e, g in zip(keys, exact, growth, strict=True)
    ]
    code_measures = resolver.cells.code_series or {}
    table = pa.table(
        {
            "key": pa.array([NULL_KEY if k is None else k for k in keys], pa.string()),
            "reg_label": pa.array([f[0] for f in facts], pa.string()),
            "label_unit": pa.array([f[1] for f in facts], pa.string()),
            "growth": pa.array([f[2] for f in facts], pa.bool_()),
            "code_measure": pa.array(
                [
                    code_measures[k][1] if k in code_measures and f[3] is None else None
                    for k, f in zip(keys, facts, strict=True)
                ],
                pa.string(),
            ),
            "skip": pa.array([f[3] for f in facts], pa.string()),
            "profile": pa.array(
                [profiles.get(f[0]) if f[3] is None and f[0] is not None else None for f in facts], pa.int32()
            ),
        }
    )
    con.register(f"pw_keys_{tag}", table)  # read once, by the signature table


def written_as_registered(keys: pa.Array, labels: Collection[str]) -> list[bool]:
    """Which labels are a registry label exactly as clean_label would leave them (NFKC-normal, no
    whitespace, no 其中: prefix, no footnote marks): those need no resolving in Python."""
    if len(keys) == 0:
        return []
    normal = pc.equal(pc.utf8_normalize(keys, form="NFKC"), keys)
    registered = pc.is_in(keys, value_set=pa.array(sorted(labels), pa.string()))
    clean = pc.invert(pc.match_substring_regex(keys, UNCLEAN_RE2))
    return pc.fill_null(pc.and_(pc.and_(registered, normal), clean), False).to_pylist()  # type: ignore[no-any-return]


def _decide_signatures(con: duckdb.DuckDBPyConnection, tag: str, resolver: Resolver) -> None:
    """The first series of each signature, in file order, decided in Python: pw_dec_<tag>."""
    firsts = dicts(
        con,
        f"""with firsts as (select sig, min(ord) as ord, count(*) as series from pw_sig_{tag}
                            where key_skip is null group by sig)
            select s.*, firsts.series from pw_sig_{tag} s join firsts using (sig, ord) order by ord""",
    )
    resolver.index_labels({r["reg_label"] for r in firsts})
    decided: list[tuple[int, Decision | str]] = []
    for row in firsts:
        decision = resolver.decide(row)  # raises ReleaseError naming the first series it concerns
        if isinstance(decision, Decision) and decision.converted_from is not None:
            resolver.log_converted(row, decision, row["series"])
        decided.append((row["sig"], decision))
    table = pa.table(
        {
            "sig": pa.array([s for s, _ in decided], pa.int64()),
            "skip": pa.array([d if isinstance(d, str) else None for _, d in decided], pa.string()),
            "map_index": pa.array(
                [d.index if isinstance(d, Decision) else None for _, d in decided], pa.int32()
            ),
            "obs_measure": pa.array(
                [d.measure if isinstance(d, Decision) else None for _, d in decided], pa.string()
            ),
            "unit_raw": pa.array(
                [d.unit.raw if isinstance(d, Decision) else None for _, d in decided], pa.string()
            ),
            "unit_canonical": pa.array(
                [d.unit.canonical if isinstance(d, Decision) else None for _, d in decided], pa.string()
            ),
            "multiplier": pa.array(
                [d.unit.multiplier if isinstance(d, Decision) else None for _, d in decided], pa.float64()
            ),
            "offset": pa.array(
                [d.offset if isinstance(d, Decision) else None for _, d in decided], pa.float64()
            ),
            "rule": pa.array([d.rule if isinstance(d, Decision) else None for _, d in decided], pa.string()),
            "lo": pa.array([d.lo if isinstance(d, Decision) else None for _, d in decided], pa.float64()),
            "hi": pa.array([d.hi if isinstance(d, Decision) else None for _, d in decided], pa.float64()),
        }
    )
    con.register(f"pw_dec_{tag}", table)  # read by _series_table and _skips


def _series_table(con: duckdb.DuckDBPyConnection, tag: str) -> None:
    """Every series that loads, numbered in file order, with its decision and mapping: pw_series_<tag>.

    One figure per indicator and measure (dup_key); a draft's unknown codes ('?') are told apart by label."""
    con.execute(
        f"""create temp table pw_series_{tag} as
            with x as (
                select {nk("s.key")} as key, {nk("s.unit_text")} as unit_text, {nk("s.col_unit")} as col_unit,
                       {nk("s.measure")} as measure,
                       cast(s.ord as integer) as series_no,  -- file order; a skipped series leaves its number
                       d.rule, d."offset", d.lo, d.hi, d.multiplier,
                       m.code as indicator_code, d.obs_measure, d.unit_canonical, d.unit_raw,
                       coalesce(nullif(s.label, ''), s.key) as label_raw, s.sheet, m.label as reg_label,
                       s.first_row, s.col, case when m.code = '?' then m.label else '' end as draft_label
                from pw_sig_{tag} s join pw_dec_{tag} d using (sig)
                join pw_maps_{tag} m on m.label = s.reg_label and m.idx = d.map_index
                where s.key_skip is null and d.skip is null),
            -- an identity's number is its first series' number: the checks name the first in file order
            identities as (select indicator_code, draft_label, obs_measure, min(series_no) as dup_key
                           from x group by all)
            select x.* exclude (draft_label), i.dup_key
            from x join identities i using (indicator_code, draft_label, obs_measure)"""
    )


def _skips(con: duckdb.DuckDBPyConnection, tag: str) -> list[Skip]:
    """The series not loaded, by reason: figures, first row and the first label, in file order."""
    rows = con.execute(
        f"""select reason, sum(n), min(first_row), arg_min(example, ord) from (
                select coalesce(s.key_skip, d.skip) as reason, s.n, s.first_row, s.ord,
                       case when s.key_skip = 'row without a label' then '' else s.key end as example
                from pw_sig_{tag} s left join pw_dec_{tag} d on d.sig = s.sig and s.key_skip is null)
            where reason is not null group by reason order by min(ord)"""
    ).fetchall()
    return [Skip(reason, int(n), first_row, example or "") for reason, n, first_row, example in rows]


def _regions(
    d: Decisions, rows: list[dict[str, Any]], cells: Cells, source: Source, ctx: ReleaseContext
) -> None:
    for r in rows:
        if not (r["no_key"] and r["no_period"] and not r["no_region"]):
            continue
        text = r["region_text"]
        if text is None:
            d.regions[text] = source.region
        elif cells.regions is None:
            code = str(text).strip()
            if not code:
                raise ReleaseError(
                    where_of(source, ctx, r, cells.columns.get("region")), "empty region", "a region code"
                )
            d.regions[text] = code
        elif text in cells.regions:
            d.regions[text] = cells.regions[text]
        else:
            d.skipped_regions.append(text)
