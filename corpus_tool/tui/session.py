"""The TUI's window on the core: documents, search, annotations, review and export.

Everything here is plain Python over the core functions, imported by name (so
mypy and the import contract see every edge), and can be tested without a
terminal. The search engine, the exporters and the citation grammar are imported
where first used (``preload`` imports them in the background after the first
paint), so that they do not delay the first screen.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tool import pinpoint
from corpus_tool.annotations import (
    AnnotationStore,
    current_labels,
    decisions_of,
    load_label_scheme,
    review,
    searches,
    tag_decisions,
)
from corpus_tool.annotations.history import Action, History
from corpus_tool.annotations.labels import LabelScheme, default_scheme, label_colour
from corpus_tool.annotations.searches import SavedSearch
from corpus_tool.annotations.store import labels_by_provision
from corpus_tool.errors import CorpusToolError, StoreError
from corpus_tool.model import Annotation, Provision, SearchHit, Tag
from corpus_tool.workspace import DocBundle, Workspace, atomic_write_bytes

if TYPE_CHECKING:
    from corpus_tool.citations import Resolved

# Shown for machine tag labels that the label scheme does not colour.


@dataclass(frozen=True)
class Filters:
    """The facet filters the sidebar applies to a search."""

    doc: str | None = None
    kind: str | None = None
    tag: str | None = None
    label: str | None = None

    def with_(self, facet: str, value: str | None) -> Filters:
        current = getattr(self, facet)
        data = {f: getattr(self, f) for f in ("doc", "kind", "tag", "label")}
        # Choosing the active value again clears it: one key toggles a filter.
        data[facet] = None if current == value else value
        return Filters(**data)

    def as_kwargs(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ResultRow:
    """One row of the results table: a hit and what is known about its provision."""

    hit: SearchHit
    tags: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class SearchOutcome:
    """A finished search, as the results table and the facet sidebar show it."""

    query: str
    filters: Filters
    rows: tuple[ResultRow, ...]
    total: int
    facets: dict[str, dict[str, int]]
    seconds: float


@dataclass(frozen=True)
class LabelInfo:
    """A label of the scheme as the UI needs it."""

    name: str
    key: str
    description: str
    colour: str


@dataclass
class PendingAnnotation:
    """An annotation the store refused; kept until a save succeeds."""

    kwargs: dict[str, Any]
    error: str


@dataclass(frozen=True)
class ReviewItem:
    """One machine tag waiting for a person's decision."""

    tag: Tag
    provision: Provision
    doc_title: str


