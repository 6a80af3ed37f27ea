"""`corpus-tool tag` and `corpus-tool eval` on a small workspace made by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.cli import main
from corpus_tool.model import DocumentMeta
from corpus_tool.workspace import DocBundle, Workspace
from tests._tagging_helpers import provision

EXEMPT = (
    "This Directive should not apply to free and open-source software developed or supplied "
    "outside the course of a commercial activity."
)
MENTION = "Open-source tools may help authorities to detect fraud."
PLAIN = (
    "This Directive shall not apply to the processing of data in the course of household activity."
)


def _meta(file: str) -> DocumentMeta:
    return DocumentMeta(
        file=file,
        doc_id=file.rsplit(".", 1)[0],
        sha256="1" * 64,
        title="Test directive",
        family="eu-directive",
        jurisdiction="EU",
        date="",
        citation="",
        eli="",
        pages=1,
    )


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    for file, texts in (
        ("directive.pdf", [EXEMPT, MENTION, PLAIN]),
        ("licence.txt", ["This program is free software: you can redistribute it."]),
    ):
        doc_id = file.rsplit(".", 1)[0]
        ps = tuple(
            provision(
                t, f"rec_{i}", kind="recital", doc_id=doc_id, citation=f"Recital {i}", order=i
            )
            for i, t in enumerate(texts, start=1)
        )
        ws.save_bundle(DocBundle(_meta(file), ps, ()))
    return ws


def test_tag_retags_stores_and_indexes(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-w", str(ws.root), "tag"]) == 0
    out = capsys.readouterr().out
    assert "oss-exemption" in out
    bundle = ws.load_bundle("directive")
    assert bundle is not None
    labels = {(t.provision_id, t.label) for t in bundle.tags}
    assert ("rec_1", "oss-exemption") in labels
    assert ("rec_2", "oss-mention") in labels
    assert not any(pid == "rec_3" for pid, _ in labels)
    licence = ws.load_bundle("licence")
    assert licence is not None and licence.tags == ()

    # tags appear in `provisions --json`
    assert main(["-w", str(ws.root), "provisions", "--doc", "directive", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    rec1 = next(r for r in records if r["id"] == "rec_1")
    tag = next(t for t in rec1["tags"] if t["label"] == "oss-exemption")
    assert {e["role"] for e in tag["evidence"]} >= {"exemption", "open-source"}
    assert tag["source"].startswith("oss_rules.v") and tag["score"] > 0

    # and are searchable
    from corpus_tool.index import search

    result = search(ws, "tag:oss-exemption")
    assert [(h.doc_id, h.id) for h in result.hits] == [("directive", "rec_1")]


def test_tag_one_document(ws: Workspace) -> None:
    assert main(["-w", str(ws.root), "tag", "--doc", "licence.txt"]) == 0
    directive = ws.load_bundle("directive")
    assert directive is not None and directive.tags == ()


def test_tag_unknown_document_is_a_one_line_error(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-w", str(ws.root), "tag", "--doc", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no document 'nope'" in err and err.count("\n") == 1


def test_eval_reports_per_document_and_lists_findings(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["-w", str(ws.root), "tag"])
    capsys.readouterr()
    gold = tmp_path / "gold.json"
    gold.write_text(
        json.dumps(
            {
                "label": "oss-exemption",
                "documents": {
                    "directive.pdf": {"positive": ["rec_1", "rec_3"], "mention_only": ["rec_2"]}
                },
                "negative_documents": ["licence.txt"],
            }
        )
    )
    assert main(["-w", str(ws.root), "eval", "--gold", str(gold), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["labels"]["oss-exemption"]["recall"] == 0.5
    assert report["labels"]["oss-exemption"]["precision"] == 1.0
    assert report["documents"]["oss-exemption"]["directive.pdf"]["misses"] == 1
    assert report["misses"] == [
        {
            "label": "oss-exemption",
            "file": "directive.pdf",
            "id": "rec_3",
            "citation": "Recital 3",
            "note": "",
            "family": "",
        }
    ]
    assert report["false_positives"] == [] and report["negative_document_tags"] == []

    assert main(["-w", str(ws.root), "eval", "--gold", str(gold)]) == 1
    text = capsys.readouterr().out
    assert "Misses: 1" in text and "Recital 3 [rec_3]" in text
    assert "recall 0.500" in text


def test_eval_perfect_exits_zero(ws: Workspace, tmp_path: Path) -> None:
    main(["-w", str(ws.root), "tag"])
    gold = tmp_path / "gold.json"
    gold.write_text(
        json.dumps(
            {
                "label": "oss-exemption",
                "documents": {"directive.pdf": {"positive": ["rec_1"], "mention_only": ["rec_2"]}},
                "negative_documents": ["licence.txt"],
            }
        )
    )
    assert main(["-w", str(ws.root), "eval", "--gold", str(gold), "--json"]) == 0


def test_eval_bad_gold_is_a_one_line_error(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["-w", str(ws.root), "eval", "--gold", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid JSON" in err and err.count("\n") == 1


def test_eval_on_an_empty_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text('{"label": "oss-exemption", "documents": {}}')
    assert main(["-w", str(tmp_path / "empty"), "eval", "--gold", str(gold)]) == 2
    assert "run 'corpus-tool ingest' first" in capsys.readouterr().err
