"""A small hand-written workspace for the TUI tests (stable whatever ingest produces)."""

from __future__ import annotations

from pathlib import Path

from corpus_tool.model import DocumentMeta, Evidence, Footnote, Provision, Reference, Tag
from corpus_tool.workspace import DocBundle, Workspace

REG = "demo-regulation-2099-1"
LIC = "demo-model-licence"


def _prov(
    doc_id: str,
    file: str,
    order: int,
    pid: str,
    citation: str,
    kind: str,
    parent: str | None,
    heading: str,
    path: tuple[str, ...],
    text: str,
    *,
    pages: tuple[int, int] = (1, 1),
    refs: tuple[Reference, ...] = (),
    footnotes: tuple[Footnote, ...] = (),
    searchable: bool = True,
) -> Provision:
    return Provision(
        file=file,
        doc_id=doc_id,
        id=pid,
        citation=citation,
        kind=kind,
        parent=parent,
        heading=heading,
        path=path,
        pages=pages,
        start=order * 1000,
        end=order * 1000 + len(text),
        text=text,
        order=order,
        footnotes=footnotes,
        refs=refs,
        searchable=searchable,
    )


def _ref(text: str, within: str, target: str | None, **extra: str) -> Reference:
    start = within.index(text)
    return Reference(text=text, start=start, end=start + len(text), target=target, **extra)


def _evidence(text: str, within: str, role: str) -> Evidence:
    start = within.index(text)
    return Evidence(start=start, end=start + len(text), text=text, role=role)


def regulation_bundle() -> DocBundle:
    file = "demo-regulation-2099-1.pdf"
    meta = DocumentMeta(
        file=file,
        doc_id=REG,
        sha256="a" * 64,
        title="Regulation (EU) 2099/1 on model testing",
        family="eu-regulation",
        jurisdiction="EU",
        date="2099-01-01",
        citation="Regulation (EU) 2099/1",
        eli="",
        pages=4,
    )
    rec1 = (
        "Testing of general-purpose models should be proportionate. Free and open-source "
        "models released under a free and open-source licence should benefit from exemptions."
    )
    rec2 = "The obligations in Article 3 should apply to providers of all models."
    a1p1 = "This Regulation lays down rules for testing models, as set out in Article 2(1)."
    a1p2 = "Member States shall not restrict testing carried out in accordance with Article 3."
    a2p1 = "This Regulation applies to:"
    a2p1a = "providers placing models on the market;"
    a2p1b = "deployers of models located in the Union."
    a2p2 = (
        "This Regulation does not apply to models released under a free and open-source "
        "licence, unless they are placed on the market as high-risk models or fall under "
        "Article 3."
    )
    a3 = (
        "Providers of models shall test them before placing them on the market and keep "
        "documentation for ten years, as listed in Annex I."
    )
    annex = "Technical documentation: a description of the model, its training data and its tests."
    chap1 = "General provisions"
    art1 = " ".join((a1p1, a1p2))
    art2 = " ".join((a2p1, a2p1a, a2p1b, a2p2))
    provisions = (
        _prov(REG, file, 0, "rec_1", "Recital 1", "recital", None, "", ("Recital 1",), rec1),
        _prov(
            REG,
            file,
            1,
            "rec_2",
            "Recital 2",
            "recital",
            None,
            "",
            ("Recital 2",),
            rec2,
            refs=(_ref("Article 3", rec2, "art_3"),),
        ),
        _prov(
            REG,
            file,
            2,
            "cpt_I",
            "Chapter I",
            "chapter",
            None,
            chap1,
            ("Chapter I",),
            art1 + " " + art2,
            pages=(2, 3),
            searchable=False,
        ),
        _prov(
            REG,
            file,
            3,
            "art_1",
            "Article 1",
            "article",
            "cpt_I",
            "Subject matter",
            ("Chapter I", "Article 1"),
            art1,
            pages=(2, 2),
            searchable=False,
            footnotes=(Footnote("1", "OJ L 1, 1.1.2099, p. 1.", 2),),
        ),
        _prov(
            REG,
            file,
            4,
            "art_1__para_1",
            "Article 1(1)",
            "paragraph",
            "art_1",
            "",
            ("Chapter I", "Article 1", "Article 1(1)"),
            a1p1,
            pages=(2, 2),
            refs=(_ref("Article 2(1)", a1p1, "art_2__para_1"),),
        ),
        _prov(
            REG,
            file,
            5,
            "art_1__para_2",
            "Article 1(2)",
            "paragraph",
            "art_1",
            "",
            ("Chapter I", "Article 1", "Article 1(2)"),
            a1p2,
            pages=(2, 2),
            refs=(_ref("Article 3", a1p2, "art_3"),),
        ),
        _prov(
            REG,
            file,
            6,
            "art_2",
            "Article 2",
            "article",
            "cpt_I",
            "Scope",
            ("Chapter I", "Article 2"),
            art2,
            pages=(2, 3),
            searchable=False,
        ),
        _prov(
            REG,
            file,
            7,
            "art_2__para_1",
            "Article 2(1)",
            "paragraph",
            "art_2",
            "",
            ("Chapter I", "Article 2", "Article 2(1)"),
            " ".join((a2p1, a2p1a, a2p1b)),
            pages=(2, 2),
            searchable=False,
        ),
        _prov(
            REG,
            file,
            8,
            "art_2__para_1__pt_a",
            "Article 2(1)(a)",
            "point",
            "art_2__para_1",
            "",
            ("Chapter I", "Article 2", "Article 2(1)", "Article 2(1)(a)"),
            a2p1a,
            pages=(2, 2),
        ),
        _prov(
            REG,
            file,
            9,
            "art_2__para_1__pt_b",
            "Article 2(1)(b)",
            "point",
            "art_2__para_1",
            "",
            ("Chapter I", "Article 2", "Article 2(1)", "Article 2(1)(b)"),
            a2p1b,
            pages=(2, 2),
        ),
        _prov(
            REG,
            file,
            10,
            "art_2__para_2",
            "Article 2(2)",
            "paragraph",
            "art_2",
            "",
            ("Chapter I", "Article 2", "Article 2(2)"),
            a2p2,
            pages=(3, 3),
            refs=(_ref("Article 3", a2p2, "art_3"),),
        ),
        _prov(
            REG,
            file,
            11,
            "cpt_II",
            "Chapter II",
            "chapter",
            None,
            "Obligations",
            ("Chapter II",),
            a3,
            pages=(3, 3),
            searchable=False,
        ),
        _prov(
            REG,
            file,
            12,
            "art_3",
            "Article 3",
            "article",
            "cpt_II",
            "Testing obligations",
            ("Chapter II", "Article 3"),
            a3,
            pages=(3, 3),
            refs=(_ref("Annex I", a3, "anx_I"),),
        ),
        _prov(
            REG,
            file,
            13,
            "anx_I",
            "Annex I",
            "annex",
            None,
            "Technical documentation",
            ("Annex I",),
            annex,
            pages=(4, 4),
        ),
    )
    tags = (
        Tag(
            REG,
            "art_2__para_2",
            "oss-exemption",
            (
                _evidence("does not apply to", a2p2, "exemption"),
                _evidence("free and open-source licence", a2p2, "open-source"),
            ),
            "demo.v1:exemption",
            0.9,
            targets=("art_3",),
        ),
        Tag(
            REG,
            "art_2__para_2",
            "carve-back",
            (
                _evidence(
                    "unless they are placed on the market as high-risk models", a2p2, "carve-back"
                ),
            ),
            "demo.v1:carve-back",
            0.8,
        ),
        Tag(
            REG,
            "rec_1",
            "oss-mention",
            (_evidence("Free and open-source", rec1, "mention"),),
            "demo.v1:mention",
            0.6,
        ),
    )
    return DocBundle(meta=meta, provisions=provisions, tags=tags, footnote_count=1)


