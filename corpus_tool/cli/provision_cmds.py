"""``corpus-tool provisions`` (list provisions of the stored documents) and ``show DOC ID``."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import Any

from corpus_tool.cli.common import add_doc_option, print_jsonl, stdout_console, workspace


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "provisions",
        help="list the provisions of the ingested documents",
        description="List provisions in document order: a table, or JSON Lines with --json "
        "(file, doc_id, id, citation, kind, parent, heading, path, pages, start, end, text, "
        "footnotes, refs, defined_term, searchable, tags).",
    )
    add_doc_option(p)
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help="only this kind (recital, article, paragraph, point, annex, section, …; repeatable)",
    )
    p.add_argument("--json", action="store_true", help="JSON Lines, one provision per line")
    p.set_defaults(func=cmd_provisions)

    s = sub.add_parser(
        "show",
        help="print one provision with its path, text, footnotes and references",
        description="Print one provision, e.g. 'corpus-tool show eu-ai-act-2024-1689 art_53__para_2'.",
    )
    s.add_argument("doc", metavar="DOC", help="doc id or file name")
    s.add_argument("id", metavar="ID", help="provision id, e.g. art_53__para_2 (or its citation)")
    s.add_argument("--json", action="store_true", help="the provision as one JSON object")
    s.set_defaults(func=cmd_show)


def provision_record(
    bundle: Any, provision: Any, tags: Iterable[Any] = (), labels: Any = None
) -> dict[str, Any]:
    """The stable JSON shape of one provision (the ``provisions --json`` interface).

    ``labels`` (a ``corpus_tool.pinpoint.PageLabels``) adds ``printed_pages`` and ``pinpoint``.
    """
    from corpus_tool.model import to_dict

    extra = labels.fields(bundle.meta, provision) if labels is not None else {}
    return {
        "file": provision.file,
        "doc_id": provision.doc_id,
        "id": provision.id,
        "citation": provision.citation,
        "kind": provision.kind,
        "parent": provision.parent,
        "heading": provision.heading,
        "path": list(provision.path),
        "pages": list(provision.pages),
        "start": provision.start,
        "end": provision.end,
        "text": provision.text,
        "footnotes": to_dict(provision.footnotes),
        "refs": to_dict(provision.refs),
        "defined_term": provision.defined_term,
        "searchable": provision.searchable,
        "tags": [
            {
                "label": t.label,
                "evidence": to_dict(t.evidence),
                "source": t.source,
                "score": t.score,
                "targets": list(t.targets),
            }
            for t in tags
        ],
        **extra,
    }


def _bundles(ws: Any, docs: list[str] | None) -> Iterator[Any]:
    if docs:
        for ref in docs:
            yield ws.find_doc(ref)
    else:
        yield from ws.bundles()


def _resolve_across_corpus(ws: Any, bundles: list[Any]) -> list[Any]:
    """Point references to other acts at the workspace documents that are those acts.

    Idempotent, so it does no harm once the pipeline stores resolved references itself.
    """
    from corpus_tool.segment import resolve_external_refs

    if not any(r.external for b in bundles for p in b.provisions for r in p.refs):
        return bundles
    chosen = {b.meta.doc_id for b in bundles}
    others = [b for b in ws.bundles() if b.meta.doc_id not in chosen]
    resolved = resolve_external_refs([*bundles, *others])
    return resolved[: len(bundles)]


def _tags_by_provision(bundle: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for t in bundle.tags:
        out.setdefault(t.provision_id, []).append(t)
    return out


def cmd_provisions(args: argparse.Namespace) -> int:
    from rich.table import Table

    from corpus_tool.errors import StoreError

    ws = workspace(args)
    kinds = {k.lower() for k in args.kind} if args.kind else None
    table = None
    bundles = _resolve_across_corpus(ws, list(_bundles(ws, args.doc)))
    from corpus_tool.pinpoint import PageLabels

    labels = PageLabels(ws)
    if not args.json:
        table = Table(show_lines=False, header_style="bold")
        if len(bundles) > 1:
            table.add_column("doc", overflow="fold")
        # Ids and citations are what users copy: wrap them, never cut them.
        for col in ("id", "citation", "kind", "pages"):
            table.add_column(col, overflow="fold")
        table.add_column("heading / text", overflow="fold", ratio=1, min_width=20)
    count = 0
    any_bundle = False
    for bundle in bundles:
        any_bundle = True
        tags = _tags_by_provision(bundle)
        for p in bundle.provisions:
            if kinds is not None and p.kind.lower() not in kinds:
                continue
            count += 1
            if args.json:
                print_jsonl(provision_record(bundle, p, tags.get(p.id, ()), labels))
            elif table is not None:
                pages = (
                    f"{p.pages[0]}" if p.pages[0] == p.pages[1] else f"{p.pages[0]}–{p.pages[1]}"
                )
                snippet = p.heading or p.text
                if len(snippet) > 90:
                    snippet = snippet[:89] + "…"
                cells = [p.id, p.citation, p.kind, pages, snippet]
                table.add_row(*([p.doc_id, *cells] if len(bundles) > 1 else cells))
    if not any_bundle:
        raise StoreError(
            f"no ingested documents in workspace {ws.root}; run 'corpus-tool ingest' first"
        )
    if table is not None:
        console = stdout_console()
        console.print(table)
        console.print(f"{count} provision(s)")
    return 0


def _find_provision(bundle: Any, ref: str) -> Any:
    from corpus_tool.errors import StoreError

    p = bundle.provision(ref)
    if p is not None:
        return p
    wanted = " ".join(ref.split()).lower()
    for q in bundle.provisions:
        if q.citation.lower() == wanted:
            return q
    raise StoreError(
        f"no provision {ref!r} in {bundle.meta.doc_id}; "
        f"list them with 'corpus-tool provisions --doc {bundle.meta.doc_id}'"
    )


def cmd_show(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.panel import Panel

    ws = workspace(args)
    bundle = ws.find_doc(args.doc)
    p = _find_provision(bundle, args.id)
    if any(r.external for r in p.refs):
        bundle = _resolve_across_corpus(ws, [bundle])[0]
        p = _find_provision(bundle, p.id)
    tags = _tags_by_provision(bundle).get(p.id, [])
    if args.json:
        from corpus_tool.pinpoint import PageLabels

        print_jsonl(provision_record(bundle, p, tags, PageLabels(ws)))
        return 0
    console = stdout_console()
    pages = f"p. {p.pages[0]}" if p.pages[0] == p.pages[1] else f"pp. {p.pages[0]}–{p.pages[1]}"
    title = f"{p.citation}" + (f" — {p.heading}" if p.heading else "")
    console.print(f"[bold]{escape(title)}[/bold]")
    console.print(f"[dim]{escape(bundle.meta.file)} · {escape(p.id)} · {p.kind} · {pages}[/dim]")
    console.print(f"[dim]{escape(' › '.join(p.path))}[/dim]")
    if p.defined_term:
        console.print(f"defines: [italic]{escape(p.defined_term)}[/italic]")
    console.print(Panel(escape(p.text) or "[dim](no text of its own)[/dim]", expand=True))
    if p.footnotes:
        console.print("[bold]Footnotes[/bold]")
        for f in p.footnotes:
            console.print(f"  ({escape(f.label)}) {escape(f.text)}")
    if p.refs:
        console.print("[bold]References[/bold]")
        for r in p.refs:
            where = r.target or ""
            if r.target_doc:
                where = f"{r.target_doc}:{r.target}" if r.target else r.target_doc
            elif r.external and not r.target:
                where = "(other act, not in the corpus)"
            elif not r.target:
                where = "(unresolved)"
            console.print(f"  {escape(r.text)} → {escape(where)}")
    if tags:
        console.print("[bold]Tags[/bold]")
        for t in tags:
            console.print(f"  {escape(t.label)} ({escape(t.source)}, {t.score:.2f})")
            # The evidence is what lets a lawyer check a tag in seconds instead of trusting it.
            for ev in t.evidence:
                console.print(f"    {escape(ev.role)}: “{escape(ev.text)}” [{ev.start}:{ev.end}]")
            if t.targets:
                console.print(f"    exempts from: {escape(', '.join(t.targets))}")
    return 0
