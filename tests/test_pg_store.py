"""The shared event log on a real PostgreSQL server (issue 16): order, offline journal, kills, roles."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests._pg_helpers import pg_server, pg_unavailable_reason, wait_until

REASON = pg_unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

PROJECT = Path(__file__).resolve().parent.parent


def event(author: str, n: int, kind: str = "create") -> dict:
    return {
        "v": 2,
        "eid": f"{time.time_ns():020d}{secrets.token_hex(3)}",
        "event": kind,
        "at": "2026-11-25T00:00:00.000Z",
        "by": author,
        "n": n,
    }


@pytest.fixture(scope="module")
def server():
    with pg_server() as srv:
        from corpus_tool.annotations import pg_store

        pg_store.migrate(srv.url())
        srv.psql("CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE admin LOGIN")
        pg_store.grant_author(srv.url(), "alice", "Alice Smith")
        pg_store.grant_author(srv.url(), "bob", "Bob Jones")
        pg_store.grant_author(srv.url(), "admin", "Admin", admin=True)
        yield srv


def _clear(server) -> None:
    server.psql("TRUNCATE corpus_tool.events")


def test_migrate_is_idempotent_and_status_reports_the_version(server):
    from corpus_tool.annotations import pg_store

    assert pg_store.migrate(server.url()) == []  # already at the latest version
    st = pg_store.status(server.url())
    assert st.version == st.latest == pg_store.SCHEMA_VERSION
    assert st.authors == 3


def test_an_author_cannot_insert_an_event_under_another_authors_name(server, tmp_path):
    import psycopg

    from corpus_tool.annotations import pg_store
    from corpus_tool.errors import StoreError

    log = pg_store.PgEventLog(server.url("alice"), tmp_path)
    assert log.append(event("Alice Smith", 1)) is True
    with pytest.raises(StoreError, match="may not write events as author"):
        log.append(event("Bob Jones", 2))
    log.close()
    # Enforced by the database, not the client: a raw INSERT is refused too ...
    with psycopg.connect(server.url("alice"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO corpus_tool.events (seq, eid, v, kind, author, body)"
                " VALUES (0, 'forged', 2, '', '', %s)",
                (json.dumps(event("Bob Jones", 3)),),
            )
        # ... and history cannot be rewritten or removed.
        for stmt in ("UPDATE corpus_tool.events SET v = 9", "DELETE FROM corpus_tool.events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt)
    # An administrator may copy others' history (store push).
    assert pg_store.push(server.url("admin"), [event("Bob Jones", 4)]) == 1


def _writer_script(url: str, journal: Path, author: str, count: int, acked: Path) -> str:
    return textwrap.dedent(
        f"""
        import json, secrets, sys, time
        from pathlib import Path
        from corpus_tool.annotations.pg_store import PgEventLog
        log = PgEventLog({url!r}, Path({str(journal)!r}))
        out = open({str(acked)!r}, "a")
        for n in range({count}):
            rec = {{"v": 2, "eid": f"{{time.time_ns():020d}}{{secrets.token_hex(3)}}",
                   "event": "create", "at": "x", "by": {author!r}, "n": n}}
            ok = log.append(rec)
            out.write(json.dumps({{"eid": rec["eid"], "ok": ok, "n": n}}) + "\\n")
            out.flush()
        """
    )


def _spawn(script: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen([sys.executable, "-c", script], env=env, cwd=PROJECT)


def _stored(server) -> list[dict]:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        rows = conn.execute("SELECT body FROM corpus_tool.events ORDER BY seq").fetchall()
    return [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows]


def test_two_processes_annotating_500_times_each_lose_nothing_and_keep_order(server, tmp_path):
    from corpus_tool.annotations import pg_store

    _clear(server)
    procs = [
        _spawn(
            _writer_script(server.url(role), tmp_path / role, name, 500, tmp_path / f"{role}.acked")
        )
        for role, name in (("alice", "Alice Smith"), ("bob", "Bob Jones"))
    ]
    for p in procs:
        assert p.wait(timeout=240) == 0
    stored = _stored(server)
    assert len(stored) == 1000
    for name in ("Alice Smith", "Bob Jones"):
        mine = [e["n"] for e in stored if e["by"] == name]
        assert mine == list(range(500)), f"{name}'s events out of order or missing"
    # Each reader sees the same order (the server's), read incrementally.
    log = pg_store.PgEventLog(server.url("alice"), tmp_path / "reader")
    first = log.read_after(0)
    assert [r for _, r in first] == stored
    seqs = [s for s, _ in first]
    assert seqs == sorted(seqs)
    assert log.read_after(seqs[499]) == first[500:]
    log.close()


def test_server_killed_mid_write_loop_keeps_acked_events_and_journals_the_rest(server, tmp_path):
    from corpus_tool.annotations import pg_store

    _clear(server)
    acked = tmp_path / "acked.jsonl"
    journal_dir = tmp_path / "ws-annotations"
    proc = _spawn(_writer_script(server.url("alice"), journal_dir, "Alice Smith", 400, acked))
    assert wait_until(lambda: acked.exists() and len(acked.read_text().splitlines()) >= 50, 60)
    server.stop("immediate")  # pg_ctl stop -m immediate, mid-loop
    assert proc.wait(timeout=240) == 0
    server.start()
    lines = [json.loads(x) for x in acked.read_text().splitlines()]
    assert len(lines) == 400
    on_server = [r for r in lines if r["ok"]]
    offline = [r for r in lines if not r["ok"]]
    assert on_server and offline, "the kill should fall between acknowledged and journaled events"
    stored_eids = {e["eid"] for e in _stored(server)}
    assert {r["eid"] for r in on_server} <= stored_eids  # every acknowledged event is stored
    log = pg_store.PgEventLog(server.url("alice"), journal_dir)
    pending = [r["eid"] for r in log.pending()]
    assert pending == [r["eid"] for r in offline]  # every unacknowledged one is journaled, in order
    log.flush()
    log.flush()  # a second flush sends nothing again
    stored = _stored(server)
    eids = [e["eid"] for e in stored]
    assert len(eids) == len(set(eids)) == 400  # each sent exactly once
    assert [e["n"] for e in stored] == list(range(400))  # and in the author's order
    assert log.pending() == []
    log.close()


def test_client_killed_with_sigkill_mid_write_loses_nothing_acknowledged(server, tmp_path):
    _clear(server)
    acked = tmp_path / "acked.jsonl"
    proc = _spawn(_writer_script(server.url("bob"), tmp_path / "j", "Bob Jones", 100000, acked))
    assert wait_until(lambda: acked.exists() and len(acked.read_text().splitlines()) >= 200, 60)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done = [json.loads(x) for x in acked.read_text().splitlines() if x.endswith("}")]
    stored = {e["eid"] for e in _stored(server)}
    assert {r["eid"] for r in done if r["ok"]} <= stored


def test_a_listener_sees_another_processs_event_within_one_second(server, tmp_path):
    from corpus_tool.annotations import pg_store

    _clear(server)
    seen: list[int] = []
    stop = threading.Event()
    reader = pg_store.PgEventLog(server.url("alice"), tmp_path / "r")
    reader.listen(seen.append, stop)
    time.sleep(0.5)  # LISTEN is in place
    writer = pg_store.PgEventLog(server.url("bob"), tmp_path / "w")
    start = time.monotonic()
    assert writer.append(event("Bob Jones", 1))
    assert wait_until(lambda: bool(seen), timeout=1.0), "no notification within 1 s"
    assert time.monotonic() - start <= 1.0
    assert reader.read_after(0)[-1][0] == seen[-1]
    stop.set()
    writer.close()
    reader.close()


def test_push_is_idempotent(server, tmp_path):
    from corpus_tool.annotations import pg_store

    _clear(server)
    records = [event("Alice Smith", n) for n in range(20)] + [event("Bob Jones", 99)]
    assert pg_store.push(server.url("admin"), records) == 21
    assert pg_store.push(server.url("admin"), records) == 0
    assert [e["eid"] for e in _stored(server)] == [r["eid"] for r in records]


def test_unreachable_store_is_one_line_error_naming_it_without_password(tmp_path):
    from corpus_tool.annotations import pg_store
    from corpus_tool.errors import StoreError

    with pytest.raises(StoreError) as err:
        pg_store.status("postgresql://u:secret@127.0.0.1:1/db")
    msg = str(err.value)
    assert "cannot reach the shared store" in msg and "secret" not in msg and "\n" not in msg


def test_store_cli_init_status_grant_and_push_a_file_log(server, tmp_path, capsys):
    from corpus_tool.cli import main

    ws = tmp_path / "ws"
    (ws / "annotations").mkdir(parents=True)
    v1 = {
        "event": "create",
        "at": "2026-01-01T00:00:00.000Z",
        "by": "Alice Smith",
        "annotation": {},
    }
    v2 = event("Bob Jones", 1)
    log = ws / "annotations" / "events.jsonl"
    log.write_text(json.dumps(v1) + "\n" + json.dumps(v2) + "\n" + '{"event": "cre')  # torn tail
    (ws / "corpus-tool.toml").write_text(f'[store]\nurl = "{server.url("admin")}"\n')
    _clear(server)
    assert main(["-w", str(ws), "store", "init"]) == 0
    assert "none (already up to date)" in capsys.readouterr().out
    assert main(["-w", str(ws), "store", "push"]) == 0
    assert "pushed 2 events: 2 new" in capsys.readouterr().out
    assert main(["-w", str(ws), "store", "push"]) == 0
    assert "0 new, 2 already" in capsys.readouterr().out
    stored = _stored(server)
    assert stored[0]["eid"].startswith("v1-") and stored[1]["eid"] == v2["eid"]
    # An ordinary role may not push others' history: one line, exit 2.
    assert main(["-w", str(ws), "store", "--url", server.url("alice"), "push"]) == 2
    err = capsys.readouterr().err
    assert "may not write events as author" in err and err.count("\n") == 1
    assert main(["-w", str(ws), "store", "status"]) == 0
    assert "2 events, 3 authors" in capsys.readouterr().out


def _copy_ws(src, dest: Path, url: str | None):
    import shutil

    from corpus_tool.workspace import Workspace

    shutil.copytree(src.root, dest, ignore=shutil.ignore_patterns("events.jsonl", "journal.jsonl"))
    if url:
        (dest / "corpus-tool.toml").write_text(f'[store]\nurl = "{url}"\n')
    return Workspace(dest)


def _annotate(store, bundle) -> None:
    """A morning's work: labels, a note edited, one deleted, a tag reviewed, a saved search."""
    provisions = [p for p in bundle.provisions if p.searchable][:4]
    a = store.create(doc_id=bundle.meta.doc_id, provision_id=provisions[0].id, labels=["relevant"])
    store.create(doc_id=bundle.meta.doc_id, provision_id=provisions[1].id, note="check the recital")
    b = store.create(doc_id=bundle.meta.doc_id, provision_id=provisions[2].id, labels=["condition"])
    store.edit(a.id, note="the core of the exemption")
    store.delete(b.id)
    store.save_search("oss", '"open source" /s exempt!')
    if bundle.tags:
        store.review_tag(bundle.tags[0].tag_id, "reject", note="not an exemption")


