"""Human work joined to a search when it runs: labels and tag decisions read from the annotation store.

The index holds only what derives from documents (text, machine tags). People's
labels and their accept/reject decisions live in the annotation store alone;
this module reads them (replayed incrementally, cached until the event log
changes) and joins them to a compiled query and to its facets:

- ``label:x`` (and the ``label=`` filter) matches the entries carrying label x,
  where a label on a provision also counts for each of its ancestors;
- ``tag:x`` (and the ``tag=`` filter) keeps the index's machine tag x but drops
  the entries where a person rejected that tag;
- the Tags facet leaves rejected tags out; the Labels facet counts labels as above.

Nothing is written to the index, so annotating never changes a score: a label
restrictor scores as a keyword term always did (1.0 per matching entry).
"""

from __future__ import annotations

import fnmatch
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from corpus_tool.annotations.store import AnnotationStore, decisions_of
from corpus_tool.index.compile import ButNot
from corpus_tool.index.postings import Postings
from corpus_tool.workspace import Workspace

KEY_SEP = "\x1f"  # as corpus_tool.index.store.entry_key
HUMAN_FIELDS = ("tag", "label")
LEAF_TYPES = (wq.Term, wq.Prefix, wq.Wildcard, wq.FuzzyTerm)

Entry = tuple[str, str]  # (doc_id, provision_id)


def _key(entry: Entry) -> str:
    return f"{entry[0]}{KEY_SEP}{entry[1]}"


