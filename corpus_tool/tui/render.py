"""Rich text for provisions: matched words, tag evidence by label, quotes and references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text

from corpus_tool.model import Annotation, Provision, Tag

HIGHLIGHT_STYLE = "bold black on yellow"
# References are links: underlined in the terminal's own ink, never in a colour a
# label could have (labels are coloured; a link must not look like evidence).
REFERENCE_STYLE = "underline"
QUOTE_STYLE = "underline italic"


def evidence_style(colour: str) -> str:
    """Evidence of a label: the label's colour as background, text that stays readable on it.

    As background rather than text colour because the label colours are chosen for
    paper (the HTML and DOCX exports) and several are too dark to read as text on a
    dark terminal.
    """
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5)) if _is_hex(colour) else (0, 0, 0)
    ink = "black" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "white"
    return f"bold {ink} on {colour}"


def _is_hex(colour: str) -> bool:
    return len(colour) == 7 and colour.startswith("#")


def page_text(pages: tuple[int, int], printed: Sequence[str] = ()) -> str:
    """How the UI names a provision's pages: the printed page a lawyer cites, and the
    PDF page beside it where they differ ("p. L 119/36 (PDF p. 36)")."""
    first, last = pages
    pdf = f"p. {first}" if first == last else f"pp. {first}–{last}"
    labels = [p for p in printed if p]
    if not labels:
        return pdf
    lo, hi = labels[0], labels[-1]
    shown = f"p. {lo}" if lo == hi else f"pp. {lo}–{hi}"
    if shown == pdf:
        return pdf
    return f"{shown} (PDF {pdf})"


def breadcrumb(provision: Provision, doc_title: str, printed_pages: Sequence[str] = ()) -> Text:
    """Document › path › provision, and its pages (printed pages where the document prints them)."""
    text = Text()
    text.append(doc_title, style="bold")
    for part in provision.path or (provision.citation,):
        text.append(" › ", style="dim")
        text.append(part)
    text.append("   ")
    text.append(page_text(provision.pages, printed_pages), style="italic")
    return text


def provision_text(
    provision: Provision,
    *,
    highlights: Sequence[tuple[int, int]] = (),
    tags: Sequence[Tag] = (),
    colours: Mapping[str, str] | None = None,
    annotations: Sequence[Annotation] = (),
) -> Text:
    """The provision's own text with its spans styled (offsets into Provision.text)."""
    body = provision.text
    text = Text(body)
    colours = colours or {}
    n = len(body)

    def span(start: int, end: int, style: str) -> None:
        start, end = max(0, start), min(n, end)
        if start < end:
            text.stylize(style, start, end)

    # Later stylings win where spans overlap: evidence, then refs, quotes, matches.
    for tag in tags:
        style = evidence_style(colours[tag.label]) if tag.label in colours else "bold reverse"
        for ev in tag.evidence:
            span(ev.start, ev.end, style)
    for ref in provision.refs:
        span(ref.start, ref.end, REFERENCE_STYLE)
    for ann in annotations:
        if ann.position is not None:
            span(ann.position[0], ann.position[1], QUOTE_STYLE)
    for start, end in highlights:
        span(start, end, HIGHLIGHT_STYLE)
    return text


def legend(colours: Mapping[str, str]) -> Text:
    text = Text()
    for i, (label, colour) in enumerate(sorted(colours.items())):
        if i:
            text.append("  ")
        text.append(f" {label} ", style=evidence_style(colour))
    if colours:
        text.append("  ")
    text.append("match", style=HIGHLIGHT_STYLE)
    text.append("  ")
    text.append("reference", style=REFERENCE_STYLE)
    text.append("  ")
    text.append("quote", style=QUOTE_STYLE)
    return text


def context_text(label: str, provision: Provision | None, width: int = 240) -> Text:
    """A neighbouring provision, cut short, for context around the one being read."""
    if provision is None:
        return Text(f"{label}: —", style="dim")
    body = provision.text if len(provision.text) <= width else provision.text[:width] + "…"
    text = Text(f"{label}: ", style="dim bold")
    text.append(provision.citation, style="dim bold")
    if provision.heading:
        text.append(f" {provision.heading}", style="dim italic")
    text.append("\n")
    text.append(body, style="dim")
    return text


def footnotes_text(provision: Provision, page_labels: Sequence[str] = ()) -> Text:
    """The provision's footnotes, each with its page (printed, and PDF where they differ)."""
    text = Text()
    for i, fn in enumerate(provision.footnotes):
        if i:
            text.append("\n")
        text.append(f"({fn.label}) ", style="bold")
        text.append(fn.text)
        printed = page_labels[fn.page - 1] if 1 <= fn.page <= len(page_labels) else ""
        text.append(f"  [{page_text((fn.page, fn.page), (printed,))}]", style="dim")
    return text


def annotation_line(ann: Annotation, colours: Mapping[str, str]) -> Text:
    text = Text()
    text.append(ann.author, style="bold")
    text.append(f"  {short_time(ann.created)}", style="dim")
    if ann.decision:
        style = "green" if ann.decision == "accept" else "red"
        text.append(f"  {ann.decision} {ann.tag_label or ''}".rstrip(), style=style)
    for label in ann.labels:
        text.append("  ")
        colour = colours.get(label)
        text.append(f" {label} ", style=evidence_style(colour) if colour else "bold reverse")
    if ann.quote is not None:
        text.append(f"\n  “{ann.quote.exact}”", style="italic")
    if ann.note:
        text.append(f"\n  {ann.note}")
    return text


def short_time(iso: str) -> str:
    """'2026-11-24T03:05:09Z' -> '2026-11-24 03:05' (seconds add noise in a list)."""
    return iso.replace("T", " ")[:16] if iso else ""


def join_labels(labels: Iterable[str]) -> str:
    return ", ".join(labels)
