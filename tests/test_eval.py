"""Scoring tags against a gold file: the descendant/ancestor rule, negatives, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.errors import InputError
from corpus_tool.model import DocumentMeta, Evidence, Tag
from corpus_tool.tagging.evaluate import evaluate, load_gold
from corpus_tool.workspace import DocBundle
from tests._tagging_helpers import provision

LABEL = "oss-exemption"


def meta(file: str) -> DocumentMeta:
    return DocumentMeta(
        file=file,
        doc_id=file.rsplit(".", 1)[0],
        sha256="0" * 64,
        title=file,
        family="eu-regulation",
        jurisdiction="EU",
        date="",
        citation="",
        eli="",
        pages=1,
    )


def tag(doc_id: str, pid: str, label: str = LABEL) -> Tag:
    return Tag(doc_id, pid, label, (Evidence(0, 1, "x", "exemption"),), "test", 1.0)


def act(tagged: list[str], file: str = "act.pdf", label: str = LABEL) -> DocBundle:
    doc_id = file.rsplit(".", 1)[0]
    ps = [
        provision(
            "", "art_1", kind="article", searchable=False, doc_id=doc_id, citation="Article 1"
        ),
        provision("a", "art_1__para_1", parent="art_1", doc_id=doc_id, citation="Article 1(1)"),
        provision("b", "art_1__para_2", parent="art_1", doc_id=doc_id, citation="Article 1(2)"),
        provision(
            "", "art_2", kind="article", searchable=False, doc_id=doc_id, citation="Article 2"
        ),
        provision("c", "art_2__para_1", parent="art_2", doc_id=doc_id, citation="Article 2(1)"),
        provision("d", "rec_1", kind="recital", doc_id=doc_id, citation="Recital 1"),
        provision("e", "rec_2", kind="recital", doc_id=doc_id, citation="Recital 2"),
    ]
    return DocBundle(meta(file), tuple(ps), tuple(tag(doc_id, pid, label) for pid in tagged))


def gold_file(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(body))
    return path


GOLD = {
    "label": LABEL,
    "documents": {
        "act.pdf": {
            "positive": ["art_1", "rec_1"],
            "either": ["art_2__para_1"],
            "mention_only": ["rec_2"],
        }
    },
    "negative_documents": ["licence.txt"],
}


def test_descendant_finds_a_gold_container_and_either_is_free(tmp_path: Path) -> None:
    gold = load_gold(gold_file(tmp_path, GOLD))
    report = evaluate(
        gold, [act(["art_1__para_2", "rec_1", "art_2__para_1"]), act([], "licence.txt")]
    )
    s = report.labels[LABEL]
    assert (s.found, s.gold, s.tp, s.tagged) == (2, 2, 3, 3)
    assert s.precision == 1.0 and s.recall == 1.0 and s.f1 == 1.0
    assert report.perfect


def test_misses_and_false_positives_are_listed_with_citations(tmp_path: Path) -> None:
    gold = load_gold(gold_file(tmp_path, GOLD))
    bundles = [act(["rec_2", "art_2"]), act(["art_1__para_1"], "licence.txt")]
    report = evaluate(gold, bundles)
    misses = {(f.file, f.citation) for f in report.findings if f.kind == "miss"}
    fps = {(f.file, f.citation, f.note) for f in report.findings if f.kind == "false-positive"}
    assert misses == {("act.pdf", "Article 1"), ("act.pdf", "Recital 1")}
    # art_2 is an ancestor of an `either` provision: not a false positive
    assert fps == {
        ("act.pdf", "Recital 2", "mention only"),
        ("licence.txt", "Article 1(1)", "negative document"),
    }
    s = report.labels[LABEL]
    assert s.recall == 0.0
    assert s.precision == pytest.approx(1 / 3)
    assert report.documents[LABEL]["licence.txt"].precision == 0.0
    assert [f.citation for f in report.negative_tags] == ["Article 1(1)"]
    assert not report.perfect
    as_json = report.as_dict()
    assert as_json["labels"][LABEL]["false_positives"] == 2
    assert {m["id"] for m in as_json["misses"]} == {"art_1", "rec_1"}


def test_any_label_in_a_negative_document_is_reported(tmp_path: Path) -> None:
    gold = load_gold(gold_file(tmp_path, GOLD))
    report = evaluate(
        gold, [act(["art_1__para_1", "rec_1"]), act(["rec_2"], "licence.txt", "oss-mention")]
    )
    assert report.labels[LABEL].precision == 1.0
    assert [(f.label, f.provision_id) for f in report.negative_tags] == [("oss-mention", "rec_2")]
    assert not report.perfect


def test_missing_documents_and_unscored_documents(tmp_path: Path) -> None:
    gold = load_gold(gold_file(tmp_path, GOLD))
    report = evaluate(gold, [act([], "other.pdf")])
    assert report.missing_documents == ["act.pdf", "licence.txt"]
    assert report.unscored_documents == ["other.pdf"]
    assert report.labels[LABEL].recall == 0.0


def test_several_labels(tmp_path: Path) -> None:
    body = {
        "labels": {
            LABEL: {"documents": {"act.pdf": {"positive": ["rec_1"]}}},
            "carve-back": {"documents": {"act.pdf": {"positive": ["art_1__para_1"]}}},
        }
    }
    bundle = act(["rec_1"])
    report = evaluate(load_gold(gold_file(tmp_path, body)), [bundle])
    assert report.labels[LABEL].recall == 1.0
    assert report.labels["carve-back"].recall == 0.0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{", "not valid JSON"),
        ("[]", "a gold file is a JSON object"),
        ('{"documents": {}}', "needs a 'label'"),
        ('{"label": "x", "documents": {"a.pdf": {"positive": "rec_1"}}}', "must be a list"),
        (
            '{"label": "x", "documents": {"a.pdf": {}}, "negative_documents": ["a.pdf"]}',
            "both scored and a negative",
        ),
    ],
)
def test_bad_gold_files_are_one_line_errors(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "g.json"
    path.write_text(content)
    with pytest.raises(InputError, match=reason) as info:
        load_gold(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_gold_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such gold file"):
        load_gold(tmp_path / "absent.json")


# --- where the tool fails: by rule family and by gold family ----------------------------


def _sourced(bundle: DocBundle, sources: dict[str, str]) -> DocBundle:
    import dataclasses

    return dataclasses.replace(
        bundle,
        tags=tuple(
            dataclasses.replace(t, source=sources.get(t.provision_id, t.source))
            for t in bundle.tags
        ),
    )


def test_false_positives_by_rule_family_and_misses_by_gold_family(tmp_path: Path) -> None:
    body = {
        "label": LABEL,
        "documents": {
            "act.pdf": {
                "positive": [
                    {"id": "art_1", "family": "list-lead-in"},
                    {"id": "rec_1", "family": "penalty-waiver"},
                    "art_2__para_1",
                ],
                "mention_only": ["rec_2"],
            }
        },
        "negative_documents": ["licence.txt"],
    }
    gold = load_gold(gold_file(tmp_path, body))
    sources = {
        "rec_2": "oss_rules.v2:object:not-apply+open-source",
        "art_1__para_1": "oss_rules.v2:liability:not-liable+open-source",
    }
    bundles = [
        _sourced(act(["rec_2"]), sources),
        _sourced(act(["art_1__para_1"], "licence.txt"), sources),
    ]
    report = evaluate(gold, bundles)
    fps = report.by_family("false-positive")
    assert {k: [f["id"] for f in v] for k, v in fps.items()} == {
        "object:not-apply": ["rec_2"],
        "liability:not-liable": ["art_1__para_1"],
    }
    misses = report.by_family("miss")
    assert {k: [f["id"] for f in v] for k, v in misses.items()} == {
        "list-lead-in": ["art_1"],
        "penalty-waiver": ["rec_1"],
        "": ["art_2__para_1"],
    }
    as_json = report.as_dict()
    assert as_json["misses_by_family"]["list-lead-in"][0]["family"] == "list-lead-in"
    assert set(as_json["false_positives_by_family"]) == {"object:not-apply", "liability:not-liable"}


def test_a_gold_item_object_needs_an_id(tmp_path: Path) -> None:
    body = {"label": LABEL, "documents": {"a.pdf": {"positive": [{"family": "x"}]}}}
    with pytest.raises(InputError, match="provision ids or"):
        load_gold(gold_file(tmp_path, body))
