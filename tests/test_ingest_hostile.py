"""Ingest under kills and hostile PDFs: crash consistency, orphan workers, time and memory budgets.

Each test drives the real command line in a child process (a kill must be a
real SIGKILL) and makes its malformed files itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from corpus_tool.build.journal import CRASH_STEPS

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpus" / "sample"
SHARED = PROJECT.parent / "shared" / "corpus"
# Memory the whole child process tree may map, so that a regression can never
# take the machine down with it (the tool's own cap is far below this).
TEST_ADDRESS_SPACE = 6 << 30


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORPUS_TOOL_CRASH")}
    env["PYTHONPATH"] = str(PROJECT)
    env["COLUMNS"] = "1000"  # one message per line: Rich wraps at 80 columns off a terminal
    env.update(extra)
    return env


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (TEST_ADDRESS_SPACE, TEST_ADDRESS_SPACE))


def _cli(
    ws: Path, *args: str, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the command line in its own process group, all of which is killed on a timeout."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "corpus_tool", "--workspace", str(ws), *args],
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_cap_memory,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing it started may outlive the test
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _hits(ws: Path, query: str) -> set[str]:
    done = _cli(ws, "search", "--json", "--limit", "0", query)
    assert done.returncode == 0, done.stderr
    return {json.loads(line)["doc_id"] for line in done.stdout.splitlines() if line.strip()}


# --- 17.5: a kill between the index and the ingest state -----------------------------

# Runs the command line with the index update replaced by a SIGKILL of the
# process: the kill lands exactly between "bundles stored" and "index updated".
KILL_IN_INDEX_UPDATE = """
import os, signal, sys
import corpus_tool.index as index

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

index.update_index = killed
from corpus_tool.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_kill_before_the_index_update_leaves_every_document_searchable(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws / "corpus")
    first = _cli(ws, "ingest", "--quiet", "--jobs", "1")
    assert first.returncode == 0, first.stderr
    licence = next((ws / "corpus").glob("*.txt"))
    licence.write_text(licence.read_text("utf-8") + "\n\nQuixotrophic clause.\n", "utf-8")
    (ws / "corpus" / "added-note.txt").write_text(
        "A note added later.\n\nThe zanzibarine provision applies to everyone.\n", "utf-8"
    )
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            KILL_IN_INDEX_UPDATE,
            "--workspace",
            str(ws),
            "ingest",
            "--quiet",
            "--jobs",
            "1",
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_cap_memory,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = _cli(ws, "ingest", "--quiet", "--jobs", "1")
    assert again.returncode == 0, again.stderr
    assert _hits(ws, "quixotrophic") == {licence.stem.lower()}
    assert _hits(ws, "zanzibarine") == {"added-note"}


def _distinctive_word(bundle: object) -> str:
    """A long word of a document's first searchable provision (to find it by search)."""
    import re

    texts = [p.text for p in bundle.provisions if p.searchable and p.text.strip()]  # type: ignore[attr-defined]
    words = re.findall(r"[A-Za-z]{7,}", " ".join(texts[:3]))
    assert words, "no word to search for"
    return max(words, key=len).lower()


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_kill_at_each_write_step_then_ingest_finds_every_document(
    tmp_path: Path, step: str
) -> None:
    from corpus_tool.index import search
    from corpus_tool.workspace import Workspace

    ws_dir = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws_dir / "corpus")
    first = _cli(ws_dir, "ingest", "--quiet", "--jobs", "1")
    assert first.returncode == 0, first.stderr
    corpus = ws_dir / "corpus"
    licence = next(corpus.glob("*.txt"))
    licence.write_text(licence.read_text("utf-8") + "\n\nQuixotrophic clause.\n", "utf-8")
    (corpus / "added-note.txt").write_text(
        "A note added later.\n\nThe zanzibarine provision applies to everyone.\n", "utf-8"
    )
    gone = next(corpus.glob("*order*.pdf"))
    gone.unlink()
    killed = _cli(ws_dir, "ingest", "--quiet", "--jobs", "1", CORPUS_TOOL_CRASH_AT=step)
    assert killed.returncode == -signal.SIGKILL, f"no kill at {step}: {killed.stderr}"
    again = _cli(ws_dir, "ingest", "--quiet", "--jobs", "1")
    assert again.returncode == 0, again.stderr

    ws = Workspace(ws_dir)
    expected = {licence.stem.lower(), "added-note", "sample-regulation-2031-77"}
    assert set(ws.doc_ids()) == expected
    for doc_id in expected:
        bundle = ws.load_bundle(doc_id)
        assert bundle is not None
        word = _distinctive_word(bundle)
        hits = search(ws, word, limit=None).hits
        assert doc_id in {h.doc_id for h in hits}, f"{doc_id} not found by {word!r} after {step}"
    assert {h.doc_id for h in search(ws, "quixotrophic", limit=None).hits} == {licence.stem.lower()}
    assert {h.doc_id for h in search(ws, "zanzibarine", limit=None).hits} == {"added-note"}
    assert gone.stem not in {h.doc_id for h in search(ws, "executive", limit=None).hits}
    # Nothing is left in flight: the next run has nothing to do.
    last = _cli(ws_dir, "ingest", "--jobs", "1")
    assert last.returncode == 0 and "3 unchanged" in last.stderr, last.stderr


