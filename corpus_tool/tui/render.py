"""Rich text for provisions: matched words, tag evidence by label, quotes and references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text

from corpus_tool.model import Annotation, Provision, Tag

HIGHLIGHT_STYLE = "bold black on yellow"
REFERENCE_STYLE = "underline bright_cyan"
QUOTE_STYLE = "underline italic"


def breadcrumb(provision: Provision, doc_title: str) -> Text:
    text = Text()
    text.append(doc_title, style="bold")
    for part in provision.path or (provision.citation,):
        text.append(" › ", style="dim")
        text.append(part)
    first, last = provision.pages
    text.append("   ")
    text.append(f"p. {first}" if first == last else f"pp. {first}–{last}", style="italic")
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
        colour = colours.get(tag.label, "magenta")
        for ev in tag.evidence:
            span(ev.start, ev.end, f"bold {colour}")
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
        text.append("■ ", style=colour)
        text.append(label, style=f"bold {colour}")
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


def footnotes_text(provision: Provision) -> Text:
    text = Text()
    for i, fn in enumerate(provision.footnotes):
        if i:
            text.append("\n")
        text.append(f"({fn.label}) ", style="bold")
        text.append(fn.text)
        text.append(f"  [p. {fn.page}]", style="dim")
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
        text.append(label, style=f"bold {colours.get(label, 'cyan')}")
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
