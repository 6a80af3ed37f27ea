"""Shared pieces of the command-line shell: workspace, consoles, JSON Lines output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console

from corpus_tool.workspace import Workspace


def workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(getattr(args, "workspace", None))


def stdout_console() -> Console:
    return Console(highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def print_jsonl(record: dict[str, Any]) -> None:
    """One JSON object per line on stdout (the scripting interface)."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")


def add_doc_option(parser: argparse.ArgumentParser) -> None:
    """``--doc``, repeatable, the same in every command that narrows by document."""
    parser.add_argument(
        "--doc",
        action="append",
        metavar="DOC",
        help="only this document (doc id or file name; repeatable)",
    )
