"""The ``tui`` command: open the terminal UI on a workspace."""

from __future__ import annotations

import argparse

from corpus_tool.cli.common import workspace
from corpus_tool.errors import StoreError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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

    CorpusApp(ws, author=args.author).run()
    return 0
