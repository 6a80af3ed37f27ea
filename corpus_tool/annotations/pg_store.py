"""A shared annotation event log on PostgreSQL, with an offline journal in the workspace.

The same semantics as the file log (docs/decisions.md, section 1): events are
appended, never updated or deleted, and each carries a stable ``eid``. The
server orders them by a sequence assigned under a transaction lock, so the
order of ``seq`` is the order of commits and a reader that asks for
"everything after seq N" never misses an event that commits later with a
smaller number.

Access is the database's business, not only the client's: ordinary users are
members of the ``corpus_tool_user`` role, which may only SELECT and INSERT;
a trigger refuses an event whose author is not the one registered for the
connecting role. Members of ``corpus_tool_admin`` may insert history written
by others (``corpus-tool store push``).

When the server cannot be reached, events go to ``annotations/journal.jsonl``
(fsynced, one line each) and are sent, in order and once (the server ignores
an ``eid`` it already has), as soon as it answers again.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool.errors import StoreError

STORE_ENV = "CORPUS_TOOL_STORE"
JOURNAL_FILE = "journal.jsonl"
CHANNEL = "corpus_tool_events"
USER_ROLE = "corpus_tool_user"
ADMIN_ROLE = "corpus_tool_admin"
# A version number per migration; the list only grows.
SCHEMA_VERSION = 1
CONNECT_TIMEOUT = 3  # seconds: a laptop off the network must fall back to the journal quickly

_MIGRATIONS: dict[int, str] = {
    1: f"""
CREATE SCHEMA IF NOT EXISTS corpus_tool;
CREATE TABLE IF NOT EXISTS corpus_tool.authors (
    role name PRIMARY KEY,
    author text NOT NULL CHECK (length(btrim(author)) > 0)
);
CREATE SEQUENCE IF NOT EXISTS corpus_tool.event_seq;
CREATE TABLE IF NOT EXISTS corpus_tool.events (
    seq bigint PRIMARY KEY,
    eid text NOT NULL UNIQUE CHECK (length(eid) BETWEEN 1 AND 64),
    v integer NOT NULL,
    kind text NOT NULL,
    author text NOT NULL,
    role name NOT NULL DEFAULT session_user,
    received timestamptz NOT NULL DEFAULT now(),
    body json NOT NULL
);
CREATE OR REPLACE FUNCTION corpus_tool.before_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, corpus_tool AS $$
BEGIN
    -- One writer at a time, so that seq order is commit order.
    PERFORM pg_advisory_xact_lock(hashtext('corpus_tool.events'));
    NEW.role := session_user;
    NEW.received := now();
    NEW.author := NEW.body ->> 'by';
    NEW.kind := NEW.body ->> 'event';
    IF NEW.author IS NULL OR NEW.kind IS NULL THEN
        RAISE EXCEPTION 'an event needs "by" and "event"' USING ERRCODE = 'check_violation';
    END IF;
    IF NOT pg_has_role(session_user, '{ADMIN_ROLE}', 'MEMBER') AND NOT EXISTS (
        SELECT 1 FROM corpus_tool.authors a
        WHERE a.role = session_user AND a.author = NEW.author
    ) THEN
        RAISE EXCEPTION 'role % may not write events as author %', session_user, NEW.author
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.seq := nextval('corpus_tool.event_seq');
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS before_event ON corpus_tool.events;
CREATE TRIGGER before_event BEFORE INSERT ON corpus_tool.events
    FOR EACH ROW EXECUTE FUNCTION corpus_tool.before_event();
CREATE OR REPLACE FUNCTION corpus_tool.after_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.seq::text);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS after_event ON corpus_tool.events;
CREATE TRIGGER after_event AFTER INSERT ON corpus_tool.events
    FOR EACH ROW EXECUTE FUNCTION corpus_tool.after_event();
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{USER_ROLE}') THEN
        CREATE ROLE {USER_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ADMIN_ROLE}') THEN
        CREATE ROLE {ADMIN_ROLE} NOLOGIN;
    END IF;
