"""The tagger on the second held-back half: written blind, now a development set.

``tests/data/exemption_heldout2.jsonl`` (200 lines: 104 provisions that give open
source special treatment, 96 near misses, twelve families of legal technique
and nine drafting styles) was written by someone who had not seen the rules,
the catalogue or either own half. Its floors were fixed before it was first
scored (precision ≥ 0.90, recall ≥ 0.80) and its blind scores are history:
rules v2 P 0.921 R 0.673, rules v3 P 0.949 R 0.721 (the recall floor missed).
In the fourth session its misses were read to generalise the rules (v4), so
from then on it is a development set: v4 scores P 1.000 R 0.990 here, which
is no unseen score. The unseen score is the third half's
(``tests/test_tagging_heldout3.py``). The floors asserted below keep the
development level from falling. Scores are printed per family and style.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_tagging_heldout import _p, _r, read_half, scores_by_family_and_style

HELDOUT2 = Path(__file__).resolve().parent / "data" / "exemption_heldout2.jsonl"
MIN_PRECISION = 0.90  # fixed before the first scoring
MIN_RECALL = 0.80  # fixed before the first scoring; missed blind (0.721), met as a dev set
REGRESSION_PRECISION = 0.98  # the development level (1.000), less two false positives
REGRESSION_RECALL = 0.97  # the development level (0.990), less two positives

pytestmark = pytest.mark.skipif(
    not HELDOUT2.is_file(), reason=f"no second held-back half at {HELDOUT2}"
)


def _rows() -> list[dict]:
    return read_half(HELDOUT2)


def test_rules_on_the_second_held_back_half(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    assert len(rows) >= 150 and all({"text", "label", "family"} <= set(r) for r in rows)
    with capsys.disabled():
        total = scores_by_family_and_style(rows, "second held-back half")
    assert _p(total) >= max(MIN_PRECISION, REGRESSION_PRECISION)
    assert _r(total) >= max(MIN_RECALL, REGRESSION_RECALL)
