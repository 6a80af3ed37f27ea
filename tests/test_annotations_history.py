"""Event schema v2 (v, eid, migration of v1 logs), duplicate labels, edit, undo and redo."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, DuplicateLabelError, History
from corpus_tool.annotations.store import legacy_eid, new_eid
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import tricky_workspace

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return tricky_workspace(tmp_path / "ws")


def events(ws: Workspace) -> list[dict]:
    lines = (ws.annotations_dir / "events.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_new_events_carry_version_and_a_time_ordered_ulid(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    a = store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    store.edit(a.id, note="why")
    written = events(ws)
    assert [e["v"] for e in written] == [2, 2]
    assert all(ULID.match(e["eid"]) for e in written)
    assert written[0]["eid"] != written[1]["eid"]
    assert new_eid(1000) < new_eid(2000)  # the time part leads, so text order is time order
    assert store.last_eid == written[-1]["eid"]


def test_a_version_1_log_stays_readable_with_stable_derived_ids(ws: Workspace) -> None:
    ws.annotations_dir.mkdir(parents=True, exist_ok=True)
    store = AnnotationStore(ws)
    made = store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    # Rewrite the log as a version-1 writer left it: no v, no eid.
    old = events(ws)[0]
    del old["v"], old["eid"]
    line = json.dumps(old, separators=(",", ":"))
    (ws.annotations_dir / "events.jsonl").write_text(line + "\n", "utf-8")
    first = AnnotationStore(ws)
    assert [a.id for a in first.all()] == [made.id]
    assert (
        first.events()[0]["eid"]
        == legacy_eid(line.encode())
        == "v1-" + legacy_eid(line.encode())[3:]
    )
    assert len(first.events()[0]["eid"]) == 25
    assert AnnotationStore(ws).events()[0]["eid"] == first.events()[0]["eid"]  # same every read
    # New events are appended as v2 after the old line, and both replay.
    first.edit(made.id, note="added later")
    kinds = [(e.get("v"), e["event"]) for e in events(ws)]
    assert kinds == [(None, "create"), (2, "update")]
    assert AnnotationStore(ws).get(made.id).note == "added later"
    assert not first.warnings


def test_a_future_version_or_unknown_kind_is_kept_and_warned_about(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    with (ws.annotations_dir / "events.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"v":3,"eid":"X","event":"create","annotation":{}}\n')
        fh.write('{"v":2,"eid":"Y","event":"teleport"}\n')
    fresh = AnnotationStore(ws)
    assert len(fresh.all()) == 1
    assert len(fresh.events()) == 3  # nothing dropped
    assert any(":2:" in w and "version 3" in w for w in fresh.warnings)
    assert any(":3:" in w and "teleport" in w for w in fresh.warnings)


def test_duplicate_label_on_the_same_target_is_one_annotation(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    first = store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    with pytest.raises(DuplicateLabelError, match="already labelled oss-exemption") as info:
        store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    assert info.value.existing.id == first.id
    assert len(store.all()) == 1 and len(events(ws)) == 1
    # Another span, another label or another author is a different annotation.
    store.create(doc_id="act-one", provision_id="art_3", labels=["condition"])
    store.create(
        doc_id="act-one", provision_id="art_3", labels=["oss-exemption"], quote="shall not apply"
    )
    AnnotationStore(ws, author="someone else").create(
        doc_id="act-one", provision_id="art_3", labels=["oss-exemption"]
    )
    assert len(AnnotationStore(ws).all()) == 4
    # Editing another annotation into a duplicate is refused too.
    note_only = store.create(doc_id="act-one", provision_id="art_3", note="just a note")
    with pytest.raises(DuplicateLabelError):
        store.edit(note_only.id, labels=["condition"])


def test_a_note_edited_is_an_update_event_and_history_is_kept(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    a = store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"], note="v1")
    edited = store.edit(a.id, note="v2", labels=["oss-exemption", "condition"])
    assert edited.note == "v2" and edited.created == a.created
    log = events(ws)
    assert [e["event"] for e in log] == ["create", "update"]
    assert log[0]["annotation"]["note"] == "v1" and log[1]["annotation"]["note"] == "v2"
    assert AnnotationStore(ws).get(a.id).labels == ("oss-exemption", "condition")
    with pytest.raises(StoreError, match="nothing to edit"):
        store.edit(a.id)


def test_undo_removes_the_newest_action_and_redo_restores_it(ws: Workspace) -> None:
    history = History(AnnotationStore(ws))
    older = history.create(doc_id="act-two", provision_id="art_1", note="an earlier note")
    newer = history.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    undone = history.undo()
    assert undone is not None and undone.annotation_id == newer.id
    assert undone.summary == "create oss-exemption on Article 3 (act-one)"  # for the undo hint
    assert [a.id for a in AnnotationStore(ws).all()] == [older.id]  # the older note survives
    log = events(ws)
    assert log[-1]["event"] == "delete" and log[-1]["undoes"] == log[1]["eid"]
    redone = history.redo()
    assert redone is not None and redone.annotation_id == newer.id
    assert [a.id for a in AnnotationStore(ws).all()] == [older.id, newer.id]
    log = events(ws)
    assert log[-1]["event"] == "create" and log[-1]["redoes"] == log[1]["eid"]
    assert len(log) == 4  # history never lost: create, create, delete(undo), create(redo)
    # Undo twice walks back newest first; a third undo has nothing left.
    assert history.undo().annotation_id == newer.id  # type: ignore[union-attr]
    assert history.undo().annotation_id == older.id  # type: ignore[union-attr]
    assert history.undo() is None and AnnotationStore(ws).all() == []
    assert history.redo().annotation_id == older.id  # type: ignore[union-attr]


def test_undo_of_an_edit_restores_the_previous_state_and_of_a_delete_the_annotation(
    ws: Workspace,
) -> None:
    history = History(AnnotationStore(ws))
    a = history.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"], note="x")
    history.edit(a.id, note="y")
    history.delete(a.id)
    assert AnnotationStore(ws).all() == []
    history.undo()  # the delete
    assert AnnotationStore(ws).get(a.id).note == "y"
    history.undo()  # the edit
    back = AnnotationStore(ws).get(a.id)
    assert back.note == "x" and back.created == a.created
    assert [e["event"] for e in events(ws)] == [
        "create",
        "update",
        "delete",
        "create",  # undo of delete: a create of the same id
        "update",  # undo of edit: the previous state
    ]
    # A new action clears the redo stack.
    history.edit(a.id, note="z")
    assert not history.can_redo and history.redo() is None


def test_undo_refuses_when_someone_else_changed_the_annotation_since(ws: Workspace) -> None:
    history = History(AnnotationStore(ws))
    a = history.create(doc_id="act-one", provision_id="art_3", note="mine")
    AnnotationStore(ws, author="colleague").edit(a.id, note="theirs")
    with pytest.raises(StoreError, match="changed since"):
        history.undo()
    assert AnnotationStore(ws).get(a.id).note == "theirs"


def test_accept_and_reject_are_undoable_actions(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    history = History(store)
    tag_id = "act-one:art_3:oss-exemption"
    history.review(tag_id, "accept")
    history.review(tag_id, "reject", note="not open source")
    mine = [a for a in store.all() if a.decision]
    assert len(mine) == 1 and mine[0].decision == "reject"
    history.undo()
    assert [a.decision for a in AnnotationStore(ws).all()] == ["accept"]
    history.undo()
    assert AnnotationStore(ws).all() == []


def test_saved_searches_are_events_replayed_by_name(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    store.save_search("oss", "open source /s exempt!", filters={"doc": "act-one"})
    store.save_search("pen", "penalt!")
    store.rename_search("oss", "open-source")
    store.save_search("pen", "penalt! /p member", dialect="westlaw")
    store.delete_search("open-source")
    fresh = AnnotationStore(ws).saved_searches()
    assert list(fresh) == ["pen"] and fresh["pen"]["dialect"] == "westlaw"
    kinds = [e["event"] for e in events(ws)]
    assert kinds == ["search-save", "search-save", "search-rename", "search-save", "search-delete"]


def test_history_rebuilt_from_the_log_matches_the_session(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    session = History(store)
    a = session.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    session.edit(a.id, note="why")
    theirs = AnnotationStore(ws, author="colleague").create(
        doc_id="act-two", provision_id="art_1", note="x"
    )
    b = session.create(doc_id="act-one", provision_id="art_1", note="second")
    session.undo()  # b
    rebuilt = History.from_log(AnnotationStore(ws))
    assert (
        [(x.kind, x.annotation_id) for x in rebuilt.actions()]
        == [(x.kind, x.annotation_id) for x in session.actions()]
        == [("edit", a.id), ("create", a.id)]
    )
    assert rebuilt.peek_redo() is not None and rebuilt.peek_redo().annotation_id == b.id  # type: ignore[union-attr]
    # The colleague's work is not on this author's stack.
    assert theirs.id not in {x.annotation_id for x in rebuilt.actions()}
    assert History.from_log(AnnotationStore(ws, author="colleague")).peek_undo().annotation_id == (  # type: ignore[union-attr]
        theirs.id
    )


def test_cli_undo_and_redo_walk_the_authors_own_actions(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_tool.cli import main

    def run(*args: str) -> str:
        assert main(["-w", str(ws.root), *args]) == 0
        return capsys.readouterr().out

    run("annotate", "act-one", "art_3", "-l", "oss-exemption")
    AnnotationStore(ws, author="colleague").create(doc_id="act-two", provision_id="art_1", note="x")
    run("annotate", "act-one", "Article 1", "--note", "newest")
    assert run("annotations", "undo").startswith("undid: create note on Article 1 (act-one)")
    assert [a.author for a in AnnotationStore(ws).all()] == ["test-author", "colleague"]
    assert run("annotations", "undo").startswith(
        "undid: create oss-exemption on Article 3 (act-one)"
    )
    assert run("annotations", "undo").startswith("nothing to undo for test-author")
    assert [a.author for a in AnnotationStore(ws).all()] == ["colleague"]
    assert run("annotations", "redo").startswith("redid: create oss-exemption")
    assert run("annotations", "redo").startswith("redid: create note")
    assert run("annotations", "redo").startswith("nothing to redo")
    assert len(AnnotationStore(ws).all()) == 3
    kinds = [(e["event"], "undoes" in e, "redoes" in e) for e in events(ws)]
    assert kinds[-4:] == [
        ("delete", True, False),
        ("delete", True, False),
        ("create", False, True),
        ("create", False, True),
    ]


def test_redo_does_not_bring_back_a_label_given_again_since(ws: Workspace) -> None:
    history = History(AnnotationStore(ws))
    history.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"])
    history.undo()
    again = history.create(doc_id="act-one", provision_id="art_3", labels=["condition"])
    AnnotationStore(ws).edit(again.id, labels=["condition", "oss-exemption"])
    # The redo stack was cleared by the new action; a stale redo is refused, not duplicated.
    assert history.redo() is None
    other = History(AnnotationStore(ws))
    made = other.create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    other.undo()
    AnnotationStore(ws).create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    with pytest.raises(DuplicateLabelError):
        other.redo()
    assert [a.id for a in AnnotationStore(ws).for_provision("act-one", "art_1")] != [made.id]
