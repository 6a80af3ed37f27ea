"""The annotation store: an append-only JSON Lines event log in the workspace's annotations/.

Every change is one line (``create``, ``update`` or ``delete``) appended with a
single ``os.write`` on an ``O_APPEND`` descriptor, fsynced, under an exclusive
``flock`` on ``annotations/.lock`` so that several processes may annotate the
same workspace at once. The current state is the replay of the log. A line
that does not parse (a crash mid-write) is skipped with a warning; the next
append starts on a fresh line so it never glues onto the torn one.

Events follow docs/decisions.md section 1: each new line carries ``v`` (schema
version 2) and ``eid`` (a ULID); a version-1 line (no ``eid``) gets an id
derived from its bytes, so old logs stay readable and every event has a stable
id. Undo and redo are ordinary ``create``/``update``/``delete`` events that
name the event they reverse (``undoes``) or re-apply (``redoes``): the log
keeps everything and the state is always its replay.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpus_tool import shapes
from corpus_tool.annotations.labels import LabelScheme, load_label_scheme
from corpus_tool.errors import StoreError
from corpus_tool.model import Annotation, Provision, Tag, TextQuote, from_dict, to_dict
from corpus_tool.workspace import DocBundle, Workspace

log = logging.getLogger(__name__)

EVENTS_FILE = "events.jsonl"
LOCK_FILE = ".lock"
CONFIG_FILE = "corpus-tool.toml"
AUTHOR_ENV = "CORPUS_TOOL_AUTHOR"
DECISIONS = ("accept", "reject")
CONTEXT_CHARS = 32  # prefix/suffix length of a text-quote selector
# Opening of the provision kept by a whole-provision annotation for re-anchoring.
ANCHOR_CHARS = 300
# Fields a caller may change with update(); the rest (id, author, created) are history.
UPDATABLE = frozenset(
    {"labels", "note", "quote", "position", "decision", "tag_label", "provision_id"}
)
# Fields re-anchoring may move, besides the updatable ones.
ANCHOR_FIELDS = frozenset({"file", "sha256", "anchor_text"})
SCHEMA_VERSION = 2  # the ``v`` of events written now (docs/decisions.md section 1)
SEARCH_FILTERS = ("doc", "kind", "tag", "label")  # the facet filters a saved search keeps
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class DuplicateLabelError(StoreError):
    """The same label on the same target by the same author already exists."""

    def __init__(self, message: str, existing: Annotation, labels: tuple[str, ...]) -> None:
        super().__init__(message)
        self.existing = existing  # the annotation that already carries the labels
        self.labels = labels


def new_eid(ms: int | None = None) -> str:
    """A ULID: 48-bit Unix milliseconds then 80 random bits, 26 Crockford base32 characters.

    Ids sort by time as text, which a shared store and ``store push`` rely on.
    """
    stamp = int(time.time() * 1000) if ms is None else ms
    value = ((stamp & ((1 << 48) - 1)) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def legacy_eid(line: bytes) -> str:
    """The id of a version-1 event line (written without ``eid``): stable on every read."""
    return "v1-" + hashlib.sha256(line).hexdigest()[:22]


def now_iso() -> str:
    """UTC time to the millisecond, sortable as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_annotation_id() -> str:
    return "ann_" + secrets.token_hex(8)


def default_author(ws: Workspace) -> str:
    """$CORPUS_TOOL_AUTHOR, the workspace's corpus-tool.toml, the user's config, git, the login.

    See corpus_tool.annotations.author for where each comes from.
    """
    from corpus_tool.annotations.author import author_name

    return author_name(ws)