END $$;
GRANT {USER_ROLE} TO {ADMIN_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA corpus_tool FROM PUBLIC;
REVOKE ALL ON SEQUENCE corpus_tool.event_seq FROM PUBLIC;
GRANT USAGE ON SCHEMA corpus_tool TO {USER_ROLE};
GRANT SELECT, INSERT ON corpus_tool.events TO {USER_ROLE};
GRANT SELECT ON corpus_tool.authors TO {USER_ROLE};
""",
}


def store_url(config: dict[str, Any] | None = None) -> str | None:
    """The shared store's URL: $CORPUS_TOOL_STORE, then ``[store] url`` of the config."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return env
    section = (config or {}).get("store")
    url = section.get("url") if isinstance(section, dict) else None
    return url.strip() if isinstance(url, str) and url.strip() else None


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # the optional extra is not installed
        raise StoreError(
            "a PostgreSQL store needs the 'team' extra: pip install 'corpus-tool[team]'"
        ) from exc
    return psycopg


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, cred = head.partition("//")
    user = cred.split(":", 1)[0]
    return f"{scheme}//{user}:***@{tail}"


@contextlib.contextmanager
def _connect(url: str, autocommit: bool = True) -> Iterator[Any]:
    psycopg = _psycopg()
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise StoreUnreachable(f"cannot reach the shared store {_redact(url)}: {first}") from exc
    try:
        yield conn
    finally:
        conn.close()


class StoreUnreachable(StoreError):
    """The server did not answer; events go to the offline journal."""


# --- schema ----------------------------------------------------------------------


def schema_version(url: str) -> int:
    """The schema version of the shared store (0 when never initialised)."""
    with _connect(url) as conn:
        row = conn.execute("SELECT to_regclass('corpus_tool.schema_version')").fetchone()
        if row is None or row[0] is None:
            return 0
        got = conn.execute("SELECT max(version) FROM corpus_tool.schema_version").fetchone()
        return int(got[0] or 0) if got else 0


def migrate(url: str) -> list[int]:
    """Create or bring the schema up to date; returns the versions applied (idempotent)."""
    psycopg = _psycopg()
    applied: list[int] = []
    if schema_version(url) >= max(_MIGRATIONS):
        return applied  # up to date: no DDL, so any member role may ask
    with _connect(url, autocommit=False) as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('corpus_tool.migrate'))")
                conn.execute("CREATE SCHEMA IF NOT EXISTS corpus_tool")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS corpus_tool.schema_version ("
                    " version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())"
                )
                done = {
                    r[0] for r in conn.execute("SELECT version FROM corpus_tool.schema_version")
                }
                for version in sorted(_MIGRATIONS):
                    if version in done:
                        continue
                    conn.execute(_MIGRATIONS[version])
                    conn.execute(
                        "INSERT INTO corpus_tool.schema_version (version) VALUES (%s)", (version,)
                    )
                    applied.append(version)
                conn.execute("REVOKE ALL ON corpus_tool.schema_version FROM PUBLIC")
                conn.execute(f"GRANT SELECT ON corpus_tool.schema_version TO {USER_ROLE}")
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"cannot create the schema in {_redact(url)}: {exc.diag.message_primary};"
                " run 'corpus-tool store init' as the database owner"
            ) from exc
    return applied


def grant_author(url: str, role: str, author: str, admin: bool = False) -> None:
    """Register ``role`` as writing under ``author`` (and make it a member of the user role)."""
    psycopg = _psycopg()
    from psycopg import sql

    if not author.strip():
        raise StoreError("an author name is needed")
    with _connect(url) as conn:
        try:
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(ADMIN_ROLE if admin else USER_ROLE), sql.Identifier(role)
                )
            )
            conn.execute(
                "INSERT INTO corpus_tool.authors (role, author) VALUES (%s, %s)"
                " ON CONFLICT (role) DO UPDATE SET author = EXCLUDED.author",
                (role, author.strip()),
            )
        except psycopg.Error as exc:
            message = exc.diag.message_primary if getattr(exc, "diag", None) else str(exc)
            raise StoreError(f"cannot grant {role!r} in {_redact(url)}: {message}") from exc


@dataclass(frozen=True)
class StoreStatus:
    url: str
    version: int
    latest: int
    events: int
    authors: int


def status(url: str) -> StoreStatus:
    version = schema_version(url)
    events = authors = 0
    if version:
        with _connect(url) as conn:
            events = conn.execute("SELECT count(*) FROM corpus_tool.events").fetchone()[0]
            authors = conn.execute("SELECT count(*) FROM corpus_tool.authors").fetchone()[0]
    return StoreStatus(_redact(url), version, max(_MIGRATIONS), int(events), int(authors))


