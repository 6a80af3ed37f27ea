"""The tagger scored on a fourth held-back half, the honest score of the fifth session's work.

``tests/data/exemption_heldout4.jsonl`` (twelve families of legal technique,
nine drafting styles) is written by someone who sees neither the rules, the
trained component, its training text, the catalogue nor any earlier half,
while rules v5 and the retrained model are being built. The third half became
a development set when this one was commissioned: its misses are read to write
rules v5, as the second half's were for v4. The floors below are the issue's
bar for unseen law and are committed before the file exists: precision ≥ 0.95
and recall ≥ 0.90. Scores are printed per family and per style (``-s``).
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

HELDOUT4 = Path(__file__).resolve().parent / "data" / "exemption_heldout4.jsonl"
MIN_PRECISION = 0.95  # fixed before the file exists
MIN_RECALL = 0.90  # fixed before the file exists
# Scored once at the merge of the fifth session (2026-11-26): rules v4 P 0.969
# R 0.779; rules v4 + the fourth session's model P 0.971 R 0.811; rules v5 alone
# P 0.970 R 0.787; rules v5 + the retrained model P 0.974 R 0.910.

pytestmark = pytest.mark.skipif(
    not HELDOUT4.is_file(), reason=f"no fourth held-back half at {HELDOUT4}"
)


def _rows() -> list[dict]:
    return read_half(HELDOUT4)


def test_fourth_held_back_half_is_well_formed() -> None:
    assert_well_formed(_rows())


def test_tagger_on_the_fourth_held_back_half(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    with capsys.disabled():
        total = scores_by_family_and_style(rows, "fourth held-back half")
    assert _p(total) >= MIN_PRECISION, f"precision {_p(total):.3f} < {MIN_PRECISION}"
    assert _r(total) >= MIN_RECALL, f"recall {_r(total):.3f} < {MIN_RECALL}"
