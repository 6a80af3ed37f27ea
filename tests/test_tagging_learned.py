"""The learned second opinion on open-source exemptions: gate, evidence, committed model, honest scores.

The model (``corpus_tool/tagging/model``) is trained by
``benchmarks/train_exemption_model.py`` on the four sentence files; these tests
check that the committed model is the one those files give (hash, retraining),
that it only ever adds tags the rules did not give, with evidence in the
provision's own text, and print its cross-validated effect per family: a model
trained without a file scores that file, rules alone vs rules + model.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from corpus_tool.tagging import learned
from corpus_tool.tagging.learned import SOURCE, data_hash, features, gate
from corpus_tool.tagging.tagger import Tagger
from tests._tagging_helpers import provision

ROOT = Path(__file__).resolve().parent.parent
EXEMPTION = "oss-exemption"

pytestmark = pytest.mark.skipif(
    not learned.model_available(), reason=f"no trained model in {learned.MODEL_DIR}"
)


def _trainer() -> ModuleType:
    path = ROOT / "benchmarks" / "train_exemption_model.py"
    spec = importlib.util.spec_from_file_location("train_exemption_model", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trainer() -> ModuleType:
    return _trainer()


@pytest.fixture(scope="module")
def with_model() -> Tagger:
    return Tagger(learned=True)


@pytest.fixture(scope="module")
def rules_only() -> Tagger:
    return Tagger(learned=False)


def _exempt(tagger: Tagger, text: str, **kw: object) -> list:
    return [t for t in tagger.tag([provision(text, **kw)]) if t.label == EXEMPTION]  # type: ignore[arg-type]


# A wording none of the rules knows ("shall not incur any civil liability" for a
# volunteer contributor), and a near miss in the same words that keeps liability.
# Rules v4 learned the first wording written here ("No person who contributes
# code to an open-source project ... shall incur any civil liability"), so this
# one, which they miss, stands in; the model gives it about 0.68, under the
# committed threshold, so the test lowers the threshold to see the tag's form.
UNSEEN = (
    # Rules v5 learned "shall be spared the reporting duties"; a reporting rhythm made
    # lighter is still a wording they do not know.
    "3. Open-source software stewards may report under Article 11 once a year rather than "
    "each quarter, save where they act in the course of a commercial activity."
)
NEAR_MISS = (
    "Section 23. A person who is paid to maintain an open-source project shall be liable to its "
    "users for defects in the code in the same manner as any other supplier of software."
)
UNRELATED = "Member States shall designate one or more competent authorities by 2 August 2025."


# --- the gate ---------------------------------------------------------------------------


def test_the_gate_lets_through_only_an_anchor_with_a_relief_cue() -> None:
    assert gate(UNSEEN).passes
    assert not gate(UNRELATED).passes
    # open source, nothing relieved
    assert not gate("The Commission shall publish a study on open-source software.").passes
    # relief, nothing about open source
    assert not gate("This Regulation shall not apply to military AI systems.").passes
    # "free of charge" alone is no anchor, even with software: freeware is not open source
    assert not gate("The information shall be provided free of charge and shall not apply.").passes
    assert not gate("This Part does not apply to software supplied free of charge.").passes
    assert gate("This Part does not apply to open source software supplied free of charge.").passes


@pytest.mark.parametrize(
    "text",
    [
        "This Chapter shall not apply to software that any person may use, study, modify and "
        "redistribute without payment.",
        "THIS ARTICLE DOES NOT APPLY TO A MODEL WHOSE WEIGHTS ARE MADE AVAILABLE FOR DOWNLOAD BY "
        "THE GENERAL PUBLIC.",
        "The duties in this Part do not apply to a project whose source code is hosted in a "
        "public repository.",
        "The exemption referred to in paragraph 2 for open-source software shall not apply where "
        "the software is sold.",
    ],
)
def test_the_gate_reads_open_source_described_without_the_words(text: str) -> None:
    hit = gate(text)
    assert hit.passes, text
    assert "xxsamesentence" in features(text, hit)


# --- tags -------------------------------------------------------------------------------


def test_an_unseen_wording_gets_a_learned_tag_with_its_evidence(
    with_model: Tagger, rules_only: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _exempt(rules_only, UNSEEN) == []
    nlp, meta = learned.load_model()
    assert learned.probabilities([learned.features(UNSEEN)], nlp)[0] < meta["threshold"]
    assert _exempt(with_model, UNSEEN) == []  # under the committed threshold: no tag
    monkeypatch.setattr(learned, "load_model", lambda: (nlp, {**meta, "threshold": 0.5}))
    (tag,) = _exempt(with_model, UNSEEN)
    assert tag.source == SOURCE
    assert 0.5 <= tag.score <= 1.0  # the score is the model's probability
    roles = {e.role for e in tag.evidence}
    assert roles == {"open-source", "exemption"}
    for e in tag.evidence:
        assert UNSEEN[e.start : e.end] == e.text
    # a steward is open source described without the words (the lexicon's anchor)
    assert [e.text for e in tag.evidence if e.role == "open-source"] == ["stewards"]


def test_the_near_miss_in_the_same_words_stays_untagged(with_model: Tagger) -> None:
    assert _exempt(with_model, NEAR_MISS) == []


def test_the_model_never_replaces_or_doubles_a_rule_tag(
    with_model: Tagger, rules_only: Tagger
) -> None:
    text = "This Regulation shall not apply to free and open-source software."
    ruled = _exempt(rules_only, text)
    both = _exempt(with_model, text)
    assert ruled and both == ruled and all(t.source != SOURCE for t in both)


def test_a_point_read_after_its_lead_in_has_evidence_only_in_its_own_text(
    with_model: Tagger,
) -> None:
    lead = "The liability provisions of Chapter V shall not extend to the following:"
    point = "(b) volunteers who maintain open-source projects without remuneration."
    parent = provision(f"{lead} (a) public bodies; {point}", "art_9", searchable=True)
    kids = [
        provision("(a) public bodies;", "art_9__a", kind="point", parent="art_9", order=1),
        provision(point, "art_9__b", kind="point", parent="art_9", order=2),
    ]
    tags = [t for t in with_model.tag([parent, *kids]) if t.source == SOURCE]
    for t in tags:
        own = next(p for p in (parent, *kids) if p.id == t.provision_id).text
        for e in t.evidence:
            assert 0 <= e.start < e.end <= len(own) and own[e.start : e.end] == e.text


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(learned.ENV_SWITCH, "0")
    assert not learned.enabled() and not Tagger().learned
    monkeypatch.setenv(learned.ENV_SWITCH, "1")
    assert learned.enabled() and Tagger().learned
    monkeypatch.delenv(learned.ENV_SWITCH)
    settings = learned.SETTINGS_FILE.read_text(encoding="utf-8")
    assert ("learned = true" in settings) == learned.enabled()


# --- the committed model ----------------------------------------------------------------


def test_the_committed_model_was_trained_on_the_current_files(trainer: ModuleType) -> None:
    meta = json.loads(learned.META_FILE.read_text(encoding="utf-8"))
    files = trainer.hashed_files()
    assert meta["training_files"] == [p.name for p in files]
    assert meta["data_hash"] == data_hash(files), (
        "the training sentences or the lexicon changed: run benchmarks/train_exemption_model.py"
    )
    assert meta["architecture"] == learned.TEXTCAT_MODEL


def test_the_model_is_package_data_with_no_code_and_no_pickle() -> None:
    import corpus_tool

    assert learned.MODEL_DIR.is_relative_to(Path(corpus_tool.__file__).resolve().parent)
    names = [p.name for p in learned.MODEL_DIR.rglob("*") if p.is_file()]
    assert not [
        n
        for n in names
        if n.endswith((".py", ".pyc", ".pkl", ".pickle", ".cfg")) and n != "vectors.cfg"
    ]
    # the architecture comes from the code, not from a config file in the folder
    assert not (learned.MODEL_DIR / "config.cfg").exists()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"tagging/model/textcat/*"' in pyproject


@pytest.mark.slow
def test_retraining_gives_the_same_predictions(trainer: ModuleType) -> None:
    rows = trainer.read_rows()
    texts = [r["text"] for r in rows]
    retrained = trainer.train(rows)
    committed, _ = learned.load_model()
    again = learned.probabilities(texts, retrained)
    now = learned.probabilities(texts, committed)
    assert max(abs(a - b) for a, b in zip(again, now, strict=True)) < 1e-6


# --- cross-validation, per family -------------------------------------------------------


@pytest.mark.slow
def test_cross_validated_scores_per_family(
    trainer: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(learned.ENV_SWITCH, "0")  # the rules' verdicts are the rules' alone
    scored = trainer.cross_validate(trainer.read_rows())
    meta = json.loads(learned.META_FILE.read_text(encoding="utf-8"))
    threshold = trainer.choose_threshold(scored)
    with capsys.disabled():
        print("\nlearned second opinion, cross-validated (a model trained without the file):")
        print(trainer.report(scored, threshold))
    # the committed threshold is the one cross-validation chooses
    assert threshold == meta["threshold"]
    untuned = [r for r in scored if r["file"] in trainer.THRESHOLD_FOLDS]
    alone, both = trainer.score(untuned, None)["all"], trainer.score(untuned, threshold)["all"]
    p, r = trainer.precision, trainer.recall
    # On the files the rules were never tuned on (the training files, written blind),
    # the fifth session's model trades a little precision for much recall: rules v5
    # P 0.994 R 0.744 -> rules + model P 0.989 R 0.876, cross-validated (a model
    # trained without the file). Precision stays above the bar for unseen law.
    assert p(both) >= 0.95
    assert r(both) >= r(alone) + 0.10
    # Every file, each judged by a model that never saw it, keeps precision above
    # 0.93 (the lowest: the own half, whose near misses were written against the
    # rules' own frames, 0.943 with 22 of its 265 near misses added).
    for name in sorted({x["file"] for x in scored}):
        part = [x for x in scored if x["file"] == name]
        assert p(trainer.score(part, threshold)["all"]) >= 0.93, name


# --- the shared corpus ------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_rules_and_model_on_the_shared_corpus(
    shared_ws, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rules alone already give P = R = 1.0 there, so any learned tag would be a
    false positive: none may appear, and the bundles (tagged with the model on) are
    the rules' tags exactly. Licences are read as the product reads them: the model
    stays silent in a document of a ``RULES_ONLY_FAMILIES`` family."""
    bundles = list(shared_ws.bundles())
    provisions = [p for b in bundles for p in b.provisions]
    assert len(provisions) > 1000
    rules_only = {
        b.meta.doc_id for b in bundles if b.meta.family in learned.RULES_ONLY_FAMILIES
    }
    assert rules_only  # the corpus has licences: the rule below is exercised
    rules = Tagger(learned=False).tag(provisions)
    ruled = {(t.doc_id, t.provision_id) for t in rules if t.label == EXEMPTION}
    gated = [
        p
        for p in provisions
        if p.searchable
        and p.doc_id not in rules_only
        and (p.doc_id, p.id) not in ruled
        and gate(p.text).passes
    ]
    probs = learned.probabilities([p.text for p in gated])
    with capsys.disabled():
        print(
            f"\nshared corpus: {len(provisions)} provisions; {len(gated)} searchable ones the "
            f"rules leave untagged pass the gate; highest P(exemption) among them "
            f"{max(probs, default=0.0):.3f}"
        )
    with_model = Tagger(learned=True).tag(provisions, rules_only=rules_only)
    assert [t for t in with_model if t.source == SOURCE] == []
    assert with_model == rules
    stored = [t for b in shared_ws.bundles() for t in b.tags]
    assert all(t.source != SOURCE for t in stored)


