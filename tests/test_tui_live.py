"""The TUI on a shared PostgreSQL store (issue 16): a colleague's annotation arrives live; offline is shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from _tui_helpers import REG, build_demo_workspace
from textual.widgets import Input, OptionList

from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.workspace import Workspace
from tests._pg_helpers import pg_server, pg_unavailable_reason
from tests._pilot_helpers import settle, text_of

REASON = pg_unavailable_reason()
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]
PROJECT = Path(__file__).resolve().parent.parent
SIZE = (140, 40)
PID = "art_1__para_1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import TextArea

    monkeypatch.setattr(Input.cursor_blink, "_default", False)
    monkeypatch.setattr(TextArea.cursor_blink, "_default", False)
    monkeypatch.delenv("CORPUS_TOOL_STORE", raising=False)


@pytest.fixture(scope="module")
def server():
    with pg_server() as srv:
        from corpus_tool.annotations import pg_store

        pg_store.migrate(srv.url())
        srv.psql("CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN")
        pg_store.grant_author(srv.url(), "alice", "Alice Smith")
        pg_store.grant_author(srv.url(), "bob", "Bob Jones")
        yield srv


@pytest.fixture
def team_ws(server, tmp_path: Path) -> Workspace:
    """The demo workspace, pointed at the shared store as alice; the events table emptied."""
    server.psql("TRUNCATE corpus_tool.events")
    ws = build_demo_workspace(tmp_path / "ws", index=False)
    (ws.root / "corpus-tool.toml").write_text(f'[store]\nurl = "{server.url("alice")}"\n')
    return ws


async def wait_for(pilot, predicate, timeout: float) -> float | None:
    """Poll the running app; the wall-clock time when ``predicate`` first held, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.time()
        await pilot.pause(0.02)
    return time.time() if predicate() else None


