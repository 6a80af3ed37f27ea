"""Workspaces for the annotation, export and agreement tests, made by the tests themselves."""

from __future__ import annotations

import hashlib
from pathlib import Path

from corpus_tool.model import Document, DocumentMeta, Evidence, Provision, Tag
from corpus_tool.workspace import DocBundle, Workspace

# Text that tries everything a report or a spreadsheet can get wrong.
TRICKY = [
    '=HYPERLINK("http://evil.example","click") providers of general-purpose AI models shall '
    "draw up technical documentation.",
    "+1 obligations apply; <script>alert('x')</script> & other “quoted” text — über.",
    "-2 The obligations set out in paragraph 1 shall not apply to providers of AI models that "
    "are released under a free and open-source licence.",
    "@SUM(1) This exception shall not apply to general-purpose AI models with systemic risks.",
    "A plain definition: 'open-source' means *anything* [in] _brackets_ | pipes.",
]


def provision(doc_id: str, file: str, n: int, text: str, *, kind: str = "paragraph") -> Provision:
    return Provision(
        file=file,
        doc_id=doc_id,
        id=f"art_{n}",
        citation=f"Article {n}",
        kind=kind,
        parent=None,
        heading=f"Heading {n}" if n % 2 else "",
        path=("Chapter I", f"Article {n}"),
        pages=(n, n + (n % 2)),
        start=0,
        end=len(text),
        text=text,
        order=n,
    )


def evidence_tag(p: Provision, phrase: str, label: str) -> Tag:
    start = p.text.index(phrase)
    return Tag(
        doc_id=p.doc_id,
        provision_id=p.id,
        label=label,
        evidence=(Evidence(start, start + len(phrase), phrase, "open-source"),),
        source="test_rules.v1:" + label,
        score=0.75,
    )


def make_bundle(doc_id: str, texts: list[str], *, title: str = "") -> DocBundle:
    file = f"{doc_id}.txt"
    provisions = tuple(provision(doc_id, file, n, t) for n, t in enumerate(texts, start=1))
    tags = []
    for p in provisions:
        if "open-source" in p.text:
            tags.append(evidence_tag(p, "open-source", "oss-exemption"))
        if "shall not apply" in p.text:
            tags.append(evidence_tag(p, "shall not apply", "carve-back"))
    meta = DocumentMeta(
        file=file,
        doc_id=doc_id,
        sha256=hashlib.sha256("\n".join(texts).encode()).hexdigest(),
        title=title or f"The {doc_id} Act",
        family="eu-regulation",
        jurisdiction="EU",
        date="2024-07-12",
        citation=f"Regulation (EU) {doc_id}",
        eli="",
        pages=len(texts) + 1,
    )
    return DocBundle(meta, provisions, tuple(tags))


def tricky_workspace(root: Path) -> Workspace:
    """Two documents with tricky text, machine tags, and no annotations yet."""
    ws = Workspace(root)
    ws.ensure()
    ws.save_bundle(make_bundle("act-one", TRICKY))
    ws.save_bundle(
        make_bundle(
            "act-two",
            [
                "This Regulation shall not apply to free and open-source software components.",
                "Member States shall lay down penalties.",
            ],
        )
    )
    return ws


def text_document(path: Path) -> Document:
    """A plain-text document as the ingester would see it (used until ingest is importable)."""
    raw = path.read_bytes()
    return Document(
        DocumentMeta(
            file=path.name,
            doc_id=path.stem.lower(),
            sha256=hashlib.sha256(raw).hexdigest(),
            title=path.stem,
            family="licence",
            jurisdiction="",
            date="",
            citation="",
            eli="",
            pages=0,
            source=str(path),
            media_type="text/plain",
        ),
        raw.decode("utf-8"),
    )


def ingest_file(ws: Workspace, path: Path) -> DocBundle:
    """Ingest one real file for real: the build when it exists, else segment + tag."""
    import corpus_tool.build as build

    if hasattr(build, "ingest"):
        report = build.ingest(ws, [path], force=True)
        assert not report.failed, [r.message for r in report.failed]
        from corpus_tool.workspace import doc_id_for

        bundle = ws.load_bundle(doc_id_for(path))
        assert bundle is not None
        return bundle
    from corpus_tool.segment import segment_document
    from corpus_tool.tagging import tag_provisions

    doc = text_document(path)
    provisions = segment_document(doc)
    bundle = DocBundle(doc.meta, tuple(provisions), tuple(tag_provisions(provisions)))
    ws.save_bundle(bundle)
    return bundle