@dataclass
class HumanState:
    """Labels and rejections of one replay of the event log, as index entries see them."""

    version: tuple[int, int, int]
    # entry -> labels on it or on a descendant (lower-case, as restrictors are)
    labels: Mapping[Entry, frozenset[str]]
    # entry -> machine tag labels a person rejected on it (lower-case)
    rejected: Mapping[Entry, frozenset[str]]
    _by_label: dict[str, frozenset[str]] = field(default_factory=dict)
    _by_rejected: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_label: dict[str, set[str]] = {}
        for entry, names in self.labels.items():
            for name in names:
                by_label.setdefault(name, set()).add(_key(entry))
        by_rejected: dict[str, set[str]] = {}
        for entry, names in self.rejected.items():
            for name in names:
                by_rejected.setdefault(name, set()).add(_key(entry))
        self._by_label = {k: frozenset(v) for k, v in by_label.items()}
        self._by_rejected = {k: frozenset(v) for k, v in by_rejected.items()}

    # --- queries ------------------------------------------------------------------
    def bind(self, q: wq.Query, searcher: Any) -> wq.Query:
        """``q`` with every tag/label restrictor joined to the current human state."""
        if isinstance(q, LEAF_TYPES) and q.fieldname in HUMAN_FIELDS:
            if q.fieldname == "label":
                return self._label_query(q)
            return self._tag_query(q, searcher)
        if q.is_leaf():
            return q
        return q.apply(lambda child: self.bind(child, searcher))

    def _label_query(self, q: wq.Query) -> wq.Query:
        names = _matching(q, self._by_label)
        keys = frozenset().union(*(self._by_label[n] for n in names)) if names else frozenset()
        return EntrySet(keys, f"label:{q}")

    def _tag_query(self, q: wq.Query, searcher: Any) -> wq.Query:
        if not self._by_rejected:
            return q
        if isinstance(q, wq.Term):
            rejected = self._by_rejected.get(str(q.text))
            return ButNot(q, EntrySet(rejected, f"rejected {q.text}")) if rejected else q
        # A pattern: an entry matches when any matching tag on it is not rejected.
        lexicon = dict.fromkeys(_field_terms(searcher, "tag"), 0)
        names = _matching(q, lexicon)
        if not names:
            return q
        parts: list[wq.Query] = []
        for name in names:
            term = wq.Term("tag", name)
            rejected = self._by_rejected.get(name)
            parts.append(ButNot(term, EntrySet(rejected, f"rejected {name}")) if rejected else term)
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    # --- facets -------------------------------------------------------------------
    def facets(
        self, searcher: Any, matched: Sequence[int], tags: Mapping[int, Sequence[str]]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Tag and label counts over the matched entries (top-level entry numbers)."""
        tag_c: Counter[str] = Counter()
        label_c: Counter[str] = Counter()
        docnums = self._top_docnums(searcher)
        rejected_at = {
            docnums[k]: self.rejected[e] for e in self.rejected if (k := _key(e)) in docnums
        }
        labels_at = {docnums[k]: self.labels[e] for e in self.labels if (k := _key(e)) in docnums}
        for d in matched:
            names = tags.get(d)
            if names:
                gone = rejected_at.get(d)
                tag_c.update(n for n in names if not gone or n not in gone)
            if d in labels_at:
                label_c.update(labels_at[d])
        return dict(tag_c.most_common()), dict(label_c.most_common())

    def _top_docnums(self, searcher: Any) -> dict[str, int]:
        keys = [_key(e) for e in (*self.labels, *self.rejected)]
        return dict(_docnums_of(searcher.reader(), keys))


class EntrySet(wq.Query):
    """Matches the index entries with these keys; each scores 1.0, as a keyword term does."""

    def __init__(self, keys: Iterable[str], label: str = "") -> None:
        self.keys = frozenset(keys)
        self.label = label

    def __repr__(self) -> str:
        return f"EntrySet({self.label!r}, {len(self.keys)} entries)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EntrySet) and self.keys == other.keys

    def __hash__(self) -> int:
        return hash(self.keys)

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.keys)

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def _ids(self, searcher: Any, among: Sequence[int] | None = None) -> list[int]:
        ids = sorted(d for _, d in _docnums_of(searcher.reader(), self.keys))
        if among is not None:
            wanted = set(among)
            ids = [d for d in ids if d in wanted]
        return ids

    def bulk_postings(
        self, searcher: Any, context: Any, among: Sequence[int] | None = None
    ) -> Postings | None:
        ids = self._ids(searcher, among)
        return Postings(ids, lambda _d: 1.0, lambda _d: []) if ids else None

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ids = self._ids(searcher)
        return ListMatcher(ids, all_weights=1.0) if ids else NullMatcher()

    def docs(self, searcher: Any) -> Iterable[int]:
        return iter(self._ids(searcher))


# reader -> key -> entry number (-1: not in that reader). Readers never change once
# opened, so a key is looked up once per reader, not once per query or per annotation.
_KEY_DOCNUMS: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def _docnums_of(reader: Any, keys: Iterable[str]) -> Iterable[tuple[str, int]]:
    """(key, entry number) of the live entries with these keys in one reader."""
    try:
        known = _KEY_DOCNUMS.setdefault(reader, {})
    except TypeError:  # a reader that cannot be weakly referenced: no memo
        known = {}
    missing = [k for k in keys if k not in known]
    if missing:
        has_keys = "key" in reader.indexed_field_names()
        for key in missing:
            known[key] = _lookup(reader, key) if has_keys else -1
    for key in keys:
        d = known[key]
        if d >= 0:
            yield key, d


def _lookup(reader: Any, key: str) -> int:
    try:
        m = reader.postings("key", key)
    except Exception:  # TermNotFound: the entry is not in this reader
        return -1
    while m.is_active():
        d = m.id()
        if not reader.is_deleted(d):
            return int(d)
        m.next()
    return -1


def _field_terms(searcher: Any, fieldname: str) -> list[str]:
    reader = searcher.reader()
    if fieldname not in reader.indexed_field_names():
        return []
    return [str(t) for t in reader.field_terms(fieldname)]


def _matching(q: wq.Query, names: Mapping[str, Any]) -> list[str]:
    """The names (labels or tags) a restrictor's word or pattern selects."""
    if isinstance(q, wq.Term):
        return [q.text] if q.text in names else []
    text = str(q.text)
    if isinstance(q, wq.Prefix):
        return sorted(n for n in names if n.startswith(text))
    if isinstance(q, wq.Wildcard):
        return sorted(n for n in names if fnmatch.fnmatchcase(n, text))
    if isinstance(q, wq.FuzzyTerm):
        return sorted(
            n
            for n in names
            if n[: q.prefixlength] == text[: q.prefixlength] and _distance(n, text) <= q.maxdist
        )
    return []


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (labels are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


# --- the cached state per workspace ------------------------------------------------

_STORES: dict[str, tuple[AnnotationStore, HumanState | None]] = {}
_LOCK = threading.Lock()
_PARENTS: dict[str, tuple[tuple[int, int], dict[str, str | None]]] = {}


def state(ws: Workspace) -> HumanState:
    """The current human state of ``ws``; read again only when the event log has changed."""
    with _LOCK:
        store, cached = _STORES.get(str(ws.root), (None, None))
        if store is None:
            store = AnnotationStore(ws, author="-")
        version = _log_version(store)
        if cached is not None and cached.version == version:
            return cached
        annotations = store.all()
        fresh = HumanState(version, _labels(ws, annotations), _rejections(annotations))
        _STORES[str(ws.root)] = (store, fresh)
        return fresh


def forget(ws: Workspace) -> None:
    """Drop the cached state of ``ws`` (tests; a workspace deleted)."""
    with _LOCK:
        _STORES.pop(str(ws.root), None)


def _log_version(store: AnnotationStore) -> tuple[int, int, int]:
    try:
        st = store.path.stat()
    except OSError:
        return (0, 0, 0)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _rejections(annotations: Iterable[Any]) -> dict[Entry, frozenset[str]]:
    found: dict[Entry, set[str]] = {}
    for tag_id, decision in decisions_of(annotations).items():
        if decision != "reject":
            continue
        doc_id, provision_id, label = tag_id.split(":", 2)
        found.setdefault((doc_id, provision_id), set()).add(label.lower())
    return {k: frozenset(v) for k, v in found.items()}


def _labels(ws: Workspace, annotations: Iterable[Any]) -> dict[Entry, frozenset[str]]:
    own: dict[Entry, set[str]] = {}
    for a in annotations:
        if a.labels:
            own.setdefault((a.doc_id, a.provision_id), set()).update(x.lower() for x in a.labels)
    found: dict[Entry, set[str]] = {}
    parents_of: dict[str, dict[str, str | None]] = {}
    for (doc_id, pid), names in own.items():
        if doc_id not in parents_of:
            parents_of[doc_id] = _parents(ws, doc_id)
        parents = parents_of[doc_id]
        node: str | None = pid
        seen: set[str] = set()
        while node and node not in seen:  # the provision, then each ancestor
            seen.add(node)
            found.setdefault((doc_id, node), set()).update(names)
            node = parents.get(node)
    return {k: frozenset(v) for k, v in found.items()}


def _parents(ws: Workspace, doc_id: str) -> dict[str, str | None]:
    """provision id -> parent id of a stored document, kept while its bundle is unchanged."""
    path = ws.bundle_path(doc_id)
    try:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        return {}
    cached = _PARENTS.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    bundle = ws.load_bundle(doc_id)
    parents = {p.id: p.parent for p in bundle.provisions} if bundle is not None else {}
    _PARENTS[str(path)] = (stamp, parents)
    return parents