def bob_annotates(
    ws: Workspace, url: str, note: str, pid: str = PID, labels: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """Another process writing as bob through the annotation store; prints when it committed."""
    script = textwrap.dedent(
        f"""
        import json, time
        from corpus_tool.annotations.store import AnnotationStore
        from corpus_tool.workspace import Workspace
        store = AnnotationStore(Workspace({str(ws.root)!r}), author="Bob Jones")
        made = store.create(doc_id={REG!r}, provision_id={pid!r}, note={note!r},
                            labels={list(labels)!r})
        print(json.dumps({{"id": made.id, "committed": time.time(),
                           "online": store.shared.online}}), flush=True)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "CORPUS_TOOL_STORE": url}
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_reader_shows_a_colleagues_annotation_within_a_second_without_reloading(
    server, team_ws: Workspace
) -> None:
    app = CorpusApp(team_ws, author="Alice Smith", warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, PID)
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert "none yet" in text_of(reader, "#annotations")
        assert app._listener is not None and app._listener.is_alive()
        refs = reader.query_one("#refs", OptionList)
        refs.focus()
        highlighted = refs.highlighted
        await pilot.pause(0.3)  # LISTEN is in place
        view_before = reader.view

        proc = bob_annotates(team_ws, server.url("bob"), "Bob: check the recital")
        made = await finished(pilot, proc)
        assert made["online"] is True  # it reached the server, not bob's journal
        seen = await wait_for(
            pilot, lambda: "check the recital" in text_of(reader, "#annotations"), timeout=3.0
        )
        assert seen is not None, "bob's annotation never appeared in the reader"
        assert seen - made["committed"] <= 1.0, f"took {seen - made['committed']:.2f} s"
        # Not reloaded: the same screen, place, view object, focus and highlighted reference.
        assert app.screen is reader and reader.place.provision_id == PID
        assert reader.view is view_before
        assert refs.has_focus and refs.highlighted == highlighted
        assert "Bob Jones" in text_of(reader, "#annotations")
        assert app.live_refreshes >= 1
        assert app.offline_unsent is None and "offline" not in app.sub_title
    # Leaving the app stops the listener.
    listener = app.stop_live()
    listener.join(timeout=2.0)
    assert not listener.is_alive()


async def finished(pilot, proc: subprocess.Popen[str]) -> dict:
    while proc.poll() is None:  # the app keeps running meanwhile
        await pilot.pause(0.02)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return json.loads(out)


async def test_results_show_a_colleagues_label_live_and_keep_the_cursor(
    server, tmp_path: Path
) -> None:
    from corpus_tool.tui.search_screen import SearchScreen

    server.psql("TRUNCATE corpus_tool.events")
    ws = build_demo_workspace(tmp_path / "ws", index=True)
    (ws.root / "corpus-tool.toml").write_text(f'[store]\nurl = "{server.url("alice")}"\n')
    app = CorpusApp(ws, author="Alice Smith", warm=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"licence", "enter")
        await settle(pilot, app)
        table = screen.results
        rows = table.rows_shown
        reg_rows = [i for i, r in enumerate(rows) if r.hit.doc_id == REG and i > 0]
        assert reg_rows, [r.hit.id for r in rows]
        target = reg_rows[0]
        table.focus()
        table.move_cursor(row=target)
        await settle(pilot, app)
        pid = rows[target].hit.id
        assert "relevant" not in rows[target].labels
        made = await finished(
            pilot, bob_annotates(ws, server.url("bob"), "", pid=pid, labels=("relevant",))
        )
        seen = await wait_for(
            pilot,
            lambda: (
                len(table.rows_shown) > target and "relevant" in table.rows_shown[target].labels
            ),
            timeout=3.0,
        )
        assert seen is not None, "bob's label never reached the results"
        assert seen - made["committed"] <= 1.0, f"took {seen - made['committed']:.2f} s"
        assert app.screen is screen and table.cursor_row == target and table.has_focus


async def test_review_queue_shows_a_colleagues_decision_in_place(
    server, team_ws: Workspace
) -> None:
    from corpus_tool.tui.review_screen import ReviewScreen

    app = CorpusApp(team_ws, author="Alice Smith", warm=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ReviewScreen(None, ""))
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.current is not None
        index, tag_id = screen.index, screen.current.tag.tag_id
        assert "decided 0/" in text_of(screen, "#review-progress")
        script = textwrap.dedent(
            f"""
            import json, time
            from corpus_tool.annotations.store import review
            from corpus_tool.workspace import Workspace
            review(Workspace({str(team_ws.root)!r}), {tag_id!r}, "reject", author="Bob Jones")
            print(json.dumps({{"committed": time.time()}}), flush=True)
            """
        )
        env = {**os.environ, "PYTHONPATH": str(PROJECT), "CORPUS_TOOL_STORE": server.url("bob")}
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        made = await finished(pilot, proc)
        seen = await wait_for(
            pilot, lambda: "already rejected" in text_of(screen, "#review-item"), timeout=3.0
        )
        assert seen is not None, "bob's decision never reached the review queue"
        assert seen - made["committed"] <= 1.0, f"took {seen - made['committed']:.2f} s"
        # The same tag stays in front of alice; the counts include bob's decision.
        assert app.screen is screen and screen.index == index
        assert "decided 1/" in text_of(screen, "#review-progress")


async def test_offline_indicator_shows_unsent_events_and_clears_when_the_server_is_back(
    server, team_ws: Workspace
) -> None:
    from corpus_tool.annotations.store import AnnotationStore

    app = CorpusApp(team_ws, author="Alice Smith", warm=False, sync_interval=0.3)
    async with app.run_test(size=SIZE) as pilot:
        app.open_reader(REG, PID)
        await settle(pilot, app)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert "offline" not in app.sub_title
        server.stop("immediate")
        try:
            reader.save_annotation(
                {"doc_id": REG, "provision_id": PID, "labels": (), "note": "on the train"}
            )
            assert await wait_for(pilot, lambda: "offline: 1 unsent" in app.sub_title, 10.0)
            # Own offline work stays visible, and nothing was refused.
            assert await wait_for(
                pilot, lambda: "on the train" in text_of(reader, "#annotations"), 5.0
            )
            assert not app.session.pending
        finally:
            server.start()
        assert await wait_for(pilot, lambda: "offline" not in app.sub_title, 10.0)
        assert app.sub_title == team_ws.root.name
        assert not (team_ws.annotations_dir / "journal.jsonl").exists()
    # Sent once, to the server.
    notes = [a.note for a in AnnotationStore(team_ws, author="Alice Smith").all()]
    assert notes == ["on the train"]