def test_the_literal_prefilter_changes_no_gate_decision(
    trainer: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every anchor holds one of the prefilter's literals, so skipping the expressions
    where none occurs decides nothing: checked on every training sentence."""
    texts = [r["text"] for r in trainer.read_rows()]
    with_prefilter = [gate(t) for t in texts]
    lex = learned._lexicon()
    monkeypatch.setattr(learned, "_lexicon", lambda: dataclasses.replace(lex, prefilter=()))
    without = [gate(t) for t in texts]
    assert with_prefilter == without
    assert sum(h.passes for h in without) > len(texts) // 2


def test_fine_tuning_is_no_fine() -> None:
    # "fine-tuning dual-use foundation models for which the model weights are widely
    # available" read "fine" as a penalty cue and came within 0.01 of a tag.
    text = (
        "(i) risks associated with actors fine-tuning dual-use foundation models for which "
        "the model weights are widely available or removing those models' safeguards;"
    )
    assert not gate(text).passes
    assert gate("No fine shall be imposed on a developer of an open-source model.").passes


def test_tagger_version_names_the_trained_model_so_bundles_are_retagged() -> None:
    """Switching the model off or retraining it changes TAGGER_VERSION (a bug: it did not)."""
    import subprocess

    def version(switch: str) -> str:
        code = "from corpus_tool.tagging import TAGGER_VERSION as v; print(v)"
        env = {**os.environ, learned.ENV_SWITCH: switch}
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    on, off = version("1"), version("0")
    meta = json.loads(learned.META_FILE.read_text(encoding="utf-8"))
    assert on != off and off in on
    assert meta["data_hash"][:12] in on and meta["data_hash"][:12] not in off


# A clause of our own in the manner of a free-software licence: its freedoms and its
# disclaimer make the model read it as special treatment of open source.
LICENCE_CLAUSE = (
    "4. You may copy and distribute verbatim copies of the Program's source code as you "
    "receive it, provided that you keep intact all notices stating that this Licence and "
    "the absence of any warranty apply to the code, so that anyone may modify it."
)


def test_regression_licence_clauses_are_left_to_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GPL's own terms (conveying source, the disclaimer) scored 0.97-1.0 once the gate
    read freedoms and "only": in a licence document the model stays silent."""
    from corpus_tool.tagging import tag_provisions
    from corpus_tool.tagging.tagger import default_tagger

    monkeypatch.setenv(learned.ENV_SWITCH, "1")
    default_tagger.cache_clear()  # the product's tagger, built with the model on
    nlp, meta = learned.load_model()
    assert learned.gate(LICENCE_CLAUSE).passes
    prob = learned.probabilities([LICENCE_CLAUSE], nlp)[0]
    monkeypatch.setattr(learned, "load_model", lambda: (nlp, {**meta, "threshold": prob / 2}))
    as_act = tag_provisions([provision(LICENCE_CLAUSE)])
    assert [t.source for t in as_act if t.label == EXEMPTION] == [SOURCE]  # judged in an act
    in_licence = tag_provisions([provision(LICENCE_CLAUSE)], family="licence")
    assert [t for t in in_licence if t.label == EXEMPTION] == []
    assert "licence" in learned.RULES_ONLY_FAMILIES
    default_tagger.cache_clear()
