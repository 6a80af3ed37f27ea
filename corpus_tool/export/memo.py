"""What the memo formats (Markdown, HTML, DOCX) share: titles, pinpoints, colours, grouped notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus_tool import pinpoint as pin
from corpus_tool.annotations import labels
from corpus_tool.annotations.labels import LabelScheme
from corpus_tool.export.marks import segments
from corpus_tool.export.selection import ExportItem, Mark, Selection
from corpus_tool.model import Annotation, DocumentMeta

LINK_COLOUR = labels.LINK_COLOUR  # ink with an underline: no label colour is taken for a link
HIT_COLOUR = "#5f6b7a"  # query hits: slate, not a label's colour
_BRACKETED = re.compile(r"\(([^()]{3,80})\)\s*\.?\s*$")
# Which mark colours a piece of text covered by several (a person's label wins).
_PRIORITY = {"label": 0, "tag": 1, "hit": 2}


def label_colour(scheme: LabelScheme, name: str) -> str:
    """The label's one colour (the same as in the UI: ``labels.label_colour``); query hits slate."""
    if name == "query" and scheme.get(name) is None:
        return HIT_COLOUR
    return labels.label_colour(scheme, name)


def tint(colour: str, strength: float = 0.22) -> str:
    """``colour`` mixed into white: a background that keeps black text readable."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * strength) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def mark_colour(scheme: LabelScheme, marks: tuple[Mark, ...]) -> tuple[Mark, str] | None:
    """The mark that colours a piece of text, and its colour; None for plain text."""
    if not marks:
        return None
    top = min(marks, key=lambda m: (_PRIORITY.get(m.kind, 3), m.start))
    return top, label_colour(scheme, top.label)


def pieces(item: ExportItem) -> list[tuple[str, tuple[Mark, ...]]]:
    return segments(item.provision.text, item.marks())


def one_line(text: str) -> str:
    return " ".join(text.split())


def short_title(meta: DocumentMeta) -> str:
    """A heading a lawyer would write: the act's short title, else its title if short."""
    title = one_line(meta.title or "")
    m = _BRACKETED.search(title)
    if m and m.group(1)[:1].isupper() and not re.search(r"\d{4}/\d+", m.group(1)):
        return m.group(1).strip()
    words = title.split()
    if not words:
        return meta.citation or meta.file
    if len(words) <= 14:
        return title
    return " ".join(words[:12]) + " …"


def page_text(item: ExportItem) -> str:
    """The printed page(s) a lawyer cites, with the PDF page(s) beside them where they differ.

    "p. L 119/36 (PDF p. 36)", "pp. 75203–75204 (PDF pp. 13–14)", "p. 12" where the
    printed page is the PDF page; "" for a text file (no pages).
    """
    first, last = item.provision.pages
    printed = [p for p in item.printed_pages if p]
    if not first or not printed:
        return ""
    pdf = f"p. {first}" if first == last else f"pp. {first}–{last}"
    one, end = printed[0], printed[-1]
    shown = f"p. {one}" if one == end else f"pp. {one}–{end}"
    if [str(n) for n in range(first, last + 1)] == printed:
        return shown
    return f"{shown} (PDF {pdf})"


def pinpoint(item: ExportItem) -> str:
    """ "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36", in the family's format."""
    return one_line(pin.pinpoint(item.meta, item.provision, item.page_labels))


@dataclass
class NoteGroup:
    """One author's annotations on one provision: labels and notes, and their tag decisions."""

    author: str
    date: str
    annotations: list[Annotation] = field(default_factory=list)  # labels, quotes, notes
    decisions: list[Annotation] = field(default_factory=list)  # accept/reject of machine tags


def group_notes(annotations: tuple[Annotation, ...] | list[Annotation]) -> list[NoteGroup]:
    """Per author, in order of first appearance: a provision's tag reviews become one entry."""
    groups: dict[str, NoteGroup] = {}
    for a in annotations:
        group = groups.setdefault(a.author, NoteGroup(a.author, a.modified[:10]))
        group.date = max(group.date, a.modified[:10])
        if a.decision and not a.labels and not a.quote:
            group.decisions.append(a)
        else:
            group.annotations.append(a)
    return list(groups.values())


def decision_text(decisions: list[Annotation]) -> str:
    """ "accepted oss-exemption, carve-back; rejected definition" """
    by_kind: dict[str, list[str]] = {}
    for a in decisions:
        by_kind.setdefault(f"{a.decision}ed", []).append(a.tag_label or "")
    return "; ".join(f"{k} {', '.join(v)}" for k, v in by_kind.items())


def tag_summary(item: ExportItem) -> list[str]:
    """Each machine tag once, with its decision: "oss-exemption (accepted)"."""
    seen: dict[str, str] = {}
    for t in item.effective_tags:
        decided = item.decisions.get(t.tag_id)
        seen.setdefault(t.label, f"{t.label} ({decided}ed)" if decided else t.label)
    return list(seen.values())


def legend_labels(selection: Selection) -> list[str]:
    """The scheme's labels, then machine-tag labels the scheme lacks that the memo shows."""
    names = list(selection.scheme.names)
    extra = {t.label for item in selection.items for t in item.effective_tags} - set(names)
    return names + sorted(extra)
