#!/usr/bin/env python3
"""Set up and run corpus_tool with nothing but Python, pip and git.

    python3 run.py            create .venv, install, ingest corpus/, open the UI
    python3 run.py test       create .venv, install with test extras, run the whole test suite
    python3 run.py ARGS...    any other corpus-tool command, inside the same .venv

Without a terminal (CI, a pipe) the main job runs a sample search instead of the UI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
SAMPLE_QUERY = '"open source" /s (exempt! OR "not apply")'
# Programs the test suite drives for real: a terminal for the UI smoke test, a
# headless browser for the HTML report and LibreOffice (headless) to open the DOCX
# memo. Installed from Debian's packages when missing.
TEST_PROGRAMS = {"tmux": "tmux", "chromium": "chromium", "soffice": "libreoffice-writer-nogui"}
# The shared-store tests start a throw-away PostgreSQL server. Debian keeps initdb
# off PATH (under /usr/lib/postgresql/VERSION/bin), so it is looked for there too.
POSTGRES_PACKAGE = "postgresql"


def have_postgres() -> bool:
    import glob

    return shutil.which("initdb") is not None or bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def say(msg: str) -> None:
    print(f"[run.py] {msg}", flush=True)


def ensure_venv(extras: str) -> None:
    """Create .venv and (re)install the project when pyproject.toml or the extras changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py runs before anything checks)
        sys.exit(
            f"[run.py] corpus_tool needs Python 3.11 or newer, this is {sys.version.split()[0]}"
        )
    if not PY.exists():
        say(f"creating virtual environment in {VENV}")
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".corpus-tool-installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    say(f"installing corpus_tool{f' [{extras}]' if extras else ''} and its dependencies")
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def ensure_test_programs() -> None:
    missing = [pkg for prog, pkg in TEST_PROGRAMS.items() if shutil.which(prog) is None]
    if not have_postgres():
        missing.append(POSTGRES_PACKAGE)
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None or (hasattr(os, "geteuid") and os.geteuid() != 0):
        say(f"not installing {', '.join(missing)} (needs root and apt-get); their tests will skip")
        return
    say(f"installing {', '.join(missing)} from Debian's packages for the UI and browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "env": env, "check": False}
    subprocess.run([apt, "-q", "update"], **quiet)  # type: ignore[call-overload]
    subprocess.run([apt, "-q", "install", "-y", "--no-install-recommends", *missing], **quiet)  # type: ignore[call-overload]


def corpus_tool(*args: str) -> int:
    return subprocess.run(
        [str(BIN / "corpus-tool"), "--workspace", str(ROOT), *args], cwd=ROOT
    ).returncode


def main(argv: list[str]) -> int:
    if argv[:1] == ["test"]:
        ensure_venv("dev,team")
        ensure_test_programs()
        return subprocess.run([str(PY), "-m", "pytest", *argv[1:]], cwd=ROOT).returncode
    ensure_venv("")
    if argv:
        return corpus_tool(*argv)
    status = corpus_tool("ingest")
    if status not in (0, 1):  # 1: some files failed, the rest are usable
        return status
    if sys.stdin.isatty() and sys.stdout.isatty():
        return corpus_tool("tui")
    say(f"no terminal: running a sample search instead of the UI: {SAMPLE_QUERY}")
    return corpus_tool("search", SAMPLE_QUERY)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
