"""Key bindings for help and docs: each screen declares its section where it is defined.

A screen or widget class registers itself with ``@keys.section(title, order)``;
``help_sections`` reads the registry. This module imports no screen (nor the
app), so the UI's modules form no import cycle: whoever shows the help has
already imported the screens it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from textual.binding import Binding, BindingType

from corpus_tool.tui.session import LabelInfo

# Keys Textual itself provides (not declared in our BINDINGS).
BUILT_IN = [
    ("ctrl+p", "Command palette: review, export, open a document, run a saved search…"),
    ("tab / shift+tab", "Move between panes"),
    ("arrows pgup pgdn home end", "Move in tables, lists and trees"),
    ("enter", "Open the row / follow the reference / choose the entry"),
]

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "space": "space",
    "slash": "/",
    "quotation_mark": '"',
}

# Label-scheme keys as Textual names them ("1" stays "1", "?" -> "question_mark").
TEXTUAL_KEY_NAMES = {
    "?": "question_mark",
    '"': "quotation_mark",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    " ": "space",
    "/": "slash",
    "-": "minus",
    "+": "plus",
    ".": "full_stop",
    ",": "comma",
    ";": "semicolon",
    "'": "apostrophe",
    "=": "equals_sign",
}

# The section after which the label keys of the scheme are listed.
LABEL_KEYS_AFTER = "Reader"

T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class _Declared:
    order: float
    title: str
    owner: type
    extra: tuple[tuple[str, str], ...]


_DECLARED: list[_Declared] = []


def section(title: str, order: float, extra: Sequence[tuple[str, str]] = ()) -> Callable[[T], T]:
    """Class decorator: list the class's BINDINGS (and ``extra`` rows) under ``title`` in help.

    Sections are shown by ``order``; several classes may share a title (the
    dialogs), their rows merged in the order of theirs.
    """

    def register(cls: T) -> T:
        _DECLARED[:] = [d for d in _DECLARED if d.owner is not cls]
        _DECLARED.append(_Declared(order, title, cls, tuple(extra)))
        return cls

    return register


def textual_key(key: str) -> str:
    return TEXTUAL_KEY_NAMES.get(key, key)


def _keys(binding: Binding) -> str:
    if binding.key_display and "," not in binding.key:
        return binding.key_display
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


def rows(bindings: Sequence[BindingType]) -> list[tuple[str, str]]:
    out = []
    for b in bindings:
        if isinstance(b, Binding):
            out.append((_keys(b), b.tooltip or b.description or b.action))
        else:
            out.append((b[0], b[2] if len(b) > 2 else b[1]))
    return out


def _bindings(owner: type) -> list[BindingType]:
    return list(getattr(owner, "BINDINGS", ()))


def help_sections(scheme: Sequence[LabelInfo] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(keys, description)]) of every declared section, in their order."""
    by_title: dict[str, tuple[float, list[tuple[str, str]], list[type]]] = {}
    for d in sorted(_DECLARED, key=lambda d: d.order):
        _order, section_rows, owners = by_title.setdefault(d.title, (d.order, [], []))
        section_rows.extend([*rows(_bindings(d.owner)), *d.extra])
        owners.append(d.owner)
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for title, (_order, section_rows, owners) in sorted(
        by_title.items(), key=lambda item: item[1][0]
    ):
        out.append((title, _unique(section_rows)))
        if title == LABEL_KEYS_AFTER:
            out.append(("Reader: label keys", _label_rows(scheme, owners)))
    return out


def _label_rows(scheme: Sequence[LabelInfo], owners: Sequence[type]) -> list[tuple[str, str]]:
    reader_keys = {
        k.strip()
        for owner in owners
        for b in _bindings(owner)
        if isinstance(b, Binding)
        for k in b.key.split(",")
    } | {"f1", "question_mark"}
    label_rows = []
    for lab in scheme:
        if not lab.key:
            continue
        taken = (
            " (wins over the reader's own use of this key)"
            if textual_key(lab.key) in reader_keys
            else ""
        )
        label_rows.append((lab.key, f"In annotate mode (Ctrl+A): label {lab.name}{taken}"))
    if not label_rows:
        label_rows.append(("(keys)", "Each label of the scheme (labels.toml) binds its key"))
    return label_rows


def _unique(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(rows))


def markdown(scheme: Sequence[LabelInfo] = ()) -> str:
    """The key table for the README fragment (the Keys section of README.md)."""
    lines = []
    for title, section_rows in help_sections(scheme):
        lines += [f"**{title}**", "", "| Key | Action |", "|---|---|"]
        lines += [f"| `{k}` | {d} |" for k, d in section_rows]
        lines.append("")
    return "\n".join(lines)