def licence_bundle() -> DocBundle:
    file = "demo-model-licence.txt"
    meta = DocumentMeta(
        file=file,
        doc_id=LIC,
        sha256="b" * 64,
        title="Demo Model Licence",
        family="licence",
        jurisdiction="",
        date="",
        citation="",
        eli="",
        pages=0,
        media_type="text/plain",
    )
    s1 = "You may use, copy and modify the model, subject to Section 2."
    s2 = "You must not use the model to break the law. This licence is an open-source licence."
    provisions = (
        _prov(
            LIC,
            file,
            0,
            "sec_1",
            "Section 1",
            "section",
            None,
            "Grant",
            ("Section 1",),
            s1,
            refs=(_ref("Section 2", s1, "sec_2"),),
        ),
        _prov(
            LIC, file, 1, "sec_2", "Section 2", "section", None, "Restrictions", ("Section 2",), s2
        ),
    )
    tags = (
        Tag(
            LIC,
            "sec_2",
            "oss-mention",
            (_evidence("open-source licence", s2, "mention"),),
            "demo.v1:mention",
            0.5,
        ),
    )
    return DocBundle(meta=meta, provisions=provisions, tags=tags)


def build_demo_workspace(root: Path, *, index: bool = True) -> Workspace:
    """Save the two demo documents and (when the search area exists) index them."""
    ws = Workspace(root)
    ws.ensure()
    bundles = [regulation_bundle(), licence_bundle()]
    for bundle in bundles:
        ws.save_bundle(bundle)
    if index:
        from corpus_tool.index import update_index

        update_index(ws, bundles)
    return ws
