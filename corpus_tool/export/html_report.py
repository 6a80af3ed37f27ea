"""A self-contained HTML memo: one file, inline CSS, every text escaped.

Headings use the act's short title, provisions their citation and pinpoint
(never an internal id), and marked text takes the colour of its label from
labels.toml (machine-tag evidence dotted, a person's label solid, query hits
slate); links are ink-coloured so no label colour is mistaken for one. A note's
line breaks become ``<br>``, never markup of its own.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from corpus_tool.export.memo import (
    HIT_COLOUR,
    LINK_COLOUR,
    decision_text,
    group_notes,
    label_colour,
    legend_labels,
    mark_colour,
    one_line,
    page_text,
    pieces,
    pinpoint,
    short_title,
    tag_summary,
    tint,
)
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation
from corpus_tool.workspace import atomic_write_bytes

CSS = """
body { font: 16px/1.55 Georgia, 'Times New Roman', serif; color: #1d1d1f; margin: 0;
       background: #f4f3ef; }
main { max-width: 60rem; margin: 0 auto; background: #fff; padding: 2.5rem 3rem 3rem;
       box-shadow: 0 0 0 1px #e3e1da; min-height: 100vh; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .2rem; padding-top: .8rem; border-top: 2px solid #1d1d1f; }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .2rem; }
.summary, .docfacts, .where { color: #55534e; font-size: .9rem; overflow-wrap: anywhere; }
.where code, .docfacts code { font-size: .85rem; }
.legend { margin: .8rem 0 0; font: .8rem/1.4 system-ui, sans-serif; }
.chips { margin: .35rem 0; font: .78rem/1.8 system-ui, sans-serif; }
.chip { display: inline-block; border-radius: .8rem; padding: 0 .55rem; margin-right: .3rem;
        border: 1px solid #b7b3a8; white-space: nowrap; }
.chip.label { color: #fff; border-color: transparent; }
.chip.rejected { text-decoration: line-through; color: #8a8780; }
blockquote { margin: .5rem 0; padding: .2rem 0 .2rem 1rem; border-left: 3px solid #c9c5b9; }
mark { padding: 0 1px; border-radius: 2px; color: inherit; background: var(--bg);
       border-bottom: 2px dotted var(--c); }
mark.label { border-bottom: 3px solid var(--c); }
mark.hit { border-bottom: 2px solid var(--c); }
a, a:visited { color: LINK_COLOUR; text-decoration: underline; }
.fulltitle { color: #55534e; font-size: .85rem; font-style: italic; }
.pinpoint { font: .85rem/1.4 system-ui, sans-serif; color: #1d1d1f; }
ul.notes { margin: .3rem 0 0; padding-left: 1.2rem; font-size: .92rem; }
ul.notes .who { font-weight: bold; }
ul.notes .when { color: #77746c; font-size: .82rem; }
""".replace("LINK_COLOUR", LINK_COLOUR)


def _text(text: str) -> str:
    """Escaped text whose line breaks show as breaks (and nothing else)."""
    return "<br>".join(escape(line) for line in text.splitlines() if line.strip()) or escape(text)


def _mark(text: str, mark_kind: str, label: str, colour: str) -> str:
    title = {"tag": f"machine tag: {label}", "hit": "query hit"}.get(mark_kind, f"label: {label}")
    return (
        f'<mark class="{mark_kind}" data-label="{escape(label)}" title="{escape(title)}"'
        f' style="--c:{colour};--bg:{tint(colour)}">{text}</mark>'
    )


def _marked_text(item: ExportItem, selection: Selection) -> str:
    parts = []
    for piece, marks in pieces(item):
        text = _text(piece) if "\n" in piece else escape(piece)
        chosen = mark_colour(selection.scheme, marks)
        if chosen is not None and piece.strip():
            mark, colour = chosen
            text = _mark(text, mark.kind, mark.label, colour)
        parts.append(text)
    return "".join(parts)


def _chip(label: str, selection: Selection) -> str:
    colour = label_colour(selection.scheme, label)
    return f'<span class="chip label" style="background:{colour}">{escape(label)}</span>'


def _note(
    author: str,
    date: str,
    annotations: list[Annotation],
    decisions: list[Annotation],
    selection: Selection,
) -> str:
    bits = [
        f'<span class="who">{escape(one_line(author))}</span>',
        f'<span class="when">{escape(date)}</span>',
    ]
    for a in annotations:
        bits.extend(_chip(label, selection) for label in a.labels)
        if a.decision:
            bits.append(f"{escape(a.decision)}ed machine tag <em>{escape(a.tag_label or '')}</em>")
        if a.quote:
            bits.append(f"“{_text(a.quote.exact)}”")
        if a.note:
            bits.append(f"— {_text(a.note)}")
    if decisions:
        lead = "· " if annotations else ""
        bits.append(f"{lead}reviewed: {escape(decision_text(decisions))}")
        notes = [_text(a.note) for a in decisions if a.note]
        if notes:
            bits.append("— " + "; ".join(notes))
    return "<li>" + " ".join(bits) + "</li>"


def _item(item: ExportItem, selection: Selection) -> str:
    p = item.provision
    title = escape(one_line(p.citation)) + (
        f" — {escape(one_line(p.heading))}" if p.heading else ""
    )
    where = " › ".join(p.path) if p.path else p.citation
    place = " · ".join(x for x in (one_line(where), page_text(item)) if x)
    chips = []
    tags = {t.label: t for t in item.effective_tags}
    for shown, label in zip(tag_summary(item), tags, strict=True):
        colour = label_colour(selection.scheme, label)
        chips.append(
            f'<span class="chip tag" style="border-color:{colour}" title="{escape(tags[label].source)}">'
            f"{escape(shown)}</span>"
        )
    for label in dict.fromkeys(t.label for t in item.rejected_tags):
        chips.append(f'<span class="chip rejected" title="rejected">{escape(label)}</span>')
    chips.extend(_chip(label, selection) for label in item.labels(selection.scheme))
    html = [
        f'<article id="{escape(p.doc_id)}--{escape(p.id)}">',
        f"<h3>{title}</h3>",
        f'<div class="where">{escape(place)}</div>',
        f'<div class="pinpoint">{escape(pinpoint(item))}</div>',
    ]
    if chips:
        html.append(f'<div class="chips">{"".join(chips)}</div>')
    html.append(f"<blockquote>{_marked_text(item, selection)}</blockquote>")
    groups = group_notes(item.annotations)
    if groups:
        html.append(
            '<ul class="notes">'
            + "".join(
                _note(g.author, g.date, g.annotations, g.decisions, selection) for g in groups
            )
            + "</ul>"
        )
    html.append("</article>")
    return "\n".join(html)


def render(selection: Selection, *, title: str = "Tagged provisions") -> str:
    docs = selection.by_document()
    legend = [
        _mark(escape(name), "label", name, label_colour(selection.scheme, name))
        for name in legend_labels(selection)
    ]
    legend.append(_mark("query hit", "hit", "query", HIT_COLOUR))
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<div class="summary">Selection: {escape(selection.description)} · '
        f"{selection.summary}</div>",
        f'<div class="legend">Marked (dotted: machine-tag evidence; solid: a person\'s label):'
        f" {' '.join(legend)}</div>",
    ]
    for meta, items in docs:
        body.append(f'<section class="document" id="{escape(meta.doc_id)}">')
        heading = short_title(meta)
        body.append(f"<h2>{escape(heading)}</h2>")
        facts = [escape(one_line(f)) for f in (meta.citation, meta.date, meta.family) if f]
        facts.append(f"<code>{escape(meta.file)}</code>")
        body.append(f'<div class="docfacts">{" · ".join(facts)}</div>')
        full = one_line(meta.title or "")
        if full and full != heading:
            body.append(f'<div class="fulltitle">{escape(full)}</div>')
        body.extend(_item(item, selection) for item in items)
        body.append("</section>")
    if selection.orphans:
        body.append('<section><h2>Annotations whose text is gone</h2><ul class="notes">')
        body.extend(
            _note(a.author, a.modified[:10], [a], [], selection).replace(
                "</li>", f" (was {escape(a.provision_id)})</li>"
            )
            for a in selection.orphans
        )
        body.append("</ul></section>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection).encode("utf-8"))
