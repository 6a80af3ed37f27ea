"""Which provisions an export holds: chosen by query, tag, label, author and document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from corpus_tool.annotations.labels import LabelScheme, load_label_scheme
from corpus_tool.annotations.store import AnnotationStore, decisions_of
from corpus_tool.errors import StoreError
from corpus_tool.index import search
from corpus_tool.locate import Locator
from corpus_tool.model import Annotation, DocumentMeta, Provision, Tag
from corpus_tool.pinpoint import printed_pages
from corpus_tool.workspace import DocBundle, Workspace


@dataclass(frozen=True)
class Mark:
    """A span of a provision's text to mark in a report, and why."""

    start: int
    end: int
    kind: str  # "tag" | "label" | "hit"
    label: str


@dataclass(frozen=True)
class ExportItem:
    """One provision of an export with its machine tags and people's annotations."""

    meta: DocumentMeta
    provision: Provision
    tags: tuple[Tag, ...]  # every machine tag, rejected ones too
    decisions: dict[str, str]  # tag_id -> accept | reject
    annotations: tuple[Annotation, ...]
    highlights: tuple[tuple[int, int], ...] = ()  # query hits in the text
    # Labels printed on the document's pages (Document.page_labels), "" where none.
    page_labels: tuple[str, ...] = ()

    @property
    def effective_tags(self) -> tuple[Tag, ...]:
        return tuple(t for t in self.tags if self.decisions.get(t.tag_id) != "reject")

    @property
    def rejected_tags(self) -> tuple[Tag, ...]:
        return tuple(t for t in self.tags if self.decisions.get(t.tag_id) == "reject")

    def labels(self, scheme: LabelScheme) -> tuple[str, ...]:
        return scheme.order({x for a in self.annotations for x in a.labels})

    @property
    def authors(self) -> tuple[str, ...]:
        return tuple(sorted({a.author for a in self.annotations}))

    @property
    def page_label(self) -> str:
        first, last = self.provision.pages
        return str(first) if first == last else f"{first}-{last}"

    @property
    def printed_pages(self) -> list[str]:
        """The labels printed on the provision's pages ("L 119/36"), the PDF page where none."""
        if not self.meta.pages or not self.provision.pages[0]:
            return []
        return printed_pages(self.provision, self.page_labels, self.meta.pages)

    def marks(self) -> list[Mark]:
        """Spans to mark: tag evidence, annotated quotes and query hits, in text order."""
        text_len = len(self.provision.text)
        out = [
            Mark(e.start, e.end, "tag", t.label)
            for t in self.effective_tags
            for e in t.evidence
            if 0 <= e.start < e.end <= text_len
        ]
        out += [
            Mark(a.position[0], a.position[1], "label", a.labels[0] if a.labels else "note")
            for a in self.annotations
            if a.position and 0 <= a.position[0] < a.position[1] <= text_len
        ]
        out += [Mark(s, e, "hit", "query") for s, e in self.highlights if 0 <= s < e <= text_len]
        return sorted(out, key=lambda m: (m.start, -m.end, m.kind))


@dataclass
class Selection:
    """The chosen provisions, in document order, with what the formats need around them."""

    items: list[ExportItem]
    bundles: dict[str, DocBundle]
    scheme: LabelScheme
    orphans: list[Annotation] = field(default_factory=list)  # annotations whose provision is gone
    description: str = ""
    warnings: list[str] = field(default_factory=list)  # lines of the event log skipped
    # Where spans are printed (pages of annotations and tag evidence); loads extractions once.
    locator: Locator = field(default_factory=lambda: Locator(None))

    @property
    def summary(self) -> str:
        """ "3 provisions in 1 document", for headers and messages."""
        n, d = len(self.items), len({i.meta.doc_id for i in self.items})
        return f"{n} provision{'s' if n != 1 else ''} in {d} document{'s' if d != 1 else ''}"

    def by_document(self) -> list[tuple[DocumentMeta, list[ExportItem]]]:
        groups: dict[str, list[ExportItem]] = {}
        for item in self.items:
            groups.setdefault(item.meta.doc_id, []).append(item)
        return [(self.bundles[d].meta, groups[d]) for d in groups]


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [v for v in value if v]


def describe(
    query: str | None,
    tag: str | Sequence[str] | None,
    label: str | Sequence[str] | None,
    author: str | None,
    doc: str | Sequence[str] | None,
) -> str:
    parts = []
    if query:
        parts.append(f"query {query!r}")
    for name, value in (("tag", tag), ("label", label), ("document", doc)):
        if _as_list(value):
            parts.append(f"{name} {', '.join(_as_list(value))}")
    if author:
        parts.append(f"author {author}")
    return "; ".join(parts) or "every tagged or annotated provision"


