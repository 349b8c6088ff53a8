"""Score the plan extractor on the hand-labelled corpus: recall and precision per text and overall.

    .venv/bin/python scripts/score_extractor.py                 # held-out and dev, figures only
    .venv/bin/python scripts/score_extractor.py --set dev --errors   # what dev misses and adds

The corpus is tests/plancatalog/corpus/{heldout,dev}/<name>.txt with labels in <name>.csv; how a match is
counted is in plancatalog/scoring.py and plancatalog/README.md. Exit status 1 when --min is given and the
held-out precision or recall is below it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plancatalog.extract import extract_targets  # noqa: E402 - the checkout, not an installed copy
from plancatalog.scoring import Score, load_labels, score, total  # noqa: E402

CORPUS = ROOT / "tests" / "plancatalog" / "corpus"


def score_set(folder: Path) -> list[Score]:
    scores = []
    for text_path in sorted(folder.glob("*.txt")):
        text = text_path.read_text(encoding="utf-8")
        labels = load_labels(text_path.with_suffix(".csv"), text)
        scores.append(score(text_path.stem, labels, extract_targets(text)))
    return scores


def _line(s: Score) -> str:
    return (
        f"  {s.name:<16} labelled {s.labelled:>3}  extracted {s.extracted:>3}  matched {s.matched:>3}  "
        f"precision {s.precision:6.1%}  recall {s.recall:6.1%}  (overlap+value+unit only: {s.loose})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", choices=("heldout", "dev", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list missed and extra rows")
    parser.add_argument(
        "--min", type=float, default=None, help="fail if held-out precision or recall is below"
    )
    args = parser.parse_args(argv)
    status = 0
    for name in ("heldout", "dev") if args.set == "all" else (args.set,):
        scores = score_set(CORPUS / name)
        overall = total("overall", scores)
        print(f"{name}:")
        for s in [*scores, overall]:
            print(_line(s))
        if args.errors:
            for s in scores:
                for lab in s.missed:
                    print(
                        f"  missed {s.name} line {lab.line}: {lab.quote} [{lab.value} {lab.unit} {lab.comparator} {lab.kind} {lab.target_year}]"
                    )
                for row in s.extra:
                    print(
                        f"  extra  {s.name}: {row.quote} [{row.value} {row.unit} {row.comparator} {row.kind} {row.target_year}]"
                    )
        if name == "heldout" and args.min is not None and min(overall.precision, overall.recall) < args.min:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
