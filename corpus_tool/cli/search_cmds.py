"""``corpus-tool search`` (terms and connectors over the index) and ``corpus-tool index --rebuild``."""

from __future__ import annotations

import argparse
from typing import Any

from corpus_tool.cli.common import (
    add_doc_option,
    print_jsonl,
    safe,
    stderr_console,
    stdout_console,
    workspace,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="search provisions (Westlaw/Lexis terms and connectors)",
        description=(
            "Search provisions. Examples: '\"open source\" /s exempt!', "
            "'licen! /p \"shall not apply\"', 'model +3 weights', 'cite:\"Article 53\" "
            "obligations', 'open-source % recital'. In the lexis dialect (the default) a "
            "space means AND; in the westlaw dialect a space means OR."
        ),
    )
    p.add_argument("query", help="the query (quote it for the shell)")
    p.add_argument(
        "--dialect",
        choices=("lexis", "westlaw"),
        default=None,
        help="how a space reads: lexis (AND) or westlaw (OR); default: [search] dialect "
        "in corpus-tool.toml, else lexis",
    )
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
        dialect=args.dialect,
    )
    if result.warnings:
        err = stderr_console()
        for warning in result.warnings:
            err.print(f"warning: {warning}", markup=False, highlight=False)
    if args.json:
        pages_of = _HitPages(ws)
        for hit in result.hits:
            record = to_dict(hit)
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
                    **pages_of(hit),  # printed_pages, pinpoint, highlight_pages
                    "headings": record["headings"],
                    "heading_highlights": record["heading_highlights"],
                    "lead_in": record["lead_in"],
                    "lead_in_highlights": record["lead_in_highlights"],
                }
            )
        return 0
    _print_table(result)
    return 0


class _HitPages:
    """Where a hit and each of its highlights are printed (docs/decisions.md, section 3)."""

    def __init__(self, ws: Any) -> None:
        from corpus_tool.locate import Locator

        self.ws = ws
        self.locator = Locator(ws)
        self.bundles: dict[str, Any] = {}

    def __call__(self, hit: Any) -> dict[str, Any]:
        if hit.doc_id not in self.bundles:
            self.bundles[hit.doc_id] = self.ws.load_bundle(hit.doc_id)
        bundle = self.bundles[hit.doc_id]
        provision = bundle.provision(hit.id) if bundle is not None else None
        if provision is None:  # the index is ahead of the stored bundles: pages only
            from corpus_tool import pinpoint as pin

            meta = bundle.meta if bundle is not None else None
            fields = {
                "printed_pages": [str(n) for n in range(hit.pages[0], hit.pages[1] + 1)],
                "pinpoint": pin.pinpoint(meta, hit) if meta is not None else hit.citation,
            }
            return {**fields, "highlight_pages": []}
        fields = self.locator.provision_fields(bundle.meta, provision)
        fields["highlight_pages"] = [
            list(self.locator.span(bundle.meta, provision, s, e, boxes=False).pages)
            for s, e in hit.highlights
        ]
        return fields


def _print_table(result) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = stdout_console()
    if not result.hits:
        out.print(f"No provisions match {safe(repr(result.query))}.")
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
        stderr_console().print(f"no documents in {safe(ws.root)}: run 'corpus-tool ingest' first")
        return 2
    from rich.progress import Progress

    err = stderr_console()
    # No bar (and not even its closing newline) where nobody watches: a pipe, CI.
    with Progress(transient=True, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("indexing", total=len(ws.doc_ids()))
        written = rebuild_index(ws, progress=lambda done, total: bar.update(task, completed=done))
    stderr_console().print(f"indexed {written} provisions from {len(ws.doc_ids())} documents")
    return 0
