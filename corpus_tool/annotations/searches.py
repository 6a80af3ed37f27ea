"""Saved searches (named queries kept in the annotation log) and the recent-query history.

A saved search is the user's work, so it lives in the annotation store's event
log (``search-save``, ``search-rename``, ``search-delete``; docs/decisions.md
section 1), where it is backed up, versioned and shared with the annotations.
Searches saved before that, in ``annotations/saved-searches.json``, are still
read (as the ``lexis`` dialect they ran with); a later event on the same name
wins. Query history is a convenience that may be lost: it lives with the
derived data.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from corpus_tool.annotations.store import SEARCH_FILTERS, AnnotationStore
from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace, atomic_write_bytes

LEGACY_FILE = "saved-searches.json"
HISTORY_FILE = "tui-history.json"
HISTORY_LIMIT = 200
DEFAULT_DIALECT = "lexis"  # docs/decisions.md section 4
FILTER_NAMES = SEARCH_FILTERS  # one list, kept by the store that checks them


@dataclass(frozen=True)
class SavedSearch:
    """A named query with its dialect and facet filters."""

    name: str
    query: str
    filters: dict[str, str] = field(default_factory=dict)
    dialect: str = DEFAULT_DIALECT

    def as_event(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "query": self.query,
            "dialect": self.dialect,
            "filters": dict(self.filters),
        }


def _from_record(record: Mapping[str, Any], where: str) -> SavedSearch:
    try:
        filters = {str(k): str(v) for k, v in dict(record.get("filters") or {}).items()}
        return SavedSearch(
            name=str(record["name"]),
            query=str(record["query"]),
            filters=filters,
            dialect=str(record.get("dialect") or DEFAULT_DIALECT),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{where}: a saved search is unreadable ({exc})") from exc


def _legacy(ws: Workspace) -> list[SavedSearch]:
    path = ws.annotations_dir / LEGACY_FILE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data.get("searches", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise StoreError(f"{path}: saved searches are unreadable ({exc})") from exc
    return [_from_record(r, str(path)) for r in records]


def saved_searches(ws: Workspace) -> list[SavedSearch]:
    """The current saved searches, in the order they were (last) saved."""
    current: dict[str, SavedSearch] = {s.name: s for s in _legacy(ws)}
    store = AnnotationStore(ws, author="-")
    for event in store.events():
        kind = event.get("event")
        try:
            if kind == "search-save":
                saved = _from_record(event["search"], str(store.path))
                current.pop(saved.name, None)
                current[saved.name] = saved
            elif kind == "search-delete":
                current.pop(str(event["name"]), None)
            elif kind == "search-rename":
                old, new = str(event["name"]), str(event["new_name"])
                if old in current and old != new:
                    current = {
                        (new if k == old else k): (replace(v, name=new) if k == old else v)
                        for k, v in current.items()
                        if k != new
                    }
        except (KeyError, TypeError) as exc:
            raise StoreError(f"{store.path}: a {kind} event is unreadable ({exc})") from exc
    return list(current.values())


def get_search(ws: Workspace, name: str) -> SavedSearch:
    """A saved search by name (StoreError naming the ones there are)."""
    searches = saved_searches(ws)
    for s in searches:
        if s.name == name:
            return s
    have = ", ".join(repr(s.name) for s in searches) or "none"
    raise StoreError(f"no saved search {name!r} (saved: {have})")


def _record(ws: Workspace, kind: str, author: str | None, **payload: Any) -> None:
    AnnotationStore(ws, author=author).record(kind, **payload)


def save_search(
    ws: Workspace,
    name: str,
    query: str,
    *,
    filters: Mapping[str, str | None] | None = None,
    dialect: str = DEFAULT_DIALECT,
    author: str | None = None,
) -> SavedSearch:
    """Save (or replace) a search under ``name`` (through ``AnnotationStore.save_search``)."""
    record = AnnotationStore(ws, author=author).save_search(
        name, query, dialect=dialect or DEFAULT_DIALECT, filters=filters
    )
    return _from_record(record, name)


def rename_search(ws: Workspace, name: str, new_name: str, *, author: str | None = None) -> None:
    new_name = new_name.strip()
    if not new_name:
        raise StoreError("a saved search needs a name")
    get_search(ws, name)
    if new_name != name and any(s.name == new_name for s in saved_searches(ws)):
        raise StoreError(f"a saved search is already named {new_name!r}")
    _record(ws, "search-rename", author, name=name, new_name=new_name)


def delete_search(ws: Workspace, name: str, *, author: str | None = None) -> None:
    get_search(ws, name)
    _record(ws, "search-delete", author, name=name)


def load_history(ws: Workspace) -> list[str]:
    """Recent queries, oldest first (empty when the file is missing or unreadable)."""
    path = ws.derived_dir / HISTORY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [q for q in data if isinstance(q, str)][-HISTORY_LIMIT:]
    except (OSError, ValueError, TypeError):
        return []


def save_history(ws: Workspace, history: Sequence[str]) -> None:
    data = json.dumps(list(history)[-HISTORY_LIMIT:], ensure_ascii=False).encode("utf-8")
    # History is a convenience: never fail a session for it.
    with contextlib.suppress(OSError):
        atomic_write_bytes(ws.derived_dir / HISTORY_FILE, data)
