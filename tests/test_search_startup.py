"""A freshly started ``corpus-tool search`` loads only what a search needs.

The command is run from the shell once per query, so what it imports and reads
before answering is paid every time: no NLP pipeline, no UI toolkit, no PDF
reader, and an unchanged index not read whole against its signature again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests._search_helpers import make_workspace

HEAVY = ("spacy", "textual", "pdfplumber", "pypdfium2", "thinc")

_PROBE = """
import json, sys
from corpus_tool.cli import main
status = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"status": status, "heavy": heavy}}))
"""


def _run(args: list[str], tmp_path: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=set(HEAVY)), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["search", "licence"], ["search", "licence", "--json"]])
def test_search_imports_no_nlp_ui_or_pdf_library(tmp_path: Path, args: list[str]) -> None:
    ws = make_workspace(tmp_path / "ws")
    got = _run(["-w", str(ws.root), *args], tmp_path)
    assert got["status"] == 0
    assert got["heavy"] == [], f"search imported {got['heavy']}"
