"""The rules scored on a second held-back half, written after the first was used to tune them.

``tests/data/exemption_heldout2.jsonl`` (200 lines: 104 provisions that give open
source special treatment, 96 near misses, twelve families of legal technique
and nine drafting styles) was written by someone who had not seen the rules,
the catalogue or either own half, while the rules were being tuned on the
first held-back half, so it measures recall on wording nobody tuned for. The
floors were fixed before the file was first scored: precision ≥ 0.90 and recall
≥ 0.80. Scored at the merge of rules v3 (2026-11-26): P 0.949, R 0.721 (rules v2:
P 0.921, R 0.673) — the recall floor was missed. It stays written down as a
strict expected failure (``test_recall_floor_fixed_before_scoring``), which
turns red the day recall passes it, so that the floor is then asserted; the
floors asserted meanwhile only keep the measured level from falling. The bar for
unseen documents (P ≥ 0.95, R ≥ 0.9) is reported, not asserted. Scores are
printed per family and style.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_tagging_heldout import _p, _r, _score

HELDOUT2 = Path(__file__).resolve().parent / "data" / "exemption_heldout2.jsonl"
MIN_PRECISION = 0.90
MIN_RECALL = 0.80  # fixed before the first scoring; missed (0.721), see the docstring
REGRESSION_RECALL = 0.70  # the measured 0.721, less one positive's worth of margin

pytestmark = pytest.mark.skipif(
    not HELDOUT2.is_file(), reason=f"no second held-back half at {HELDOUT2}"
)


def _rows() -> list[dict]:
    return [json.loads(x) for x in HELDOUT2.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_rules_on_the_second_held_back_half(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    assert len(rows) >= 150 and all({"text", "label", "family"} <= set(r) for r in rows)
    scores = _score(rows)
    by_style = _score([{**r, "family": f"style:{r.get('style', '')}"} for r in rows])
    with capsys.disabled():
        print(f"\nsecond held-back half: {len(rows)} sentences")
        for key, c in sorted(
            {**scores, **by_style}.items(), key=lambda kv: (kv[0] != "all", kv[0])
        ):
            print(
                f"  {key:28} P {_p(c):.3f}  R {_r(c):.3f}  (tp {c[0]}, fp {c[1]}, fn {c[2]}, tn {c[3]})"
            )
    total = scores["all"]
    assert _p(total) >= MIN_PRECISION
    assert _r(total) >= REGRESSION_RECALL


@pytest.mark.xfail(
    strict=True, reason="recall 0.721 on the second held-back half, below the 0.80 floor"
)
def test_recall_floor_fixed_before_scoring() -> None:
    assert _r(_score(_rows())["all"]) >= MIN_RECALL
