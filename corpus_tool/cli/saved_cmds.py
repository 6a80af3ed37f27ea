"""``corpus-tool saved list|save|run|rename|delete``: the saved searches the TUI shares."""

from __future__ import annotations

import argparse

from corpus_tool.cli import search_cmds
from corpus_tool.cli.common import add_doc_option, print_jsonl, stdout_console, workspace


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "saved",
        help="list, save, run, rename or delete saved searches",
        description="Saved searches live in the annotation log; the TUI's Ctrl+S/Ctrl+L use them.",
    )
    ssub = p.add_subparsers(dest="saved_command", metavar="ACTION", required=True)

    q = ssub.add_parser("list", help="the saved searches, oldest first")
    q.add_argument("--json", action="store_true", help="one JSON object per saved search")
    q.set_defaults(func=run_list)

    q = ssub.add_parser("save", help="save (or replace) a search under a name")
    q.add_argument("name", metavar="NAME")
    q.add_argument("query", metavar="QUERY", help="the query (quote it for the shell)")
    add_doc_option(q)
    q.add_argument("--kind", default=None, help="only this provision kind")
    q.add_argument("--tag", default=None, help="only provisions with this machine tag")
    q.add_argument("--label", default=None, help="only provisions with this annotation label")
    q.add_argument("--dialect", default="lexis", help="query dialect (default: lexis)")
    q.set_defaults(func=run_save)

    q = ssub.add_parser("run", help="run a saved search (as 'corpus-tool search')")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--limit", type=int, default=20, metavar="N", help="at most N hits (0: all)")
    q.add_argument("--sort", choices=("score", "doc"), default="score")
    q.add_argument("--json", action="store_true", help="JSON Lines, one hit per line")
    q.set_defaults(func=run_saved)

    q = ssub.add_parser("rename", help="give a saved search a new name")
    q.add_argument("name", metavar="NAME")
    q.add_argument("new_name", metavar="NEW_NAME")
    q.set_defaults(func=run_rename)

    q = ssub.add_parser("delete", help="delete a saved search (the log keeps its history)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=run_delete)


def run_list(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import searches

    saved = searches.saved_searches(workspace(args))
    if args.json:
        for s in saved:
            print_jsonl(s.as_event())
        return 0
    out = stdout_console()
    if not saved:
        out.print(
            "No saved searches yet ('corpus-tool saved save NAME QUERY', or Ctrl+S in the TUI)."
        )
    for s in saved:
        filters = " ".join(f"{k}={v}" for k, v in s.filters.items())
        out.print(f"[bold]{s.name}[/]  {s.query}  [dim]{s.dialect} {filters}[/]", markup=True)
    return 0


def run_save(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import searches

    filters = {
        "doc": ",".join(args.doc) if args.doc else None,
        "kind": args.kind,
        "tag": args.tag,
        "label": args.label,
    }
    saved = searches.save_search(
        workspace(args), args.name, args.query, filters=filters, dialect=args.dialect
    )
    stdout_console().print(f"saved search {saved.name!r}: {saved.query}", markup=False)
    return 0


def _listed(value: str | None) -> list[str] | None:
    return [v for v in value.split(",") if v] if value else None


def run_saved(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import searches

    saved = searches.get_search(workspace(args), args.name)
    search_args = argparse.Namespace(
        workspace=args.workspace,
        query=saved.query,
        doc=_listed(saved.filters.get("doc")),
        kind=_listed(saved.filters.get("kind")),
        tag=_listed(saved.filters.get("tag")),
        label=_listed(saved.filters.get("label")),
        dialect=saved.dialect,
        limit=args.limit,
        sort=args.sort,
        json=args.json,
    )
    return search_cmds.run_search(search_args)


def run_rename(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import searches

    searches.rename_search(workspace(args), args.name, args.new_name)
    stdout_console().print(f"renamed {args.name!r} to {args.new_name!r}", markup=False)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import searches

    searches.delete_search(workspace(args), args.name)
    stdout_console().print(f"deleted saved search {args.name!r}", markup=False)
    return 0
