"""The ``tui`` command: open the terminal UI on a workspace."""

from __future__ import annotations

import argparse
import json
import sys

from corpus_tool.cli.common import workspace
from corpus_tool.errors import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tui",
        help="open the terminal UI: search, read, annotate, review, export",
        description=(
            "Open the terminal UI on the workspace. Search as you type, read provisions "
            "in context, annotate with label keys, review machine tags and export. "
            "Press ? (or F1) inside for every key."
        ),
    )
    parser.add_argument("--author", default=None, help="name recorded on annotations")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    if not ws.root.is_dir():
        raise StoreError(f"workspace {ws.root} does not exist")
    # Textual is imported here, not at CLI start-up, so other commands stay fast.
    from corpus_tool.tui.app import CorpusApp

    app = CorpusApp(ws, author=args.author)
    app.run()
    if app.session.pending:
        # Nothing is lost silently: what the store refused goes to a recovery file
        # (and, if even that fails, to the terminal).
        path = app.session.write_recovery()
        count = len(app.session.pending)
        if path is not None:
            print(f"corpus-tool: {count} unsaved annotation(s) written to {path}", file=sys.stderr)
        else:
            print(
                f"corpus-tool: {count} unsaved annotation(s), could not be written:",
                file=sys.stderr,
            )
            for item in app.session.pending:
                print(json.dumps(item.kwargs, ensure_ascii=False, default=list), file=sys.stderr)
        return 1
    return 0
