"""The real ``corpus-tool tui`` in a real terminal (tmux): type a query, read the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _tui_helpers import build_demo_workspace

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (needed to drive a real terminal)"
)


def corpus_tool_command() -> list[str]:
    script = Path(sys.executable).with_name("corpus-tool")
    return [str(script)] if script.exists() else [sys.executable, "-m", "corpus_tool"]


class Terminal:
    """One tmux server of our own (its own socket), so nothing else is touched."""

    def __init__(self) -> None:
        self.socket = f"corpus-tool-test-{uuid.uuid4().hex[:8]}"

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            [TMUX or "tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def start(self, command: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        # COLUMNS/LINES inherited from the test run (80x24) would override the
        # terminal's real size in Textual: they are set to the size asked for.
        env = {**env, "COLUMNS": str(size[0]), "LINES": str(size[1])}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        line = f"env {exports} {shlex.join(command)}"
        self.tmux("new-session", "-d", "-s", "tui", "-x", str(size[0]), "-y", str(size[1]), line)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "tui")

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            try:
                screen = self.screen()
            except subprocess.CalledProcessError:
                screen = "(tmux session ended)"
                break
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {texts!r} on the screen; last screen:\n{screen}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "tui", *(["-l"] if literal else []), *keys)

    def alive(self) -> bool:
        return (
            subprocess.run(
                [TMUX or "tmux", "-L", self.socket, "has-session", "-t", "tui"], capture_output=True
            ).returncode
            == 0
        )

    def close(self) -> None:
        subprocess.run([TMUX or "tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    yield term
    term.close()


def test_real_tui_in_tmux_types_a_query_and_reads_the_screen(
    tmp_path: Path, terminal: Terminal
) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    env = {
        "TERM": "xterm-256color",
        "CORPUS_TOOL_AUTHOR": "tmux-tester",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    terminal.start([*corpus_tool_command(), "-w", str(ws.root), "tui"], env, (140, 40))
    terminal.wait_for("2 documents in workspace ws")

    terminal.keys("licence", literal=True)
    screen = terminal.wait_for("3 provisions", "Section 2", "Article 2(2)")
    assert "demo-model-licence" in screen

    terminal.keys("Enter")  # the query is done: focus moves to the results
    time.sleep(0.3)
    terminal.keys("Enter")  # open the top result in the reader
    screen = terminal.wait_for("References (Enter follows)", "›")
    assert "Annotations" in screen

    terminal.keys("C-q")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive(), "corpus-tool tui did not quit on Ctrl+Q"


def _annotations(ws_root: Path) -> list:
    from corpus_tool.annotations import AnnotationStore
    from corpus_tool.workspace import Workspace

    return AnnotationStore(Workspace(ws_root), author="reader").all()


def test_real_tui_session_annotate_undo_redo_edit_and_export_docx(
    tmp_path: Path, terminal: Terminal
) -> None:
    """Issue 13: search → open → annotate mode → label → undo → redo → edit note → DOCX."""
    docx = pytest.importorskip("docx")
    ws = build_demo_workspace(tmp_path / "ws")
    env = {
        "TERM": "xterm-256color",
        "CORPUS_TOOL_AUTHOR": "tmux-tester",
        "CORPUS_TOOL_CONFIG_DIR": str(tmp_path / "config"),
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    terminal.start([*corpus_tool_command(), "-w", str(ws.root), "tui"], env, (160, 45))
    terminal.wait_for("2 documents in workspace ws")

    terminal.keys("documentation", literal=True)
    terminal.wait_for("2 provisions", "Article 3", "Annex I")
    terminal.keys("Enter")
    time.sleep(0.3)
    terminal.keys("Enter")  # open the top result
    terminal.wait_for("References (Enter follows)", "Ctrl+A annotate")

    # Letters typed outside annotate mode write nothing.
    terminal.keys("code", literal=True)
    time.sleep(0.5)
    assert _annotations(ws.root) == []

    terminal.keys("C-a")
    terminal.wait_for("ANNOTATE MODE")
    terminal.keys("e", literal=True)  # oss-exemption
    terminal.wait_for("Annotated")
    made_all = _annotations(ws.root)
    assert len(made_all) == 1, [(a.labels, a.note) for a in made_all]
    (made,) = made_all
    assert made.labels == ("oss-exemption",) and made.author == "tmux-tester"

    terminal.keys("C-z")
    terminal.wait_for("Undone")
    assert _annotations(ws.root) == []
    terminal.keys("C-y")
    terminal.wait_for("Redone")
    assert [a.id for a in _annotations(ws.root)] == [made.id]

    terminal.keys("Escape")  # leave annotate mode
    terminal.wait_for("Ctrl+A annotate")
    terminal.keys("C-l")  # the annotations panel
    terminal.wait_for("Enter edits")
    terminal.keys("Enter")
    terminal.wait_for("Edit annotation on")
    terminal.keys("check the open-source scope", literal=True)
    terminal.keys("C-s")
    terminal.wait_for("Edited the annotation")
    (edited,) = _annotations(ws.root)
    assert edited.id == made.id and edited.note == "check the open-source scope"

    terminal.keys("C-e")
    terminal.wait_for("Export", "Format", "Path")
    terminal.keys("Enter")  # open the format list
    time.sleep(0.3)
    terminal.keys("Down", "Down", "Down", "Down", "Enter")  # csv jsonl markdown html docx
    # The list has closed (it covered the query field) with docx chosen.
    screen = terminal.wait_for("Query (empty: everything)", "  docx  ")
    assert "jsonld" not in screen
    terminal.keys("C-s")
    terminal.wait_for("Exported")
    target = ws.root / "exports" / "export.docx"
    document = docx.Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "check the open-source scope" in text
    assert "oss-exemption" in text
    assert edited.provision_id in ("art_3", "anx_I")
    assert ("Article 3" if edited.provision_id == "art_3" else "Annex I") in text

    terminal.keys("C-q")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive()