def text_quote(text: str, start: int, end: int) -> TextQuote:
    """A W3C text-quote selector for ``text[start:end]`` with its surrounding context."""
    return TextQuote(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def select_span(
    provision: Provision,
    quote: str | TextQuote | None,
    position: tuple[int, int] | None,
) -> tuple[TextQuote | None, tuple[int, int] | None]:
    """Quote and position selectors for a span of ``provision``, checked against its text."""
    text = provision.text
    exact = quote.exact if isinstance(quote, TextQuote) else quote
    if position is not None:
        start, end = int(position[0]), int(position[1])
        if not 0 <= start < end <= len(text):
            raise StoreError(
                f"span {start}-{end} is outside {provision.citation} ({len(text)} characters)"
            )
        if exact is not None and text[start:end] != exact:
            raise StoreError(
                f"the quote {exact!r} is not at {start}-{end} of {provision.citation}"
                f" (found {text[start:end]!r})"
            )
        return text_quote(text, start, end), (start, end)
    if exact is None or exact == "":
        return None, None
    start = text.find(exact)
    if start < 0:
        # People paste quotes with different spacing; match on collapsed whitespace.
        collapsed = " ".join(exact.split())
        start = text.find(collapsed)
        exact = collapsed
    if start < 0:
        raise StoreError(f"the quote {quote!r} does not occur in {provision.citation}")
    return text_quote(text, start, start + len(exact)), (start, start + len(exact))


class AnnotationStore:
    """Create, change and read the annotations of one workspace."""

    def __init__(self, ws: Workspace, author: str | None = None) -> None:
        self.ws = ws
        self.author = (author or "").strip() or default_author(ws)
        self.warnings: list[str] = []
        self._cache_key: tuple[int, int, int] | None = None
        self._offset = 0  # bytes of the log already replayed (whole lines only)
        self._lines = 0
        self._state: dict[str, Annotation] = {}
        self._ordered: list[Annotation] = []
        self._by_provision: dict[tuple[str, str], list[Annotation]] = {}
        self._scheme: LabelScheme | None = None
        self._bundles: dict[str, tuple[tuple[int, int], DocBundle]] = {}
        self._searches: dict[str, dict[str, Any]] = {}
        self.last_eid: str | None = None  # eid of the newest event this store wrote
        self._shared: Any = False  # not looked up yet; None: the file log
        self._server: list[tuple[str, dict[str, Any]]] = []  # shared store events read so far
        self._seq = 0  # the last shared store event read

    # --- paths and locking ---------------------------------------------------
    @property
    def path(self) -> Path:
        return self.ws.annotations_dir / EVENTS_FILE

    @property
    def scheme(self) -> LabelScheme:
        if self._scheme is None:
            self._scheme = load_label_scheme(self.ws)
        return self._scheme

    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        lock_path = self.ws.annotations_dir / LOCK_FILE
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            if exclusive:
                raise
            # A reader in a read-only workspace still gets a consistent view:
            # each event is one write, and a half-seen line is skipped like a torn one.
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _bundle(self, doc_ref: str) -> DocBundle:
        """The stored bundle of a document, kept while its file is unchanged (the UI annotates often)."""
        path = self.ws.bundle_path(doc_ref)
        try:
            st = path.stat()
        except OSError:
            return self.ws.find_doc(doc_ref)  # a file name or a typo: the workspace explains
        key = (st.st_size, st.st_mtime_ns)
        cached = self._bundles.get(doc_ref)
        if cached is not None and cached[0] == key:
            return cached[1]
        bundle = self.ws.find_doc(doc_ref)
        self._bundles[doc_ref] = (key, bundle)
        return bundle

    # --- writing ---------------------------------------------------------------
    def _append(self, record: dict[str, Any]) -> None:
        if self.shared is not None:
            # Acknowledged by the server, or journaled in the workspace while offline.
            self.shared.append(record)
            return
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        try:
            self.ws.annotations_dir.mkdir(parents=True, exist_ok=True)
            with self._lock(exclusive=True):
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        data = b"\n" + data  # never glue onto a torn last line
                    try:
                        written = os.write(fd, data)
                        if written != len(data):
                            raise OSError(errno.ENOSPC, "short write (disk full?)")
                        os.fsync(fd)
                    except OSError:
                        # Leave the log as it was: cut off whatever part of the line got in.
                        with contextlib.suppress(OSError):
                            os.ftruncate(fd, size)
                        raise
                finally:
                    os.close(fd)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise StoreError(
                f"cannot save the annotation in {self.ws.annotations_dir}: {reason};"
                " nothing was written"
            ) from exc

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        # Every append records its event id so a caller (undo, the UI) can name it.
        self.last_eid = new_eid()
        return {
            "v": SCHEMA_VERSION,
            "eid": self.last_eid,
            "event": kind,
            "at": now_iso(),
            "by": self.author,
            **fields,
        }

    def record(self, kind: str, **payload: Any) -> None:
        """Append an event that is not about one annotation (a saved search, say)."""
        self._append(self._event(kind, **payload))

    def create(
        self,
        *,
        doc_id: str,
        provision_id: str,
        labels: Iterable[str] = (),
        note: str = "",
        quote: str | TextQuote | None = None,
        position: tuple[int, int] | None = None,
        decision: str | None = None,
        tag_label: str | None = None,
    ) -> Annotation:
        """Record a new annotation on a provision (or a span of it) of an ingested document."""
        bundle = self._bundle(doc_id)
        provision = _provision(bundle, provision_id)
        labels = self.scheme.validate(list(labels))
        tq, pos = select_span(provision, quote, position)
        decision, tag_label = _check_decision(bundle, provision, decision, tag_label)
        if not labels and not note.strip() and decision is None:
            raise StoreError("an annotation needs at least a label, a note or a decision")
        self._refuse_duplicate(bundle.meta.doc_id, provision, pos, labels)
        stamp = now_iso()
        annotation = Annotation(
            id=new_annotation_id(),
            author=self.author,
            created=stamp,
            modified=stamp,
            file=bundle.meta.file,
            doc_id=bundle.meta.doc_id,
            sha256=bundle.meta.sha256,
            provision_id=provision.id,
            labels=labels,
            note=note,
            quote=tq,
            position=pos,
            decision=decision,
            tag_label=tag_label,
            anchor_text="" if pos else provision.text[:ANCHOR_CHARS],
        )
        self._append(self._event("create", annotation=to_dict(annotation)))
        return annotation

    def update(self, annotation_id: str, **changes: Any) -> Annotation:
        """Change labels, note, span or decision of an annotation (its history stays in the log)."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise StoreError(
                f"cannot change {', '.join(sorted(unknown))} of an annotation;"
                f" changeable: {', '.join(sorted(UPDATABLE))}"
            )
        current = self.get(annotation_id)
        bundle = self._bundle(current.doc_id)
        provision = _provision(bundle, changes.get("provision_id", current.provision_id))
        fields: dict[str, Any] = {"provision_id": provision.id}
        if "labels" in changes:
            fields["labels"] = self.scheme.validate(list(changes["labels"]))
        if "note" in changes:
            fields["note"] = str(changes["note"] or "")
        if "quote" in changes or "position" in changes:
            fields["quote"], fields["position"] = select_span(
                provision, changes.get("quote"), changes.get("position")
            )
        elif provision.id != current.provision_id and current.quote is not None:
            fields["quote"], fields["position"] = select_span(provision, current.quote, None)
        if fields.get("provision_id") != current.provision_id or "position" in fields:
            fields["sha256"], fields["file"] = bundle.meta.sha256, bundle.meta.file
            span = fields.get("position", current.position)
            fields["anchor_text"] = "" if span else provision.text[:ANCHOR_CHARS]
        decision = changes.get("decision", current.decision)
        tag_label = changes.get("tag_label", current.tag_label)
        fields["decision"], fields["tag_label"] = _check_decision(
            bundle, provision, decision, tag_label
        )
        updated = replace(current, **fields, modified=now_iso())
        if not updated.labels and not updated.note.strip() and updated.decision is None:
            raise StoreError("an annotation needs at least a label, a note or a decision")
        moved = (updated.provision_id, updated.position) != (current.provision_id, current.position)
        added = tuple(x for x in updated.labels if moved or x not in current.labels)
        self._refuse_duplicate(updated.doc_id, provision, updated.position, added, skip=updated.id)
        self._append(self._event("update", annotation=to_dict(updated)))
        return updated

    def edit(
        self,
        annotation_id: str,
        *,
        note: str | None = None,
        labels: Iterable[str] | None = None,
    ) -> Annotation:
        """Change the note and/or the labels of an annotation: one ``update`` event."""
        changes: dict[str, Any] = {}
        if note is not None:
            changes["note"] = note
        if labels is not None:
            changes["labels"] = list(labels)
        if not changes:
            raise StoreError("nothing to edit: give a new note or new labels")
        return self.update(annotation_id, **changes)

    def _refuse_duplicate(
        self,
        doc_id: str,
        provision: Provision,
        position: tuple[int, int] | None,
        labels: Iterable[str],
        skip: str | None = None,
    ) -> None:
        """Refuse a label this author already put on the same provision and span."""
        wanted = set(labels)
        if not wanted:
            return
        for other in self.for_provision(doc_id, provision.id):
            if other.id == skip or other.author != self.author or other.position != position:
                continue
            same = tuple(x for x in other.labels if x in wanted)
            if same:
                where = provision.citation + (f" ({position[0]}-{position[1]})" if position else "")
                raise DuplicateLabelError(
                    f"{where} of {doc_id} is already labelled {', '.join(same)} by"
                    f" {self.author} (annotation {other.id}); edit that annotation instead",
                    other,
                    same,
                )

    def apply_state(
        self,
        annotation_id: str,
        state: Annotation | None,
        *,
        undoes: str | None = None,
        redoes: str | None = None,
    ) -> str:
        """Bring one annotation to ``state`` (None = deleted) with one event; its eid.

        The primitive of undo and redo (docs/decisions.md section 1): a deleted
        annotation comes back with a ``create`` of the same id, a live one is
        reset with an ``update`` carrying the whole state, or removed with a
        ``delete``. ``undoes``/``redoes`` name the event reversed or re-applied.
        """
        link = {k: v for k, v in (("undoes", undoes), ("redoes", redoes)) if v}
        live = self._replay().get(annotation_id)
        if state is None:
            if live is None:
                raise StoreError(f"annotation {annotation_id} is already deleted")
            self._append(self._event("delete", id=annotation_id, **link))
        else:
            gained = tuple(x for x in state.labels if live is None or x not in live.labels)
            if gained:
                # A redo must not bring back a label given again since (one label, one annotation).
                try:
                    provision = _provision(self._bundle(state.doc_id), state.provision_id)
                except StoreError:
                    provision = None  # the document is gone: nothing to collide with
                if provision is not None:
                    self._refuse_duplicate(
                        state.doc_id, provision, state.position, gained, skip=state.id
                    )
            state = replace(state, modified=now_iso())
            kind = "create" if live is None else "update"
            self._append(self._event(kind, annotation=to_dict(state), **link))
            keys = [(state.doc_id, state.provision_id)]
            if live is not None:
                keys.append((live.doc_id, live.provision_id))
        assert self.last_eid is not None
        return self.last_eid

    def review_tag(self, tag_id: str, decision: str, *, note: str = "") -> Annotation:
        """Accept or reject a machine tag; one decision per author and tag (a new one replaces it)."""
        parts = tag_id.split(":")
        if len(parts) != 3 or not all(parts):
            raise StoreError(f"a tag id looks like DOC:PROVISION:LABEL, not {tag_id!r}")
        doc_id, provision_id, label = parts
        mine = [
            a
            for a in self.for_provision(doc_id, provision_id)
            if a.author == self.author and a.tag_label == label and a.decision
        ]
        if mine:
            changes: dict[str, Any] = {"decision": decision}
            if note:
                changes["note"] = note
            return self.update(mine[-1].id, **changes)
        return self.create(
            doc_id=doc_id, provision_id=provision_id, note=note, decision=decision, tag_label=label
        )

    # --- saved searches (events search-save / search-delete / search-rename) ----
    def save_search(
        self,
        name: str,
        query: str,
        *,
        dialect: str = "lexis",
        filters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create or replace a saved search by name; the ``search`` payload written.

        The one writer of ``search-save`` events: ``annotations.searches.save_search``
        (the CLI and the TUI) calls this, so both check and write a search alike.
        """
        name = name.strip()
        if not name:
            raise StoreError("a saved search needs a name")
        if not query.strip():
            raise StoreError(f"the saved search {name!r} needs a query")
        kept = {str(k): str(v) for k, v in (filters or {}).items() if v not in (None, "")}
        unknown = set(kept) - set(SEARCH_FILTERS)
        if unknown:
            raise StoreError(
                f"unknown filter {', '.join(sorted(unknown))} for a saved search;"
                f" known: {', '.join(SEARCH_FILTERS)}"
            )
        search = {"name": name, "query": query, "dialect": dialect or "lexis", "filters": kept}
        self._append(self._event("search-save", search=search))
        return dict(search)

    def delete_search(self, name: str) -> None:
        if name not in self.saved_searches():
            raise StoreError(f"no saved search named {name!r}")
        self._append(self._event("search-delete", name=name))

    def rename_search(self, name: str, new_name: str) -> None:
        searches = self.saved_searches()
        if name not in searches:
            raise StoreError(f"no saved search named {name!r}")
        if not new_name.strip() or new_name in searches:
            raise StoreError(f"cannot rename {name!r} to {new_name!r}: empty or taken")
        self._append(self._event("search-rename", name=name, new_name=new_name.strip()))

    def saved_searches(self) -> dict[str, dict[str, Any]]:
        """Name -> {name, query, dialect, filters}, in the order saved."""
        self._replay()
        return {k: dict(v) for k, v in self._searches.items()}

    def reattach(self, annotation: Annotation) -> Annotation:
        """Record where re-anchoring found an annotation (only anchor fields may differ)."""
        current = self.get(annotation.id)
        changed = {
            name
            for name in UPDATABLE | ANCHOR_FIELDS
            if getattr(current, name) != getattr(annotation, name)
        }
        if changed - {"provision_id", "quote", "position", "file", "sha256", "anchor_text"}:
            raise StoreError(f"re-anchoring may not change {', '.join(sorted(changed))}")
        updated = replace(annotation, modified=now_iso())
        self._append(self._event("update", annotation=to_dict(updated), reason="re-anchored"))
        return updated

    def delete(self, annotation_id: str) -> None:
        """Mark an annotation deleted; the log keeps it, so it can be recovered."""
        current = self.get(annotation_id)
        self._append(self._event("delete", id=current.id))

    def restore(self, annotations: Iterable[Annotation]) -> int:
        """Append annotations exactly as given (ids, authors, times): used by import."""
        count = 0
        for annotation in annotations:
            self._append(self._event("create", annotation=to_dict(annotation)))
            count += 1
        return count

    # --- reading -----------------------------------------------------------
    def _read_from(self, offset: int) -> bytes:
        try:
            with self._lock(exclusive=False):
                if not self.path.exists():
                    return b""
                with self.path.open("rb") as fh:
                    fh.seek(offset)
                    return fh.read()
        except OSError as exc:
            raise StoreError(f"cannot read the annotations in {self.path}: {exc.strerror}") from exc

    def _parse(self, raw: bytes, first_line: int) -> tuple[list[dict[str, Any]], int, int]:
        """Events in ``raw``, the bytes consumed and the lines consumed.

        An unfinished last line (no newline yet) is not consumed, so a later read
        sees it again; once a newer event follows it, it is an unreadable line.
        """
        events: list[dict[str, Any]] = []
        self._event_lines: list[int] = []  # the line of each event, for warnings
        lines = raw.split(b"\n")
        complete, tail = lines[:-1], lines[-1]
        for number, line in enumerate(complete, start=first_line):
            if not line.strip():
                continue
            event = self._decode(line)
            if event is None:
                self._warn(
                    f"{self.path}:{number}: skipped an unreadable line (a write was interrupted);"
                    " every other annotation is intact"
                )
            else:
                if "eid" not in event:
                    event["eid"] = legacy_eid(line)
                events.append(event)
                self._event_lines.append(number)
        if tail.strip():
            number = first_line + len(complete)
            self._warn(
                f"{self.path}:{number}: skipped an unfinished last line (a write was interrupted);"
                " every other annotation is intact"
            )
        return events, len(raw) - len(tail), len(complete)

    @staticmethod
    def _decode(line: bytes) -> dict[str, Any] | None:
        try:
            event = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        return event if isinstance(event, dict) and "event" in event else None

    def events(self) -> list[dict[str, Any]]:
        """Every readable event of the log, in the order written."""
        if self.shared is not None:
            self._replay()
            known = {e.get("eid") for _, e in self._server}
            return [e for _, e in self._server] + [
                e for e in self.shared.pending() if e.get("eid") not in known
            ]
        return self._parse(self._read_from(0), 1)[0]

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning(message)

    def _replay(self) -> dict[str, Annotation]:
        """Current state; only the events appended since the last call are read."""
        if self.shared is not None:
            return self._replay_shared(self.shared)
        try:
            st = self.path.stat()
            key = (st.st_size, st.st_mtime_ns, st.st_ino)
        except FileNotFoundError:
            key = (0, 0, 0)
        except OSError as exc:  # e.g. annotations/ is a file, or unreadable
            raise StoreError(f"cannot read the annotations in {self.path}: {exc.strerror}") from exc
        if key == self._cache_key:
            return self._state
        grown = (
            self._cache_key is not None and key[2] == self._cache_key[2] and key[0] >= self._offset
        )
        if not grown:
            self._state, self._offset, self._lines = {}, 0, 0
            self._searches = {}
        raw = self._read_from(self._offset) if key != (0, 0, 0) else b""
        events, consumed, lines = self._parse(raw, self._lines + 1)
        self._offset += consumed
        self._lines += lines
        self._apply(
            (
                (f"{self.path}:{number}", event)
                for number, event in zip(self._event_lines, events, strict=True)
            )
        )
        self._index_state()
        self._cache_key = key
        return self._state

    def _apply(self, located: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Apply events, each with where it is written (for warnings), to the current state."""
        state = self._state
        for where, event in located:
            reason = _event_problem(event)
            if reason:
                self._warn(f"{where}: skipped {reason}; the line is kept in the log")
                continue
            kind = event["event"]
            if kind in ("search-save", "search-delete", "search-rename"):
                try:
                    self._replay_search(event)
                except (KeyError, TypeError) as exc:
                    self._warn(
                        f"{where}: skipped a malformed {kind!r} event ({exc});"
                        " the line is kept in the log"
                    )
            elif kind in ("create", "update"):
                annotation = from_dict(Annotation, event["annotation"])
                state[annotation.id] = annotation
            elif kind == "delete":
                state.pop(event["id"], None)

    def _index_state(self) -> None:
        # A stable sort on time keeps log order for events written in the same
        # millisecond (the dict keeps each id where its create event was read);
        # breaking ties by the random id made 'oldest first' a coin toss.
        self._ordered = sorted(self._state.values(), key=lambda a: a.created)
        self._by_provision = {}
        for a in self._ordered:
            self._by_provision.setdefault((a.doc_id, a.provision_id), []).append(a)

    # --- the shared store (PostgreSQL), when the workspace names one ----------
    @property
    def shared(self) -> Any:
        """The shared event log when ``[store] url`` or $CORPUS_TOOL_STORE names one, else None."""
        if self._shared is False:
            from corpus_tool.annotations.pg_store import PgEventLog, store_url

            url = store_url(self.ws.config())
            self._shared = PgEventLog(url, self.ws.annotations_dir) if url else None
        return self._shared

    def _replay_shared(self, log: Any) -> dict[str, Annotation]:
        """Current state from the server's events, then this workspace's unsent journal."""
        from corpus_tool.annotations.pg_store import StoreUnreachable

        try:
            fresh = log.read_after(self._seq)
        except StoreUnreachable as exc:
            fresh = []
            self._warn(f"{exc}; working offline: new annotations wait in {log.journal}")
        pending = log.pending()
        key = (-1, self._seq if not fresh else fresh[-1][0], len(pending))
        if not fresh and key == self._cache_key:
            return self._state
        for seq, event in fresh:
            self._server.append((f"shared store event {seq}", event))
        if fresh:
            self._seq = fresh[-1][0]
        known = {e.get("eid") for _, e in self._server}
        offline = [
            (f"{log.journal}:{n}", e) for n, e in enumerate(pending, 1) if e.get("eid") not in known
        ]
        self._state, self._searches = {}, {}
        self._apply([*self._server, *offline])
        self._index_state()
        self._cache_key = key
        return self._state

    def _replay_search(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "search-save":
            search = event["search"]
            if not isinstance(search, dict) or not isinstance(search.get("name"), str):
                raise TypeError("a saved search is an object with a name")
            search = dict(search)
            self._searches.pop(search["name"], None)  # replaced: moves to the end
            self._searches[search["name"]] = search
        elif kind == "search-delete":
            self._searches.pop(event["name"], None)
        else:
            search = self._searches.pop(event["name"], None)
            if search is not None:
                self._searches[event["new_name"]] = {**search, "name": event["new_name"]}

    def all(self) -> list[Annotation]:
        """Current annotations, oldest first."""
        self._replay()
        return list(self._ordered)

    def get(self, annotation_id: str) -> Annotation:
        """An annotation by id or by a unique prefix of its id."""
        state = self._replay()
        if annotation_id in state:
            return state[annotation_id]
        matches = (
            [a for i, a in state.items() if i.startswith(annotation_id)] if annotation_id else []
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise StoreError(f"annotation id {annotation_id!r} is ambiguous ({len(matches)} match)")
        raise StoreError(f"no annotation {annotation_id!r} in {self.path}")

    def for_provision(self, doc_id: str, provision_id: str) -> list[Annotation]:
        """Current annotations on one provision, oldest first."""
        self._replay()
        return list(self._by_provision.get((doc_id, provision_id), ()))


# Event kinds of schema version 2 (docs/decisions.md, section 1); the search-*
# kinds belong to saved searches, not to the annotations' state.
KNOWN_EVENTS = frozenset(
    {"create", "update", "delete", "search-save", "search-delete", "search-rename"}
)


def _event_problem(event: dict[str, Any]) -> str | None:
    """Why an event cannot be applied to the current state (None when it can)."""
    kind = event.get("event")
    version = event.get("v", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        return f"an event with a malformed version {str(version)[:20]!r}"
    if version > SCHEMA_VERSION:
        return (
            f"an event of schema version {version} (this corpus-tool reads up to {SCHEMA_VERSION})"
        )
    if not isinstance(kind, str):
        return "an event without a kind"
    if kind not in KNOWN_EVENTS:
        return f"an event of a kind this version does not know ({kind[:40]!r})"
    if kind in ("create", "update"):
        reason = shapes.problem(Annotation, event.get("annotation"), "annotation")
        return f"a malformed {kind!r} event ({reason})" if reason else None
    if kind == "delete" and not isinstance(event.get("id"), str):
        return "a malformed 'delete' event (id must be a string)"
    return None


def _provision(bundle: DocBundle, provision_id: str) -> Provision:
    provision = bundle.provision(provision_id)
    if provision is None:
        near = [p.id for p in bundle.provisions if provision_id in p.id or p.id in provision_id]
        hint = f"; did you mean {', '.join(near[:5])}?" if near else ""
        raise StoreError(f"{bundle.meta.doc_id} has no provision {provision_id!r}{hint}")
    return provision


def _check_decision(
    bundle: DocBundle, provision: Provision, decision: str | None, tag_label: str | None
) -> tuple[str | None, str | None]:
    if decision is None and tag_label is None:
        return None, None
    if decision not in DECISIONS:
        raise StoreError(f"a decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    tags = [t for t in bundle.tags if t.provision_id == provision.id]
    if tag_label not in {t.label for t in tags}:
        have = ", ".join(sorted({t.label for t in tags})) or "none"
        raise StoreError(
            f"{provision.citation} of {bundle.meta.doc_id} has no machine tag {tag_label!r}"
            f" (its tags: {have})"
        )
    return decision, tag_label


def labels_by_provision(
    annotations: Iterable[Annotation], scheme: LabelScheme
) -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], set[str]] = {}
    for a in annotations:
        if a.labels:
            found.setdefault((a.doc_id, a.provision_id), set()).update(a.labels)
    return {k: scheme.order(v) for k, v in sorted(found.items())}


def current_labels(ws: Workspace) -> dict[tuple[str, str], tuple[str, ...]]:
    """(doc_id, provision_id) -> the labels people put on it (all authors)."""
    store = AnnotationStore(ws, author="-")
    return labels_by_provision(store.all(), store.scheme)


def decisions_of(annotations: Iterable[Annotation]) -> dict[str, str]:
    latest: dict[str, tuple[str, str]] = {}
    for a in annotations:
        if a.decision and a.tag_label:
            tag_id = f"{a.doc_id}:{a.provision_id}:{a.tag_label}"
            if tag_id not in latest or a.modified >= latest[tag_id][0]:
                latest[tag_id] = (a.modified, a.decision)
    return {k: v[1] for k, v in sorted(latest.items())}


def tag_decisions(ws: Workspace) -> dict[str, str]:
    """Tag.tag_id -> "accept" | "reject"; the latest decision by anyone wins."""
    return decisions_of(AnnotationStore(ws, author="-").all())


def effective_tags(
    tags: Iterable[Tag], decisions: Mapping[str, str]
) -> list[tuple[Tag, str | None]]:
    """Machine tags a person has not rejected, each with its decision (None when unreviewed)."""
    return [(t, decisions.get(t.tag_id)) for t in tags if decisions.get(t.tag_id) != "reject"]


def review(
    ws: Workspace, tag_id: str, decision: str, *, author: str | None = None, note: str = ""
) -> Annotation:
    """Accept or reject a machine tag; one decision per author and tag (a new one replaces it)."""
    return AnnotationStore(ws, author).review_tag(tag_id, decision, note=note)
