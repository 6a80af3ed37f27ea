"""`corpus-tool fetch` against a local web server (no outside network) and offline."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.errors import InputError
from corpus_tool.ingest.fetch import fetch_sources, load_manifest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on 127.0.0.1 serving a folder of the test's making."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def _manifest(path: Path, entries: list[tuple[str, str, str]]) -> Path:
    lines = []
    for file, url, sha in entries:
        lines += [
            "[[source]]",
            f'file = "{file}"',
            f'url = "{url}"',
            f'sha256 = "{sha}"',
            'title = "t"',
            "",
        ]
    path.write_text("\n".join(lines))
    return path


def test_project_manifest_lists_every_source_with_a_digest() -> None:
    sources = load_manifest(PROJECT / "corpus" / "manifest.toml")
    assert len(sources) >= 10
    for s in sources:
        assert s.url.startswith("https://") and len(s.sha256) == 64


def test_download_verifies_sha256(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    good = b"%PDF-1.4 a fictional document\n"
    (root / "good.pdf").write_bytes(good)
    (root / "tampered.pdf").write_bytes(b"%PDF-1.4 something else\n")
    manifest = _manifest(
        tmp_path / "manifest.toml",
        [
            ("good.pdf", f"{base}/good.pdf", hashlib.sha256(good).hexdigest()),
            ("tampered.pdf", f"{base}/tampered.pdf", hashlib.sha256(good).hexdigest()),
            ("missing.pdf", f"{base}/missing.pdf", hashlib.sha256(good).hexdigest()),
        ],
    )
    dest = tmp_path / "corpus"
    results = {r.file: r for r in fetch_sources(manifest, dest, timeout=5)}
    assert results["good.pdf"].status == "downloaded"
    assert (dest / "good.pdf").read_bytes() == good
    assert (
        results["tampered.pdf"].status == "failed"
        and "SHA-256 mismatch" in results["tampered.pdf"].message
    )
    assert not (dest / "tampered.pdf").exists()
    assert results["missing.pdf"].status == "failed"
    # A second run finds the verified file and downloads nothing.
    again = {r.file: r for r in fetch_sources(manifest, dest, names=["good.pdf"], timeout=5)}
    assert again["good.pdf"].status == "present"


def test_offline_fails_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A port nothing listens on stands in for having no network.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    manifest = _manifest(
        tmp_path / "m.toml", [("a.pdf", f"http://127.0.0.1:{port}/a.pdf", "0" * 64)]
    )
    status = main(
        ["--workspace", str(tmp_path), "fetch", "--manifest", str(manifest), "--timeout", "2"]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "a.pdf" in err and "cannot download" in err and "offline" in err


def test_file_url_and_bad_manifest(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("licence text\n")
    manifest = _manifest(
        tmp_path / "m.toml",
        [("src.txt", src.as_uri(), hashlib.sha256(src.read_bytes()).hexdigest())],
    )
    (result,) = fetch_sources(manifest, tmp_path / "out")
    assert result.status == "downloaded"
    broken = tmp_path / "broken.toml"
    broken.write_text("[[source]]\nfile = 'x.pdf'\n")
    with pytest.raises(InputError, match="lacks url, sha256"):
        load_manifest(broken)
    with pytest.raises(InputError, match="not in the manifest"):
        fetch_sources(manifest, tmp_path / "out", names=["nope.pdf"])
