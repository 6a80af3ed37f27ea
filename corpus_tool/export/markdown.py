"""A Markdown memo: provisions grouped by document, evidence in bold, notes grouped per author.

Every piece of user or document text is escaped so that it stays text: Markdown
punctuation is backslash-escaped, and a line break inside a note or a quote
becomes a hard break whose next line cannot open a list item, heading, quote,
table or rule (a note cannot forge another annotator's entry).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from corpus_tool.export.memo import (
    decision_text,
    group_notes,
    one_line,
    page_text,
    pinpoint,
    short_title,
    tag_summary,
)
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation
from corpus_tool.workspace import atomic_write_bytes

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
# What opens a block when it starts a line: a list item ("- ", "+ ", "1. "), a setext
# underline ("===", "---") or a rule ("- - -"). "*", "_", "#", ">", "|" and "`" are
# escaped everywhere by escape().
_BLOCK_START = re.compile(r"^(?:[-+](?=\s|$)|[-=]+\s*$|\d{1,9}[.)](?=\s|$))")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")


def escape(text: str) -> str:
    """Text shown literally: Markdown punctuation escaped, no accidental emphasis or links."""
    return _SPECIAL.sub(r"\\\1", text)


def _protect(line: str) -> str:
    """A rendered line that cannot start a block element (its text is already escaped)."""
    line = line.lstrip(" \t")  # four spaces would make code; the indent is ours to give
    m = _BLOCK_START.match(line)
    if m is None:
        return line
    if line[0].isdigit():
        cut = len(m.group(0)) - 1  # "1." -> "1\."
        return line[:cut] + "\\" + line[cut:]
    return "\\" + line


def _lines(text: str) -> list[str]:
    return [line for line in _LINE_BREAKS.split(text) if line.strip()]


def block_text(text: str, indent: str) -> str:
    """Escaped user text over several lines: hard breaks, each line indented and protected."""
    lines = [_protect(escape(line.strip())) for line in _lines(text)]
    return ("\\\n" + indent).join(lines)


def _bold_runs(line: str, marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Marked stretches of one line, widened to whole words and merged.

    Adjacent or touching marks used to be bolded separately ("risks****.**"),
    and a run that started or ended inside a word was not bold at all in
    CommonMark; whole-word runs are always valid emphasis.
    """
    n = len(line)
    covered = [False] * n
    for start, end in marks:
        for i in range(max(0, start), min(n, end)):
            covered[i] = True
    runs: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if not covered[i] or line[i].isspace():
            i += 1
            continue
        start, end = i, i
        # Through marked text, and through the rest of a word a mark began in.
        while end < n and (
            covered[end] or (not line[end].isspace() and not line[end - 1].isspace())
        ):
            end += 1
        while end > start and line[end - 1].isspace():
            end -= 1
        while start > 0 and not line[start - 1].isspace():
            start -= 1
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
        i = max(end, i + 1)
    return runs


def _marked_text(item: ExportItem) -> list[str]:
    """The provision's text as quote lines, evidence in bold."""
    text = item.provision.text
    spans = [(m.start, m.end) for m in item.marks()]
    out: list[str] = []
    pos = 0
    for piece in re.split(r"(\r\n|[\r\n\v\f\x85\u2028\u2029])", text):
        if _LINE_BREAKS.fullmatch(piece or "x"):
            pos += len(piece)
            continue
        local = [(s - pos, e - pos) for s, e in spans if s < pos + len(piece) and e > pos]
        pos += len(piece)
        if not piece.strip():
            continue
        rendered, last = [], 0
        for start, end in _bold_runs(piece, local):
            rendered.append(escape(piece[last:start]))
            rendered.append(f"**{escape(piece[start:end])}**")
            last = end
        rendered.append(escape(piece[last:]))
        out.append(_protect("".join(rendered).strip()))
    return out or [""]


def _note_lines(
    group_author: str, date: str, annotations: list[Annotation], decisions: list[Annotation]
) -> list[str]:
    """One bullet per author: their labels, quotes and notes, and their tag reviews together."""
    head = f"- **{escape(one_line(group_author))}** · {escape(date)}"
    parts: list[str] = []
    for a in annotations:
        bits = []
        if a.labels:
            bits.append(escape(", ".join(a.labels)))
        if a.decision:
            bits.append(escape(f"{a.decision}ed machine tag {a.tag_label}"))
        text = " · ".join(bits)
        if a.quote:
            text += f": “{block_text(a.quote.exact, '  ')}”"
        if a.note:
            text += f" — {block_text(a.note, '  ')}"
        parts.append(text.strip())
    if decisions:
        reviewed = "reviewed: " + escape(decision_text(decisions))
        notes = [block_text(a.note, "  ") for a in decisions if a.note]
        parts.append(reviewed + (" — " + "; ".join(notes) if notes else ""))
    return [head + " · " + "; ".join(p for p in parts if p)]


def _orphan_line(a: Annotation) -> str:
    line = _note_lines(a.author, a.modified[:10], [a], [])[0]
    return line + f" (was {escape(a.provision_id)})"


def render(selection: Selection) -> str:
    docs = selection.by_document()
    out = [
        "# Tagged provisions",
        "",
        f"Selection: {escape(one_line(selection.description))} · {selection.summary}."
        " Words in **bold** are the evidence of machine tags,"
        " passages people annotated, or query hits.",
        "",
    ]
    for meta, items in docs:
        out += [f"## {escape(short_title(meta))}", ""]
        facts = [meta.citation, meta.date, meta.family]
        line = " · ".join(escape(one_line(f)) for f in facts if f)
        full = one_line(meta.title or "")
        if full and full != short_title(meta):
            line += ("  \n" if line else "") + f"*{escape(full)}*"
        out += [line, ""]
        for item in items:
            p = item.provision
            heading = f"### {escape(one_line(p.citation))}"
            if p.heading:
                heading += f" — {escape(one_line(p.heading))}"
            out += [heading, ""]
            where = " › ".join(p.path) if p.path else p.citation
            place = " · ".join(x for x in (one_line(where), page_text(item)) if x)
            out.append(f"*{escape(place)}*  \n{escape(pinpoint(item))}")
            out.append("")
            facts = []
            tags = tag_summary(item)
            if tags:
                facts.append("**Machine tags:** " + escape(", ".join(tags)))
            if item.rejected_tags:
                rejected = dict.fromkeys(t.label for t in item.rejected_tags)
                facts.append("**Rejected tags:** " + escape(", ".join(rejected)))
            labels = item.labels(selection.scheme)
            if labels:
                facts.append("**Labels:** " + escape(", ".join(labels)))
            if facts:
                out += [" · ".join(facts), ""]
            out += ["> " + "\\\n> ".join(_marked_text(item)), ""]
            groups = group_notes(item.annotations)
            if groups:
                for g in groups:
                    out += _note_lines(g.author, g.date, g.annotations, g.decisions)
                out.append("")
    if selection.orphans:
        out += ["## Annotations whose text is gone", ""]
        out += [_orphan_line(a) for a in selection.orphans]
        out.append("")
    return "\n".join(out)


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection).encode("utf-8"))
