"""The open-source exemption tagger on the language of law: own sentences, gold texts, the corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus_tool.errors import InputError
from corpus_tool.model import Tag
from corpus_tool.tagging import LABELS, TAGGER_VERSION, Tagger, tag_provisions
from corpus_tool.tagging.rules import PATTERNS_DIR, build_prefilter, load_rules
from tests._tagging_helpers import provision, ref

EXEMPTION = "oss-exemption"


def tags_of(text: str, **kw) -> dict[str, Tag]:
    return {t.label: t for t in tag_provisions([provision(text, **kw)])}


def covers_both(tag: Tag) -> bool:
    roles = {e.role for e in tag.evidence}
    return {"exemption", "open-source"} <= roles


# Sentences written for these tests in the style of other laws (directives, US
# state bills, definitions) — not taken from the shared corpus.
POSITIVES = [
    # Product-liability / cyber-resilience style directives
    "In order not to hamper innovation or research, this Directive should not apply to free and "
    "open-source software developed or supplied outside the course of a commercial activity.",
    "This Regulation does not apply to free and open-source software that is developed or "
    "supplied outside the course of a commercial activity.",
    "Free and open-source software that is not monetised by its manufacturer should be excluded "
    "from the definition of product.",
    "The provision of free and open-source software components by non-profit organisations should "
    "not be considered to be making available on the market.",
    "Manufacturers of FOSS components are not manufacturers within the meaning of this Regulation.",
    # US state bill style
    "Open-source artificial intelligence models whose weights are publicly released are exempt "
    "from the requirements of this section.",
    "A developer that releases a covered model under an open-source license shall be exempt from "
    "subdivision (b), unless the developer receives compensation for the model.",
    'For the purposes of this Act, "covered model" does not include an artificial intelligence '
    "model released under an open-source license.",
    "Nothing in this section shall apply to a person who develops an open-source model and makes "
    "its weights publicly available, provided that the original developer is credited.",
    # Derogations, exceptions, other spellings
    "Member States may provide for a derogation from Article 12 for open-source software stewards.",
    "Article 6 shall not apply to software that is made available as opensource.",
    "The exemption for free and open-source software shall not apply where the software is "
    "provided in the course of a commercial activity.",
    "Exceptions to the obligation to notify shall include exceptions for small enterprises and "
    "open-source communities.",
    "Software distributed as free software under a licence approved by the Commission is exempted "
    "from the registration requirement.",
    "Models with openly available weights should be subject to exceptions as regards the "
    "documentation requirements.",
    # liability exemptions and safe harbours
    "A developer who makes an open-source model available free of charge shall not be liable for "
    "damage caused by its modification by a third party.",
    "This section establishes a safe harbor for open-source developers who publish model weights.",
    "The supply of free and open-source software by a foundation should not be considered a "
    "commercial activity.",
    # waivers, reliefs, rules of construction
    "Open-source components are excluded.",
    "This Act shall not be construed to apply to a developer of an open-source model.",
    "The registration fee shall be waived for developers of open-source software.",
    "Developers of free and open-source software are relieved from the obligation to appoint a "
    "representative, provided that the software is not monetised.",
    "Providers of open-source models need not comply with Article 7, except where the model "
    "presents a systemic risk.",
    # open source described by its freedoms rather than named
    "Tools that are published openly under terms that permit everyone to inspect, adapt and share "
    "them should not carry the registration obligations of commercial tools.",
]

NEGATIVES = [
    # "shall not apply" with no open source (GDPR/DSA style)
    "This Regulation shall not apply to the processing of personal data by a natural person in "
    "the course of a purely personal or household activity.",
    "By way of derogation from paragraph 1, Member States may exempt micro-enterprises from the "
    "obligation to publish a report.",
    # licences talk about licences, free software and distribution
    "This program is free software: you can redistribute it and/or modify it under the terms of "
    "the GNU General Public License as published by the Free Software Foundation.",
    "The Licensor grants you a licence to use, modify and distribute the Work, except where the "
    "Work is distributed without the notices required by section 4.",
    "Llama Materials means the trained model weights, inference code and documentation "
    "distributed by the licensor, excluding any third-party components.",
    # open source mentioned, no exemption linked to it
    "Open-source tools may help supervisory authorities to detect fraud.",
    "The Commission shall publish guidelines on open-source software; Member States may derogate "
    "from Article 5.",
    "Notwithstanding the exemption in paragraph 3, the Commission shall monitor the development "
    "of open-source models and report annually.",
    "Providers of open-source models shall comply with Article 5, without prejudice to Article 6.",
    "The obligations for open-source models in Article 5 shall not apply to micro-enterprises.",
    "Article 5 shall not apply to micro-enterprises, and the Commission shall publish guidelines "
    "on open-source software.",
    "The obligations in Article 5 shall not apply to micro-enterprises. Open-source projects are "
    "important for the Union.",
    "The agency shall consult on dual-use foundation models with widely available model weights "
    "and on the risks they pose.",
    "Open source intelligence may be used by the authorities, except where national law "
    "provides otherwise.",
    "The provider shall not be liable for damage caused by software, and the Commission shall "
    "encourage open-source software.",
    "Open-source models should not be considered a substitute for independent evaluation.",
    "The GNU General Public License is intended to guarantee your freedom to share and change all "
    "versions of a program, except where the program is distributed without source.",
    "We make our models openly available to researchers and shall not be liable for their use.",
    "This program is free software, and its authors shall not be liable for any damages arising "
    "from its use.",
]


@pytest.mark.parametrize("text", POSITIVES)
def test_exemption_wordings_of_other_laws_are_tagged_with_both_wordings(text: str) -> None:
    tags = tags_of(text)
    assert EXEMPTION in tags, text
    tag = tags[EXEMPTION]
    assert covers_both(tag)
    assert "oss-mention" not in tags
    assert 0 < tag.score <= 1
    assert tag.source.startswith("oss_rules.v")


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_exemption_without_a_linked_open_source_reason(text: str) -> None:
    assert EXEMPTION not in tags_of(text), text


def test_licence_self_description_gets_no_tag_at_all() -> None:
    text = NEGATIVES[2]
    assert tag_provisions([provision(text)]) == []


def test_a_mere_mention_is_an_oss_mention() -> None:
    tags = tags_of("Developers of open-source tools should be encouraged to publish model cards.")
    assert set(tags) == {"oss-mention"}
    (ev,) = tags["oss-mention"].evidence
    assert (ev.role, ev.text) == ("mention", "open-source tools")


def test_evidence_offsets_point_into_the_provision_text() -> None:
    provisions = [provision(t, f"p_{i}") for i, t in enumerate(POSITIVES + NEGATIVES)]
    tags = tag_provisions(provisions)
    texts = {p.id: p.text for p in provisions}
    assert tags
    for t in tags:
        assert t.label in LABELS
        for e in t.evidence:
            assert texts[t.provision_id][e.start : e.end] == e.text
            assert e.role in {"exemption", "open-source", "carve-back", "condition", "mention"}


def test_carve_back_and_conditions_are_their_own_labels() -> None:
    text = (
        "The obligations set out in paragraph 1 shall not apply to providers of models released "
        "under a free and open-source licence that allows anyone to access, use, modify and "
        "distribute the model, and whose parameters, including the weights, are made publicly "
        "available, unless the model is monetised or presents a systemic risk. This exemption "
        "shall not apply to models placed on the market in the course of a commercial activity."
    )
    tags = tags_of(text)
    assert {EXEMPTION, "carve-back", "oss-condition"} <= set(tags)
    carve = [e.text for e in tags["carve-back"].evidence]
    assert any(c.startswith("unless the model is monetised") for c in carve)
    assert any("in the course of a commercial activity" in c for c in carve)
    conditions = " | ".join(e.text for e in tags["oss-condition"].evidence)
    assert "access, use, modify and distribute" in conditions
    assert "made publicly available" in conditions


def test_conditions_without_an_exemption_are_not_tagged() -> None:
    tags = tags_of(
        "Software released under a free and open-source licence lets users freely access, use, "
        "modify and redistribute it, unless the author objects."
    )
    assert set(tags) == {"oss-mention"}


def test_provided_that_and_except_where_clauses() -> None:
    tags = tags_of(
        "Providers of open-source models need not comply with Article 7, except where the model "
        "presents a systemic risk, provided that the original developer is credited."
    )
    assert [e.text for e in tags["carve-back"].evidence] == [
        "except where the model presents a systemic risk"
    ]
    assert [e.text for e in tags["oss-condition"].evidence] == [
        "provided that the original developer is credited"
    ]


def test_not_monetised_is_a_condition_not_a_carve_back() -> None:
    tags = tags_of(
        "Free and open-source software that is not monetised is exempt from the registration "
        "requirement."
    )
    assert [e.text for e in tags["oss-condition"].evidence] == ["not monetised"]
    assert "carve-back" not in tags


# --- targets ----------------------------------------------------------------------


def _article(kind_children: list) -> list:
    return [provision("", "art_9", kind="article", searchable=False), *kind_children]


def test_targets_are_the_references_on_the_exempted_side() -> None:
    text = (
        "The obligations set out in paragraph 1, points (a) and (b), shall not apply to providers "
        "of models released under a free and open-source licence, unless they fall under Article 7."
    )
    refs = (
        ref(text, "paragraph 1, points (a) and (b)", "art_9__para_1__point_a"),
        ref(text, "paragraph 1, points (a) and (b)", "art_9__para_1__point_b"),
        ref(text, "Article 7", "art_7"),
    )
    p = provision(text, "art_9__para_2", parent="art_9", refs=refs)
    (tag,) = [t for t in tag_provisions(_article([p])) if t.label == EXEMPTION]
    assert tag.targets == ("art_9__para_1__point_a", "art_9__para_1__point_b")


def test_targets_after_the_wording_when_open_source_is_the_subject() -> None:
    text = "Open-source models are exempt from the obligations laid down in Article 4."
    p = provision(text, "art_9__para_3", parent="art_9", refs=(ref(text, "Article 4", "art_4"),))
    (tag,) = [t for t in tag_provisions(_article([p])) if t.label == EXEMPTION]
    assert tag.targets == ("art_4",)


def test_this_article_resolves_to_the_enclosing_article_and_an_act_to_nothing() -> None:
    article = (
        "The obligation set out in this Article shall not apply to providers of models released "
        "under a free and open-source licence."
    )
    paragraph = (
        "This paragraph shall not apply to third parties supplying components under a free and "
        "open-source licence."
    )
    act = (
        "This Regulation does not apply to AI systems released under free and open-source licences."
    )
    ps = _article(
        [
            provision(article, "art_9__para_4", parent="art_9"),
            provision(paragraph, "art_9__para_5", parent="art_9"),
            provision(act, "art_9__para_6", parent="art_9"),
        ]
    )
    targets = {t.provision_id: t.targets for t in tag_provisions(ps) if t.label == EXEMPTION}
    assert targets == {
        "art_9__para_4": ("art_9",),
        "art_9__para_5": ("art_9__para_5",),
        "art_9__para_6": (),
    }


def test_containers_are_not_tagged() -> None:
    text = POSITIVES[0]
    tags = tag_provisions(
        [
            provision(text, "chp_I", kind="chapter", searchable=False),
            provision(text, "art_1", kind="article", parent="chp_I"),
        ]
    )
    assert {t.provision_id for t in tags} == {"art_1"}


# --- gold texts (exact provision texts of the shared corpus) ------------------------


def test_gold_texts(gold_texts: list[dict], gold_oss: dict) -> None:
    positives = {pid for d in gold_oss["documents"].values() for pid in d["positive"]}
    mention_only = {pid for d in gold_oss["documents"].values() for pid in d["mention_only"]}
    provisions = [provision(g["text"], g["id"]) for g in gold_texts]
    tags = tag_provisions(provisions)
    tagged = {t.provision_id: t for t in tags if t.label == EXEMPTION}
    checked = 0
    for g in gold_texts:
        if g["id"] in positives:
            assert g["id"] in tagged, g["citation"]
            assert covers_both(tagged[g["id"]])
            checked += 1
        if g["id"] in mention_only:
            assert g["id"] not in tagged, g["citation"]
            checked += 1
    assert checked == len(gold_texts)


# --- the pipeline as spaCy components -------------------------------------------------


def test_pipeline_components_and_registered_helpers() -> None:
    from spacy.util import registry

    tagger = Tagger()
    names = tagger.nlp.pipe_names
    assert names[:2] == ["sentencizer", "lemmatizer"]
    assert names[-1] == "oss_linker"
    assert "span_ruler" in {tagger.nlp.get_pipe_meta(n).factory for n in names}
    patterns = registry.misc.get("corpus_tool.tagging.patterns_file.v1")("oss_terms.jsonl")
    assert patterns and all("label" in p for p in patterns)
    assert "Art." in registry.misc.get("corpus_tool.tagging.legal_abbreviations.v1")()
    doc = tagger.nlp(POSITIVES[1])
    assert [s.label_ for s in doc.spans["oss_exemption"]] == ["exemption", "open-source"]
    # no sentence break after "Art."
    assert len(list(tagger.nlp("Art. 5 shall not apply to FOSS.").sents)) == 1


def test_pipeline_bytes_round_trip() -> None:
    from spacy.lang.en import English

    from corpus_tool.tagging.pipeline import build_pipeline

    nlp = build_pipeline()
    data = nlp.to_bytes()
    # A pipeline made from the config alone has no patterns and no lemma
    # tables; the bytes bring both.
    fresh = English.from_config(nlp.config)
    assert not fresh.get_pipe("oss_terms").patterns  # type: ignore[attr-defined]
    fresh.from_bytes(data)
    text = POSITIVES[2]
    doc_before, doc_after = nlp(text), fresh(text)
    before = [(s.start, s.end, s.label_) for s in doc_before.spans["oss_exemption"]]
    after = [(s.start, s.end, s.label_) for s in doc_after.spans["oss_exemption"]]
    assert before and before == after
    assert fresh.get_pipe("oss_linker").cfg == nlp.get_pipe("oss_linker").cfg  # type: ignore[attr-defined]
    doc = nlp(text)
    from spacy.tokens import Doc

    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [s.text for s in again.spans["oss_exemption"]] == [
        s.text for s in doc.spans["oss_exemption"]
    ]


# --- rules are data ------------------------------------------------------------------


def test_rules_name_no_gold_id_or_corpus_file() -> None:
    import re

    forbidden = re.compile(
        r"\b(?:rec|art|sec|anx|chp)_\d|\.pdf\b|eu-ai-act|gdpr|llama|2024/1689|14110", re.I
    )
    for path in [*PATTERNS_DIR.iterdir(), *Path(PATTERNS_DIR.parent).glob("*.py")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not forbidden.search(text), (path.name, forbidden.search(text))


def test_tagger_version_follows_the_rule_files(tmp_path: Path) -> None:
    copy = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, copy)
    rules = load_rules(copy)
    assert TAGGER_VERSION.split("+learned:")[0] == f"{rules.source}+{rules.digest}"
    with (copy / "oss_terms.jsonl").open("a") as fh:
        fh.write('{"label": "strong", "id": "x", "pattern": [{"LOWER": "libre"}]}\n')
    changed = load_rules(copy)
    assert changed.digest != rules.digest
    # a new wording in the data is picked up without code changes
    tagger = Tagger(changed)
    p = provision("This Directive shall not apply to libre software.")
    assert EXEMPTION in {t.label for t in tagger.tag([p])}


def test_a_broken_pattern_file_is_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, copy)
    (copy / "carve_backs.jsonl").write_text('{"label": "clause", "pattern": [\n')
    with pytest.raises(InputError, match=r"carve_backs.jsonl:1: not a JSON pattern"):
        load_rules(copy)


# --- the prefilter does not change results -------------------------------------------


def test_prefilter_is_derived_from_the_patterns() -> None:
    prefilter = Tagger().prefilter
    assert prefilter is not None and not prefilter.always
    assert prefilter("released under an Open-Source licence")
    assert not prefilter("This Regulation shall not apply to household activities.")
    # a lemma token requires one of the forms the lemmatizer maps to it
    assert any("weights" in forms for req in prefilter.requirements for forms in req)
    # without the lemma table, lemma tokens require nothing: a superset, never a loss
    blind = build_prefilter(load_rules())
    assert sum(map(len, blind.requirements)) < sum(map(len, prefilter.requirements))
    for text in POSITIVES + NEGATIVES:
        assert blind(text) or not prefilter(text)


def test_prefilter_changes_nothing_on_own_sentences() -> None:
    provisions = [provision(t, f"p_{i}") for i, t in enumerate(POSITIVES + NEGATIVES)]
    filtered = Tagger(prefilter=True).tag(provisions)
    unfiltered = Tagger(prefilter=False).tag(provisions)
    assert filtered == unfiltered
    assert len(filtered) > len(POSITIVES)


@pytest.mark.shared
@pytest.mark.slow
def test_prefilter_changes_nothing_on_the_corpus(shared_ws) -> None:
    provisions = [p for b in shared_ws.bundles() for p in b.provisions]
    assert len(provisions) > 1000
    assert Tagger(prefilter=True).tag(provisions) == Tagger(prefilter=False).tag(provisions)


# --- the shared corpus against the gold -----------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_shared_corpus_meets_the_gold(shared_ws, gold_oss: dict) -> None:
    from corpus_tool.tagging.evaluate import evaluate, load_gold
    from tests.conftest import GOLD

    bundles = list(shared_ws.bundles())
    report = evaluate(load_gold(GOLD / "oss-exemption.json"), bundles)
    score = report.labels[EXEMPTION]
    assert not report.missing_documents
    assert [f"{f.kind} {f.file} {f.citation}" for f in report.findings] == []
    assert score.precision == 1.0 and score.recall == 1.0
    assert report.negative_tags == []
    negatives = set(gold_oss["negative_documents"])
    for b in bundles:
        for t in b.tags:
            assert b.meta.file not in negatives, (b.meta.file, t)
            if t.label == EXEMPTION:
                # both wordings, unless the exemption wording is in a lead-in or
                # the provision limits an exemption stated elsewhere
                assert covers_both(t) or ":lead-in:" in t.source or ":limit:" in t.source, t
                p = b.provision(t.provision_id)
                assert p is not None and p.searchable
                for e in t.evidence:
                    assert p.text[e.start : e.end] == e.text


@pytest.mark.shared
@pytest.mark.slow
def test_shared_corpus_targets(shared_ws) -> None:
    bundle = shared_ws.find_doc("eu-ai-act-2024-1689.pdf")
    targets = {t.provision_id: t.targets for t in bundle.tags if t.label == EXEMPTION}
    ids = {p.id for p in bundle.provisions}
    for pid, tgts in targets.items():
        assert set(tgts) <= ids, pid
    # "paragraph 1, points (a) and (b)" names two points of the same article
    with_points = [t for t in targets.values() if len(t) == 2]
    assert with_points and all(
        x.split("__point_")[0] == y.split("__point_")[0] for x, y in with_points
    )


# --- lists: the exemption in the lead-in, the open source in an item ---------------------

LIST_EXEMPTION = (
    "This Directive does not apply to: (a) products intended exclusively for national security "
    "purposes; (b) medical devices placed on the market before the date of application; "
    "(c) free and open-source software that is developed or supplied outside the course of a "
    "commercial activity."
)


def test_a_list_led_by_an_exemption_reaches_every_item() -> None:
    tags = tags_of(LIST_EXEMPTION)
    assert covers_both(tags[EXEMPTION])


def test_a_list_led_by_a_scope_clause_is_not_an_exemption() -> None:
    text = (
        "This Regulation applies to: (a) providers placing AI systems on the market; (b) "
        "deployers of AI systems; (c) developers of open-source tools."
    )
    assert EXEMPTION not in tags_of(text)


def test_a_definition_point_is_tagged_itself_and_through_its_parent() -> None:
    point = (
        "'product' means all movables, including electricity and software, but does not include "
        "free and open-source software supplied outside the course of a commercial activity;"
    )
    other = "'manufacturer' means any natural or legal person who develops a product;"
    parent_text = f"For the purposes of this Directive: (1) {point} (2) {other}"
    ps = [
        provision(parent_text, "art_4", kind="article"),
        provision(point, "art_4__point_1", kind="point", parent="art_4", searchable=False),
        provision(other, "art_4__point_2", kind="point", parent="art_4", searchable=False),
    ]
    tagged = {t.provision_id for t in tag_provisions(ps) if t.label == EXEMPTION}
    assert tagged == {"art_4", "art_4__point_1"}


def test_reading_the_version_does_not_load_spacy() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from corpus_tool.tagging import TAGGER_VERSION, LABELS\n"
        "print(TAGGER_VERSION, 'spacy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version, loaded = out.stdout.split()
    assert version == TAGGER_VERSION and loaded == "False"
