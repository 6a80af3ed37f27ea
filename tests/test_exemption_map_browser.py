"""The exemption map's HTML renders in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_tool.cli import main
from tests.test_exemption_map import _bundle
from tests.test_export_html_browser import CHROMIUM, chromium, png_size

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium; run.py installs it for the test suite)",
)


def test_exemption_map_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    from corpus_tool.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    ws.save_bundle(_bundle())
    assert main(["-w", str(ws.root), "review", "reject", "test-act:art_10:oss-exemption"]) == 0
    page = tmp_path / "map.html"
    assert main(["-w", str(ws.root), "exemptions", "--format", "html", "-o", str(page)]) == 0

    dom = chromium(["--dump-dom", page.as_uri()], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = re.findall(r"<tr>(.*?)</tr>", dom.stdout, re.S)
    assert len(rows) == 1 + 2  # header, Recital 7 and Article 9(2); Article 10 was rejected
    assert "developers of AI models" in dom.stdout
    assert 'href="#test-act--art_9__para_2"' in dom.stdout
    assert 'id="test-act--art_9__para_2"' in dom.stdout

    shot = tmp_path / "map.png"
    run = chromium(
        ["--screenshot=" + str(shot), "--window-size=1200,900", page.as_uri()],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert png_size(shot) == (1200, 900)
    assert shot.stat().st_size > 20_000  # a rendered table, not a blank page