def test_annotation_store_on_the_shared_store_sees_colleagues_and_push_exports_byte_for_byte(
    server, sample_ws, tmp_path
):
    from corpus_tool.annotations.store import AnnotationStore
    from corpus_tool.export import export

    _clear(server)
    bundle = next(b for b in sample_ws.bundles() if b.tags)
    # A file workspace's morning of work, exported.
    solo = _copy_ws(sample_ws, tmp_path / "solo", None)
    _annotate(AnnotationStore(solo, author="Alice Smith"), bundle)
    export(solo, "jsonl", tmp_path / "solo.jsonl", everything=True)
    # The same log pushed into the shared store, then exported from a workspace that uses it.
    from corpus_tool.cli import main

    assert main(["-w", str(solo.root), "store", "--url", server.url("admin"), "push"]) == 0
    team = _copy_ws(sample_ws, tmp_path / "team", server.url("alice"))
    assert not (team.annotations_dir / "events.jsonl").exists()
    export(team, "jsonl", tmp_path / "team.jsonl", everything=True)
    assert (tmp_path / "team.jsonl").read_bytes() == (tmp_path / "solo.jsonl").read_bytes()

    # Two colleagues on the shared store see each other's work without reloading.
    bob_ws = _copy_ws(sample_ws, tmp_path / "bob", server.url("bob"))
    alice = AnnotationStore(team, author="Alice Smith")
    bob = AnnotationStore(bob_ws, author="Bob Jones")
    before = len(alice.all())
    p = next(p for p in bundle.provisions if p.searchable)
    made = bob.create(doc_id=bundle.meta.doc_id, provision_id=p.id, labels=["needs-review"])
    assert made.id in {a.id for a in alice.all()}
    assert len(alice.all()) == before + 1
    # The database, not the client, holds the author to the role.
    from corpus_tool.errors import StoreError

    impostor = AnnotationStore(bob_ws, author="Alice Smith")
    with pytest.raises(StoreError, match="may not write events as author"):
        impostor.create(doc_id=bundle.meta.doc_id, provision_id=p.id, note="forged")


