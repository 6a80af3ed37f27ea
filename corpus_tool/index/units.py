"""What one search unit holds besides its own text: the lead-in it is read with.

docs/decisions.md, section 2: a point (and any unit under a lead-in) is
indexed with the lead-in chain of its ancestors in front of its own text, in
the same paragraph and the same sentence as its first sentence, so that
``/p`` means one point and ``providers /s openly`` finds "Providers shall: (a)
publish the weights openly". Highlights in the lead-in are reported apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from corpus_tool.model import Provision

LEAD_IN_ENDINGS = (":", "—", "–", "-")  # a container's own text that a unit reads on from


def indexed_text(lead_in: str, text: str) -> str:
    """A unit's text paragraph as indexed: its lead-in, then its own text, as one run of
    words (a lead-in ending in ":" reads on into the unit's first sentence)."""
    return f"{lead_in} {text}" if lead_in else text


def split_lead_in(
    lead_in: str, spans: tuple[tuple[int, int], ...]
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Highlights in ``indexed_text(lead_in, text)`` as (in the unit's own text, in the lead-in)."""
    if not lead_in:
        return spans, ()
    cut = len(lead_in) + 1
    own = tuple((s - cut, e - cut) for s, e in spans if s >= cut)
    lead = tuple((s, min(e, len(lead_in))) for s, e in spans if s < len(lead_in))
    return own, lead


def lead_in_text(
    p: Provision,
    by_id: Mapping[str, Provision],
    text_of: Callable[[Provision], str] | None = None,
) -> str:
    """The lead-ins of ``p``'s ancestors, outermost first, joined by a space ("" if none).

    An ancestor's own text is a lead-in when it ends as one (":" or a dash); a
    container whose text still holds its children's (one that does not end so)
    stops the chain, so nothing is indexed twice in one unit. ``text_of`` reads an
    ancestor's text when ``by_id`` holds provisions without theirs (``PackedProvisions``).
    """
    chain: list[str] = []
    parent, seen = p.parent, set()
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        anc = by_id[parent]
        own = (text_of(anc) if text_of is not None else anc.text).strip()
        if not own:
            parent = anc.parent
            continue
        if not own.endswith(LEAD_IN_ENDINGS):
            break
        chain.append(own)
        parent = anc.parent
    return " ".join(reversed(chain))
