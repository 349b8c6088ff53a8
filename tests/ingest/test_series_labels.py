"""The series of a release are decided per distinct label and signature (ingest/formats/series.py):
labels written exactly as the registry's are recognised in bulk by pyarrow, the rest by the resolver in
Python. The bulk test must never claim a label that clean_label would change."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ingest.formats.series import written_as_registered
from ingest.normalise import clean_label

REGISTERED = [
    "固定资产投资",
    "其中:工业投资",  # a registry label that clean_label itself would change
    "规上工业增加值*",
    "社会消费品零售总额",
    "GDP",
]
TRICKY = [
    "固定资产投资",  # exact: the only kind the bulk path takes
    "固定资产投资 ",  # trailing space
    "固定资产投资\u3000",  # ideographic space
    "固定\u00a0资产投资",  # no-break space
    "固定资产投资\u2028",  # line separator: whitespace to Python, no NFKC change
    "固定资产投资\x1c",  # file separator: str.isspace() is true
    "其中:工业投资",
    "其中：工业投资",
    "规上工业增加值*",
    "ＧＤＰ",  # full-width letters: NFKC changes them
    "GDP",
    "社会消费品零售总额△",
    None,
]


def test_the_bulk_path_takes_only_labels_clean_label_leaves_unchanged() -> None:
    exact = written_as_registered(pa.array(TRICKY, pa.string()), REGISTERED)
    taken = {k for k, e in zip(TRICKY, exact, strict=True) if e}
    assert taken == {"固定资产投资", "GDP"}
    for key in taken:
        assert clean_label(key) == key and key in REGISTERED


@pytest.mark.parametrize("key", [k for k in TRICKY if k is not None])
def test_a_label_the_bulk_path_takes_is_one_clean_label_keeps(key: str) -> None:
    (exact,) = written_as_registered(pa.array([key], pa.string()), [key])
    assert exact == (clean_label(key) == key)
