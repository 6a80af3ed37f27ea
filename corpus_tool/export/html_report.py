"""A self-contained HTML report for memos: one file, inline CSS, every text escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from corpus_tool.export.marks import segments
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation
from corpus_tool.workspace import atomic_write_bytes

# Machine-tag evidence and query hits; people's labels take their scheme colour.
TAG_COLOUR = "#fff3b0"
HIT_COLOUR = "#d7ecff"

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
mark { padding: 0; border-radius: 2px; background: TAG_COLOUR; color: inherit; }
mark.hit { background: HIT_COLOUR; }
mark.label { background: none; border-bottom: 3px solid var(--c); }
ul.notes { margin: .3rem 0 0; padding-left: 1.2rem; font-size: .92rem; }
ul.notes .who { font-weight: bold; }
ul.notes .when { color: #77746c; font-size: .82rem; }
""".replace("TAG_COLOUR", TAG_COLOUR).replace("HIT_COLOUR", HIT_COLOUR)


def _marked_text(item: ExportItem, selection: Selection) -> str:
    parts = []
    for piece, marks in segments(item.provision.text, item.marks()):
        text = escape(piece)
        for m in marks:
            if m.kind == "label":
                colour = selection.scheme.colour(m.label)
                text = f'<mark class="label" style="--c:{colour}" title="{escape(m.label)}">{text}</mark>'
            elif m.kind == "hit":
                text = f'<mark class="hit" title="query">{text}</mark>'
            else:
                text = f'<mark class="tag" title="{escape(m.label)}">{text}</mark>'
        parts.append(text)
    return "".join(parts)


def _note(a: Annotation, selection: Selection) -> str:
    bits = [
        f'<span class="who">{escape(a.author)}</span>',
        f'<span class="when">{escape(a.modified[:10])}</span>',
    ]
    for label in a.labels:
        bits.append(
            f'<span class="chip label" style="background:{selection.scheme.colour(label)}">{escape(label)}</span>'
        )
    if a.decision:
        bits.append(f"{escape(a.decision)}ed machine tag <em>{escape(a.tag_label or '')}</em>")
    if a.quote:
        bits.append(f"“{escape(a.quote.exact)}”")
    if a.note:
        bits.append(f"— {escape(a.note)}")
    return "<li>" + " ".join(bits) + "</li>"


def _item(item: ExportItem, selection: Selection) -> str:
    p = item.provision
    title = escape(p.citation) + (f" — {escape(p.heading)}" if p.heading else "")
    where = escape(" › ".join(p.path) if p.path else p.citation)
    chips = []
    for t in item.effective_tags:
        decided = item.decisions.get(t.tag_id)
        suffix = f" ✓ {decided}ed" if decided else ""
        chips.append(
            f'<span class="chip tag" title="{escape(t.source)}">{escape(t.label)}{suffix}</span>'
        )
    for t in item.rejected_tags:
        chips.append(f'<span class="chip rejected" title="rejected">{escape(t.label)}</span>')
    for label in item.labels(selection.scheme):
        chips.append(
            f'<span class="chip label" style="background:{selection.scheme.colour(label)}">{escape(label)}</span>'
        )
    html = [
        f'<article id="{escape(p.doc_id)}--{escape(p.id)}">',
        f"<h3>{title}</h3>",
        f'<div class="where">{where} · p. {escape(item.page_label)} · <code>{escape(p.id)}</code></div>',
    ]
    if chips:
        html.append(f'<div class="chips">{"".join(chips)}</div>')
    html.append(f"<blockquote>{_marked_text(item, selection)}</blockquote>")
    if item.annotations:
        html.append(
            '<ul class="notes">' + "".join(_note(a, selection) for a in item.annotations) + "</ul>"
        )
    html.append("</article>")
    return "\n".join(html)


def render(selection: Selection, *, title: str = "Tagged provisions") -> str:
    docs = selection.by_document()
    legend = [
        '<mark class="tag">machine-tag evidence</mark>',
        '<mark class="hit">query hit</mark>',
    ] + [
        f'<mark class="label" style="--c:{label.colour}">{escape(label.name)}</mark>'
        for label in selection.scheme.labels
    ]
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<div class="summary">Selection: {escape(selection.description)} · '
        f"{selection.summary}</div>",
        f'<div class="legend">Marked: {" ".join(legend)}</div>',
    ]
    for meta, items in docs:
        body.append(f'<section class="document" id="{escape(meta.doc_id)}">')
        body.append(f"<h2>{escape(meta.title or meta.file)}</h2>")
        facts = [escape(f) for f in (meta.citation, meta.date, meta.family) if f]
        facts.append(f"<code>{escape(meta.file)}</code>")
        body.append(f'<div class="docfacts">{" · ".join(facts)}</div>')
        body.extend(_item(item, selection) for item in items)
        body.append("</section>")
    if selection.orphans:
        body.append('<section><h2>Annotations whose text is gone</h2><ul class="notes">')
        body.extend(_note(a, selection) for a in selection.orphans)
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
