"""Data-quality rules declared in config/quality_rules.yml (after DHIS2's validation rules).

Each rule kind is one SQL query over the latest vintage of the raw observations in the build, or over a
mart; a query returns the failing rows. GX expectations check one dataset's shape; these rules check what
only a statistician would: relations between indicators, year-to-date logic, outliers, release calendars,
and whether each bureau's progress return (进展填报) came in by its due working day.

The kinds in GROUPS decide each figure's verdict from the figures of its group alone. On a night of new
data (expectations/earlier.py, NewFigures) such a rule, if the served publish's result for it passed
with the same definition (`rule_digest`), reads only the groups that hold a figure of the new releases,
whole (`with_latest`); its failing rows are then those a whole evaluation finds, since every other
group is as it was when it passed. The other kinds read little and always run whole.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import RegistryError
from ingest.registry import Source

if TYPE_CHECKING:
    from expectations.earlier import NewFigures

log = logging.getLogger(__name__)

LATEST_OF = """
    select * from {}
    qualify row_number() over (
        partition by source_id, indicator_code, region_code, period_year, period_start_month,
                     period_end_month, measure
        order by release_date desc, loaded_at desc) = 1
"""
LATEST = LATEST_OF.format("staging.stg_ingest__observations")
# one figure over the years: the same months of a year, of one source, indicator, region and measure
FIGURE = "source_id, indicator_code, region_code, measure, period_start_month, period_end_month"


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Literal[
        "not_greater_than",
        "ytd_monotonic",
        "modified_zscore",
        "completeness",
        "timeliness",
        "return_timeliness",
    ]
    severity: Literal["blocking", "warning"]
    description_zh: str
    left: str | None = None
    right: str | None = None
    measure: str | None = None
    measures: list[str] = Field(default_factory=list)
    threshold: Annotated[float, Field(gt=0)] = 3.5
    min_years: Annotated[int, Field(ge=2)] = 3
    # return_timeliness: which outcomes fail, over the as-of month only or January to the as-of month
    statuses: list[Literal["late", "missing"]] = Field(default_factory=list)
    window: Literal["as_of_month", "year_to_date"] = "as_of_month"


def load_rules(path: Path) -> list[Rule]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules = [Rule.model_validate(r) for r in data["rules"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise RegistryError(f"{path}: expected a 'rules:' list of rule entries ({exc})") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise RegistryError(f"{path}: invalid rule: {problems}") from exc
    for rule in rules:
        if rule.kind == "not_greater_than" and not (rule.left and rule.right and rule.measure):
            raise RegistryError(f"{path}: rule {rule.id}: not_greater_than needs left, right and measure")
        if rule.kind == "return_timeliness" and not rule.statuses:
            raise RegistryError(f"{path}: rule {rule.id}: return_timeliness needs statuses (late, missing)")
    return rules


def _not_greater_than(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, shas: list[str] | None = None, **_: object
) -> list[tuple]:
    params = {"left": rule.left, "right": rule.right, "measure": rule.measure}
    head, more = with_latest(rule, shas)
    return con.execute(
        f"""
        {head}
        select l.region_code, l.period_year, l.period_end_month, l.value as left_value, r.value as right_value
        from latest l join latest r
          on l.region_code = r.region_code and l.period_year = r.period_year
         and l.period_start_month = r.period_start_month and l.period_end_month = r.period_end_month
         and l.measure = r.measure
        where l.indicator_code = $left and r.indicator_code = $right and l.measure = $measure
          and l.value > r.value
        order by all
        """,
        params | more,
    ).fetchall()


def _ytd_monotonic(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, shas: list[str] | None = None, **_: object
) -> list[tuple]:
    head, more = with_latest(rule, shas)
    return con.execute(
        f"""
        {head},
        ordered as (
            select source_id, indicator_code, region_code, measure, period_year, period_end_month, value,
                   lag(value) over (partition by source_id, indicator_code, region_code, measure, period_year
                                    order by period_end_month) as previous_value
            from latest where period_start_month = 1 and measure in (select unnest($measures))
        )
        select source_id, indicator_code, period_year, period_end_month, previous_value, value
        from ordered where value < previous_value order by all
        """,
        {"measures": rule.measures} | more,
    ).fetchall()


def _modified_zscore(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, shas: list[str] | None = None, **_: object
) -> list[tuple]:
    """Iglewicz-Hoaglin modified z-score of a figure against the same figure (source, indicator, region,
    months, measure) of earlier years. Only earlier years: a figure's verdict depends on its own value
    and those of the years before it, gathered by a window over the figure's years (a join of every
    figure with its earlier years and a median per figure and year ran out of 3 GB at 10x)."""
    head, more = with_latest(rule, shas)
    return con.execute(
        f"""
        {head},
        years as (
            select indicator_code, region_code, measure, period_year, period_end_month, value,
                   list(value) over (partition by {FIGURE} order by period_year
                                     rows between unbounded preceding and 1 preceding) as earlier
            from latest where measure in (select unnest($measures))
        ),
        centre as (
            select *, list_aggregate(earlier, 'median') as med from years where len(earlier) >= $min_years
        ),
        spread as (
            select *, list_aggregate(list_transform(earlier, lambda x: abs(x - med)), 'median') as mad from centre
        )
        select indicator_code, region_code, measure, period_year, period_end_month, value, med,
               0.6745 * (value - med) / mad as z
        from spread
        where mad > 0 and abs(0.6745 * (value - med) / mad) > $threshold
        order by all
        """,
        {"measures": rule.measures, "min_years": rule.min_years, "threshold": rule.threshold} | more,
    ).fetchall()


# Rule kinds whose verdicts are decided group by group: the columns of a group, and which figures the
# rule reads. A group's columns are columns of LATEST's partition, so the latest vintages of a group's
# figures are found among its own rows; a figure's verdict depends on the figures of its group alone
# (not_greater_than: the two indicators at one region, period and measure; ytd_monotonic: a year of one
# series, where each month is compared with the month before; modified_zscore: a figure's earlier years).
GROUPS: dict[str, tuple[str, str]] = {
    "not_greater_than": (
        "region_code, period_year, period_start_month, period_end_month, measure",
        "indicator_code in ($left, $right) and measure = $measure",
    ),
    "ytd_monotonic": (
        "source_id, indicator_code, region_code, measure, period_year",
        "period_start_month = 1 and list_contains($measures, measure)",
    ),
    "modified_zscore": (FIGURE, "list_contains($measures, measure)"),
}


def with_latest(rule: Rule, shas: list[str] | None) -> tuple[str, dict[str, object]]:
    """The rule's `latest` CTE: the latest vintage of every figure, or (with `shas`, the releases new
    since the served publish) of the figures of the rule's groups that hold a figure of those releases;
    and the query parameters it adds."""
    if shas is None:
        return f"with latest as ({LATEST})", {}
    key, reads = GROUPS[rule.kind]
    same = " and ".join(f"o.{c} is not distinct from t.{c}" for c in key.split(", "))
    return (
        f"""with relevant as (select * from staging.stg_ingest__observations where {reads}),
        touched as (select distinct {key} from relevant where list_contains($shas, release_sha256)),
        scoped as (select o.* from relevant as o semi join touched as t on {same}),
        latest as ({LATEST_OF.format("scoped")})""",
        {"shas": shas},
    )


def figures_read(con: duckdb.DuckDBPyConnection, rule: Rule, shas: list[str]) -> int:
    """How many figures (latest vintages) a partial evaluation of the rule reads."""
    head, more = with_latest(rule, shas)
    params = {"left": rule.left, "right": rule.right, "measure": rule.measure, "measures": rule.measures}
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", head)}
    row = con.execute(f"{head} select count(*) from latest", used | more).fetchone()
    return int(row[0]) if row else 0


def rule_digest(rule: Rule) -> str:
    """A digest of the rule's definition: a result stands for a later night only under the same one."""
    return hashlib.sha256(rule.model_dump_json().encode("utf-8")).hexdigest()[:12]


