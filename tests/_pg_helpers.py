"""A throw-away PostgreSQL server for the shared-store tests.

``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package (installed by the
README's test command when missing and running as root). ``initdb`` refuses to
run as root, so as root the server runs as the ``postgres`` user. Tests skip
with the reason when no server can be made.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    data: Path
    port: int
    pg_ctl: str
    as_user: list[str]

    def url(self, role: str = "postgres", db: str = "postgres") -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{db}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_user, self.pg_ctl, *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def start(self) -> None:
        self._run(
            "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
            "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)


def pg_unavailable_reason() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (the 'team' extra)"
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        return "PostgreSQL (initdb, pg_ctl) is not installed: Debian's 'postgresql' package"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


@contextlib.contextmanager
def pg_server() -> Iterator[PgServer]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    assert initdb and pg_ctl
    root = Path(tempfile.mkdtemp(prefix="corpus-tool-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    os.chmod(root, 0o755)
    data = root / "data"
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--no-sync"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    server = PgServer(data, _free_port(), pg_ctl, as_user)
    server.start()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def wait_until(predicate, timeout: float = 5.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
