"""Hand-written provisions saved as DocBundles: a small workspace whose search answers are known."""

from __future__ import annotations

from pathlib import Path

from corpus_tool.model import DocumentMeta, Evidence, Provision, Tag
from corpus_tool.workspace import DocBundle, Workspace

# (id, citation, kind, parent, heading, text, searchable)
ACT = [
    (
        "rec_10",
        "Recital 10",
        "recital",
        None,
        "",
        "Open-source software should be exempted where it is not monetised. Licensing terms vary.",
        True,
    ),
    ("art_2", "Article 2", "article", None, "Scope", "", False),
    (
        "art_2__para_12",
        "Article 2(12)",
        "paragraph",
        "art_2",
        "",
        "This Regulation does not apply to AI systems released under free and open-source "
        "licences, unless they are placed on the market as high-risk AI systems.",
        True,
    ),
    (
        "art_25",
        "Article 25",
        "article",
        None,
        "Responsibilities along the AI value chain",
        "",
        False,
    ),
    (
        "art_25__para_4",
        "Article 25(4)",
        "paragraph",
        "art_25",
        "",
        "The obligations set out in paragraph 2 shall not apply to third parties making "
        "accessible to the public tools under a free and open-source licence.",
        True,
    ),
    (
        "art_53",
        "Article 53",
        "article",
        None,
        "Obligations for providers of general-purpose AI models",
        "",
        False,
    ),
    (
        "art_53__para_1",
        "Article 53(1)",
        "paragraph",
        "art_53",
        "",
        "Providers of general-purpose AI models shall draw up technical documentation. "
        "See Art. 5 and No. 1025/2012 for details.",
        True,
    ),
    (
        "art_53__para_2",
        "Article 53(2)",
        "paragraph",
        "art_53",
        "",
        "The obligations set out in paragraph 1 shall not apply to providers of AI models that "
        "are released under a free and open-source licence. This exception shall not apply to "
        "general-purpose AI models with systemic risks.",
        True,
    ),
    ("art_60", "Article 60", "article", None, "Documentation", "", False),
    (
        "art_60__para_1",
        "Article 60(1)",
        "paragraph",
        "art_60",
        "",
        "Providers using a free and open-source licence shall publish documentation. "
        "The requirements of this Article shall not apply to small enterprises.",
        True,
    ),
    (
        "art_70",
        "Article 70",
        "article",
        None,
        "Licensing of models",
        "The licensor grants a licence. Licensed models and licensing terms are listed, "
        "and licenses granted before entry into force remain valid.",
        True,
    ),
]

ORDER = [
    ("sec_4", "Sec. 4", "section", None, "Ensuring Safety", "", False),
    (
        "sec_4__subsec_6",
        "Sec. 4.6",
        "subsection",
        "sec_4",
        "Dual-use foundation models",
        "The Secretary shall solicit input on dual-use foundation models with widely available "
        "model weights, including open-source models.",
        True,
    ),
    (
        "sec_5",
        "Sec. 5",
        "section",
        None,
        "Equity",
        "Agencies shall protect women and every woman from discrimination. The woman in charge "
        "shall report. Wamen is a misspelling.",
        True,
    ),
]


def _meta(file: str, doc_id: str, family: str, jurisdiction: str, date: str) -> DocumentMeta:
    return DocumentMeta(
        file=file, doc_id=doc_id, sha256="0" * 64, title=doc_id, family=family,
        jurisdiction=jurisdiction, date=date, citation=doc_id, eli="", pages=3,
    )  # fmt: skip


def _provisions(file: str, doc_id: str, rows: list[tuple]) -> tuple[Provision, ...]:
    out = []
    by_id = {r[0]: r for r in rows}
    for order, (pid, cite, kind, parent, heading, text, searchable) in enumerate(rows):
        path = [cite]
        p = parent
        while p:
            path.insert(0, by_id[p][1])
            p = by_id[p][3]
        out.append(
            Provision(
                file=file,
                doc_id=doc_id,
                id=pid,
                citation=cite,
                kind=kind,
                parent=parent,
                heading=heading,
                path=tuple(path),
                pages=(order // 4 + 1, order // 4 + 1),
                start=0,
                end=len(text),
                text=text,
                order=order,
                searchable=searchable,
            )
        )
    return tuple(out)


def act_bundle(text_override: dict[str, str] | None = None) -> DocBundle:
    rows = ACT
    if text_override:
        rows = [(r[0], r[1], r[2], r[3], r[4], text_override.get(r[0], r[5]), r[6]) for r in ACT]
    provisions = _provisions("act-a.pdf", "act-a", rows)
    tag = Tag(
        doc_id="act-a", provision_id="art_53__para_2", label="oss-exemption",
        evidence=(Evidence(0, 10, "The obliga", "exemption"),), source="test", score=1.0,
    )  # fmt: skip
    return DocBundle(
        _meta("act-a.pdf", "act-a", "eu-regulation", "EU", "2024-07-12"), provisions, (tag,)
    )


def order_bundle() -> DocBundle:
    provisions = _provisions("eo-b.pdf", "eo-b", ORDER)
    return DocBundle(
        _meta("eo-b.pdf", "eo-b", "us-executive-order", "US", "2023-11-01"), provisions, ()
    )


def make_workspace(root: Path, *, index: bool = True) -> Workspace:
    """A workspace with the two hand-written documents saved (and indexed)."""
    ws = Workspace(root)
    ws.ensure()
    bundles = [act_bundle(), order_bundle()]
    for b in bundles:
        ws.save_bundle(b)
    if index:
        from corpus_tool.index import rebuild_index

        rebuild_index(ws)
    return ws
