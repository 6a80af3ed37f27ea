"""Re-anchoring after a document changes: anchored, moved or orphaned, never dropped."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, apply_anchors, check_anchors
from corpus_tool.annotations.anchoring import fuzzy_find
from corpus_tool.cli import main
from corpus_tool.workspace import DocBundle, Workspace
from tests._annotations_helpers import ingest_file, make_bundle

# Quotes from the Apache License 2.0 as a reader sees them (whitespace collapsed).
GRANT = (
    "each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, "
    "no-charge, royalty-free, irrevocable copyright license"
)
BEFORE_CHANGE = "patent license to make, have made, use, offer to sell, sell, import"
CHANGED = (
    "If You institute patent litigation against any entity "
    "(including a cross-claim or counterclaim in a lawsuit)"
)
AFTER_CHANGE = "shall terminate as of the date such litigation is filed"
MOVED_PARAGRAPH = "You may add Your own copyright statement to Your modifications"
DELETED = "does not grant permission to use the trade names, trademarks, service marks"


def edit_licence(text: str) -> str:
    """A new version: one sentence changed, one section deleted, one paragraph moved."""
    changed, n = re.subn(
        r"If You\s+institute patent litigation", "If You start patent litigation", text
    )
    assert n == 1
    moved = re.search(
        r"\n([ \t]*You may add Your own copyright statement.*?this License\.\n)\n", changed, re.S
    )
    assert moved
    changed = changed.replace(moved.group(1) + "\n", "", 1)
    anchor = "with Licensor regarding such Contributions.\n"
    assert changed.count(anchor) == 1
    changed = changed.replace(anchor, anchor + "\n" + moved.group(1), 1)
    deleted, n = re.subn(r"\n[ \t]*6\. Trademarks\..*?NOTICE file\.\n", "\n", changed, flags=re.S)
    assert n == 1
    return deleted


def most_specific(bundle: DocBundle, quote: str) -> str:
    holders = [p for p in bundle.provisions if quote in p.text]
    assert holders, f"{quote!r} is in no provision of {bundle.meta.doc_id}"
    return min(holders, key=lambda p: len(p.text)).id


@pytest.mark.shared
def test_reingesting_an_edited_real_licence_gives_expected_counts(
    tmp_path: Path, shared_corpus: Path
) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    source = ws.corpus_dir / "apache-2.0.txt"
    shutil.copyfile(shared_corpus / "apache-2.0.txt", source)
    original = ingest_file(ws, source)
    store = AnnotationStore(ws)

    def on(quote: str, whole: bool = False) -> str:
        pid = most_specific(original, quote)
        if whole:
            return store.create(
                doc_id=original.meta.doc_id, provision_id=pid, labels=["relevant"]
            ).id
        return store.create(
            doc_id=original.meta.doc_id, provision_id=pid, labels=["condition"], quote=quote
        ).id

    expected = {
        on(GRANT): "anchored",
        on(GRANT, whole=True): "anchored",
        on(BEFORE_CHANGE): "anchored",
        on(CHANGED): "moved",  # the sentence itself changed: found approximately
        on(AFTER_CHANGE): "moved",  # same provision, offsets shifted by the edit
        on(MOVED_PARAGRAPH): "moved",  # now in another provision
        on(DELETED): "orphaned",
        on(DELETED, whole=True): "orphaned",
    }

    source.write_text(edit_licence(source.read_text("utf-8")), "utf-8")
    edited = ingest_file(ws, source)
    assert edited.meta.sha256 != original.meta.sha256

    results = {r.annotation.id: r for r in check_anchors(ws)}
    assert {i: r.status for i, r in results.items()} == expected
    counts = {s: list(expected.values()).count(s) for s in ("anchored", "moved", "orphaned")}
    assert counts == {"anchored": 3, "moved": 3, "orphaned": 2}

    changed = next(
        r for r in results.values() if r.annotation.quote and r.annotation.quote.exact == CHANGED
    )
    assert changed.method == "fuzzy" and 0.8 <= changed.score < 1.0
    assert changed.quote.exact.startswith("If You start patent litigation")
    moved = next(
        r
        for r in results.values()
        if r.annotation.quote and r.annotation.quote.exact == MOVED_PARAGRAPH
    )
    new_home = edited.provision(moved.provision_id)
    assert new_home.text[slice(*moved.position)] == MOVED_PARAGRAPH
    assert (
        "regarding such Contributions" in new_home.text
        or moved.provision_id != moved.annotation.provision_id
    )

    # The CLI reports the same, with orphans listed by their quote.
    assert main(["-w", str(ws.root), "annotations", "check", "--json"]) == 0

    # Recording the new places keeps orphans as they were, and a second check agrees.
    assert apply_anchors(ws, results.values()) >= 3
    after = {r.annotation.id: r.status for r in check_anchors(ws)}
    assert sorted(after.values()) == ["anchored"] * 6 + ["orphaned"] * 2
    kept = AnnotationStore(ws).all()
    assert len(kept) == 8
    assert {a.quote.exact for a in kept if a.quote and after[a.id] == "orphaned"} == {DELETED}


def test_cli_check_lists_orphans_with_their_quote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(
        make_bundle("act", ["Alpha provision text stays.", "Beta provision will vanish soon."])
    )
    store = AnnotationStore(ws)
    keep = store.create(doc_id="act", provision_id="art_1", labels=["relevant"], quote="stays")
    lose = store.create(
        doc_id="act", provision_id="art_2", labels=["carve-back"], quote="will vanish"
    )
    ws.save_bundle(make_bundle("act", ["Alpha provision text stays."]))
    capsys.readouterr()
    assert main(["-w", str(ws.root), "annotations", "check", "--json"]) == 0
    rows = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows[keep.id]["status"] == "anchored"
    assert rows[lose.id]["status"] == "orphaned" and rows[lose.id]["quote"] == "will vanish"
    assert main(["-w", str(ws.root), "annotations", "check"]) == 0
    table = capsys.readouterr().out
    assert "1 anchored, 0 moved, 1 orphaned" in table and "will vanish" in table


def test_positional_ids_that_shift_do_not_carry_labels_to_the_wrong_provision(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    texts = [
        "First paragraph about scope.",
        "Second paragraph about open-source exemptions for developers.",
        "Third paragraph about penalties for infringements.",
    ]
    ws.save_bundle(make_bundle("act", texts))
    store = AnnotationStore(ws)
    on_second = store.create(doc_id="act", provision_id="art_2", labels=["oss-exemption"])
    on_third = store.create(doc_id="act", provision_id="art_3", labels=["obligation"])
    on_first = store.create(doc_id="act", provision_id="art_1", labels=["relevant"])
    legacy = replace(on_first, id="ann_legacy", anchor_text="")  # written before openings were kept
    store.restore([legacy])
    # The first paragraph is deleted: every later id shifts down by one.
    ws.save_bundle(make_bundle("act", texts[1:]))
    results = {r.annotation.id: r for r in check_anchors(ws)}
    assert (results[on_second.id].status, results[on_second.id].provision_id) == ("moved", "art_1")
    assert results[on_second.id].method == "provision-text"
    assert (results[on_third.id].status, results[on_third.id].provision_id) == ("moved", "art_2")
    assert results[on_first.id].status == "orphaned"
    assert "now holds a different text" in results[on_first.id].reason
    assert results[legacy.id].status == "anchored"  # only the id to go by


def test_fuzzy_find_tolerates_small_edits_and_refuses_other_text() -> None:
    text = "The provider shall publish a sufficiently detailed summary of the content used for training."
    hit = fuzzy_find(text, "shall publish a detailed summary of content used for training")
    assert hit is not None
    start, end, ratio = hit
    assert text[start:end].startswith("shall publish") and ratio >= 0.8
    assert fuzzy_find(text, "Member States shall lay down rules on penalties") is None


def test_document_no_longer_ingested_orphans_its_annotations(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(make_bundle("act", ["Some text to label here."]))
    a = AnnotationStore(ws).create(doc_id="act", provision_id="art_1", labels=["relevant"])
    ws.remove_bundle("act")
    (result,) = check_anchors(ws)
    assert result.status == "orphaned" and "not ingested" in result.reason
    assert AnnotationStore(ws).get(a.id) == a
