"""The extractor on the held-out corpus, scored by the committed script, and the scoring rule itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from plancatalog.extract import extract_targets
from plancatalog.scoring import load_labels, score

ROOT = Path(__file__).resolve().parents[2]
MINIMUM = 0.9


def test_held_out_precision_and_recall(record_property: pytest.RecordProperty) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "score_extractor.py"),
            "--set",
            "heldout",
            "--min",
            str(MINIMUM),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    print(out.stdout)
    overall = re.search(r"overall .*precision\s+([\d.]+)%\s+recall\s+([\d.]+)%", out.stdout)
    assert overall, out.stdout + out.stderr
    precision, recall = (float(x) / 100 for x in overall.groups())
    record_property("heldout_precision", precision)
    record_property("heldout_recall", recall)
    assert precision >= MINIMUM and recall >= MINIMUM and out.returncode == 0, out.stdout


def test_a_wrong_comparator_or_a_sentence_long_quote_is_a_miss(tmp_path: Path) -> None:
    text = "区人民政府2025年工作计划\n居民消费价格涨幅控制在3％左右，城镇调查失业率控制在5.5％以内。"
    labels_csv = tmp_path / "labels.csv"
    labels_csv.write_text(
        "quote,value,unit,comparator,kind,band,target_year\n"
        "居民消费价格涨幅控制在3％左右,3,%,<=,growth,,2025\n"  # the label says <=, the extractor ~
        "失业率控制在5.5％以内,5.5,%,<=,rate_held,,2025\n",
        encoding="utf-8",
    )
    labels = load_labels(labels_csv, text)
    result = score("t", labels, extract_targets(text))
    assert (result.matched, result.loose, result.extracted) == (1, 2, 2)
    # the whole sentence as one quote overlaps both labels but is no clause: it matches neither
    whole = extract_targets(text)[1]
    sentence = text.index("居民"), text.index("。")
    long_quote = type(whole)(**{**_fields(whole), "span_start": sentence[0], "span_end": sentence[1]})
    assert score("t", labels, [long_quote]).loose == 0


def _fields(target: object) -> dict[str, object]:
    return {name: getattr(target, name) for name in target.__slots__}  # type: ignore[attr-defined]
