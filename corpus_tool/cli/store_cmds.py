"""``corpus-tool store init|migrate|status|grant|push``: the shared PostgreSQL annotation store."""

from __future__ import annotations

import argparse
import hashlib
import json
from typing import Any

from corpus_tool.cli.common import stdout_console, workspace
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace

CONFIG_FILE = "corpus-tool.toml"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "store",
        help="set up and inspect a shared PostgreSQL annotation store",
        description="A team's shared store: events appended by each member under their own "
        "database role. The URL comes from --url, $CORPUS_TOOL_STORE or [store] url in "
        "corpus-tool.toml.",
    )
    s.add_argument(
        "--url", metavar="URL", help="postgresql://ROLE@HOST:PORT/DB (TLS options pass through)"
    )
    ssub = s.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    for name, text in (
        ("init", "create the schema and the roles corpus_tool_user and corpus_tool_admin"),
        ("migrate", "bring the schema up to the version this corpus-tool needs"),
        ("status", "schema version, events and registered authors"),
    ):
        p = ssub.add_parser(name, help=text, description=text)
        p.set_defaults(func=cmd_schema, action=name)
    g = ssub.add_parser(
        "grant",
        help="let a database role write events under an author name",
        description="Registers ROLE as writing under AUTHOR and makes it a member of "
        "corpus_tool_user (or corpus_tool_admin with --admin, which may push others' history).",
    )
    g.add_argument("role")
    g.add_argument("--author", required=True)
    g.add_argument("--admin", action="store_true")
    g.set_defaults(func=cmd_grant)
    p = ssub.add_parser(
        "push",
        help="copy this workspace's file log into the shared store (idempotent)",
        description="Sends every event of annotations/events.jsonl; events the store already "
        "has (same eid) are skipped. Needs a role in corpus_tool_admin, since the log holds "
        "history written by others.",
    )
    p.set_defaults(func=cmd_push)


def _url(args: argparse.Namespace) -> str:
    from corpus_tool.annotations.pg_store import store_url

    url = args.url or store_url(workspace(args).config())
    if not url:
        raise StoreError(
            "no shared store configured: pass --url, set $CORPUS_TOOL_STORE,"
            ' or add [store] url = "postgresql://…" to corpus-tool.toml'
        )
    return str(url)


def cmd_schema(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import pg_store

    url = _url(args)
    out = stdout_console()
    if args.action in ("init", "migrate"):
        applied = pg_store.migrate(url)
        done = ", ".join(map(str, applied)) if applied else "none (already up to date)"
        out.print(f"schema migrations applied: {done}", markup=False)
    st = pg_store.status(url)
    out.print(
        f"{st.url}: schema version {st.version} (this corpus-tool needs {st.latest}),"
        f" {st.events} events, {st.authors} authors",
        markup=False,
    )
    return 0 if st.version == st.latest else 1


def cmd_grant(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import pg_store

    pg_store.grant_author(_url(args), args.role, args.author, admin=args.admin)
    stdout_console().print(
        f"{args.role} writes as {args.author!r}{' (administrator)' if args.admin else ''}",
        markup=False,
    )
    return 0


def file_log_events(ws: Workspace) -> list[dict[str, Any]]:
    """Every readable event of the file log, each with its ``eid`` (derived for version-1 lines)."""
    path = ws.annotations_dir / "events.jsonl"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    out = []
    for line in raw.split(b"\n")[:-1]:  # an unfinished last line was never acknowledged
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "event" not in record:
            continue
        if not record.get("eid"):
            record = {**record, "eid": "v1-" + hashlib.sha256(line).hexdigest()[:22]}
        out.append(record)
    return out


def cmd_push(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import pg_store

    ws = workspace(args)
    events = file_log_events(ws)
    new = pg_store.push(_url(args), events)
    stdout_console().print(
        f"pushed {len(events)} events: {new} new, {len(events) - new} already in the store",
        markup=False,
    )
    return 0
