"""``corpus-tool search`` (terms and connectors over the index) and ``corpus-tool index --rebuild``."""

from __future__ import annotations

import argparse

from corpus_tool.cli.common import (
    add_doc_option,
    print_jsonl,
    stderr_console,
    stdout_console,
    workspace,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "search",
        help="search provisions (Westlaw/Lexis terms and connectors)",
        description=(
            "Search provisions. Examples: '\"open source\" /s exempt!', "
            "'licen! /p \"shall not apply\"', 'model +3 weights', 'cite:\"Article 53\" "
            "obligations', 'open-source % recital'. A plain space means AND."
        ),
    )
    p.add_argument("query", help="the query (quote it for the shell)")
    add_doc_option(p)
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help="only this provision kind (recital, article, paragraph, …)",
    )
    p.add_argument(
        "--tag", action="append", metavar="LABEL", help="only provisions with this machine tag"
    )
    p.add_argument(
        "--label",
        action="append",
        metavar="LABEL",
        help="only provisions with this annotation label",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="show at most N hits (0: all; default 20)",
    )
    p.add_argument(
        "--sort",
        choices=("score", "doc"),
        default="score",
        help="rank by relevance (BM25F) or list in document order",
    )
    p.add_argument("--json", action="store_true", help="JSON Lines, one hit per line")
    p.set_defaults(func=run_search)

    ix = sub.add_parser(
        "index",
        help="manage the search index",
        description="Rebuild the search index from the stored document bundles (no PDF is read).",
    )
    ix.add_argument(
        "--rebuild", action="store_true", help="rebuild the whole index from the stored bundles"
    )
    ix.set_defaults(func=run_index)


def run_search(args: argparse.Namespace) -> int:
    from corpus_tool.errors import InputError
    from corpus_tool.index import search
    from corpus_tool.model import to_dict

    if args.limit < 0:
        raise InputError("--limit", "must be 0 (all) or a positive number")
    ws = workspace(args)
    for ref in args.doc or ():
        ws.find_doc(ref)  # a mistyped document is an error naming the known ones, not 0 hits
    result = search(
        ws,
        args.query,
        doc=args.doc,
        kind=args.kind,
        tag=args.tag,
        label=args.label,
        limit=args.limit or None,
        sort=args.sort,
    )
    if args.json:
        from corpus_tool.pinpoint import PageLabels

        labels, metas = PageLabels(ws), {}
        for hit in result.hits:
            record = to_dict(hit)
            if hit.doc_id not in metas:
                metas[hit.doc_id] = ws.find_doc(hit.doc_id).meta
            print_jsonl(
                {
                    "file": record["file"],
                    "doc_id": record["doc_id"],
                    "id": record["id"],
                    "citation": record["citation"],
                    "score": record["score"],
                    "snippet": record["snippet"],
                    "heading": record["heading"],
                    "kind": record["kind"],
                    "pages": record["pages"],
                    "highlights": record["highlights"],
                    **labels.fields(metas[hit.doc_id], hit),
                }
            )
        return 0
    _print_table(result)
    return 0


def _print_table(result) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.table import Table

    out = stdout_console()
    if not result.hits:
        out.print(f"No provisions match {result.query!r}.")
        return
    rows = []
    for n, hit in enumerate(result.hits, 1):
        first, last = hit.pages
        pages = f"{first}" if first == last else f"{first}–{last}"
        snippet = escape(hit.snippet)
        if out.is_terminal:  # in a pipe or a file the «marks» are the only highlight
            snippet = snippet.replace("«", "[bold reverse]").replace("»", "[/]")
        rows.append((n, hit, pages, snippet))
    if out.width < 100:
        # A narrow terminal or a pipe: a table would squeeze the text to a few
        # words a line, so print each hit as a short block a reader can scan.
        for n, hit, pages, snippet in rows:
            heading = f" — {escape(hit.heading)}" if hit.heading else ""
            out.print(
                f"[bold]{n}. {escape(hit.citation)}[/]{heading}  "
                f"[dim]{escape(hit.doc_id)}, p. {pages}, score {hit.score:.2f}[/]"
            )
            out.print(snippet, style=None)
            out.print()
    else:
        table = Table(show_lines=True, expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("Document", overflow="fold", max_width=28)
        table.add_column("Provision", overflow="fold", max_width=30)
        table.add_column("Pages", no_wrap=True)
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("Text", ratio=1)
        for n, hit, pages, snippet in rows:
            provision = escape(hit.citation) + (
                f"\n[dim]{escape(hit.heading)}[/]" if hit.heading else ""
            )
            table.add_row(str(n), escape(hit.doc_id), provision, pages, f"{hit.score:.2f}", snippet)
        out.print(table)
    shown = len(result.hits)
    summary = (
        f"{shown} of {result.total} provisions" if result.total > shown else f"{shown} provisions"
    )
    facets = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in list(counts.items())[:6])
        for name, counts in result.facets.items()
        if counts
    )
    out.print(f"[bold]{summary}[/]  " + escape(facets))


def run_index(args: argparse.Namespace) -> int:
    from corpus_tool.index import rebuild_index

    if not args.rebuild:
        stderr_console().print("nothing to do: use 'corpus-tool index --rebuild'")
        return 2
    ws = workspace(args)
    if not ws.doc_ids():
        stderr_console().print(f"no documents in {ws.root}: run 'corpus-tool ingest' first")
        return 2
    written = rebuild_index(ws, show_progress=True)
    stderr_console().print(f"indexed {written} provisions from {len(ws.doc_ids())} documents")
    return 0