def figure_sources(sources: dict[str, Source]) -> list[Source]:
    """Sources whose releases are figures in `observations`. A format with tables of its own (bureau
    progress returns, the office's review log) is judged by its own rules (return_timeliness)."""
    from ingest.formats import FORMATS

    return [s for s in sources.values() if FORMATS[s.format].tables is None]


def _completeness(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, sources: dict[str, Source], as_of: date, **_: object
) -> list[tuple]:
    """Monthly sources: every month of the as-of year up to the as-of month (1-2月 as one) has data."""
    failing = []
    for source in figure_sources(sources):
        if source.release.frequency != "monthly":
            continue
        have = {
            r[0]
            for r in con.execute(
                "select distinct period_end_month from staging.stg_ingest__observations "
                "where source_id = ? and period_year = ?",
                [source.id, as_of.year],
            ).fetchall()
        }
        expected = [m for m in range(2, as_of.month + 1)]
        missing = [m for m in expected if m not in have]
        if missing:
            failing.append((source.id, as_of.year, ",".join(f"{m}月" for m in missing)))
    return failing


def _timeliness(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    *,
    sources: dict[str, Source],
    as_of: date,
    today: date,
    **_: object,
) -> list[tuple]:
    """The release for the as-of period arrived within freshness_warn_days of its calendar date."""
    failing = []
    for source in figure_sources(sources):
        cal = source.release
        if cal.frequency != "monthly":
            continue
        month = as_of.month + cal.lag_months
        due = date(as_of.year + (month - 1) // 12, (month - 1) % 12 + 1, min(cal.day_of_month, 28))
        row = con.execute(
            "select min(release_date) from staging.stg_ingest__observations "
            "where source_id = ? and period_year = ? and period_end_month = ?",
            [source.id, as_of.year, as_of.month],
        ).fetchone()
        released = row[0] if row else None
        late_by = ((released or today) - due).days
        if late_by > cal.freshness_warn_days:
            failing.append((source.id, f"{as_of:%Y-%m}", str(due), str(released or "未发布"), late_by))
    return failing


def _return_timeliness(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, as_of: date, **_: object
) -> list[tuple]:
    """Bureau progress returns late or missing against the submission calendar (marts.fct_return_timeliness,
    judged in the build on its evaluation date). A build from before returns existed has nothing to check."""
    present = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'fct_return_timeliness'"
    ).fetchone()
    if not present or not present[0]:
        return []
    first = date(as_of.year, 1, 1) if rule.window == "year_to_date" else as_of.replace(day=1)
    return con.execute(
        """
        select plan_id, bureau_name_zh, strftime(report_month, '%Y-%m'), timeliness_zh,
               strftime(due_date, '%Y-%m-%d'), late_working_days
        from marts.fct_return_timeliness
        where report_month between ? and ? and timeliness in (select unnest(?))
        order by all
        """,
        [first, as_of.replace(day=1), rule.statuses],
    ).fetchall()


