"""Errors a user sees as one clear line, never as a traceback."""

from __future__ import annotations


class CorpusToolError(Exception):
    """A problem the user can act on. ``str()`` is the one-line message."""

    exit_code = 2


class InputError(CorpusToolError):
    """A file that cannot be ingested; the message names the file and the reason."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class QueryError(CorpusToolError):
    """A query that cannot be parsed; says where and why."""

    def __init__(self, query: str, position: int | None, reason: str) -> None:
        where = f" at column {position + 1}" if position is not None else ""
        super().__init__(f"cannot parse query {query!r}{where}: {reason}")
        self.query = query
        self.position = position
        self.reason = reason


class StoreError(CorpusToolError):
    """The workspace's stored data cannot be read or written."""
