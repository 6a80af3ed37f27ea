"""Real documents of ../shared/corpus extracted (and split) once per test process."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest

from corpus_tool.model import Document, Provision
from tests.conftest import SHARED_CORPUS


def shared_path(name: str) -> Path:
    path = SHARED_CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the shared corpus at {SHARED_CORPUS}")
    return path


@cache
def _extracted(name: str) -> tuple[Document, tuple[str, ...]]:
    from corpus_tool.ingest.document import extract_with_details

    doc, ext = extract_with_details(shared_path(name))
    return doc, tuple(ext.removed) if ext is not None else ()


def real_doc(name: str) -> Document:
    """The clean Document of a shared corpus file (skips when the file is absent)."""
    shared_path(name)
    return _extracted(name)[0]


def real_removed(name: str) -> list[str]:
    shared_path(name)
    return list(_extracted(name)[1])


@cache
def _provisions(name: str) -> tuple[Provision, ...]:
    from corpus_tool.segment import segment_document

    return tuple(segment_document(real_doc(name)))


def real_provision(name: str, citation: str) -> Provision:
    """The provision of a shared corpus document with this citation."""
    shared_path(name)
    for p in _provisions(name):
        if p.citation == citation:
            return p
    raise AssertionError(f"{name} has no provision cited {citation!r}")


def real_provisions(name: str) -> tuple[Provision, ...]:
    shared_path(name)
    return _provisions(name)


def damaged(doc: Document, old: str, new: str) -> Document:
    """The document with the first ``old`` replaced by ``new`` (page ends moved along)."""
    at = doc.text.index(old)
    shift = len(new) - len(old)
    pages = tuple(
        dataclasses.replace(
            p,
            start=p.start + (shift if p.start > at else 0),
            end=p.end + (shift if p.end > at else 0),
        )
        for p in doc.pages
    )
    text = doc.text[:at] + new + doc.text[at + len(old) :]
    return dataclasses.replace(doc, text=text, pages=pages)
