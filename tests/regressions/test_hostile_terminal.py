"""Regressions: document and user text printed to a terminal is shown, never obeyed.

A document containing ``ESC]0;…`` or ``ESC[2J`` changed the terminal's title
or cleared the screen when ``search`` or ``show`` printed it; Rich markup in
data was interpreted (``[sic]`` vanished, ``:x:`` became an emoji) or crashed
the command (a note with ``[/s]``, text with ``[/]``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.index import forget, rebuild_index
from corpus_tool.workspace import Workspace
from tests._search_helpers import act_bundle, order_bundle

# The first 89 characters hold every case: the provisions table cuts text there.
HOSTILE = (
    "[sic] :x: [emphasis added] \x1b[2J free [/] open [/s] \x1b]0;pwned\x07 "
    "\u202eevil\x9b shall not apply to providers of free and open-source models."
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(act_bundle({"art_53__para_2": HOSTILE}))
    ws.save_bundle(order_bundle())
    rebuild_index(ws)
    forget(ws)
    yield ws
    forget(ws)


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # Wide enough that no table wraps a cell in the middle of "[emphasis added]".
    monkeypatch.setenv("COLUMNS", "400")


def _run(ws: Workspace, capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["-w", str(ws.root), *argv])
    forget(ws)
    out, err = capsys.readouterr()
    return status, out, err


def _assert_shown_not_obeyed(text: str) -> None:
    assert "\x1b" not in text, "a raw ESC reached the terminal"
    assert "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\\x1b" in text  # shown, as typed in Python


def _assert_markup_as_typed(text: str, literals=("[sic]", "[emphasis added]", ":x:")) -> None:
    flat = " ".join(text.split())
    for literal in literals:
        assert literal in flat, f"{literal} did not survive: {flat[:400]}"
    assert "\u274c" not in text  # no emoji


def test_provisions_table_shows_control_chars_and_markup_as_typed(ws, capsys) -> None:
    status, out, err = _run(ws, capsys, "provisions", "--doc", "act-a")
    assert status == 0, err
    _assert_shown_not_obeyed(out)
    _assert_markup_as_typed(out)


def test_show_prints_escapes_not_terminal_commands(ws, capsys) -> None:
    status, out, err = _run(ws, capsys, "show", "act-a", "art_53__para_2")
    assert status == 0, err
    _assert_shown_not_obeyed(out)
    _assert_markup_as_typed(out)
    assert "[/]" in out and "[/s]" in out


def test_search_prints_escapes_not_terminal_commands(ws, capsys) -> None:
    status, out, err = _run(ws, capsys, "search", "providers")
    assert status == 0, err
    _assert_shown_not_obeyed(out)
    _assert_markup_as_typed(out)


def test_annotation_note_with_markup_and_escapes(ws, capsys) -> None:
    note = "see [/s] and [sic] :x: \x1b[2J here [/]"
    status, out, err = _run(
        ws, capsys, "annotate", "act-a", "art_53__para_2", "--label", "carve-back", "--note", note
    )
    assert status == 0, err
    assert "\x1b" not in out
    status, out, err = _run(ws, capsys, "annotations", "list")
    assert status == 0, err
    _assert_shown_not_obeyed(out)
    _assert_markup_as_typed(out, ("[/s]", "[sic]", ":x:", "[/]"))
    status = main(["-w", str(ws.root), "annotations", "list", "--json"])
    ann_id = json.loads(capsys.readouterr().out.splitlines()[0])["id"]
    status, out, err = _run(ws, capsys, "annotations", "show", ann_id)
    assert status == 0, err
    _assert_shown_not_obeyed(out)


def test_error_message_escapes_control_chars(ws, capsys) -> None:
    status, _out, err = _run(ws, capsys, "show", "act-a", "\x1b]0;pwned\x07")
    assert status == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b" in err
    assert err.count("\n") == 1


def test_error_message_keeps_markup_as_typed(ws, capsys) -> None:
    status, _out, err = _run(ws, capsys, "search", "[/s] :x:", "--doc", "no[sic]such")
    assert status == 2
    assert "[sic]" in err


def test_ingest_progress_bar_shows_file_names_as_typed(tmp_path: Path, capsys) -> None:
    """A file named with markup or an escape must not crash or drive the progress bar."""
    import io

    from rich.console import Console

    from corpus_tool.build import ProgressEvent
    from corpus_tool.cli.ingest_cmds import IngestProgress

    screen = io.StringIO()
    progress = IngestProgress(Console(file=screen, force_terminal=True, width=200))
    try:
        progress(ProgressEvent(0, 1, 0))
        progress(ProgressEvent(1, 1, 1, "a[red]b\x1b[2J.txt", "ingested"))
    finally:
        progress.close()
    drawn = screen.getvalue()
    assert "\x1b[2J" not in drawn
    assert "a[red]b\\x1b[2J.txt" in drawn
