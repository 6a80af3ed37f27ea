"""``corpus-tool tag`` (re-tag stored documents) and ``corpus-tool eval --gold FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from corpus_tool.cli.common import (
    add_doc_option,
    cell,
    safe,
    stderr_console,
    stdout_console,
    workspace,
)
from corpus_tool.errors import CorpusToolError, StoreError


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "tag",
        help="re-run the open-source exemption tagger over the stored documents",
        description="Re-tag stored documents with the current rules (no PDF is read), save "
        "their bundles and update the search index. Labels: oss-exemption, oss-mention, "
        "carve-back, oss-condition.",
    )
    add_doc_option(t)
    t.set_defaults(func=cmd_tag)

    e = sub.add_parser(
        "eval",
        help="score the machine tags against a gold file",
        description="Precision, recall and F1 per label and per document, with every miss "
        "and false positive and its citation. A gold id counts as found when it or a "
        "descendant carries the label; a tag is a false positive unless it, an ancestor "
        "or a descendant is positive or either. Exit status 1 when anything is missed or "
        "wrongly tagged.",
    )
    e.add_argument("--gold", required=True, metavar="FILE", help="gold JSON file")
    e.add_argument("--json", action="store_true", help="the report as one JSON object")
    e.set_defaults(func=cmd_eval)

    x = sub.add_parser(
        "exemptions",
        help="the exemption map: who is exempt, from what, on which conditions, unless what",
        description="One row per open-source exemption across the stored documents: the "
        "beneficiary, the subject, the provisions exempted from, the conditions, the "
        "carve-backs (also those stated in another provision) and the related recitals, "
        "each from the tag evidence and resolved references only. A rejected tag removes "
        "its row; a person's labels (carve-back, condition, …) add to the matching field.",
    )
    add_doc_option(x)
    x.add_argument("--json", action="store_true", help="JSON Lines, one exemption per line")
    x.add_argument(
        "--format",
        metavar="FORMAT",
        default=None,
        help="jsonl, csv, md or html (and any format a writer registered, e.g. docx)",
    )
    x.add_argument("--output", "-o", metavar="PATH", default=None, help="write to PATH")
    x.set_defaults(func=cmd_exemptions)


def cmd_tag(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from corpus_tool.build import ProgressEvent, retag
    from corpus_tool.tagging import TAGGER_VERSION

    ws = workspace(args)
    bundles = [ws.find_doc(d) for d in args.doc] if args.doc else list(ws.bundles())
    if not bundles:
        raise StoreError(f"no documents in workspace {ws.root}; run 'corpus-tool ingest' first")
    err = stderr_console()
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("tagging", total=len(bundles))

        def show(event: ProgressEvent) -> None:
            progress.update(task, completed=event.done, description=f"tagged {safe(event.file)}")

        retagged = retag(ws, bundles, progress=show)
    _print_tag_summary(retagged, TAGGER_VERSION)
    return 0


def _print_tag_summary(bundles: list[Any], version: str) -> None:
    from rich.table import Table

    from corpus_tool.tagging import LABELS

    table = Table(title=f"Tags ({version})")
    table.add_column("document", overflow="fold")
    table.add_column("provisions", justify="right")
    for label in LABELS:
        table.add_column(label, justify="right")
    totals: Counter[str] = Counter()
    for b in bundles:
        counts = Counter(t.label for t in b.tags)
        totals.update(counts)
        table.add_row(
            cell(b.meta.file), str(len(b.provisions)), *(str(counts[lab]) for lab in LABELS)
        )
    table.add_row(
        "total",
        str(sum(len(b.provisions) for b in bundles)),
        *(str(totals[lab]) for lab in LABELS),
        style="bold",
    )
    out = stdout_console()
    out.print(table)
    summary = ", ".join(f"{lab} {totals[lab]}" for lab in LABELS)
    out.print(f"Re-tagged {len(bundles)} document(s): {summary}", markup=False)


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def cmd_eval(args: argparse.Namespace) -> int:
    from rich.table import Table

    from corpus_tool.tagging.evaluate import evaluate, load_gold

    gold = load_gold(args.gold)
    ws = workspace(args)
    bundles = list(ws.bundles())
    if not bundles:
        raise StoreError(f"no documents in workspace {ws.root}; run 'corpus-tool ingest' first")
    report = evaluate(gold, bundles, gold_file=str(args.gold))
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        return 0 if report.perfect else 1

    out = stdout_console()
    for label, score in report.labels.items():
        table = Table(
            title=f"{label}: precision {_fmt(score.precision)}, "
            f"recall {_fmt(score.recall)}, F1 {_fmt(score.f1)}"
        )
        for col in ("document", "tagged", "FP", "gold", "found", "precision", "recall", "F1"):
            table.add_column(col, justify="left" if col == "document" else "right")
        for file, s in report.documents[label].items():
            table.add_row(
                cell(file),
                str(s.tagged),
                str(s.tagged - s.tp),
                str(s.gold),
                str(s.found),
                _fmt(s.precision),
                _fmt(s.recall),
                _fmt(s.f1),
            )
        out.print(table)
    for kind, title in (("miss", "Misses"), ("false-positive", "False positives")):
        items = [f for f in report.findings if f.kind == kind]
        out.print(f"[bold]{title}[/bold]: {len(items)}")
        for f in items:
            note = f" ({f.note})" if f.note else ""
            out.print(f"  {f.label}  {f.file}  {f.citation} [{f.provision_id}]{note}", markup=False)
    for kind, title in (
        ("false-positive", "False positives by the rule family that fired"),
        ("miss", "Misses by the family the gold gives them"),
    ):
        groups = report.by_family(kind)
        if groups:
            out.print(f"[bold]{title}[/bold]:")
            for fam, grouped in groups.items():
                out.print(f"  {fam or '(no family)'}: {len(grouped)}", markup=False)
    if report.negative_tags:
        out.print(f"[bold]Tags in negative documents[/bold]: {len(report.negative_tags)}")
        for f in report.negative_tags:
            out.print(f"  {f.label}  {f.file}  {f.citation} [{f.provision_id}]", markup=False)
    if report.missing_documents:
        out.print(
            "Gold documents not in the workspace: " + ", ".join(report.missing_documents),
            markup=False,
        )
    if report.unscored_documents:
        out.print(
            "Not in the gold (unscored): " + ", ".join(report.unscored_documents), markup=False
        )
    return 0 if report.perfect else 1


def cmd_exemptions(args: argparse.Namespace) -> int:
    from rich.table import Table

    import corpus_tool.export.exemptions_docx  # noqa: F401  (registers the docx format)
    from corpus_tool.annotations.exemptions import exemption_records
    from corpus_tool.annotations.store import AnnotationStore
    from corpus_tool.tagging.exemption_formats import FIELDS, FORMATS, TITLES, plain_cell

    fmt = "jsonl" if args.json else args.format
    if fmt is not None and fmt not in FORMATS:
        raise CorpusToolError(
            f"unknown format {fmt!r} for exemptions; choose one of {', '.join(sorted(FORMATS))}"
        )
    ws = workspace(args)
    bundles = [ws.find_doc(d) for d in args.doc] if args.doc else list(ws.bundles())
    if not bundles:
        raise StoreError(f"no documents in workspace {ws.root}; run 'corpus-tool ingest' first")
    # Rejected machine tags drop out, people's labels add to their fields: the same
    # join as the TUI's exemption-map screen.
    records = exemption_records(bundles, AnnotationStore(ws, author="-").all())
    if fmt is not None:
        data = FORMATS[fmt](records)
        if args.output:
            from pathlib import Path

            from corpus_tool.export import write_safely

            payload = data if isinstance(data, bytes) else data.encode("utf-8")
            write_safely(Path(args.output), lambda tmp: tmp.write_bytes(payload))
        elif isinstance(data, bytes):
            raise CorpusToolError(f"the {fmt} format is binary: name a file with --output")
        else:
            sys.stdout.write(data)
        return 0

    table = Table(title=f"Open-source exemptions ({len(records)})", show_lines=True)
    table.add_column("provision", overflow="fold")
    for f in FIELDS:
        table.add_column(TITLES[f], overflow="fold")
    for r in records:
        first = f"{r.citation}\n{r.doc_id}" + ("\n(by a person)" if r.by == "person" else "")
        table.add_row(first, *(plain_cell(r, f) for f in FIELDS))
    stdout_console().print(table)
    return 0
