"""The HTML report renders in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, review
from corpus_tool.export import export
from tests._annotations_helpers import tricky_workspace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium; run.py installs it for the test suite)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    store = AnnotationStore(ws, author="counsel-a")
    store.create(
        doc_id="act-one",
        provision_id="art_3",
        labels=["oss-exemption"],
        quote="released under a free and open-source licence",
        note="The exemption for free and open-source models.",
    )
    review(ws, "act-one:art_4:carve-back", "accept", note="systemic-risk carve-back")
    report = tmp_path / "report.html"
    export(ws, "html", report, everything=True)

    dom = chromium(["--dump-dom", report.as_uri()], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<mark" in dom.stdout and "Article 3 — Heading 3" in dom.stdout
    assert "&lt;script&gt;" in dom.stdout  # escaped text survived the parser as text
    assert "The exemption for free and open-source models." in dom.stdout

    shot = tmp_path / "report.png"
    run = chromium(
        ["--screenshot=" + str(shot), "--window-size=1200,1600", report.as_uri()],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert png_size(shot) == (1200, 1600)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        assert shot.stat().st_size > 20_000
        return
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text and marks drawn, not a blank page
