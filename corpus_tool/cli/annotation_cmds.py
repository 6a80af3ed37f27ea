"""Sub-commands: annotate, annotations, review, export, import, agreement."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.text import Text

from corpus_tool.cli.common import (
    cell,
    clean,
    print_jsonl,
    safe,
    say,
    stderr_console,
    stdout_console,
    workspace,
)
from corpus_tool.errors import StoreError
from corpus_tool.model import Annotation, to_dict


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "annotate",
        help="label a provision (or a quoted span of it)",
        description="Record a person's annotation on a provision: labels from the label scheme, "
        "an optional note and an optional quote (a span of the provision's text).",
    )
    p.add_argument(
        "doc",
        metavar="DOC",
        help="document id, file name, act citation or short name ('AI Act'),"
        " or a whole citation ('AI Act, Recital 15') when ID is left out",
    )
    p.add_argument(
        "provision",
        metavar="ID",
        nargs="?",
        default=None,
        help="provision id or citation: art_53__para_2, 'Art. 53(2)', 'Recital 15', '§ 4.6'",
    )
    p.add_argument(
        "--label",
        "-l",
        action="append",
        default=[],
        help="a label of the scheme (repeat or comma-separate for several)",
    )
    p.add_argument("--note", "-n", default="", help="free-text note")
    p.add_argument("--quote", "-q", default=None, help="annotate this exact span of the text")
    p.add_argument(
        "--author",
        default=None,
        help="default: $CORPUS_TOOL_AUTHOR, corpus-tool.toml, your config, git, login",
    )
    p.add_argument("--json", action="store_true", help="print the annotation as JSON")
    p.set_defaults(func=cmd_annotate)

    p = sub.add_parser("annotations", help="list, show, delete or re-anchor annotations")
    asub = p.add_subparsers(dest="annotations_command", metavar="ACTION", required=True)
    q = asub.add_parser("list", help="current annotations")
    q.add_argument("--doc", default=None, help="only this document")
    q.add_argument("--author", default=None, help="only this author")
    q.add_argument("--label", default=None, help="only annotations with this label")
    q.add_argument("--json", action="store_true", help="one JSON object per line")
    q.set_defaults(func=cmd_list)
    q = asub.add_parser("show", help="one annotation in full")
    q.add_argument("id", metavar="ANNOTATION_ID", help="id or a unique prefix of it")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_show)
    q = asub.add_parser(
        "edit",
        help="change the note and/or labels of an annotation (an update event; history kept)",
        description="Change an annotation's note and/or labels. The change is appended to the "
        "log as an update event; the earlier state stays in the log.",
    )
    q.add_argument("id", metavar="ANNOTATION_ID", help="id or a unique prefix of it")
    q.add_argument("--note", "-n", default=None, help="the new note ('' to clear it)")
    q.add_argument(
        "--label",
        "-l",
        action="append",
        default=None,
        help="the new labels, replacing the old ones (repeat or comma-separate)",
    )
    q.add_argument("--author", default=None, help="who edits (default: as for annotate)")
    q.add_argument("--json", action="store_true", help="print the edited annotation as JSON")
    q.set_defaults(func=cmd_edit)
    for name, what in (("undo", "reverse"), ("redo", "re-apply")):
        q = asub.add_parser(
            name,
            help=f"{what} your newest {'' if name == 'undo' else 'undone '}action (as an event)",
            description=f"{what.capitalize()} the newest "
            + ("" if name == "undo" else "undone ")
            + "create, edit, delete, accept or reject of the author (from the log). "
            "It is appended as an event that names the event it "
            + ("reverses (undoes)." if name == "undo" else "re-applies (redoes)."),
        )
        q.add_argument("--author", default=None, help="whose action (default: as for annotate)")
        q.set_defaults(func=cmd_undo if name == "undo" else cmd_redo)
    q = asub.add_parser("delete", help="delete an annotation (the log keeps its history)")
    q.add_argument("id", metavar="ANNOTATION_ID", nargs="+")
    q.set_defaults(func=cmd_delete)
    q = asub.add_parser(
        "check",
        help="re-anchor annotations against the current text: anchored, moved or orphaned",
    )
    q.add_argument("--doc", default=None, help="only this document")
    q.add_argument("--json", action="store_true", help="one JSON object per annotation")
    q.add_argument(
        "--apply",
        action="store_true",
        help="record the new place of moved annotations in the store (orphans stay as they are)",
    )
    q.set_defaults(func=cmd_check)
    q = asub.add_parser("labels", help="the label scheme in use (labels.toml or the default)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_labels)

    p = sub.add_parser(
        "review",
        help="accept or reject machine tags by tag id (for scripts)",
        description="Accept or reject machine tags. A tag id is DOC:PROVISION:LABEL, as printed "
        "by 'corpus-tool tag --json'. Give '-' to read tag ids from stdin, one a line. A person's "
        "decision overrides the machine tag without deleting it.",
    )
    p.add_argument("decision", choices=("accept", "reject"))
    p.add_argument("tag_ids", metavar="TAG_ID", nargs="+")
    p.add_argument("--note", "-n", default="")
    p.add_argument("--author", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "export",
        help="export a tagged provision set (csv, jsonl, markdown, html, docx, jsonld, spacy)",
        description="Export provisions with their machine tags, labels and notes. Without "
        "--query the set is every provision with a machine tag (not rejected) or an annotation; "
        "with --query it is the query's hits. --tag/--label/--author/--doc narrow it.",
    )
    p.add_argument("path", metavar="PATH", type=Path, help="output file")
    p.add_argument("--format", "-f", dest="fmt", default=None, help="default: from PATH's suffix")
    p.add_argument("--query", default=None, help="a search query (as 'corpus-tool search')")
    p.add_argument("--tag", action="append", default=[], help="machine tag label")
    p.add_argument("--label", action="append", default=[], help="a person's label")
    p.add_argument("--author", default=None, help="provisions this author annotated")
    p.add_argument(
        "--doc", action="append", default=[], help="document id, file, citation or short name"
    )
    p.add_argument(
        "--cite",
        action="append",
        default=[],
        help="only what a citation covers, e.g. 'AI Act Article 53' (with its paragraphs)",
    )
    p.add_argument("--all", dest="everything", action="store_true", help="untagged ones too")
    p.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM (old Excel)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import", help="read a JSON Lines export into an empty workspace (documents + annotations)"
    )
    p.add_argument("path", metavar="FILE", type=Path)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "agreement",
        help="Cohen's kappa per label between two authors, and where they disagree",
    )
    p.add_argument("author_a", metavar="AUTHOR_A")
    p.add_argument("author_b", metavar="AUTHOR_B")
    p.add_argument(
        "--union",
        action="store_true",
        help="compare every provision either labelled (default: those both labelled)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreement)


def _split_labels(values: list[str]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


def _print_warnings(warnings: list[str]) -> None:
    console = stderr_console()
    for w in warnings:
        console.print(f"[yellow]warning:[/] {safe(w)}", markup=True, soft_wrap=True)


def _store(args: argparse.Namespace, author: str | None = None):
    from corpus_tool.annotations import AnnotationStore

    return AnnotationStore(workspace(args), author)


def _span(a: Annotation) -> str:
    if a.position is None:
        return "whole provision"
    return f"{a.position[0]}-{a.position[1]}"


def cmd_annotate(args: argparse.Namespace) -> int:
    from corpus_tool.citations import locate

    store = _store(args, args.author)
    bundle, provision = locate(store.ws, args.doc, args.provision)
    annotation = store.create(
        doc_id=bundle.meta.doc_id,
        provision_id=provision.id,
        labels=_split_labels(args.label),
        note=args.note,
        quote=args.quote,
    )
    _print_warnings(store.warnings)
    if args.json:
        print_jsonl(to_dict(annotation))
    else:
        what = ", ".join(annotation.labels) or annotation.note
        say(f"{annotation.id}  {annotation.doc_id} {annotation.provision_id}  {what}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args, "-")
    rows = store.all()
    if args.doc:
        doc_id = store.ws.find_doc(args.doc).meta.doc_id
        rows = [a for a in rows if a.doc_id == doc_id]
    if args.author:
        rows = [a for a in rows if a.author == args.author]
    if args.label:
        rows = [a for a in rows if args.label in a.labels]
    _print_warnings(store.warnings)
    if args.json:
        for a in rows:
            print_jsonl(to_dict(a))
        return 0
    from rich.table import Table

    table = Table(title=f"{len(rows)} annotations", title_justify="left")
    for col in (
        "id",
        "document",
        "provision",
        "labels",
        "span / quote",
        "note",
        "author",
        "modified",
    ):
        table.add_column(col, overflow="fold")
    for a in rows:
        labels = ", ".join(a.labels) or (f"{a.decision} {a.tag_label}" if a.decision else "")
        quote = f"“{a.quote.exact[:60]}”" if a.quote else _span(a)
        row = (
            a.id,
            a.doc_id,
            a.provision_id,
            labels,
            quote,
            a.note[:80],
            a.author,
            a.modified[:16],
        )
        table.add_row(*(cell(x) for x in row))
    stdout_console().print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store = _store(args, "-")
    a = store.get(args.id)
    _print_warnings(store.warnings)
    if args.json:
        print_jsonl(to_dict(a))
        return 0
    say(f"id:        {a.id}")
    say(f"author:    {a.author}")
    say(f"created:   {a.created}")
    say(f"modified:  {a.modified}")
    say(f"document:  {a.doc_id} ({a.file}, sha256 {a.sha256[:12]})")
    say(f"provision: {a.provision_id}")
    say(f"span:      {_span(a)}")
    if a.quote:
        say(f"quote:     …{a.quote.prefix}[{a.quote.exact}]{a.quote.suffix}…")
    say(f"labels:    {', '.join(a.labels)}")
    if a.decision:
        say(f"decision:  {a.decision} machine tag {a.tag_label}")
    if a.note:
        say(f"note:      {a.note}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    store = _store(args, args.author)
    labels = _split_labels(args.label) if args.label is not None else None
    a = store.edit(args.id, note=args.note, labels=labels)
    _print_warnings(store.warnings)
    if args.json:
        print_jsonl(to_dict(a))
    else:
        what = ", ".join(a.labels) or "no labels"
        note = f" — {a.note}" if a.note else ""
        print(f"edited {a.id}  {a.doc_id} {a.provision_id}  {what}{note}")
    return 0


def _undo_or_redo(args: argparse.Namespace, redo: bool) -> int:
    from corpus_tool.annotations import History

    store = _store(args, args.author)
    history = History.from_log(store)
    action = history.redo() if redo else history.undo()
    _print_warnings(store.warnings)
    verb = "redid" if redo else "undid"
    if action is None:
        print(f"nothing to {'redo' if redo else 'undo'} for {store.author}")
        return 0
    print(f"{verb}: {action.summary} (event {action.eid})")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    return _undo_or_redo(args, redo=False)


def cmd_redo(args: argparse.Namespace) -> int:
    return _undo_or_redo(args, redo=True)


def cmd_delete(args: argparse.Namespace) -> int:
    store = _store(args)
    for annotation_id in args.id:
        a = store.get(annotation_id)
        store.delete(a.id)
        say(f"deleted {a.id} ({a.doc_id} {a.provision_id})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import ORPHANED, apply_anchors, check_anchors

    ws = workspace(args)
    doc = ws.find_doc(args.doc).meta.doc_id if args.doc else None
    store = _store(args, "-")
    results = check_anchors(ws, store.all(), doc=doc)
    _print_warnings(store.warnings)
    applied = apply_anchors(ws, results) if args.apply else 0
    if args.json:
        for r in results:
            print_jsonl(r.to_json())
    else:
        from rich.table import Table

        counts = {
            s: sum(1 for r in results if r.status == s) for s in ("anchored", "moved", ORPHANED)
        }
        table = Table(title=", ".join(f"{n} {s}" for s, n in counts.items()), title_justify="left")
        for col in ("id", "status", "document", "provision", "now at", "how", "quote / reason"):
            table.add_column(col, overflow="fold")
        style = {"anchored": "green", "moved": "yellow", ORPHANED: "bold red"}
        for r in sorted(results, key=lambda r: (r.status != ORPHANED, r.status, r.annotation.id)):
            a = r.annotation
            where = r.provision_id or ""
            if r.position:
                where += f" {r.position[0]}-{r.position[1]}"
            quote = f"“{a.quote.exact[:70]}”" if a.quote else ""
            detail = quote if not r.reason else f"{quote} {r.reason}".strip()
            how = r.method if r.method != "fuzzy" else f"fuzzy {r.score:.2f}"
            table.add_row(
                cell(a.id),
                f"[{style[r.status]}]{r.status}[/]",
                cell(a.doc_id),
                cell(a.provision_id),
                cell(where),
                cell(how),
                cell(detail),
            )
        stdout_console().print(table)
        orphans = [r for r in results if r.status == ORPHANED]
        if orphans:
            say(
                f"{len(orphans)} orphaned annotations (kept in the store; re-attach or delete them):"
            )
        for r in orphans:
            a = r.annotation
            quote = f" “{a.quote.exact}”" if a.quote else f" whole provision “{a.anchor_text[:80]}”"
            say(f"  {a.id}  {a.doc_id} {a.provision_id}:{quote} — {r.reason}")
        if applied:
            say(f"re-attached {applied} annotations in the store")
        elif any(r.needs_update for r in results):
            say("run 'corpus-tool annotations check --apply' to record the new places")
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import load_label_scheme

    scheme = load_label_scheme(workspace(args))
    if args.json:
        for label in scheme.labels:
            print_jsonl(to_dict(label))
        return 0
    from rich.table import Table

    table = Table(title=f"label scheme: {safe(scheme.source or 'default')}", title_justify="left")
    for col in ("key", "label", "colour", "description"):
        table.add_column(col)
    for label in scheme.labels:
        table.add_row(
            cell(label.key),
            Text(clean(label.name), style=label.colour),
            cell(label.colour),
            cell(label.description),
        )
    stdout_console().print(table)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import review

    ws = workspace(args)
    tag_ids = []
    for t in args.tag_ids:
        if t == "-":
            tag_ids += [line.strip() for line in sys.stdin if line.strip()]
        else:
            tag_ids.append(t)
    failed = 0
    for tag_id in tag_ids:
        try:
            a = review(ws, tag_id, args.decision, author=args.author, note=args.note)
        except StoreError as exc:
            say(f"corpus-tool: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if args.json:
            print_jsonl(to_dict(a))
        else:
            say(f"{args.decision}ed {tag_id} ({a.id})")
    if failed and failed == len(tag_ids):
        return 2
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from corpus_tool.export import FORMATS, format_for, select, write_selection

    ws = workspace(args)
    fmt = format_for(args.fmt, args.path)
    selection = select(
        ws,
        query=args.query,
        tag=args.tag,
        label=_split_labels(args.label),
        author=args.author,
        doc=args.doc,
        everything=args.everything,
        cite=args.cite,
    )
    _print_warnings(selection.warnings)
    write_selection(selection, fmt, args.path, bom=args.bom)
    say(f"wrote {selection.summary} to {args.path} ({fmt}: {FORMATS[fmt][2]})")
    if not selection.items:
        say(f"note: nothing matched {selection.description}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from corpus_tool.export import import_jsonl

    counts = import_jsonl(workspace(args), args.path)
    say(
        f"imported {counts['documents']} documents, {counts['provisions']} provisions,"
        f" {counts['tags']} machine tags and {counts['annotations']} annotations from {args.path}"
    )
    if counts.get("duplicates"):
        say(
            f"note: {counts['duplicates']} duplicate line(s) in {args.path}: imported once",
            file=sys.stderr,
        )
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from corpus_tool.annotations import agreement

    store = _store(args, "-")
    report = agreement(store.all(), args.author_a, args.author_b, store.scheme, union=args.union)
    _print_warnings(store.warnings)
    if args.json:
        print_jsonl(report.to_json())
        return 0
    from rich.table import Table

    console = stdout_console()
    scope = "labelled by either" if args.union else "labelled by both"
    table = Table(
        title=safe(
            f"{args.author_a} vs {args.author_b}: {report.items} provisions {scope}"
            f" (only {args.author_a}: {report.only_a_items},"
            f" only {args.author_b}: {report.only_b_items})"
        ),
        title_justify="left",
    )
    for col in (
        "label",
        "kappa",
        "agree",
        "both",
        safe(f"only {args.author_a}"),
        safe(f"only {args.author_b}"),
        "neither",
    ):
        table.add_column(col, justify="right" if col != "label" else "left")
    for row in report.labels:
        kappa = "n/a" if row.kappa is None else f"{row.kappa:.3f}"
        table.add_row(
            cell(row.label),
            kappa,
            f"{row.observed:.0%}",
            str(row.both),
            str(row.only_a),
            str(row.only_b),
            str(row.neither),
        )
    console.print(table)
    if report.disagreements:
        dis = Table(
            title=f"{len(report.disagreements)} provisions they disagree on", title_justify="left"
        )
        for col in ("document", "provision", args.author_a, args.author_b):
            dis.add_column(safe(col), overflow="fold")
        for d in report.disagreements:
            dis.add_row(
                cell(d.doc_id),
                cell(d.provision_id),
                cell(", ".join(d.labels_a) or "—"),
                cell(", ".join(d.labels_b) or "—"),
            )
        console.print(dis)
    else:
        console.print("They agree on every provision compared.")
    return 0