def test_annotation_store_works_offline_and_sends_its_journal_once(server, sample_ws, tmp_path):
    from corpus_tool.annotations.store import AnnotationStore

    _clear(server)
    bundle = next(iter(sample_ws.bundles()))
    ws = _copy_ws(sample_ws, tmp_path / "ws", server.url("alice"))
    p = [p for p in bundle.provisions if p.searchable]
    store = AnnotationStore(ws, author="Alice Smith")
    store.create(doc_id=bundle.meta.doc_id, provision_id=p[0].id, labels=["relevant"])
    server.stop("immediate")
    try:
        offline = store.create(doc_id=bundle.meta.doc_id, provision_id=p[1].id, note="on the train")
        assert not store.shared.online
        assert (ws.annotations_dir / "journal.jsonl").exists()
        reader = AnnotationStore(ws, author="Alice Smith")
        assert offline.id in {a.id for a in reader.all()}  # own offline work stays visible
        assert any("working offline" in w for w in reader.warnings)
    finally:
        server.start()
    store.create(doc_id=bundle.meta.doc_id, provision_id=p[2].id, labels=["condition"])
    assert store.shared.online and not (ws.annotations_dir / "journal.jsonl").exists()
    stored = _stored(server)
    assert [e["annotation"]["provision_id"] for e in stored] == [x.id for x in p[:3]]
    assert len({e["eid"] for e in stored}) == 3
