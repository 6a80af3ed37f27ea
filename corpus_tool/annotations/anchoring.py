"""Re-anchoring: find where each annotation belongs in the current version of its document.

Tried in order, the first that succeeds wins:

1. the same provision id, and the quote still sits at the stored offsets -> ``anchored``;
2. the quote (with its prefix and suffix as tie-breakers) inside the same provision,
   then anywhere in the document -> ``moved``;
3. an approximate match of the quote inside the document (difflib) -> ``moved``;
4. nothing -> ``orphaned``: the annotation stays in the store, listed with its quote.

An annotation on a whole provision (no span) is anchored while its provision id
exists (ids are stable across re-ingests) and orphaned when it is gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from corpus_tool.annotations.store import AnnotationStore, text_quote
from corpus_tool.model import Annotation, Provision, TextQuote
from corpus_tool.workspace import DocBundle, Workspace

ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
# Below this similarity a changed quote is not the same passage any more.
FUZZY_MIN = 0.8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class AnchorResult:
    """Where an annotation stands against the current text of its document."""

    annotation: Annotation
    status: str  # anchored | moved | orphaned
    method: str  # offsets | provision | quote | fuzzy | none
    provision_id: str | None = None
    citation: str = ""
    position: tuple[int, int] | None = None
    quote: TextQuote | None = None
    score: float = 1.0
    sha256: str = ""
    file: str = ""
    reason: str = ""
    anchor_text: str = ""

    @property
    def reattached(self) -> Annotation | None:
        """The annotation pointing at its new place, or None when orphaned."""
        if self.status == ORPHANED or self.provision_id is None:
            return None
        return replace(
            self.annotation,
            provision_id=self.provision_id,
            position=self.position,
            quote=self.quote,
            sha256=self.sha256 or self.annotation.sha256,
            file=self.file or self.annotation.file,
            anchor_text=self.anchor_text,
        )

    @property
    def needs_update(self) -> bool:
        new = self.reattached
        return new is not None and new != self.annotation

    def to_json(self) -> dict[str, object]:
        a = self.annotation
        return {
            "id": a.id,
            "status": self.status,
            "method": self.method,
            "doc_id": a.doc_id,
            "provision_id": a.provision_id,
            "new_provision_id": self.provision_id,
            "citation": self.citation,
            "position": list(a.position) if a.position else None,
            "new_position": list(self.position) if self.position else None,
            "quote": a.quote.exact if a.quote else None,
            "new_quote": self.quote.exact if self.quote else None,
            "score": round(self.score, 3),
            "labels": list(a.labels),
            "author": a.author,
            "reason": self.reason,
        }


def _context_score(text: str, start: int, end: int, quote: TextQuote) -> float:
    """How much of the stored prefix and suffix still surround ``text[start:end]``."""
    total = len(quote.prefix) + len(quote.suffix)
    if not total:
        return 1.0
    before, after = text[:start], text[end:]
    same = 0
    for a, b in zip(reversed(quote.prefix), reversed(before), strict=False):
        if a != b:
            break
        same += 1
    for a, b in zip(quote.suffix, after, strict=False):
        if a != b:
            break
        same += 1
    return same / total


def _occurrences(text: str, exact: str) -> list[int]:
    found, at = [], text.find(exact)
    while at >= 0:
        found.append(at)
        at = text.find(exact, at + 1)
    return found


def _best_exact(
    provisions: Iterable[Provision], quote: TextQuote, near: int | None
) -> tuple[Provision, int, float] | None:
    best: tuple[tuple[float, int, int], Provision, int, float] | None = None
    for p in provisions:
        for at in _occurrences(p.text, quote.exact):
            ctx = _context_score(p.text, at, at + len(quote.exact), quote)
            distance = abs(at - near) if near is not None else 0
            # Best context first, then the most specific provision (a container repeats its children).
            key = (-ctx, len(p.text), distance)
            if best is None or key < best[0]:
                best = (key, p, at, ctx)
    return None if best is None else (best[1], best[2], best[3])


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


def fuzzy_find(text: str, exact: str) -> tuple[int, int, float] | None:
    """The span of ``text`` most similar to ``exact`` (word-aligned) and its similarity."""
    words = _word_spans(text)
    if not words or not exact.strip():
        return None
    length = len(exact)
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(exact)
    starts: list[tuple[float, int]] = []
    for i, (ws, _) in enumerate(words):
        matcher.set_seq1(text[ws : ws + length])
        quick = matcher.quick_ratio()
        if quick >= FUZZY_MIN:
            starts.append((quick, i))
    starts.sort(reverse=True)
    best: tuple[float, int, int] | None = None
    for _, i in starts[:8]:
        start = words[i][0]
        for j in range(i, len(words)):
            end = words[j][1]
            if end - start < 0.6 * length:
                continue
            if end - start > 1.4 * length:
                break
            matcher.set_seq1(text[start:end])
            ratio = matcher.ratio()
            if best is None or ratio > best[0]:
                best = (ratio, start, end)
    if best is None or best[0] < FUZZY_MIN:
        return None
    return best[1], best[2], best[0]


def _fuzzy_in(
    provisions: list[Provision], quote: TextQuote
) -> tuple[Provision, int, int, float] | None:
    wanted = {w.lower() for w in _WORD.findall(quote.exact)}
    if not wanted:
        return None
    ranked = []
    for p in provisions:
        words = {w.lower() for w in _WORD.findall(p.text)}
        overlap = len(wanted & words) / len(wanted)
        if overlap >= 0.5:
            ranked.append((-overlap, len(p.text), p.order, p))
    ranked.sort(key=lambda r: r[:3])
    best: tuple[float, int, Provision, int, int] | None = None
    for _, size, _, p in ranked[:6]:
        hit = fuzzy_find(p.text, quote.exact)
        if hit and (best is None or (hit[2], -size) > (best[0], best[1])):
            best = (hit[2], -size, p, hit[0], hit[1])
    return None if best is None else (best[2], best[3], best[4], best[0])


def anchor(annotation: Annotation, bundle: DocBundle | None) -> AnchorResult:
    """Where ``annotation`` belongs in ``bundle`` (the current version of its document)."""
    a = annotation
    if bundle is None:
        return AnchorResult(a, ORPHANED, "none", reason=f"document {a.doc_id} is not ingested")
    meta = bundle.meta
    same = bundle.provision(a.provision_id)

    def found(status: str, method: str, p: Provision, start: int, end: int, score: float):
        return AnchorResult(
            a,
            status,
            method,
            p.id,
            p.citation,
            (start, end),
            text_quote(p.text, start, end),
            score,
            meta.sha256,
            meta.file,
        )

    if a.quote is None and a.position is None:
        return _anchor_provision(a, bundle, same)
    quote = a.quote or TextQuote("")
    if same is not None and a.position is not None:
        start, end = a.position
        if end <= len(same.text) and (not quote.exact or same.text[start:end] == quote.exact):
            return found(ANCHORED, "offsets", same, start, end, 1.0)
    if not quote.exact:
        return AnchorResult(a, ORPHANED, "none", reason="its offsets no longer fit the text")
    near = a.position[0] if a.position else None
    if same is not None:
        hit = _best_exact([same], quote, near)
        if hit:
            p, at, ctx = hit
            return found(MOVED, "quote", p, at, at + len(quote.exact), ctx)
    hit = _best_exact(bundle.provisions, quote, None)
    if hit:
        p, at, ctx = hit
        return found(MOVED, "quote", p, at, at + len(quote.exact), ctx)
    pool = [p for p in bundle.provisions if p.searchable] or list(bundle.provisions)
    if same is not None and same not in pool:
        pool.append(same)
    fuzzy = _fuzzy_in(pool, quote)
    if fuzzy:
        p, start, end, ratio = fuzzy
        return found(MOVED, "fuzzy", p, start, end, ratio)
    where = (
        "its provision" if same is not None else f"{a.doc_id} (provision {a.provision_id} is gone)"
    )
    return AnchorResult(a, ORPHANED, "none", reason=f"the quote is no longer in {where}")


def _anchor_provision(a: Annotation, bundle: DocBundle, same: Provision | None) -> AnchorResult:
    """A whole-provision annotation: by id while the provision opens as it did, else by its opening."""
    meta = bundle.meta

    def at(status: str, method: str, p: Provision, score: float) -> AnchorResult:
        opening = p.text[: len(a.anchor_text)] if a.anchor_text else ""
        return AnchorResult(
            a,
            status,
            method,
            p.id,
            p.citation,
            None,
            None,
            score,
            meta.sha256,
            meta.file,
            anchor_text=opening,
        )

    opening = a.anchor_text
    if not opening:  # written before openings were kept: the id is all there is
        if same is not None:
            return at(ANCHORED, "provision", same, 1.0)
        return AnchorResult(a, ORPHANED, "none", reason=f"provision {a.provision_id} is gone")
    if same is not None and same.text.startswith(opening):
        return at(ANCHORED, "provision", same, 1.0)
    starts = [p for p in bundle.provisions if p.text.startswith(opening)]
    if starts:
        # The same opening may begin a container and its first child: take the closest in size.
        p = min(starts, key=lambda p: (p.kind != (same.kind if same else p.kind), len(p.text)))
        return at(MOVED, "provision-text", p, 1.0)
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(opening)
    best: tuple[float, int, Provision] | None = None
    for p in bundle.provisions:
        matcher.set_seq1(p.text[: len(opening)])
        if matcher.real_quick_ratio() < FUZZY_MIN or matcher.quick_ratio() < FUZZY_MIN:
            continue
        ratio = matcher.ratio()
        key = (ratio, -abs(p.order - (same.order if same else p.order)))
        if ratio >= FUZZY_MIN and (best is None or key > best[:2]):
            best = (ratio, key[1], p)
    if best is not None:
        return at(MOVED, "fuzzy", best[2], best[0])
    gone = "is gone" if same is None else "now holds a different text"
    return AnchorResult(
        a, ORPHANED, "none", reason=f"provision {a.provision_id} {gone}; its text is nowhere else"
    )


def check_anchors(
    ws: Workspace,
    annotations: Iterable[Annotation] | None = None,
    *,
    doc: str | None = None,
) -> list[AnchorResult]:
    """Re-anchor every annotation (or the given ones) against the stored documents."""
    if annotations is None:
        annotations = AnnotationStore(ws, author="-").all()
    bundles: dict[str, DocBundle | None] = {}
    results = []
    for a in annotations:
        if doc is not None and a.doc_id != doc:
            continue
        if a.doc_id not in bundles:
            bundles[a.doc_id] = ws.load_bundle(a.doc_id)
        results.append(anchor(a, bundles[a.doc_id]))
    return results


def apply_anchors(ws: Workspace, results: Iterable[AnchorResult], author: str | None = None) -> int:
    """Record the new place of every anchored or moved annotation; orphans stay untouched."""
    store = AnnotationStore(ws, author)
    count = 0
    for r in results:
        new = r.reattached
        if new is not None and r.needs_update:
            store.reattach(new)
            count += 1
    return count
