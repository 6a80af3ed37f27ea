"""The tagger on the third held-back half: written blind, now a development set.

``tests/data/exemption_heldout3.jsonl`` (240 lines, twelve families of legal
technique, twenty each, nine drafting styles) was written by someone who saw
neither the rules, the trained component, the catalogue nor any earlier half.
Its floors were committed before the file existed (precision ≥ 0.95, recall ≥
0.90) and its blind scores are history: rules v3 P 0.978 R 0.742; rules v4
P 0.990 R 0.800; v4 + model P 0.990 R 0.817 (the recall floor missed).
In the fifth session its misses were read to generalise the rules (v5), as the
second half's were for v4, so from then on it is a development set: v5 scores
P 1.000 R 0.975 here (rules alone and with the model alike), which is no
unseen score. The unseen score is the fourth half's
(``tests/test_tagging_heldout4.py``). The floors asserted below keep the
development level from falling. Scores are printed per family and style (``-s``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_tagging_heldout import (
    _p,
    _r,
    assert_well_formed,
    read_half,
    scores_by_family_and_style,
)

HELDOUT3 = Path(__file__).resolve().parent / "data" / "exemption_heldout3.jsonl"
MIN_PRECISION = 0.95  # fixed before the first scoring
MIN_RECALL = 0.90  # fixed before the first scoring; missed blind (0.817), met as a dev set
REGRESSION_PRECISION = 0.99  # the v4 level (0.990); v5 measures 1.000
REGRESSION_RECALL = 0.958  # the development level (0.975, 117 of 120), less two positives

pytestmark = pytest.mark.skipif(
    not HELDOUT3.is_file(), reason=f"no third held-back half at {HELDOUT3}"
)


def _rows() -> list[dict]:
    return read_half(HELDOUT3)


def test_third_held_back_half_is_well_formed() -> None:
    assert_well_formed(_rows())


def test_tagger_on_the_third_held_back_half(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    with capsys.disabled():
        total = scores_by_family_and_style(rows, "third held-back half")
    assert _p(total) >= max(MIN_PRECISION, REGRESSION_PRECISION), f"precision {_p(total):.3f}"
    assert _r(total) >= max(MIN_RECALL, REGRESSION_RECALL), f"recall {_r(total):.3f}"
