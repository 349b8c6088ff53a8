"""规划办进展填报审核记录: the planning office's decisions on each month's returns, as its system exports them.

One log per reporting month beside that month's returns (bureau_progress_returns.py makes the decisions):
every return an office would accept is accepted one to three working days after it arrived; 交通运输局's
first 2024-04 file is sent back with a reason and its resubmission accepted; 科学技术局's 2024-06 revision is
accepted in July; 住房和城乡建设局's rejected 2024-05 file never reached review; 文化广电旅游体育局's 2025-03
return is not decided yet.
"""

from __future__ import annotations

from ingest.formats.progress_return.catalog import load_catalog
from ingest.formats.return_review_log import write_log
from ingest.registry import Source
from samples.sources.bureau_progress_returns import returns_of_month

SOURCE_ID = "bureau_return_reviews"
WORDS = {"accepted": "已接受", "sent_back": "已退回", "reopened": "已重新打开"}


def files(source: Source, year: int, month: int, seed: int) -> dict[str, bytes]:
    """The month's review log (file name -> bytes); nothing when no return of the month was decided."""
    bureaus = load_catalog().bureaus
    lines = []
    versions: dict[str, int] = {}
    for r in sorted(returns_of_month(year, month, seed), key=lambda x: (x.bureau, x.submitted, x.name)):
        if not r.loaded:
            continue
        versions[r.bureau] = versions.get(r.bureau, 0) + 1
        for decision, when, reviewer, reason in r.decisions:
            lines.append(
                {
                    "bureau": bureaus[r.bureau],
                    "month": f"{year}-{month:02d}",
                    "version": versions[r.bureau],
                    "file": r.name,
                    "decision": WORDS[decision],
                    "reviewer": reviewer,
                    "decided_at": f"{when:%Y-%m-%d %H:%M}",
                    "reason": reason or "",
                }
            )
    if not lines:
        return {}
    lines.sort(key=lambda x: (x["decided_at"], x["bureau"]))
    return {source.location_for(year, month).rsplit("/", 1)[-1]: write_log(lines)}
