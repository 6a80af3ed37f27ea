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