# --- the event log ---------------------------------------------------------------


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class PgEventLog:
    """Append and read events on a shared PostgreSQL store, journaling while offline."""

    def __init__(self, url: str, journal_dir: Path) -> None:
        self.url = url
        self.journal = journal_dir / JOURNAL_FILE
        self.online = True
        self._conn: Any = None
        self._lock = threading.RLock()

    # connection kept open between writes: the UI annotates often
    def _connection(self) -> Any:
        psycopg = _psycopg()
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.OperationalError as exc:
            raise StoreUnreachable(f"cannot reach the shared store {_redact(self.url)}") from exc
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None

    def _insert(self, records: Iterable[dict[str, Any]]) -> int:
        """Send events in order; returns how many the server did not have yet."""
        psycopg = _psycopg()
        conn = self._connection()
        new = 0
        try:
            for record in records:
                eid = record.get("eid")
                if not isinstance(eid, str) or not eid:
                    raise StoreError("an event without an 'eid' cannot go to a shared store")
                cur = conn.execute(
                    "INSERT INTO corpus_tool.events (seq, eid, v, kind, author, body)"
                    " VALUES (0, %s, %s, '', '', %s) ON CONFLICT (eid) DO NOTHING",
                    (eid, int(record.get("v", 1)), _line(record)),
                )
                new += cur.rowcount or 0
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"the shared store refused the event: {exc.diag.message_primary}"
            ) from exc
        except psycopg.OperationalError as exc:
            self.close()
            raise StoreUnreachable(f"lost the shared store {_redact(self.url)}") from exc
        return new

    # -- the journal --
    def _journal_read(self) -> list[dict[str, Any]]:
        try:
            raw = self.journal.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(
                f"cannot read the offline journal {self.journal}: {exc.strerror}"
            ) from exc
        out = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line: its write never returned, so it was never acknowledged
            if isinstance(record, dict):
                out.append(record)
        return out

    def _journal_append(self, record: dict[str, Any]) -> None:
        data = (_line(record) + "\n").encode()
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.journal, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(
                f"the shared store is unreachable and the offline journal {self.journal}"
                f" cannot be written: {exc.strerror}; nothing was written"
            ) from exc

    def pending(self) -> list[dict[str, Any]]:
        """Events written offline and not yet on the server, in order."""
        return self._journal_read()

    def flush(self) -> int:
        """Send the offline journal, in order; returns how many events the server took."""
        with self._lock:
            records = self._journal_read()
            if not records:
                return 0
            sent = self._insert(records)  # a crash here resends: the server ignores known eids
            with contextlib.suppress(FileNotFoundError):
                self.journal.unlink()
            self.online = True
            return sent

    def append(self, record: dict[str, Any]) -> bool:
        """Store one event; True when the server acknowledged it, False when journaled offline."""
        with self._lock:
            try:
                self.flush()  # journaled events go first, keeping the author's order
                self._insert([record])
            except StoreUnreachable:
                self.online = False
                self._journal_append(record)
                return False
            self.online = True
            return True

    def read_after(self, seq: int = 0) -> list[tuple[int, dict[str, Any]]]:
        """Events the server holds after ``seq``, in server order."""
        psycopg = _psycopg()
        with self._lock:
            try:
                conn = self._connection()
                rows = conn.execute(
                    "SELECT seq, body FROM corpus_tool.events WHERE seq > %s ORDER BY seq", (seq,)
                ).fetchall()
                self.online = not self.pending()  # reachable; offline still while unsent
            except psycopg.OperationalError as exc:
                self.close()
                self.online = False
                raise StoreUnreachable(f"lost the shared store {_redact(self.url)}") from exc
        out = []
        for s, body in rows:
            record = json.loads(body) if isinstance(body, str) else body
            out.append((int(s), record))
        return out

    def listen(self, on_event: Callable[[int], None], stop: threading.Event) -> threading.Thread:
        """Call ``on_event(seq)`` from a thread whenever anyone commits an event."""

        def run() -> None:
            psycopg = _psycopg()
            while not stop.is_set():
                try:
                    with psycopg.connect(
                        self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
                    ) as conn:
                        conn.execute(f"LISTEN {CHANNEL}")
                        while not stop.is_set():
                            for note in conn.notifies(timeout=0.25, stop_after=1):
                                with contextlib.suppress(ValueError):
                                    on_event(int(note.payload))
                except psycopg.OperationalError:
                    stop.wait(1.0)  # the server is away: try again, the journal keeps writes

        thread = threading.Thread(target=run, name="corpus-tool-listen", daemon=True)
        thread.start()
        return thread


def push(url: str, records: Iterable[dict[str, Any]]) -> int:
    """Copy a file log's events into the shared store (idempotent); returns how many were new."""
    log = PgEventLog(url, Path(os.devnull).parent)
    try:
        return log._insert(records)
    finally:
        log.close()
