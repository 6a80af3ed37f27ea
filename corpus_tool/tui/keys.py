"""Every key binding of the UI, gathered from the screens themselves for help and docs."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding, BindingType

from corpus_tool.tui.session import LabelInfo

# Keys Textual itself provides (not declared in our BINDINGS).
BUILT_IN = [
    ("ctrl+p", "Command palette: review, export, open a document, run a saved search…"),
    ("ctrl+q", "Quit (with unsaved annotations: warns first, then writes a recovery file)"),
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
            out.append((b[0], b[2] if len(b) > 2 else b[1]))  # type: ignore[misc]
    return out


def help_sections(scheme: Sequence[LabelInfo] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    from corpus_tool.tui.app import CorpusApp
    from corpus_tool.tui.dialogs import ExportDialog, HelpScreen, NoteEditor, SaveSearchDialog
    from corpus_tool.tui.reader_screen import QuoteArea, ReaderScreen, _textual_key
    from corpus_tool.tui.review_screen import ReviewScreen
    from corpus_tool.tui.search_screen import SearchScreen
    from corpus_tool.tui.widgets.search_bar import QueryInput

    reader_keys = {
        k.strip() for b in ReaderScreen.BINDINGS if isinstance(b, Binding) for k in b.key.split(",")
    } | {"f1", "question_mark"}
    label_rows = []
    for lab in scheme:
        if not lab.key:
            continue
        taken = (
            " (wins over the reader's own use of this key)"
            if _textual_key(lab.key) in reader_keys
            else ""
        )
        label_rows.append((lab.key, f"Annotate with label {lab.name}{taken}"))
    if not label_rows:
        label_rows.append(("(keys)", "Each label of the scheme (labels.toml) binds its key"))
    return [
        ("Everywhere", rows(CorpusApp.BINDINGS) + BUILT_IN),
        ("Search screen", rows(SearchScreen.BINDINGS)),
        ("Query bar", [*rows(QueryInput.BINDINGS), ("enter", "Go to the results")]),
        ("Reader", rows(ReaderScreen.BINDINGS)),
        ("Reader: label keys", label_rows),
        (
            "Quote selection",
            [
                *rows(QuoteArea.BINDINGS),
                ("shift+arrows / drag", "Select the quote"),
                ("a label key", "Annotate the selection with that label at once"),
            ],
        ),
        ("Review queue", rows(ReviewScreen.BINDINGS)),
        ("Note editor", rows(NoteEditor.BINDINGS)),
        (
            "Dialogs",
            _unique(
                rows(ExportDialog.BINDINGS)
                + rows(SaveSearchDialog.BINDINGS)
                + rows(HelpScreen.BINDINGS)
            ),
        ),
    ]


def _unique(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(rows))


def markdown(scheme: Sequence[LabelInfo] = ()) -> str:
    """The key table for the README fragment (the Keys section of README.md)."""
    lines = []
    for title, section in help_sections(scheme):
        lines += [f"**{title}**", "", "| Key | Action |", "|---|---|"]
        lines += [f"| `{k}` | {d} |" for k, d in section]
        lines.append("")
    return "\n".join(lines)
