"""Cohen's kappa between two annotators, checked against values worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, agreement, cohen_kappa, load_label_scheme
from corpus_tool.cli import main
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import make_bundle

# Item n (1-based) -> labels; A and B disagree on items 5, 6, 9 and 10; item 11 only A labelled.
ALICE = {n: ["oss-exemption"] for n in range(1, 6)} | {n: ["not-relevant"] for n in range(6, 11)}
ALICE[11] = ["oss-exemption"]
BOB = {n: ["oss-exemption"] for n in (1, 2, 3, 4, 6)} | {n: ["not-relevant"] for n in (5, 7, 8, 10)}
BOB[9] = ["relevant"]
BOB[10] = ["not-relevant", "needs-review"]


def test_cohen_kappa_textbook_example() -> None:
    # 50 items: both yes 20, only A 5, only B 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4.
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    observed, expected, kappa = cohen_kappa(pairs)
    assert observed == pytest.approx(0.7) and expected == pytest.approx(0.5)
    assert kappa == pytest.approx(0.4)
    assert cohen_kappa([(True, True), (True, True)])[2] is None  # no variation: undefined
    assert cohen_kappa([])[2] is None


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(make_bundle("act", [f"Provision number {n} of the act." for n in range(1, 13)]))
    for author, labels in (("alice", ALICE), ("bob", BOB)):
        store = AnnotationStore(ws, author=author)
        for n, names in labels.items():
            # Two annotations on one provision count as the union of their labels.
            for name in names:
                store.create(doc_id="act", provision_id=f"art_{n}", labels=[name])
    AnnotationStore(ws, author="carol").create(
        doc_id="act", provision_id="art_12", labels=["relevant"]
    )
    return ws


def test_kappa_per_label_matches_hand_computed_values(ws: Workspace) -> None:
    store = AnnotationStore(ws, author="-")
    report = agreement(store.all(), "alice", "bob", load_label_scheme(ws))
    assert (report.items, report.only_a_items, report.only_b_items) == (10, 1, 0)
    rows = {r.label: r for r in report.labels}
    # oss-exemption: both 4, only A 1 (item 5), only B 1 (item 6), neither 4:
    # po = 0.8, pe = 0.5*0.5 + 0.5*0.5 = 0.5, kappa = 0.3/0.5 = 0.6
    ossx = rows["oss-exemption"]
    assert (ossx.both, ossx.only_a, ossx.only_b, ossx.neither) == (4, 1, 1, 4)
    assert ossx.kappa == pytest.approx(0.6)
    # not-relevant: A yes 6-10, B yes 5,7,8,10: po = 0.7, pe = 0.5*0.4 + 0.5*0.6 = 0.5 -> 0.4
    assert rows["not-relevant"].kappa == pytest.approx(0.4)
    # relevant / needs-review: only B, once: po = 0.9 = pe -> 0
    assert rows["relevant"].kappa == pytest.approx(0.0)
    assert rows["needs-review"].kappa == pytest.approx(0.0)
    assert [d.provision_id for d in report.disagreements] == ["art_5", "art_6", "art_9", "art_10"]
    art10 = next(d for d in report.disagreements if d.provision_id == "art_10")
    assert (art10.labels_a, art10.labels_b) == (("not-relevant",), ("not-relevant", "needs-review"))


def test_union_counts_unlabelled_provisions_as_no(ws: Workspace) -> None:
    report = agreement(
        AnnotationStore(ws, author="-").all(), "alice", "bob", load_label_scheme(ws), union=True
    )
    assert report.items == 11
    # oss-exemption over 11 items: both 4, only A 2, only B 1, neither 4:
    # po = 8/11, pe = (6*5 + 5*6)/121 = 60/121, kappa = (88-60)/(121-60) = 28/61
    assert {r.label: r.kappa for r in report.labels}["oss-exemption"] == pytest.approx(28 / 61)


def test_unknown_author_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(
        StoreError, match="author 'dave' has no labelled annotations; authors: alice, bob, carol"
    ):
        agreement(AnnotationStore(ws, author="-").all(), "alice", "dave", load_label_scheme(ws))


def test_cli_prints_kappa_and_disagreements(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "agreement", "alice", "bob"]) == 0
    out = capsys.readouterr().out
    assert "alice vs bob: 10 provisions labelled by both" in out
    assert "0.600" in out and "0.400" in out
    assert "4 provisions they disagree on" in out
    assert main(["-w", str(ws.root), "agreement", "alice", "bob", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["label"]: round(r["kappa"], 3) for r in data["labels"]}["oss-exemption"] == 0.6
    assert main(["-w", str(ws.root), "agreement", "alice", "nobody"]) == 2
    assert "author 'nobody' has no labelled annotations" in capsys.readouterr().err
