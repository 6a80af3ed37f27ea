"""Safe index writes: a writer SIGKILLed mid-commit leaves the previous index; a second writer waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.errors import StoreError
from corpus_tool.index import forget, rebuild_index, search, update_index
from corpus_tool.index.analysis import sentence_spans
from corpus_tool.workspace import Workspace
from tests._search_helpers import act_bundle, make_workspace

PROJECT = Path(__file__).resolve().parent.parent

# A child process that rewrites the index with new content, and announces (then
# stalls) at the moment chosen by STAGE so the test can SIGKILL it there:
#   "toc": segment files written, the new table of contents not yet renamed in;
#   "adding": in the middle of adding entries.
WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {project!r})
    from whoosh.filedb.filestore import FileStorage
    from corpus_tool.index import update_index
    from corpus_tool.workspace import Workspace
    from tests._search_helpers import act_bundle

    stage = sys.argv[2]
    ws = Workspace(sys.argv[1])
    if stage == "toc":
        real = FileStorage.rename_file
        def stalled_rename(self, frm, to, safe=False):
            if to.endswith(".toc"):
                print("COMMITTING", flush=True)
                time.sleep(60)
            return real(self, frm, to, safe)
        FileStorage.rename_file = stalled_rename
        update_index(ws, [act_bundle({{"art_70": "A zebra licence."}})])
    elif stage == "adding":
        import corpus_tool.index.store as store
        real_entries = store.bundle_entries
        def slow_entries(bundle):
            for n, entry in enumerate(real_entries(bundle)):
                if n == 3:
                    print("ADDING", flush=True)
                    time.sleep(60)
                yield entry
        store.bundle_entries = slow_entries
        update_index(ws, [act_bundle({{"art_70": "A zebra licence."}})])
    elif stage == "hold":
        from corpus_tool.index.store import writer
        with writer(ws) as w:
            print("HOLDING", flush=True)
            time.sleep(60)
    print("DONE", flush=True)
    """
).format(project=str(PROJECT))


def _start(ws: Workspace, stage: str, tmp_path: Path) -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(ws.root), stage],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line not in ("COMMITTING", "ADDING", "HOLDING"):
        proc.kill()
        raise AssertionError(f"writer did not reach {stage}: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
    return proc


def _ids(ws: Workspace, query: str) -> set[str]:
    return {h.id for h in search(ws, query, limit=None).hits}


@pytest.mark.parametrize("stage", ["toc", "adding"])
def test_sigkill_during_write_leaves_previous_index(tmp_path: Path, stage: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    before = _ids(ws, "licensor")
    assert before == {"art_70"}
    proc = _start(ws, stage, tmp_path)
    try:
        # while the writer is stalled, readers (this one cached, a new one) see the old index
        assert _ids(ws, "licensor") == before
        forget(ws)
        assert _ids(ws, "zebra") == set()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    forget(ws)
    assert _ids(ws, "licensor") == before
    assert _ids(ws, "zebra") == set()
    assert search(ws, "shall").total == 6
    # the kernel released the dead writer's lock: the next writer commits normally
    update_index(ws, [act_bundle({"art_70": "A zebra licence."})])
    assert _ids(ws, "zebra") == {"art_70"}
    assert _ids(ws, "licensor") == set()
    forget(ws)


def test_second_writer_waits_then_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = make_workspace(tmp_path / "ws")
    proc = _start(ws, "hold", tmp_path)
    try:
        monkeypatch.setenv("CORPUS_TOOL_INDEX_LOCK_TIMEOUT", "0.5")
        started = time.monotonic()
        with pytest.raises(StoreError, match="being written by another corpus-tool process"):
            update_index(ws, [act_bundle()])
        assert time.monotonic() - started >= 0.5
        assert main(["-w", str(ws.root), "index", "--rebuild"]) == 2
        err = capsys.readouterr().err
        assert "being written by another" in err and "Traceback" not in err
        # readers are not blocked by a writer
        assert _ids(ws, "licensor") == {"art_70"}
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    forget(ws)


def test_rebuild_from_bundles_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = make_workspace(tmp_path / "ws", index=False)
    assert rebuild_index(ws) == 9  # searchable provisions of the two documents
    assert main(["-w", str(ws.root), "index", "--rebuild"]) == 0
    assert "indexed 9 provisions from 2 documents" in capsys.readouterr().err
    # a removed bundle disappears on rebuild
    ws.remove_bundle("eo-b")
    assert rebuild_index(ws) == 7
    assert search(ws, "woman").total == 0
    forget(ws)


def test_damaged_index_is_rebuilt_with_a_notice(tmp_path: Path, capsys) -> None:
    # A damaged file no longer matches its signature: it is never read, and the
    # index is rebuilt from the stored provisions (issue 17).
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    for toc in ws.index_dir.glob("_*.toc"):
        toc.write_bytes(b"not a toc")
    assert search(ws, "licence").total > 0
    assert "rebuilding the index" in capsys.readouterr().err
    forget(ws)


def test_damaged_index_without_stored_provisions_gives_a_clear_error(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    forget(ws)
    for toc in ws.index_dir.glob("_*.toc"):
        toc.write_bytes(b"not a toc")
    for doc_id in ws.doc_ids():
        ws.remove_bundle(doc_id)
    with pytest.raises(StoreError, match="corpus-tool ingest"):
        search(ws, "licence")
    forget(ws)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "See Art. 5 and No. 1025/2012 (OJ L 119, 4.5.2016, p. 1). The Commission shall act.",
            [
                "See Art. 5 and No. 1025/2012 (OJ L 119, 4.5.2016, p. 1).",
                "The Commission shall act.",
            ],
        ),
        (
            "1. The provider shall, e.g. by contract, act. It may.",
            ["1. The provider shall, e.g. by contract, act.", "It may."],
        ),
        (
            "Directive (EU) 2019/790 applies. (a) where it; (b) where not.",
            ["Directive (EU) 2019/790 applies.", "(a) where it; (b) where not."],
        ),
        (
            "Sec. 4.6 of Executive Order 14110. Done by J. Smith on Jan. 5.",
            ["Sec. 4.6 of Executive Order 14110.", "Done by J. Smith on Jan. 5."],
        ),
    ],
)
def test_legal_sentence_splitter(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == sentences


def test_numbering_abbreviations_end_sentences_when_used_as_words() -> None:
    text = "in line with the state of the art. The provider, see Art. 5, shall act."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "in line with the state of the art.",
        "The provider, see Art. 5, shall act.",
    ]


def test_an_index_of_an_older_format_is_rebuilt_not_read(tmp_path: Path) -> None:
    from corpus_tool.index import store

    ws = make_workspace(tmp_path / "ws", index=False)
    (ws.index_dir).mkdir(parents=True)
    (ws.index_dir / "_corpus0_1.toc").write_bytes(b"an index written by an older corpus-tool")
    assert _ids(ws, "licensor") == {"art_70"}  # built afresh from the bundles
    rebuild_index(ws)
    assert not (ws.index_dir / "_corpus0_1.toc").exists()
    assert store.exists(ws)
    forget(ws)


def test_first_update_indexes_stored_and_given_bundles(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", index=False)
    ws.remove_bundle("act-a")
    update_index(ws, [act_bundle()])  # not stored: must still be indexed
    assert _ids(ws, "licensor") == {"art_70"}
    assert _ids(ws, "woman") == {"sec_5"}
    forget(ws)