CHECKS: dict[str, Callable[..., list[tuple]]] = {
    "not_greater_than": _not_greater_than,
    "ytd_monotonic": _ytd_monotonic,
    "modified_zscore": _modified_zscore,
    "completeness": _completeness,
    "timeliness": _timeliness,
    "return_timeliness": _return_timeliness,
}


def run_rules(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], sources: dict[str, Source], as_of: date, today: date
) -> list[tuple[Rule, list[tuple]]]:
    return [(rule, evaluate(con, rule, sources, as_of, today).failing) for rule in rules]


@dataclass(frozen=True)
class RuleResult:
    failing: list[tuple]
    scope: str | None = None  # the figures a partial evaluation rechecked, as a result's detail says
    figures: int | None = None  # how many figures (latest vintages) it read; None when evaluated whole


def evaluate(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    sources: dict[str, Source],
    as_of: date,
    today: date,
    new: NewFigures | None = None,
) -> RuleResult:
    """The rule's failing rows. With `new` (a night of new data, expectations/earlier.py), a rule of a
    kind in GROUPS whose result in the served publish passed with the same definition rechecks only the
    groups that hold a figure of the new releases: the others' figures are those that passed there."""
    kw = {"sources": sources, "as_of": as_of, "today": today}
    if new is None or rule.kind not in GROUPS:
        return RuleResult(CHECKS[rule.kind](con, rule, **kw))
    if new.passed.get(rule.id) != rule_digest(rule):
        log.info(
            "%s: no passed result of this definition in publish %s: evaluated whole", rule.id, new.publish_id
        )
        return RuleResult(CHECKS[rule.kind](con, rule, **kw))
    figures = figures_read(con, rule, new.shas)
    return RuleResult(CHECKS[rule.kind](con, rule, shas=new.shas, **kw), new.describe(figures), figures)


def source_freshness(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], as_of: date
) -> list[tuple[str, str, bool, str]]:
    """Per source: how old its newest release is on the day the as-of month's figures are due.

    Returns (source_id, severity, passed, detail). Past freshness_warn_days is a warning; past
    freshness_error_days too (a stale bureau must not stop the other bureaus' figures being published).
    """
    rows = dict(
        (r[0], r[1:])
        for r in con.execute(
            """
            select source_id, max(release_date), max(period_year * 100 + period_end_month)
            from staging.stg_ingest__observations group by 1
            """
        ).fetchall()
    )
    out = []
    for source in figure_sources(sources):
        reference = source.expected_release_date(as_of.year, as_of.month)
        released, period = rows.get(source.id, (None, None))
        if released is None:
            out.append((source.id, "warning", False, f"从未加载;截至{reference}应已发布{as_of:%Y-%m}数据"))
            continue
        age = (reference - released).days
        passed = age <= source.release.freshness_warn_days
        level = "正常" if passed else ("滞后" if age <= source.release.freshness_error_days else "严重滞后")
        out.append(
            (
                source.id,
                "warning",
                passed,
                f"{level}:最新发布{released},数据期{period // 100}-{period % 100:02d},"
                f"距{reference}已{age}天(预警{source.release.freshness_warn_days}天)",
            )
        )
    return out
