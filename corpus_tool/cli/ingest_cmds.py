"""Sub-commands of the ingest area: ingest, docs, check, fetch."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from corpus_tool.cli.common import (
    cell,
    clean,
    print_jsonl,
    safe,
    stderr_console,
    stdout_console,
    workspace,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="read PDFs, .txt and .md files into clean, searchable provisions",
        description="Ingest files and folders (default: the workspace's corpus/). "
        "Unchanged files are skipped; exit status 1 when some file failed.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: corpus/)")
    p.add_argument(
        "--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="refuse a document whose build takes longer (default: 300; 0 = no limit)",
    )
    p.add_argument(
        "--memory-limit",
        type=int,
        default=2048,
        metavar="MIB",
        help="address space of each worker process, MiB (default: 2048; 0 = no limit)",
    )
    p.add_argument(
        "--max-stream",
        type=int,
        default=256,
        metavar="MIB",
        help="refuse a PDF with a stream that inflates beyond this, MiB (default: 256; 0 = no limit)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="build documents on a Dask scheduler, e.g. tcp://host:8786 (default: $CORPUS_TOOL_CLUSTER,"
        " else [ingest] cluster in corpus-tool.toml, else local processes); a trusted cluster only",
    )
    p.add_argument("--force", action="store_true", help="re-read every file even if unchanged")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_ingest)

    d = sub.add_parser("docs", help="list the ingested documents and their metadata")
    d.add_argument("--json", action="store_true", help="JSON Lines, one document per line")
    d.set_defaults(func=cmd_docs)

    c = sub.add_parser(
        "check",
        help="compare the clean text with an independent extraction (pypdfium2)",
        description="Per PDF: share of body words kept and words invented "
        "(body words = pypdfium2's words minus running heads/feet and printer marks we removed), "
        "and findings where the token sequences differ (split or glued words, hyphens kept or "
        "dropped, spaces before punctuation, runs out of reading order), each with its page.",
    )
    c.add_argument(
        "docs", nargs="*", metavar="DOC", help="doc ids or file names (default: all PDFs)"
    )
    c.add_argument("--json", action="store_true", help="JSON Lines, one document per line")
    c.add_argument(
        "--min-kept", type=float, default=99.5, help="exit 1 below this %% kept (default 99.5)"
    )
    c.set_defaults(func=cmd_check)

    f = sub.add_parser(
        "fetch",
        help="download the official sources listed in corpus/manifest.toml and verify SHA-256",
    )
    f.add_argument("names", nargs="*", metavar="FILE", help="only these files of the manifest")
    f.add_argument(
        "--manifest", type=Path, default=None, help="manifest file (default: corpus/manifest.toml)"
    )
    f.add_argument(
        "--dest", type=Path, default=None, help="target folder (default: the workspace's corpus/)"
    )
    f.add_argument(
        "--timeout", type=float, default=60.0, help="network time limit per file, seconds"
    )
    f.set_defaults(func=cmd_fetch)


class IngestProgress:
    """A Rich progress bar over the files that need work, fed by the build's progress events."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]ingest[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}", markup=False),
            console=console,
            transient=False,
        )
        self.task: Any = None
        self.started = time.perf_counter()

    def __call__(self, event: Any) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("ingest", total=event.total, rate="", current="")
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        self.bar.update(
            self.task,
            completed=event.done,
            rate=f"{event.pages} pages, {event.pages / elapsed:.1f} pages/s",
            current=clean(event.file),  # a file name may hold markup or escapes
        )

    def close(self) -> None:
        if self.task is not None:
            self.bar.stop()


def cmd_ingest(args: argparse.Namespace) -> int:
    from corpus_tool.build import Limits, ingest

    ws = workspace(args)
    err = stderr_console()
    # Files come from anywhere: every document is built in a worker process under budgets.
    limits = Limits(
        timeout=args.timeout if args.timeout and args.timeout > 0 else None,
        memory_mb=args.memory_limit if args.memory_limit and args.memory_limit > 0 else None,
        max_stream_mb=args.max_stream if args.max_stream and args.max_stream > 0 else None,
    )
    progress = IngestProgress(err) if not args.quiet and err.is_terminal else None
    try:
        report = ingest(
            ws,
            args.paths or None,
            jobs=args.jobs,
            force=args.force,
            limits=limits,
            progress=progress,
            cluster=_cluster(args, ws),
        )
    finally:
        if progress is not None:
            progress.close()
    for r in report.results:
        if r.status == "failed":
            err.print(f"[red]failed[/]  {safe(r.message)}", markup=True, highlight=False)
        elif r.status == "warning":
            err.print(f"[yellow]warning[/] {safe(r.message)}", markup=True, highlight=False)
    if not args.quiet:
        for r in report.results:
            if r.status == "ingested":
                line = r.check.summary() if r.check else f"{r.file}: text file, {r.pages or 1} page"
                err.print(f"[green]ingested[/] {safe(line)}", markup=True, highlight=False)
        counts: dict[str, int] = {}
        for r in report.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no files found"
        err.print(f"{summary} (workspace {safe(ws.root)})", highlight=False)
    return 1 if report.failed else 0