def select(
    ws: Workspace,
    *,
    query: str | None = None,
    tag: str | Sequence[str] | None = None,
    label: str | Sequence[str] | None = None,
    author: str | None = None,
    doc: str | Sequence[str] | None = None,
    everything: bool = False,
    cite: str | Sequence[str] | None = None,
) -> Selection:
    """Provisions matching all the given filters.

    Without a query the starting set is every provision with a machine tag (not
    rejected) or an annotation (``everything``: every provision); with a query it
    is the query's hits. ``tag`` (machine labels), ``label`` (people's labels),
    ``author``, ``doc`` and ``cite`` (citations as typed: "AI Act Article 53" with its
    paragraphs and points) narrow it; several values of one filter mean any of them.
    """
    scheme = load_label_scheme(ws)
    store = AnnotationStore(ws, author="-")
    annotations = store.all()
    decisions = decisions_of(annotations)
    tags_wanted, labels_wanted = set(_as_list(tag)), set(_as_list(label))
    used_labels = {x for a in annotations for x in a.labels}
    for name in labels_wanted:
        if scheme.get(name) is None and name not in used_labels:
            raise StoreError(
                f"unknown label {name!r}; the label scheme has: {', '.join(scheme.names)}"
            )
    if author and not any(a.author == author for a in annotations):
        known = ", ".join(sorted({a.author for a in annotations})) or "none yet"
        raise StoreError(f"no annotations by {author!r}; authors: {known}")

    from corpus_tool.citations import find_document, provision_ids

    # Documents by id, file, act citation or short name ("AI Act", "EO 14110").
    doc_ids = [find_document(ws, d).meta.doc_id for d in _as_list(doc)] or ws.doc_ids()
    cited: set[tuple[str, str]] | None = None
    if _as_list(cite):
        cited = set()
        for c in _as_list(cite):
            found = provision_ids(ws, c)
            if not found:
                raise StoreError(f"the citation {c!r} names no provision in the workspace")
            cited |= found
    if not ws.doc_ids():
        raise StoreError(f"no documents in workspace {ws.root}; run 'corpus-tool ingest' first")
    hits: dict[tuple[str, str], tuple[tuple[int, int], ...]] | None = None
    if query:
        hits = _query_hits(ws, query, doc_ids)

    by_provision: dict[tuple[str, str], list[Annotation]] = {}
    for a in annotations:
        if author is None or a.author == author:
            by_provision.setdefault((a.doc_id, a.provision_id), []).append(a)

    bundles: dict[str, DocBundle] = {}
    # One reader of each extraction for the page labels here and the span
    # locations the JSON exports ask for later (it used to be read twice).
    locator = Locator(ws)
    items: list[ExportItem] = []
    orphans: list[Annotation] = []
    for doc_id in sorted(set(doc_ids)):
        bundle = ws.load_bundle(doc_id)
        if bundle is None:
            continue
        tags_of: dict[str, list[Tag]] = {}
        for t in bundle.tags:
            tags_of.setdefault(t.provision_id, []).append(t)
        known_ids = {p.id for p in bundle.provisions}
        chosen: list[ExportItem] = []
        for p in sorted(bundle.provisions, key=lambda p: p.order):
            key = (doc_id, p.id)
            own = tuple(by_provision.get(key, ()))
            item = ExportItem(
                bundle.meta,
                p,
                tuple(tags_of.get(p.id, ())),
                {
                    t.tag_id: decisions[t.tag_id]
                    for t in tags_of.get(p.id, ())
                    if t.tag_id in decisions
                },
                own,
                hits.get(key, ()) if hits is not None else (),
            )
            if cited is not None and key not in cited:
                continue
            if hits is not None:
                if key not in hits:
                    continue
            elif not everything and not (item.effective_tags or own):
                continue
            if tags_wanted and not tags_wanted & {t.label for t in item.effective_tags}:
                continue
            if labels_wanted and not labels_wanted & set(item.labels(scheme)):
                continue
            if author and not own:
                continue
            chosen.append(item)
        if chosen:
            bundles[doc_id] = bundle
            # Read from the extraction, so only for documents that have items.
            extraction = locator.document(bundle.meta) if bundle.meta.pages else None
            page_labels = tuple(extraction.page_labels) if extraction is not None else ()
            items.extend(replace(i, page_labels=page_labels) for i in chosen)
            if not query and not tags_wanted and not labels_wanted:
                orphans.extend(
                    a
                    for (d, pid), group in sorted(by_provision.items())
                    if d == doc_id and pid not in known_ids
                    for a in group
                )
    description = describe(query, tag, label, author, doc)
    if _as_list(cite):
        description += f"; citation {', '.join(_as_list(cite))}"
    return Selection(
        items,
        bundles,
        scheme,
        orphans,
        description,
        warnings=list(store.warnings),
        locator=locator,
    )


def _query_hits(
    ws: Workspace, query: str, doc_ids: list[str]
) -> dict[tuple[str, str], tuple[tuple[int, int], ...]]:
    result = search(ws, query, doc=doc_ids, limit=None, sort="doc")
    return {(h.doc_id, h.id): tuple(h.highlights) for h in result.hits}
