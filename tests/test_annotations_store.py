"""The annotation store: events, selectors, labels, crashes, full disks and concurrent writers."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corpus_tool.annotations import (
    AnnotationStore,
    current_labels,
    effective_tags,
    load_label_scheme,
    review,
    tag_decisions,
)
from corpus_tool.annotations import author as author_module
from corpus_tool.annotations import store as store_module
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import tricky_workspace

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return tricky_workspace(tmp_path / "ws")


def log_lines(ws: Workspace) -> list[str]:
    return (ws.annotations_dir / "events.jsonl").read_text("utf-8").splitlines()


def test_create_update_delete_are_appended_events_and_replayed(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    a = store.create(doc_id="act-one", provision_id="art_3", labels=["oss-exemption"], note="key")
    b = store.create(doc_id="act-two.txt", provision_id="art_2", labels=["obligation"])
    assert a.author == "test-author" and b.doc_id == "act-two"
    assert a.sha256 == ws.load_bundle("act-one").meta.sha256
    assert a.file == "act-one.txt"
    changed = store.update(a.id, labels=["oss-exemption", "condition"], note="changed")
    assert changed.created == a.created and changed.modified >= a.modified
    store.delete(b.id)
    events = [json.loads(line) for line in log_lines(ws)]
    assert [e["event"] for e in events] == ["create", "create", "update", "delete"]
    assert all(e["by"] == "test-author" for e in events)
    fresh = AnnotationStore(ws)  # replay from disk, not from the writer's memory
    assert [x.id for x in fresh.all()] == [a.id]
    assert fresh.get(a.id[:10]).labels == ("oss-exemption", "condition")
    assert fresh.for_provision("act-one", "art_3")[0].note == "changed"
    assert current_labels(ws) == {("act-one", "art_3"): ("oss-exemption", "condition")}


def test_quote_becomes_text_quote_and_position_selectors(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    text = ws.load_bundle("act-one").provision("art_3").text
    a = store.create(
        doc_id="act-one",
        provision_id="art_3",
        labels=["condition"],
        quote="free and open-source licence",
    )
    start, end = a.position
    assert text[start:end] == "free and open-source licence"
    assert a.quote.prefix == text[max(0, start - 32) : start] and a.quote.prefix.endswith(
        "under a "
    )
    assert a.quote.suffix == text[end : end + 32] == "."
    assert a.anchor_text == ""
    whole = store.create(doc_id="act-one", provision_id="art_3", labels=["relevant"])
    assert whole.position is None and whole.quote is None and text.startswith(whole.anchor_text)
    # Quotes pasted with other spacing still match.
    spaced = store.create(
        doc_id="act-one", provision_id="art_3", labels=["relevant"], quote="free  and\nopen-source"
    )
    assert text[slice(*spaced.position)] == "free and open-source"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"labels": ["oss-exemptoin"]},
            "unknown label 'oss-exemptoin'; the label scheme has: relevant, oss-exemption",
        ),
        ({"labels": ["relevant"], "quote": "not in the text"}, "does not occur in Article 3"),
        ({}, "needs at least a label, a note or a decision"),
        ({"labels": ["relevant"], "position": (5, 9999)}, "outside Article 3"),
        (
            {"decision": "maybe", "tag_label": "oss-exemption"},
            "a decision is one of accept, reject",
        ),
        ({"decision": "accept", "tag_label": "oss-mention"}, "has no machine tag 'oss-mention'"),
    ],
)
def test_bad_annotations_are_refused_with_a_clear_message(
    ws: Workspace, kwargs: dict, message: str
) -> None:
    with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AnnotationStore(ws).create(doc_id="act-one", provision_id="art_3", **kwargs)
    assert not (ws.annotations_dir / "events.jsonl").exists() or not log_lines(ws)


def test_unknown_document_or_provision_names_what_exists(ws: Workspace) -> None:
    store = AnnotationStore(ws)
    with pytest.raises(StoreError, match=r"no document 'act-nine'.*known: act-one, act-two"):
        store.create(doc_id="act-nine", provision_id="art_1", labels=["relevant"])
    with pytest.raises(StoreError, match=r"act-one has no provision 'art_33'.*did you mean art_3"):
        store.create(doc_id="act-one", provision_id="art_33", labels=["relevant"])


def test_author_comes_from_env_then_workspace_config_then_os_user(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert AnnotationStore(ws).author == "test-author"
    assert AnnotationStore(ws, author="alice").author == "alice"
    monkeypatch.delenv("CORPUS_TOOL_AUTHOR")
    monkeypatch.setenv("CORPUS_TOOL_CONFIG_DIR", str(ws.root.parent / "no-user-config"))
    monkeypatch.setattr(author_module, "git_user_name", lambda: "")
    monkeypatch.setattr(author_module.getpass, "getuser", lambda: "os-user")
    assert AnnotationStore(ws).author == "os-user"
    (ws.root / "corpus-tool.toml").write_text('[annotations]\nauthor = "Counsel B"\n')
    assert AnnotationStore(ws).author == "Counsel B"


def test_workspace_label_scheme_overrides_the_default(ws: Workspace) -> None:
    default = load_label_scheme(ws)
    assert default.names == (
        "relevant",
        "oss-exemption",
        "carve-back",
        "condition",
        "obligation",
        "definition",
        "not-relevant",
        "needs-review",
    )
    assert len({label.key for label in default.labels}) == 8
    assert all(label.colour.startswith("#") for label in default.labels)
    (ws.root / "labels.toml").write_text('[labels.exempt]\nkey = "x"\ncolour = "#112233"\n')
    scheme = load_label_scheme(ws)
    assert scheme.names == ("exempt",) and scheme.by_key("x").name == "exempt"
    with pytest.raises(
        StoreError, match=r"unknown label 'relevant'; the label scheme .*labels.toml. has: exempt"
    ):
        AnnotationStore(ws).create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    (ws.root / "labels.toml").write_text(
        '[labels.a]\nkey = "x"\ncolour = "#112233"\n[labels.b]\nkey = "x"\ncolour = "#112233"\n'
    )
    with pytest.raises(StoreError, match="key 'x' is used by both 'a' and 'b'"):
        load_label_scheme(ws)
    (ws.root / "labels.toml").write_text("[labels\n")
    with pytest.raises(StoreError, match=r"labels.toml: not valid TOML"):
        load_label_scheme(ws)


def test_review_overrides_machine_tags_without_deleting_them(ws: Workspace) -> None:
    tag_id = "act-one:art_3:oss-exemption"
    first = review(ws, tag_id, "accept")
    assert tag_decisions(ws) == {tag_id: "accept"}
    again = review(ws, tag_id, "reject", note="only a mention")
    assert again.id == first.id  # one decision per author and tag
    assert tag_decisions(ws) == {tag_id: "reject"}
    time.sleep(0.002)
    review(ws, tag_id, "accept", author="second-reader")  # the latest decision by anyone wins
    assert tag_decisions(ws) == {tag_id: "accept"}
    review(ws, "act-one:art_3:carve-back", "reject")
    bundle = ws.load_bundle("act-one")
    kept = effective_tags(bundle.tags, tag_decisions(ws))
    assert {(t.tag_id, d) for t, d in kept if t.provision_id == "art_3"} == {(tag_id, "accept")}
    assert len(bundle.tags) == len(ws.load_bundle("act-one").tags)  # machine tags untouched
    with pytest.raises(StoreError, match="DOC:PROVISION:LABEL"):
        review(ws, "act-one:art_3", "accept")


def test_annotating_never_writes_to_the_index(ws: Workspace) -> None:
    """Labels live in the store only; a search joins them (tests/test_human_join.py)."""
    ws.index_dir.mkdir(parents=True)
    (ws.index_dir / "marker").write_text("x")
    store = AnnotationStore(ws)
    a = store.create(doc_id="act-one", provision_id="art_2", labels=["obligation"])
    store.delete(a.id)
    assert sorted(p.name for p in ws.index_dir.iterdir()) == ["marker"]


def test_disk_full_raises_store_error_and_leaves_the_store_intact(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AnnotationStore(ws)
    kept = store.create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    before = (ws.annotations_dir / "events.jsonl").read_bytes()
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.os, "write", full)
    with pytest.raises(StoreError, match=r"cannot save the annotation .*No space left on device"):
        store.create(doc_id="act-one", provision_id="art_2", labels=["obligation"])
    assert (ws.annotations_dir / "events.jsonl").read_bytes() == before

    def half(fd: int, data: bytes) -> int:  # the disk fills up in the middle of the line
        return real_write(fd, data[: len(data) // 2])

    monkeypatch.setattr(store_module.os, "write", half)
    with pytest.raises(StoreError, match="short write"):
        store.update(kept.id, note="lost")
    monkeypatch.undo()
    assert (ws.annotations_dir / "events.jsonl").read_bytes() == before
    assert [a.note for a in AnnotationStore(ws).all()] == [""]


def test_read_only_store_raises_store_error(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.os, "open", read_only)
    with pytest.raises(StoreError, match="Read-only file system; nothing was written"):
        AnnotationStore(ws).create(doc_id="act-one", provision_id="art_1", labels=["relevant"])


def test_annotations_folder_replaced_by_a_file_is_a_store_error_on_read(ws: Workspace) -> None:
    # Regression: reading used to leak a raw NotADirectoryError to the UI.
    store = AnnotationStore(ws)
    store.create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    backup = ws.annotations_dir.with_name("annotations.bak")
    ws.annotations_dir.rename(backup)
    ws.annotations_dir.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot read the annotations"):
        AnnotationStore(ws).for_provision("act-one", "art_1")


def test_annotations_written_in_the_same_millisecond_stay_in_log_order(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: ties on the creation time were broken by the random id, so
    # "oldest first" (and the torn-line test) failed now and then on a fast machine.
    monkeypatch.setattr(store_module, "now_iso", lambda: "2026-01-01T00:00:00.000Z")
    store = AnnotationStore(ws)
    made = [
        # Notes, not one label twelve times: a duplicate label is refused (one annotation).
        store.create(doc_id="act-one", provision_id="art_1", note=f"note {i}").id
        for i in range(12)
    ]
    assert [a.id for a in AnnotationStore(ws).all()] == made


def test_torn_last_line_is_skipped_with_a_warning_and_the_next_write_starts_fresh(
    ws: Workspace,
) -> None:
    store = AnnotationStore(ws)
    first = store.create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    second = store.create(doc_id="act-one", provision_id="art_2", labels=["obligation"])
    path = ws.annotations_dir / "events.jsonl"
    whole_line = path.read_text().splitlines()[0]
    with path.open("a") as fh:  # a crash half-way through a third event
        fh.write(whole_line[: len(whole_line) // 2])
    reader = AnnotationStore(ws)
    assert [a.id for a in reader.all()] == [first.id, second.id]
    assert (
        len(reader.warnings) == 1
        and "events.jsonl:3: skipped an unfinished last line" in reader.warnings[0]
    )
    third = reader.create(doc_id="act-one", provision_id="art_3", labels=["condition"])
    lines = path.read_text().splitlines()
    assert json.loads(lines[-1])["annotation"]["id"] == third.id  # not glued to the torn line
    later = AnnotationStore(ws)
    assert [a.id for a in later.all()] == [first.id, second.id, third.id]
    assert "events.jsonl:3: skipped an unreadable line" in later.warnings[0]


WRITER = textwrap.dedent(
    """
    import sys
    from corpus_tool.annotations import AnnotationStore
    from corpus_tool.workspace import Workspace
    ws_root, author, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = AnnotationStore(Workspace(ws_root), author=author)
    print("ready", flush=True)
    sys.stdin.readline()
    n = 0
    while count < 0 or n < count:
        store.create(doc_id="act-one", provision_id="art_%d" % (n % 5 + 1), note="%s %d" % (author, n))
        n += 1
    """
)


def start_writer(ws: Workspace, author: str, count: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ws.root), author, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_two_processes_annotating_at_once_lose_no_event(ws: Workspace) -> None:
    writers = [start_writer(ws, name, 120) for name in ("alice", "bob")]
    for proc in writers:  # release both at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in writers:
        assert proc.wait(timeout=120) == 0
    lines = log_lines(ws)
    assert len(lines) == 240 and all(json.loads(line)["event"] == "create" for line in lines)
    store = AnnotationStore(ws)
    notes = {a.note for a in store.all()}
    assert notes == {f"{who} {n}" for who in ("alice", "bob") for n in range(120)}
    assert store.warnings == []


def test_sigkill_during_writes_leaves_earlier_annotations_and_a_readable_store(
    ws: Workspace,
) -> None:
    proc = start_writer(ws, "killed", -1)  # writes until killed
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    path = ws.annotations_dir / "events.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 20_000:
            break
        time.sleep(0.01)
    seen_before = len(AnnotationStore(ws).all())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    store = AnnotationStore(ws)
    survivors = store.all()
    assert len(survivors) >= seen_before > 0
    complete = [line for line in path.read_bytes().split(b"\n") if line.endswith(b"}")]
    assert len(survivors) == len(complete)
    notes = sorted(int(a.note.split()[1]) for a in survivors)
    assert notes == list(range(len(notes)))  # no gap: every earlier annotation survived
    after = store.create(doc_id="act-one", provision_id="art_1", labels=["needs-review"])
    assert AnnotationStore(ws).get(after.id).labels == ("needs-review",)


def test_labels_reach_the_real_index_after_each_write(ws: Workspace) -> None:
    from corpus_tool import index

    index.update_index(ws, list(ws.bundles()))
    assert not index.search(ws, "obligations", label="carve-back").hits
    store = AnnotationStore(ws)
    a = store.create(doc_id="act-one", provision_id="art_3", labels=["carve-back"])
    hits = index.search(ws, "obligations", label="carve-back").hits
    assert [(h.doc_id, h.id) for h in hits] == [("act-one", "art_3")]
    store.delete(a.id)
    assert not index.search(ws, "obligations", label="carve-back").hits
    # A rebuilt index takes the labels from the store, the source of truth.
    store.create(doc_id="act-two", provision_id="art_2", labels=["obligation"])
    index.rebuild_index(ws)
    assert [h.id for h in index.search(ws, "penalties", label="obligation").hits] == ["art_2"]


def test_a_long_lived_store_sees_what_other_sessions_append(ws: Workspace) -> None:
    ui = AnnotationStore(ws, author="ui")
    script = AnnotationStore(ws, author="script")
    mine = ui.create(doc_id="act-one", provision_id="art_1", labels=["relevant"])
    assert [a.id for a in ui.all()] == [mine.id]
    theirs = script.create(doc_id="act-one", provision_id="art_1", labels=["obligation"])
    assert [a.id for a in ui.for_provision("act-one", "art_1")] == [mine.id, theirs.id]
    script.delete(mine.id)
    assert [a.id for a in ui.all()] == [theirs.id]
    # A log replaced by another file (a restore from backup) is read again from the start.
    path = ws.annotations_dir / "events.jsonl"
    backup = path.read_bytes().splitlines(keepends=True)[0]
    replaced = path.with_suffix(".new")
    replaced.write_bytes(backup)
    replaced.replace(path)
    assert [a.id for a in ui.all()] == [mine.id]