class Session:
    """One workspace opened in the UI: caches what the screens read often."""

    def __init__(self, ws: Workspace, author: str | None = None) -> None:
        self.ws = ws
        self.author = author
        self._lock = threading.RLock()
        # The store replays incrementally into its own state; on a shared store
        # the live refresh and the screens' workers read it from several threads.
        self._store_lock = threading.RLock()
        self._bundles: dict[str, DocBundle] = {}
        self._tags: dict[tuple[str, str], tuple[Tag, ...]] = {}
        self._labels: dict[tuple[str, str], tuple[str, ...]] | None = None
        self._store: AnnotationStore | None = None
        self._scheme: tuple[LabelInfo, ...] | None = None
        self._colour_scheme: LabelScheme | None = None
        self._page_labels: pinpoint.PageLabels | None = None
        self._pages_lock = threading.Lock()
        self._history: History | None = None
        self.pending: list[PendingAnnotation] = []

    # --- documents ---------------------------------------------------------
    def doc_ids(self) -> list[str]:
        return self.ws.doc_ids()

    def bundle(self, doc_id: str) -> DocBundle | None:
        with self._lock:
            cached = self._bundles.get(doc_id)
        if cached is not None:
            return cached
        bundle = self.ws.load_bundle(doc_id)
        if bundle is None:
            return None
        with self._lock:
            self._bundles[doc_id] = bundle
            for tag in bundle.tags:
                key = (tag.doc_id, tag.provision_id)
                self._tags[key] = (*self._tags.get(key, ()), tag)
        return bundle

    @staticmethod
    def preload() -> None:
        """Import the search engine and the exporters (a background worker, after start-up)."""
        import corpus_tool.export
        import corpus_tool.index  # noqa: F401

    def warm(self) -> int:
        """Load every bundle now (a background worker calls this after start-up)."""
        loaded = sum(1 for d in self.doc_ids() if self.bundle(d) is not None)
        # And each document's printed page labels (issue 11): the first preview of a
        # document would otherwise read its whole extraction while the person types.
        for doc_id in self.doc_ids():
            self.page_labels(doc_id)
        return loaded

    def provision(self, doc_id: str, provision_id: str) -> Provision | None:
        bundle = self.bundle(doc_id)
        return bundle.provision(provision_id) if bundle else None

    def tags_for(self, doc_id: str, provision_id: str) -> tuple[Tag, ...]:
        self.bundle(doc_id)
        with self._lock:
            return self._tags.get((doc_id, provision_id), ())

    def neighbours(self, provision: Provision) -> tuple[Provision | None, Provision | None]:
        """The provisions just before and after, in document order, at the same level."""
        bundle = self.bundle(provision.doc_id)
        if bundle is None:
            return (None, None)
        siblings = [p for p in bundle.provisions if p.parent == provision.parent]
        siblings.sort(key=lambda p: p.order)
        i = next((n for n, p in enumerate(siblings) if p.id == provision.id), None)
        if i is None:
            return (None, None)
        before = siblings[i - 1] if i > 0 else None
        after = siblings[i + 1] if i + 1 < len(siblings) else None
        return (before, after)

    def children_shown(self, provision: Provision) -> list[Provision]:
        """The children a reader shows under ``provision``: those whose text it does not hold.

        A paragraph with points holds only its lead-in (docs/decisions.md section 2),
        so its points are shown below it; an article whose text already runs
        through its paragraphs shows nothing twice.
        """
        bundle = self.bundle(provision.doc_id)
        if bundle is None:
            return []
        own = " ".join(provision.text.split())
        kids = sorted(
            (p for p in bundle.provisions if p.parent == provision.id), key=lambda p: p.order
        )
        return [k for k in kids if " ".join(k.text.split()) not in own]

    def resolve_citation(self, text: str) -> list[Resolved]:
        """Provisions a typed citation names ("Art. 53(2)", "rec. 15", "AI Act 53(2)")."""
        # Imported on first use: the citation grammar is not needed to draw the first screen.
        from corpus_tool.citations import resolve

        return resolve(self.ws, text)

    def step(self, provision: Provision, delta: int) -> Provision | None:
        """The provision ``delta`` places away in document order (any level)."""
        bundle = self.bundle(provision.doc_id)
        if bundle is None:
            return None
        ordered = sorted(bundle.provisions, key=lambda p: p.order)
        i = next((n for n, p in enumerate(ordered) if p.id == provision.id), None)
        if i is None or not 0 <= i + delta < len(ordered):
            return None
        return ordered[i + delta]

    # --- printed pages and pinpoint citations (issue 11) ----------------------------------
    def page_fields(self, provision: Provision) -> tuple[tuple[str, ...], str]:
        """The provision's printed pages and its pinpoint citation, computed as for
        ``provisions --json`` (``corpus_tool.pinpoint``)."""
        bundle = self.bundle(provision.doc_id)
        if bundle is None:
            return (), provision.citation
        labels = self.page_labels(provision.doc_id)
        meta = bundle.meta
        printed = pinpoint.printed_pages(provision, labels, meta.pages or None)
        return tuple(printed), pinpoint.pinpoint(meta, provision, labels)

    def page_labels(self, doc_id: str) -> tuple[str, ...]:
        """Every page's printed label (``Document.page_labels``); () without an extraction.

        Only the labels are kept (``PageLabels``), not the whole extraction: a large
        act's character boxes run to tens of megabytes.
        """
        bundle = self.bundle(doc_id)
        if bundle is None:
            return ()
        # A lock of its own: the first read of a large extraction takes a while, and
        # the UI thread must not wait for it to read a cached bundle.
        with self._pages_lock:
            if self._page_labels is None:
                self._page_labels = pinpoint.PageLabels(self.ws)
            try:
                return self._page_labels.of(bundle.meta)
            except (CorpusToolError, OSError, ValueError, KeyError, TypeError):
                # Unreadable derived data: show the PDF pages rather than fail the screen.
                return ()

    # --- search ------------------------------------------------------------
    def validate(self, query: str) -> None:
        """Raise QueryError (with a position) when ``query`` cannot be parsed."""
        from corpus_tool.index import validate_query

        validate_query(query)

    def search(self, query: str, filters: Filters, limit: int | None = 200) -> SearchOutcome:
        started = time.perf_counter()
        from corpus_tool.index import search

        result = search(self.ws, query, limit=limit, **filters.as_kwargs())
        labels = self.labels()
        rows = tuple(
            ResultRow(
                hit,
                tuple(sorted({t.label for t in self.tags_for(hit.doc_id, hit.id)})),
                labels.get((hit.doc_id, hit.id), ()),
            )
            for hit in result.hits
        )
        return SearchOutcome(
            query=query,
            filters=filters,
            rows=rows,
            total=result.total,
            facets={k: dict(v) for k, v in result.facets.items()},
            seconds=time.perf_counter() - started,
        )

    def relabelled(self, rows: Sequence[ResultRow]) -> tuple[ResultRow, ...]:
        """The same rows in the same order with the labels as they are now."""
        labels = self.labels()
        return tuple(
            ResultRow(
                r.hit,
                tuple(sorted({t.label for t in self.tags_for(r.hit.doc_id, r.hit.id)})),
                labels.get((r.hit.doc_id, r.hit.id), ()),
            )
            for r in rows
        )

    def sorted_rows(self, rows: Sequence[ResultRow], by: str) -> tuple[ResultRow, ...]:
        """Rows by ``score`` (as the search ranked them) or in ``document`` order."""
        if by != "document":
            return tuple(sorted(rows, key=lambda r: -r.hit.score))

        def place(row: ResultRow) -> tuple[str, int]:
            p = self.provision(row.hit.doc_id, row.hit.id)
            return (row.hit.doc_id, p.order if p is not None else 0)

        return tuple(sorted(rows, key=place))

    # --- labels and annotations ------------------------------------------------
    def label_scheme(self) -> tuple[LabelInfo, ...]:
        if self._scheme is None:
            scheme = load_label_scheme(self.ws)
            self._scheme = tuple(
                LabelInfo(
                    name=lab.name,
                    key=lab.key or "",
                    description=lab.description or "",
                    colour=lab.colour or "",
                )
                for lab in scheme.labels
            )
        return self._scheme

    def label_colours(self, names: Iterable[str]) -> dict[str, str]:
        """One fixed colour per label (``labels.label_colour``), as in the exports."""
        if self._colour_scheme is None:
            try:
                self._colour_scheme = load_label_scheme(self.ws)
            except CorpusToolError:
                self._colour_scheme = default_scheme()
        scheme = self._colour_scheme
        return {name: label_colour(scheme, name) for name in sorted(set(names))}

    def store(self) -> AnnotationStore:
        if self._store is None:
            self._store = AnnotationStore(self.ws, author=self.author)
        return self._store

    def history(self) -> History:
        """This session's undo/redo stack: every create, edit and delete made in the UI."""
        if self._history is None:
            self._history = History(self.store())
        return self._history

    def set_author(self, name: str) -> None:
        """Sign what is written from now on with ``name`` (the stack starts afresh)."""
        with self._store_lock:
            self.author = name
            self._store = None
            self._history = None

    # --- the shared store (PostgreSQL), when the workspace names one ----------------
    def shared(self) -> Any:
        """The shared event log (``AnnotationStore.shared``), or None for a file workspace."""
        try:
            return self.store().shared
        except CorpusToolError:
            return None  # an unreadable config: the store itself will say so when used

    def refresh_annotations(self) -> None:
        """Forget what was derived from the annotations, and read the new events now.

        Called off the UI thread when a colleague's event arrives; the replay is
        incremental, so only the events after the last one read are fetched.
        """
        with self._lock:
            self._labels = None
        # Offline or unreadable: the indicator and the screens say so.
        with contextlib.suppress(CorpusToolError, OSError), self._store_lock:
            self.store().all()

    def sync_shared(self) -> tuple[bool, int]:
        """Send the offline journal if the server answers; returns (online, unsent events).

        A read that fails marks the log offline but a later success does not mark
        it online again, so a cheap read (nothing after the largest sequence
        number) probes the server here.
        """
        from corpus_tool.annotations.pg_store import StoreUnreachable

        log = self.shared()
        if log is None:
            return True, 0
        try:
            log.flush()
            log.read_after(2**62)
        except StoreUnreachable:
            log.online = False
        except CorpusToolError:
            pass  # refused (not unreachable): the write path reports it
        else:
            log.online = True
        try:
            unsent = len(log.pending())
        except CorpusToolError:
            unsent = 0
        return bool(log.online), unsent

    def labels(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Human labels per provision (empty until the annotations area exists)."""
        if self._labels is None:
            try:
                if self.shared() is not None:
                    # The session's own store: read incrementally, one connection.
                    with self._store_lock:
                        store = self.store()
                        self._labels = labels_by_provision(store.all(), store.scheme)
                else:
                    self._labels = dict(current_labels(self.ws))
            except (CorpusToolError, OSError):
                self._labels = {}
        return self._labels

    def annotations_for(self, doc_id: str, provision_id: str) -> list[Annotation]:
        try:
            with self._store_lock:
                return list(self.store().for_provision(doc_id, provision_id))
        except OSError as exc:
            # An unreadable annotations folder must not stop the reader from showing text.
            raise StoreError(
                f"cannot read the annotations in {self.ws.annotations_dir}: {exc}"
            ) from exc

    def annotate(self, **kwargs: Any) -> Annotation:
        """Create an annotation; on StoreError keep it in ``pending`` and re-raise.

        Earlier refused annotations are retried first so they keep their order.
        """
        try:
            self.retry_pending()
        except StoreError:
            # The store still refuses: this one joins the queue, behind the earlier ones.
            self.pending.append(PendingAnnotation(dict(kwargs), self.pending[0].error))
            raise
        try:
            with self._store_lock:
                created = self.history().create(**kwargs)
        except StoreError as exc:
            if type(exc).__name__ == "DuplicateLabelError":
                raise  # already labelled: nothing to save later, so not queued
            self.pending.append(PendingAnnotation(dict(kwargs), str(exc)))
            raise
        except OSError as exc:
            # A store that leaks a raw OSError (disk full) must not lose the work either.
            self.pending.append(PendingAnnotation(dict(kwargs), str(exc)))
            raise StoreError(f"cannot save the annotation: {exc}") from exc
        self._labels = None
        return created

    def retry_pending(self) -> int:
        """Save the annotations the store refused earlier; raises StoreError if it still cannot."""
        saved = 0
        while self.pending:
            item = self.pending[0]
            try:
                with self._store_lock:
                    self.history().create(**item.kwargs)
            except (StoreError, OSError) as exc:
                item.error = str(exc)
                raise StoreError(f"{len(self.pending)} annotation(s) still unsaved: {exc}") from exc
            self.pending.pop(0)
            saved += 1
            self._labels = None
        return saved

    def write_recovery(self) -> Path | None:
        """Write the still-unsaved annotations where they can be re-imported by hand.

        Tried in the workspace first, then the temporary folder (a full disk or a
        read-only workspace may refuse one but not the other).
        """
        if not self.pending:
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        lines = "".join(
            json.dumps({**p.kwargs, "error": p.error}, ensure_ascii=False, default=list) + "\n"
            for p in self.pending
        ).encode("utf-8")
        for folder in (self.ws.root, Path(tempfile.gettempdir())):
            path = folder / f"corpus-tool-unsaved-annotations-{stamp}.jsonl"
            try:
                atomic_write_bytes(path, lines)
            except OSError:
                continue
            return path
        return None

    def delete_annotation(self, annotation_id: str) -> Annotation:
        """Delete an annotation (undoable); returns it as it was."""
        with self._store_lock:
            deleted = self.history().delete(annotation_id)
        self._labels = None
        return deleted

    def update_annotation(self, annotation_id: str, **changes: Any) -> Annotation:
        with self._store_lock:
            updated = self.history().update(annotation_id, **changes)
        self._labels = None
        return updated

    def edit_annotation(
        self, annotation_id: str, *, note: str | None = None, labels: Sequence[str] | None = None
    ) -> Annotation:
        """Change the note and/or labels of an annotation: one ``update`` event, undoable."""
        with self._store_lock:
            edited = self.history().edit(annotation_id, note=note, labels=labels)
        self._labels = None
        return edited

    def undo(self) -> Action | None:
        """Reverse this session's newest action (None: nothing to undo)."""
        with self._store_lock:
            done = self.history().undo()
        self._labels = None
        return done

    def redo(self) -> Action | None:
        """Re-apply the newest undone action (None: nothing to redo)."""
        with self._store_lock:
            done = self.history().redo()
        self._labels = None
        return done

    # --- review -----------------------------------------------------------------
    def review_queue(self, label: str | None = None, query: str = "") -> list[ReviewItem]:
        """Machine tags in document order, limited to a label and/or a query's hits."""
        wanted: set[tuple[str, str]] | None = None
        if query.strip():
            from corpus_tool.index import search

            result = search(self.ws, query, limit=None)
            wanted = {(h.doc_id, h.id) for h in result.hits}
        items = []
        for doc_id in self.doc_ids():
            bundle = self.bundle(doc_id)
            if bundle is None:
                continue
            by_id = {p.id: p for p in bundle.provisions}
            for tag in bundle.tags:
                if label and tag.label != label:
                    continue
                if wanted is not None and (tag.doc_id, tag.provision_id) not in wanted:
                    continue
                provision = by_id.get(tag.provision_id)
                if provision is not None:
                    items.append(ReviewItem(tag, provision, short_title(bundle)))
        items.sort(key=lambda it: (it.tag.doc_id, it.provision.order, it.tag.label))
        return items

    def decisions(self) -> dict[str, str]:
        if self.shared() is not None:
            with self._store_lock:
                return decisions_of(self.store().all())
        return dict(tag_decisions(self.ws))

    def review(self, tag_id: str, decision: str, note: str = "") -> tuple[Annotation, str | None]:
        """Store a decision; returns it and this author's earlier decision on the tag.

        ``review`` replaces an author's earlier decision in place, so undo must put
        that decision back rather than delete the annotation.
        """
        doc_id, provision_id, label = [*tag_id.split(":"), "", "", ""][:3]
        store = self.store()
        mine = [
            a
            for a in store.for_provision(doc_id, provision_id)
            if a.author == store.author and a.tag_label == label and a.decision
        ]
        earlier = mine[-1].decision if mine else None
        # The note (why accepted or rejected) goes in the decision's own event.
        made = review(self.ws, tag_id, decision, author=store.author, note=note)
        self._labels = None
        return made, earlier

    def undo_review(self, annotation: Annotation, earlier: str | None) -> None:
        # The review queue keeps its own undo (its skips are not annotations), so
        # this goes to the store directly, not onto the reader's History.
        with self._store_lock:
            if earlier is None:
                self.store().delete(annotation.id)
            else:
                self.store().update(annotation.id, decision=earlier)
        self._labels = None

    # --- export -----------------------------------------------------------------
    def export_formats(self) -> tuple[str, ...]:
        from corpus_tool.export import FORMATS

        return tuple(FORMATS)

    def export_suffixes(self) -> dict[str, str]:
        from corpus_tool.export import FORMATS

        return {name: spec[1] for name, spec in FORMATS.items()}

    def export(self, fmt: str, path: Path, **selection: Any) -> int:
        chosen = {k: v for k, v in selection.items() if v not in (None, "", False)}
        from corpus_tool.export import export

        return export(self.ws, fmt, path, **chosen)

    # --- saved searches and history (kept by the core: corpus_tool.annotations.searches) ---
    def saved_searches(self) -> list[SavedSearch]:
        return searches.saved_searches(self.ws)

    def save_search(self, name: str, query: str, filters: Filters) -> SavedSearch:
        return searches.save_search(
            self.ws, name, query, filters=filters.as_kwargs(), author=self.author
        )

    def load_history(self) -> list[str]:
        return searches.load_history(self.ws)

    def save_history(self, history: Sequence[str]) -> None:
        searches.save_history(self.ws, history)


def short_title(bundle: DocBundle, limit: int = 60) -> str:
    """How a breadcrumb names a document: its citation ("Regulation (EU) 2024/1689"),
    else its title cut short (official titles run to several lines)."""
    meta = bundle.meta
    name = meta.citation or meta.title or meta.doc_id
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"