# --- 17.6: workers die with their parent ------------------------------------------------


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            kids.append(int(entry.name))
    return kids


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_workers_of_a_killed_ingest_exit_within_seconds(tmp_path: Path) -> None:
    big = (
        sorted(SHARED.glob("*.pdf"), key=lambda p: -p.stat().st_size)[:2] if SHARED.is_dir() else []
    )
    if len(big) < 2:
        pytest.skip(f"needs two PDFs of the shared corpus in {SHARED}")
    ws = tmp_path / "ws"
    (ws / "corpus").mkdir(parents=True)
    for pdf in big:  # each twice, so that both workers stay busy to the end
        shutil.copy(pdf, ws / "corpus" / pdf.name)
        shutil.copy(pdf, ws / "corpus" / f"copy-{pdf.name}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "corpus_tool", "--workspace", str(ws), "ingest", "--quiet", "-j2"],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_cap_memory,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = [c for c in _children(proc.pid) if b"resource_tracker" not in _cmdline(c)]
        assert len(workers) >= 2, "ingest -j2 never started two workers"
        # Kill only once both are deep in their documents (past start-up imports).
        while time.monotonic() < deadline and min(_cpu_seconds(w) for w in workers) < 2:
            time.sleep(0.2)
        assert proc.poll() is None, "ingest finished before it could be killed"
        assert all(_alive(w) for w in workers), "a worker left before the kill"
        helpers = _children(proc.pid)  # the workers and multiprocessing's resource tracker
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        workers = sorted(set(workers) | set(helpers))
        gone_by = time.monotonic() + 5
        while time.monotonic() < gone_by and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        for pid in [proc.pid, *workers]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


# --- 17.7: hostile PDFs ----------------------------------------------------------------


def _write_pdf(path: Path, contents: list[bytes]) -> None:
    """A one-page PDF whose objects 4, 5, ... are ``contents`` (4 is the page's content)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        *contents,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def make_length_cycle_pdf(path: Path) -> None:
    """A PDF of a few hundred bytes whose content stream's /Length refers to itself."""
    _write_pdf(path, [b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream", b"5 0 R"])


def make_flate_bomb_pdf(path: Path, gib: int = 2) -> None:
    """A PDF of about ``gib`` MB whose content stream inflates to ``gib`` GiB of zeros.

    The same byte-aligned deflate block (1 MiB of zeros, full flush) is
    repeated, so the file is made in milliseconds; the zlib trailer carries the
    right Adler-32 (for zeros: a = 1, b = length mod 65521).
    """
    mib = 1 << 20
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(bytes(mib)) + raw.flush(zlib.Z_FULL_FLUSH)
    count = gib * 1024
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    adler = (((count * mib) % 65521) << 16) | 1
    data = b"\x78\xda" + block * count + end + struct.pack(">I", adler)
    _write_pdf(
        path,
        [b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"],
    )


def test_length_cycle_and_flate_bomb_are_refused_and_the_rest_ingested(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws / "corpus")
    make_length_cycle_pdf(ws / "corpus" / "length-cycle.pdf")
    make_flate_bomb_pdf(ws / "corpus" / "flate-bomb.pdf")
    assert (ws / "corpus" / "length-cycle.pdf").stat().st_size < 600
    started = time.monotonic()
    try:
        done = _cli(ws, "ingest", "--jobs", "2", "--timeout", "20", timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail("ingest hung on a hostile PDF")
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr  # some files failed, the rest are usable
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed")]
    cycle = [line for line in failed if "length-cycle.pdf" in line]
    bomb = [line for line in failed if "flate-bomb.pdf" in line]
    assert len(cycle) == 1 and "time limit" in cycle[0], done.stderr
    assert len(bomb) == 1 and "stream" in bomb[0] and "limit" in bomb[0], done.stderr
    assert len(failed) == 2, done.stderr
    assert elapsed < 200
    # No process of the run (nor any earlier child of this test process) held
    # more than the default memory limit: the bomb was refused before inflating.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 2048, f"a process peaked at {peak_mib:.0f} MiB"
    listed = _cli(ws, "docs", "--json")
    ids = {json.loads(line)["doc_id"] for line in listed.stdout.splitlines()}
    assert ids == {p.stem for p in SAMPLE.iterdir() if p.suffix in (".pdf", ".txt")}
