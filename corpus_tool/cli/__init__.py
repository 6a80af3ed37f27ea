"""The ``corpus-tool`` command line: a thin shell over the core functions.

Each area of the tool registers its sub-commands from its own module in this
package (``register(subparsers)``), keeping heavy imports (spaCy, Whoosh,
Textual) inside the command functions so that start-up stays fast. The modules
are imported by name, so the import contract and mypy see every edge.

Exit status: 0 success; 1 some inputs failed (the rest were processed);
2 usage error or a problem the user must fix (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from corpus_tool.cli import (
    annotation_cmds,
    ingest_cmds,
    provision_cmds,
    saved_cmds,
    search_cmds,
    store_cmds,
    tag_cmds,
    tui_cmd,
)
from corpus_tool.errors import CorpusToolError

# Modules that contribute sub-commands, in help order.
COMMAND_MODULES = (
    ingest_cmds,  # ingest, docs, check, fetch
    provision_cmds,  # provisions, show
    search_cmds,  # search, index
    saved_cmds,  # saved list|save|run|rename|delete
    tag_cmds,  # tag, eval, exemptions
    annotation_cmds,  # annotate, annotations, review, export, import, agreement
    store_cmds,  # store init|migrate|status|grant|push (shared PostgreSQL store)
    tui_cmd,  # tui
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus-tool",
        description="Ingest, search, tag, annotate and export AI-regulation texts.",
    )
    parser.add_argument(
        "--workspace",
        "-w",
        metavar="DIR",
        default=None,
        help="workspace folder (default: $CORPUS_TOOL_WORKSPACE, else the current directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (also used by tests)."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = args.func(args)
    except CorpusToolError as exc:
        from corpus_tool.cli.common import clean

        # The message may quote a query, a file name or document text: show, never obey.
        print(f"corpus-tool: error: {clean(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("corpus-tool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `corpus-tool provisions --json | head` must not print a traceback.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # after BrokenPipeError, one of its kind
        # A read-only workspace, a full disk, a folder that vanished: one line, no traceback.
        from corpus_tool.cli.common import clean

        where = f"{os.fsdecode(exc.filename)}: " if exc.filename else ""
        print(f"corpus-tool: error: {clean(where)}{clean(exc.strerror or exc)}", file=sys.stderr)
        return 2
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
