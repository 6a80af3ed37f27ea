"""Every export format, read back with its own library; selection filters; JSONL round trip."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore, review
from corpus_tool.cli import main
from corpus_tool.errors import CorpusToolError, InputError, StoreError
from corpus_tool.export import FORMATS, export, import_jsonl, select
from corpus_tool.export.csv_format import COLUMNS, FORMULA_STARTS
from corpus_tool.model import Annotation, TextQuote
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import TRICKY, tricky_workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """Tricky texts, machine tags, annotations by two authors, a rejected tag and an orphan."""
    ws = tricky_workspace(tmp_path / "ws")
    store = AnnotationStore(ws, author="=counsel(A)")  # an author name that looks like a formula
    store.create(doc_id="act-one", provision_id="art_1", labels=["obligation"], note="=1+1 check")
    store.create(
        doc_id="act-one",
        provision_id="art_3",
        labels=["oss-exemption", "condition"],
        quote="-2 The obligations set out in paragraph 1",
        note="\tindented note",
    )
    store.create(doc_id="act-one", provision_id="art_5", labels=["definition"], note="@mention")
    other = AnnotationStore(ws, author="reviewer-b")
    other.create(
        doc_id="act-two",
        provision_id="art_1",
        labels=["oss-exemption"],
        quote="free and open-source software",
    )
    review(ws, "act-one:art_4:carve-back", "reject", author="reviewer-b", note="not a carve-back")
    review(ws, "act-one:art_3:oss-exemption", "accept", author="reviewer-b")
    orphan = Annotation(
        id="ann_orphan0000001",
        author="reviewer-b",
        created="2024-01-01T00:00:00.000Z",
        modified="2024-01-01T00:00:00.000Z",
        file="act-two.txt",
        doc_id="act-two",
        sha256="0" * 64,
        provision_id="art_99",
        labels=("needs-review",),
        note="provision vanished in a re-ingest",
        quote=TextQuote("a sentence nobody can find"),
        position=(0, 26),
    )
    other.restore([orphan])
    return ws


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(newline="", encoding=encoding) as fh:
        return list(csv.DictReader(fh))


def test_csv_reads_back_one_row_per_provision_and_neutralises_formulas(
    ws: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "set.csv"
    count = export(ws, "csv", out)
    rows = read_csv(out)
    assert count == len(rows) == 5
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["doc_id"], r["provision_id"]) for r in rows] == [
        ("act-one", "art_1"),
        ("act-one", "art_3"),
        ("act-one", "art_4"),
        ("act-one", "art_5"),
        ("act-two", "art_1"),
    ]
    by_id = {(r["doc_id"], r["provision_id"]): r for r in rows}
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (name, cell)
    art1 = by_id[("act-one", "art_1")]
    assert art1["text"] == "'" + TRICKY[0]  # the text survives, only made inert
    assert art1["authors"] == "'=counsel(A)" and art1["notes"] == "'=counsel(A): =1+1 check"
    art3 = by_id[("act-one", "art_3")]
    assert art3["quotes"] == "'-2 The obligations set out in paragraph 1"
    assert art3["labels"] == "oss-exemption; condition"
    assert art3["machine_tags"] == "oss-exemption (accepted); carve-back"
    assert art3["pages"] == "3-4" and art3["citation"] == "Article 3"
    assert by_id[("act-one", "art_4")]["rejected_tags"] == "carve-back"
    assert by_id[("act-one", "art_5")]["notes"] == "'=counsel(A): @mention"
    assert out.read_bytes()[:3] != b"\xef\xbb\xbf"
    bom = tmp_path / "bom.csv"
    export(ws, "csv", bom, bom=True)
    assert bom.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert read_csv(bom, "utf-8-sig") == rows
    everything = tmp_path / "all.csv"
    export(ws, "csv", everything, everything=True)
    plain = {(r["doc_id"], r["provision_id"]): r for r in read_csv(everything)}
    assert plain[("act-one", "art_2")]["text"] == "'" + TRICKY[1]  # "+1 …", with “quotes” and über


def test_csv_neutralise_covers_every_formula_start() -> None:
    from corpus_tool.export.csv_format import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"
    assert neutralise("Article 5") == "Article 5"


def test_selection_is_tagged_or_annotated_and_filters_narrow_it(ws: Workspace) -> None:
    every = select(ws)
    ids = [(i.meta.doc_id, i.provision.id) for i in every.items]
    # art_2 of act-one has neither a machine tag nor an annotation; act-two art_2 neither.
    assert ("act-one", "art_2") not in ids and ("act-two", "art_2") not in ids
    assert [a.id for a in every.orphans] == ["ann_orphan0000001"]
    carve_backs = select(ws, tag="carve-back").items
    # act-one art_4's carve-back was rejected by a person: it no longer selects.
    assert {(i.meta.doc_id, i.provision.id) for i in carve_backs} == {
        ("act-one", "art_3"),
        ("act-two", "art_1"),
    }
    assert [(i.meta.doc_id, i.provision.id) for i in select(ws, label="oss-exemption").items] == [
        ("act-one", "art_3"),
        ("act-two", "art_1"),
    ]
    by_b = select(ws, author="reviewer-b")
    assert {(i.meta.doc_id, i.provision.id) for i in by_b.items} == {
        ("act-one", "art_3"),
        ("act-one", "art_4"),
        ("act-two", "art_1"),
    }
    assert all(a.author == "reviewer-b" for i in by_b.items for a in i.annotations)
    assert [i.meta.doc_id for i in select(ws, doc="act-two.txt").items] == ["act-two"]
    assert len(select(ws, everything=True).items) == 7
    with pytest.raises(StoreError, match="unknown label 'oss'"):
        select(ws, label="oss")
    with pytest.raises(StoreError, match="no annotations by 'nobody'; authors: =counsel"):
        select(ws, author="nobody")


def test_query_selects_the_hits_of_a_real_index(ws: Workspace) -> None:
    from corpus_tool import index

    index.update_index(ws, list(ws.bundles()))
    selection = select(ws, query='"open-source"')
    found = {(i.meta.doc_id, i.provision.id) for i in selection.items}
    assert found == {("act-one", "art_3"), ("act-one", "art_5"), ("act-two", "art_1")}
    assert all(i.highlights for i in selection.items)
    narrowed = select(ws, query='"open-source"', doc="act-two")
    assert [(i.meta.doc_id, i.provision.id) for i in narrowed.items] == [("act-two", "art_1")]


def test_jsonl_export_import_export_is_byte_identical(ws: Workspace, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    export(ws, "jsonl", first)
    records = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    assert records[0] == {"record": "corpus-tool-export", "format": 1}
    assert {r["record"] for r in records} == {
        "corpus-tool-export",
        "label-scheme",
        "document",
        "provision",
        "annotation",
    }
    fresh = Workspace(tmp_path / "fresh")
    counts = import_jsonl(fresh, first)
    assert counts == {"documents": 2, "provisions": 5, "tags": 6, "annotations": 7}
    second = tmp_path / "second.jsonl"
    export(fresh, "jsonl", second)
    assert second.read_bytes() == first.read_bytes()
    original = {a.id: a for a in AnnotationStore(ws, author="-").all()}
    imported = {a.id: a for a in AnnotationStore(fresh, author="-").all()}
    assert imported == original
    # A second import into the now non-empty workspace is refused.
    with pytest.raises(InputError, match="is not empty; import only into an empty workspace"):
        import_jsonl(fresh, first)


def test_jsonl_round_trip_keeps_a_custom_label_scheme(ws: Workspace, tmp_path: Path) -> None:
    (ws.root / "labels.toml").write_text(
        '[labels.exempt]\nkey = "x"\ncolour = "#123456"\ndescription = "Exempt \\"quoted\\""\n'
        '[labels.obligation]\nkey = "o"\ncolour = "#654321"\n'
    )
    AnnotationStore(ws).create(doc_id="act-two", provision_id="art_2", labels=["exempt"])
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export(ws, "jsonl", first)
    fresh = Workspace(tmp_path / "fresh")
    import_jsonl(fresh, first)
    assert (fresh.root / "labels.toml").is_file()
    export(fresh, "jsonl", second)
    assert second.read_bytes() == first.read_bytes()


def test_import_rejects_files_that_are_not_exports(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"record": "corpus-tool-export", "format": 1}\nnot json\n')
    with pytest.raises(InputError, match=r"notes.jsonl: line 2 is not JSON"):
        import_jsonl(Workspace(tmp_path / "w1"), bad)
    bad.write_text('{"hello": 1}\n')
    with pytest.raises(InputError, match="line 1 is not a corpus-tool export record"):
        import_jsonl(Workspace(tmp_path / "w2"), bad)
    with pytest.raises(InputError, match=r"missing.jsonl: cannot read"):
        import_jsonl(Workspace(tmp_path / "w3"), tmp_path / "missing.jsonl")


def test_markdown_report_groups_by_document_and_marks_tagged_words(
    ws: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "memo.md"
    export(ws, None, out)  # format from the suffix
    text = out.read_text("utf-8")
    assert text.index("## The act-one Act") < text.index("## The act-two Act")
    assert "### Article 3 — Heading 3" in text
    # Citations and pinpoints, not internal ids (issue 13).
    assert "*Chapter I › Article 3 · pp. 3–4*  \nRegulation (EU) act-one, Art. 3" in text
    assert "`art_3`" not in text
    assert "**Machine tags:** oss-exemption (accepted), carve-back" in text
    assert "**Labels:** oss-exemption, condition" in text
    assert "**open-source**" in text and "**shall not apply**" in text
    assert "> **-2 The obligations set out in paragraph 1** **shall not apply**" in text
    assert "\\*anything\\* \\[in\\] \\_brackets\\_ \\| pipes" in text  # literal, not emphasis
    assert "— provision vanished in a re-ingest (was art\\_99)" in text
    export(ws, "markdown", out, everything=True)
    assert "\\<script\\>alert('x')\\</script\\>" in out.read_text("utf-8")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained_and_escaped(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "memo.html"
    export(ws, "html", out, everything=True)
    html = out.read_text("utf-8")
    parsed = _Collect()
    parsed.feed(html)
    assert "script" not in parsed.tags  # the provision's <script> is text, not markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert not [v for k, v in parsed.attrs if k in ("src", "href") and v]  # nothing fetched
    text = "".join(parsed.text)
    assert "Article 3 — Heading 3" in text and "pp. 3–4" in text
    assert "Regulation (EU) act-one, Art. 3" in text
    assert parsed.tags.count("mark") >= 6 and parsed.tags.count("article") == 7
    assert "Annotations whose text is gone" in text


def test_jsonld_is_a_w3c_annotation_collection_with_matching_selectors(
    ws: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "anno.jsonld"
    export(ws, "jsonld", out)
    data = json.loads(out.read_text("utf-8"))
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection"
    items = data["first"]["items"]
    assert data["total"] == len(items) and all(a["type"] == "Annotation" for a in items)
    texts = {
        f"urn:corpus-tool:{b.meta.doc_id}:{p.id}": p.text
        for b in ws.bundles()
        for p in b.provisions
    }
    checked = 0
    for a in items:
        targets = a["target"] if isinstance(a["target"], list) else [a["target"]]
        for target in targets:
            if "selector" not in target:
                continue
            quote, position = target["selector"]
            assert quote["type"] == "TextQuoteSelector"
            assert position["type"] == "TextPositionSelector"
            assert texts[target["source"]][position["start"] : position["end"]] == quote["exact"]
            checked += 1
    assert checked >= 6
    people = [a for a in items if a["creator"]["type"] == "Person"]
    assert {a["motivation"] for a in people} == {"tagging", "assessing"}
    machine = [a for a in items if a["creator"]["type"] == "Software"]
    assert {b["value"] for a in machine for b in a["body"]} >= {
        "oss-exemption",
        "carve-back",
        "accept",
    }


def test_spacy_docbin_reads_back_with_cats_and_spans(ws: Workspace, tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "train.spacy"
    n = export(ws, "spacy", out)
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert len(docs) == n == 5
    by_id = {(d.user_data["doc_id"], d.user_data["provision_id"]): d for d in docs}
    art3 = by_id[("act-one", "art_3")]
    assert art3.text == TRICKY[2]
    assert art3.cats["oss-exemption"] == 1.0 and art3.cats["condition"] == 1.0
    assert art3.cats["relevant"] == 0.0 and art3.cats["carve-back"] == 1.0
    assert [(s.text, s.label_) for s in art3.spans["annotations"]] == [
        ("-2 The obligations set out in paragraph 1", "oss-exemption")
    ]
    assert {(s.text, s.label_) for s in art3.spans["tags"]} == {
        ("open-source", "oss-exemption"),
        ("shall not apply", "carve-back"),
    }
    art4 = by_id[("act-one", "art_4")]
    assert art4.cats["carve-back"] == 0.0  # the rejected machine tag is not a training label


def test_cli_export_and_import(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "set.jsonl"
    assert main(["-w", str(ws.root), "export", str(out), "--label", "oss-exemption"]) == 0
    assert "wrote 2 provisions in 2 documents" in capsys.readouterr().out
    fresh = tmp_path / "fresh"
    assert main(["-w", str(fresh), "import", str(out)]) == 0
    assert "imported 2 documents, 2 provisions" in capsys.readouterr().out
    again = tmp_path / "again.jsonl"
    assert main(["-w", str(fresh), "export", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()
    assert main(["-w", str(ws.root), "export", str(tmp_path / "x.odt")]) == 2  # docx is known now
    assert "cannot tell the export format from 'x.odt'" in capsys.readouterr().err
    for name, (_, suffix, _) in FORMATS.items():
        path = tmp_path / f"all{suffix}"
        assert main(["-w", str(ws.root), "export", str(path), "--format", name]) == 0
        assert path.stat().st_size > 0


def test_export_to_an_unwritable_place_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CorpusToolError, match="cannot write"):
        export(ws, "csv", blocker / "inside.csv")
