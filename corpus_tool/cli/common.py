"""Shared pieces of the command-line shell: workspace, safe consoles, JSON Lines output.

Text from documents, notes, file names and queries is data: printed to a
terminal it must be shown, never obeyed. ``clean`` shows control characters
(``ESC``, ``BEL``, C1 codes, bidirectional overrides) as Python escapes such as
``\\x1b``; ``safe`` also escapes Rich markup for strings that are printed as
markup; ``cell`` makes a table cell that Rich never reads as markup. The
consoles clean every string they render and never turn ``:x:`` into an emoji.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from corpus_tool.workspace import Workspace

# C0 controls except tab and newline, DEL, C1 controls, the invisible
# bidirectional marks and overrides that reorder what a reader sees, and lone
# surrogates (bytes of a file name that is not UTF-8), which cannot be printed.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), safe for a terminal."""
    return _CONTROL.sub(_shown, str(text))


def safe(text: object) -> str:
    """``text`` cleaned and with Rich markup escaped, to embed in a markup string."""
    return escape(clean(text))


def cell(text: object) -> Text:
    """A table cell showing ``text`` exactly as typed (no markup, no control characters)."""
    return Text(clean(text))


def say(*parts: object, file: Any = None) -> None:
    """``print`` for lines that carry data: control characters are shown, not sent."""
    print(clean(" ".join(str(p) for p in parts)), file=file)


class SafeConsole(Console):
    """A Rich console that cleans every string it renders (a second line of defence)."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(clean(text), *args, **kwargs)


def workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(getattr(args, "workspace", None))


def stdout_console() -> Console:
    return SafeConsole(highlight=False, emoji=False)


def stderr_console() -> Console:
    return SafeConsole(stderr=True, highlight=False, emoji=False)


def print_jsonl(record: dict[str, Any]) -> None:
    """One JSON object per line on stdout (the scripting interface)."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=False)
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a non-UTF-8 file name: \udcXX escapes keep it valid JSON
            line = json.dumps(record, ensure_ascii=True, sort_keys=False)
    sys.stdout.write(line + "\n")


def add_doc_option(parser: argparse.ArgumentParser) -> None:
    """``--doc``, repeatable, the same in every command that narrows by document."""
    parser.add_argument(
        "--doc",
        action="append",
        metavar="DOC",
        help="only this document (doc id or file name; repeatable)",
    )
