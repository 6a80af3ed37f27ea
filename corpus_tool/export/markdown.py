"""A Markdown report for memos: provisions grouped by document, tagged words in bold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from corpus_tool.export.marks import segments
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation
from corpus_tool.workspace import atomic_write_bytes

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
# A line that starts like a list item would turn a quoted provision into a list.
_LIST_START = re.compile(r"^(\**)(?:([-+])|(\d+)([.)]))(?=\s)")


def escape(text: str) -> str:
    """Text shown literally: Markdown punctuation escaped, no accidental emphasis or links."""
    return _SPECIAL.sub(r"\\\1", text)


def _marked_text(item: ExportItem) -> str:
    parts = []
    for piece, marks in segments(item.provision.text, item.marks()):
        if marks and piece.strip():
            lead = piece[: len(piece) - len(piece.lstrip())]
            trail = piece[len(piece.rstrip()) :]
            parts.append(f"{lead}**{escape(piece.strip())}**{trail}")
        else:
            parts.append(escape(piece))
    text = "".join(parts)
    return _LIST_START.sub(_escape_list_marker, text, count=1)


def _escape_list_marker(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _annotation_line(a: Annotation) -> str:
    bits = [f"**{escape(a.author)}**", a.modified[:10]]
    if a.labels:
        bits.append(", ".join(a.labels))
    if a.decision:
        bits.append(f"{a.decision}ed machine tag {a.tag_label}")
    line = "- " + " · ".join(escape(b) if not b.startswith("**") else b for b in bits)
    if a.quote:
        line += f": “{escape(a.quote.exact)}”"
    if a.note:
        line += f" — {escape(a.note)}"
    return line


def render(selection: Selection) -> str:
    docs = selection.by_document()
    out = [
        "# Tagged provisions",
        "",
        f"Selection: {escape(selection.description)} · {selection.summary}."
        " Words in **bold** are the evidence of machine tags,"
        " passages people annotated, or query hits.",
        "",
    ]
    for meta, items in docs:
        title = meta.title or meta.file
        out.append(f"## {escape(title)}")
        out.append("")
        facts = [meta.citation, f"`{meta.file}`", meta.date, meta.family]
        out.append(" · ".join(escape(f) if not f.startswith("`") else f for f in facts if f))
        out.append("")
        for item in items:
            p = item.provision
            heading = f"### {escape(p.citation)}"
            if p.heading:
                heading += f" — {escape(p.heading)}"
            out += [heading, ""]
            where = " › ".join(p.path) if p.path else p.citation
            out.append(f"*{escape(where)} · p. {item.page_label} · `{p.id}`*")
            out.append("")
            facts = []
            if item.effective_tags:
                tags = [
                    f"{t.label} ({item.decisions[t.tag_id]}ed)"
                    if t.tag_id in item.decisions
                    else t.label
                    for t in item.effective_tags
                ]
                facts.append("**Machine tags:** " + escape(", ".join(tags)))
            if item.rejected_tags:
                facts.append(
                    "**Rejected tags:** " + escape(", ".join(t.label for t in item.rejected_tags))
                )
            labels = item.labels(selection.scheme)
            if labels:
                facts.append("**Labels:** " + escape(", ".join(labels)))
            if facts:
                out += [" · ".join(facts), ""]
            out += ["> " + _marked_text(item), ""]
            if item.annotations:
                out += [_annotation_line(a) for a in item.annotations]
                out.append("")
    if selection.orphans:
        out += ["## Annotations whose text is gone", ""]
        out += [_annotation_line(a) + f" (was {escape(a.provision_id)})" for a in selection.orphans]
        out.append("")
    return "\n".join(out)


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection).encode("utf-8"))