def _cluster(args: argparse.Namespace, ws: Any) -> str | None:
    from corpus_tool.build.cluster import cluster_address

    return cluster_address(args.cluster, ws.config())


def doc_record(bundle: Any) -> dict[str, Any]:
    meta = bundle.meta
    kinds: dict[str, int] = {}
    for p in bundle.provisions:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return {
        "file": meta.file,
        "doc_id": meta.doc_id,
        "title": meta.title,
        "family": meta.family,
        "citation": meta.citation,
        "pages": meta.pages,
        "sha256": meta.sha256,
        "jurisdiction": meta.jurisdiction,
        "date": meta.date,
        "eli": meta.eli,
        "provisions": kinds,
        "footnotes": bundle.footnote_count,
        "tags": len(bundle.tags),
    }


def cmd_docs(args: argparse.Namespace) -> int:
    ws = workspace(args)
    records = [doc_record(b) for b in ws.bundles()]
    if args.json:
        for rec in records:
            print_jsonl(rec)
        return 0
    from rich.table import Table

    out = stdout_console()
    if not records:
        out.print(f"No documents in {safe(ws.root)}; run 'corpus-tool ingest' first.")
        return 0
    table = Table(title=f"{len(records)} documents", show_lines=False, expand=True)
    # Identifiers never wrap; the title gives way (ellipsis) on narrow terminals.
    for col, justify in (
        ("doc_id", "left"),
        ("family", "left"),
        ("citation", "left"),
        ("date", "left"),
        ("pages", "right"),
        ("provisions", "right"),
    ):
        table.add_column(col, no_wrap=True, justify=justify)  # type: ignore[arg-type]
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=1, min_width=20)
    for rec in records:
        n = sum(rec["provisions"].values())
        table.add_row(
            cell(rec["doc_id"]),
            cell(rec["family"]),
            cell(rec["citation"]),
            cell(rec["date"]),
            str(rec["pages"]),
            str(n),
            cell(rec["title"]),
        )
    out.print(table)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from corpus_tool.ingest.maintenance import check_workspace

    ws = workspace(args)
    results = check_workspace(ws, args.docs or None)
    bad = [r for r in results if not _passes(r, args.min_kept)]
    if args.json:
        for r in results:
            print_jsonl(r.to_dict())
        return 1 if bad else 0
    from rich.table import Table

    out = stdout_console()
    table = Table(title="Clean text vs pypdfium2")
    for col in (
        "file",
        "body words",
        "kept %",
        "invented",
        "findings",
        "examples (lost / invented)",
    ):
        table.add_column(col, overflow="fold")
    for r in results:
        style = "" if _passes(r, args.min_kept) else "red"
        table.add_row(
            cell(r.file),
            str(r.body_words),
            f"{r.kept_pct:.2f}",
            str(r.invented_words),
            ", ".join(f"{n} {k}" for k, n in r.finding_counts.items() if n) or "0",
            cell(
                ", ".join(r.lost_examples[:4])
                + (" / " + ", ".join(r.invented_examples[:4]) if r.invented_examples else "")
            ),
            style=style,
        )
    out.print(table)
    found = [(r, f) for r in results for f in r.findings]
    if found:
        out.print("[bold]Findings[/bold] (page: our text | the reference's reading)")
        for r, f in found:
            ref = f" | {f.reference}" if f.reference else ""
            out.print(
                f"  {clean(r.file)} p. {f.page} {f.kind}: {clean(f.snippet)}{clean(ref)}",
                markup=False,
                highlight=False,
            )
    return 1 if bad else 0


def _passes(result: Any, min_kept: float) -> bool:
    """Enough words kept, none invented, and no finding that damages the words themselves.

    Reading-order findings are listed but do not fail the check: on tables and
    designed pages the reference's own order is no better than ours.
    """
    damaging = sum(n for k, n in result.finding_counts.items() if k != "reading-order")
    return result.kept_pct >= min_kept and result.invented_words == 0 and not damaging


def cmd_fetch(args: argparse.Namespace) -> int:
    from corpus_tool.ingest.fetch import fetch_sources

    ws = workspace(args)
    manifest = args.manifest or ws.corpus_dir / "manifest.toml"
    dest = args.dest or ws.corpus_dir
    err = stderr_console()
    results = fetch_sources(manifest, dest, names=args.names or None, timeout=args.timeout)
    failed = 0
    for r in results:
        if r.ok:
            err.print(f"[green]{r.status}[/] {safe(r.file)}", markup=True, highlight=False)
        else:
            failed += 1
            err.print(
                f"[red]failed[/]  {safe(r.file)}: {safe(r.message)}", markup=True, highlight=False
            )
    return 1 if failed else 0
