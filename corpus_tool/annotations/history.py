"""Undo and redo of one session's own annotation actions, as events in the store.

A :class:`History` wraps an :class:`AnnotationStore` for one session (a TUI run,
a script): every action made through it (create, edit, delete, accept, reject)
goes on a stack, newest last. ``undo()`` reverses the newest action not yet
undone by appending an event that names it (``undoes``), ``redo()`` re-applies
the newest undone one (``redoes``); a new action clears the redo stack, as in
every editor. Nothing is ever removed from the log (docs/decisions.md section 1).

Actions of other people or other sessions are not on the stack: if one of them
changed an annotation since, undo refuses with a clear message rather than
overwrite their work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from corpus_tool.annotations.store import AnnotationStore
from corpus_tool.errors import StoreError
from corpus_tool.model import Annotation, TextQuote, from_dict

# Fields that tell two states of an annotation apart (``modified`` is only when).
_IGNORED = ("modified",)


@dataclass(frozen=True)
class Action:
    """One user action on one annotation, with the states before and after it."""

    kind: str  # "create" | "edit" | "delete" | "accept" | "reject"
    annotation_id: str
    before: Annotation | None  # None: the annotation did not exist
    after: Annotation | None  # None: the action deleted it
    eid: str  # the newest event that applied this action (the action or its redo)
    origin: str = ""  # the event of the action itself, named by ``redoes``
    where: str = ""  # the provision's citation ("Article 53(2)") when it could be read

    @property
    def summary(self) -> str:
        """A short phrase for a status line: 'create oss-exemption on Article 53(2) (doc)'."""
        a = self.after or self.before
        assert a is not None
        what = ", ".join(a.labels) or (f"{a.decision} {a.tag_label}" if a.decision else "note")
        place = f"{self.where} ({a.doc_id})" if self.where else f"{a.doc_id} {a.provision_id}"
        return f"{self.kind} {what} on {place}"


def _kind_of(event: str, before: Annotation | None, after: Annotation | None) -> str:
    if after is None:
        return "delete"
    if after.decision and (before is None or before.decision != after.decision):
        return after.decision
    return "create" if before is None else "edit"


def _same(a: Annotation | None, b: Annotation | None) -> bool:
    if a is None or b is None:
        return a is b
    return replace(a, modified="") == replace(b, modified="")


class History:
    """A per-session undo/redo stack over an annotation store."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self._done: list[Action] = []
        self._undone: list[Action] = []

    @classmethod
    def from_log(cls, store: AnnotationStore) -> History:
        """The stacks of ``store.author`` rebuilt from the log (for the CLI's undo and redo).

        Each of the author's own create/update/delete events is an action; an event
        with ``undoes`` moves the action it reverses to the redo stack, one with
        ``redoes`` moves it back, and any other action clears the redo stack.
        Re-anchoring is not an action of the author's.
        """
        history = cls(store)
        state: dict[str, Annotation] = {}
        for event in store.events():
            kind = event.get("event")
            if kind not in ("create", "update", "delete"):
                continue
            try:
                if kind == "delete":
                    target = str(event["id"])
                    before, after = state.pop(target, None), None
                else:
                    after = from_dict(Annotation, event["annotation"])
                    target = after.id
                    before = state.get(target)
                    state[target] = after
            except (KeyError, TypeError, ValueError):
                continue  # the store warns about malformed lines
            if event.get("by") != store.author or event.get("reason") == "re-anchored":
                continue
            eid = str(event.get("eid", ""))
            undoes, redoes = event.get("undoes"), event.get("redoes")
            if undoes:
                done = next((a for a in reversed(history._done) if a.eid == undoes), None)
                if done is not None:
                    history._done.remove(done)
                    history._undone.append(replace(done, eid=eid))
            elif redoes:
                undone = next((a for a in reversed(history._undone) if a.origin == redoes), None)
                if undone is not None:
                    history._undone.remove(undone)
                    history._done.append(replace(undone, eid=eid))
            else:
                history._done.append(
                    Action(_kind_of(kind, before, after), target, before, after, eid, origin=eid)
                )
                history._undone.clear()
        return history

    # --- what the UI shows -----------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def peek_undo(self) -> Action | None:
        """The action ``undo()`` would reverse."""
        return self._done[-1] if self._done else None

    def peek_redo(self) -> Action | None:
        """The action ``redo()`` would re-apply."""
        return self._undone[-1] if self._undone else None

    def actions(self) -> list[Action]:
        """This session's actions still in effect, newest first."""
        return list(reversed(self._done))

    # --- actions ------------------------------------------------------------
    def _record(self, kind: str, before: Annotation | None, after: Annotation | None) -> None:
        target = after or before
        assert target is not None and self.store.last_eid is not None
        eid = self.store.last_eid
        action = Action(kind, target.id, before, after, eid, origin=eid)
        self._done.append(replace(action, where=self._where(action)))
        self._undone.clear()

    def create(
        self,
        *,
        doc_id: str,
        provision_id: str,
        labels: Iterable[str] = (),
        note: str = "",
        quote: str | TextQuote | None = None,
        position: tuple[int, int] | None = None,
    ) -> Annotation:
        """Create an annotation (a duplicate label raises DuplicateLabelError)."""
        created = self.store.create(
            doc_id=doc_id,
            provision_id=provision_id,
            labels=labels,
            note=note,
            quote=quote,
            position=position,
        )
        self._record("create", None, created)
        return created

    def edit(
        self,
        annotation_id: str,
        *,
        note: str | None = None,
        labels: Iterable[str] | None = None,
    ) -> Annotation:
        """Change the note and/or labels of an annotation."""
        before = self.store.get(annotation_id)
        after = self.store.edit(before.id, note=note, labels=labels)
        self._record("edit", before, after)
        return after

    def update(self, annotation_id: str, **changes: Any) -> Annotation:
        """Any change ``AnnotationStore.update`` accepts (span, provision, decision...)."""
        before = self.store.get(annotation_id)
        after = self.store.update(before.id, **changes)
        self._record("edit", before, after)
        return after

    def delete(self, annotation_id: str) -> Annotation:
        """Delete an annotation; returns it as it was (for an 'undo' hint)."""
        before = self.store.get(annotation_id)
        self.store.delete(before.id)
        self._record("delete", before, None)
        return before

    def review(self, tag_id: str, decision: str, *, note: str = "") -> Annotation:
        """Accept or reject a machine tag (replacing this author's earlier decision on it)."""
        doc_id, provision_id, label = [*tag_id.split(":"), "", "", ""][:3]
        before = next(
            (
                a
                for a in reversed(self.store.for_provision(doc_id, provision_id))
                if a.author == self.store.author and a.tag_label == label and a.decision
            ),
            None,
        )
        after = self.store.review_tag(tag_id, decision, note=note)
        self._record(decision, before, after)
        return after

    def _where(self, action: Action) -> str:
        """The citation of the action's provision, for messages (empty if it cannot be read)."""
        if action.where:
            return action.where
        a = action.after or action.before
        assert a is not None
        try:
            provision = self.store._bundle(a.doc_id).provision(a.provision_id)
        except (StoreError, OSError):
            return ""
        return provision.citation if provision is not None else ""

    # --- undo / redo --------------------------------------------------------
    def _current(self, annotation_id: str) -> Annotation | None:
        try:
            return self.store.get(annotation_id)
        except StoreError:
            return None

    def _check_unchanged(self, action: Action, expected: Annotation | None, verb: str) -> None:
        current = self._current(action.annotation_id)
        if not _same(current, expected):
            who = current.author if current is not None else "someone"
            raise StoreError(
                f"cannot {verb} '{action.summary}': annotation {action.annotation_id} was"
                f" changed since (by {who}); nothing was written"
            )

    def undo(self) -> Action | None:
        """Reverse the newest action of this session; None when there is nothing to undo."""
        if not self._done:
            return None
        action = self._done[-1]
        self._check_unchanged(action, action.after, "undo")
        eid = self.store.apply_state(action.annotation_id, action.before, undoes=action.eid)
        self._done.pop()
        undone = replace(action, eid=eid, where=self._where(action))
        self._undone.append(undone)
        return undone

    def redo(self) -> Action | None:
        """Re-apply the newest undone action; None when there is nothing to redo."""
        if not self._undone:
            return None
        action = self._undone[-1]
        self._check_unchanged(action, action.before, "redo")
        # ``redoes`` names the event that first made the change, as the schema says.
        eid = self.store.apply_state(action.annotation_id, action.after, redoes=action.origin)
        self._undone.pop()
        redone = replace(action, eid=eid, where=self._where(action))
        self._done.append(redone)
        return redone
