"""The exemption wordings of docs/exemption-wordings.md, family by family, on sentences of our own.

``tests/data/exemption_wordings.jsonl`` holds, for every family of legal
technique the catalogue lists, at least five sentences that exempt open source
and five near misses (the same wording without open source, open source without
the wording, the wording reaching something else), in the style of EU
regulations and directives, US federal and state bills (enrolled text in
capitals too) and licences. They were written for these tests, not taken from
any document.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from corpus_tool.tagging import tag_provisions
from corpus_tool.tagging.rules import PATTERNS_DIR, packaged_rules
from tests._tagging_helpers import provision

DATA = Path(__file__).resolve().parent / "data" / "exemption_wordings.jsonl"
FAMILIES = (
    "scope-exclusion",
    "definition-exclusion",
    "list-lead-in",
    "penalty-waiver",
    "lighter-regime",
    "liability-shift",
    "obligation-waiver",
    "described-oss",
    "us-wording",
    "carve-back",
    "licence",
)
STYLES = {"eu-regulation", "eu-directive", "eu-recital", "us-federal", "us-state",
          "us-enrolled-caps", "licence", "uk"}  # fmt: skip


def _rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


ROWS = _rows()


def _exempts(text: str) -> bool:
    return any(t.label == "oss-exemption" for t in tag_provisions([provision(text)]))


def test_every_family_has_five_positives_and_five_near_misses() -> None:
    counts = Counter((r["family"], r["label"]) for r in ROWS)
    for family in FAMILIES:
        assert counts[family, True] >= 5, family
        assert counts[family, False] >= 5, family
    assert {r["family"] for r in ROWS} == set(FAMILIES)
    assert {r["style"] for r in ROWS} <= STYLES
    # every style of law the tool is meant for is represented
    assert {r["style"] for r in ROWS} == STYLES
    assert len({r["text"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize(
    "row",
    ROWS,
    ids=[f"{r['family']}-{'pos' if r['label'] else 'neg'}-{i}" for i, r in enumerate(ROWS)],
)
def test_family_sentence(row: dict) -> None:
    assert _exempts(row["text"]) is row["label"], row["text"]


def test_capitalised_enrolled_text_reads_as_lower_case() -> None:
    text = "A DEVELOPER IS NOT REQUIRED TO COMPLY WITH SUBSECTION (c) FOR AN OPEN-SOURCE MODEL."
    assert _exempts(text)
    assert _exempts(text.lower().capitalize())


def test_a_positive_loses_its_tag_without_its_open_source_words() -> None:
    # The wording alone never makes an exemption: strip the open-source words from
    # each positive that names them and the tag must go.
    oss = re.compile(r"\b(?:free and )?open[- ]source\b", re.I)
    checked = 0
    for r in ROWS:
        if r["label"] and oss.search(r["text"]) and r["family"] != "described-oss":
            stripped = oss.sub("proprietary", r["text"])
            if not re.search(r"weights|licen[cs]e|repositor|steward|profit|volunteer", stripped, re.I):
                assert not _exempts(stripped), stripped
                checked += 1
    assert checked >= 25


# --- rules are data, written from the language of law, not from our documents ---------


def _gold_sentences(gold_texts: list[dict]) -> list[str]:
    return [g["text"].lower() for g in gold_texts]


def _runs(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_pattern_spells_out_a_corpus_sentence(gold_texts: list[dict]) -> None:
    gold_runs: set[tuple[str, ...]] = set()
    for text in _gold_sentences(gold_texts):
        gold_runs |= _runs(re.findall(r"\w+|[^\w\s]", text), 6)
    for spec in packaged_rules().rulers:
        for pat in spec.patterns:
            literal: list[str] = []
            for token in pat["pattern"]:
                value = next((token[a] for a in ("LOWER", "ORTH", "TEXT") if a in token), None)
                if isinstance(value, str) and "OP" not in token:
                    literal.append(value.lower())
                else:
                    literal.append("\0")  # a choice or an option breaks the run
            assert not (_runs(literal, 6) & gold_runs), (spec.file, pat.get("id"))


def test_own_sentences_are_not_taken_from_the_corpus(gold_texts: list[dict]) -> None:
    gold_runs: set[tuple[str, ...]] = set()
    for text in _gold_sentences(gold_texts):
        gold_runs |= _runs(re.findall(r"\w+", text), 9)
    for r in ROWS:
        shared = _runs(re.findall(r"\w+", r["text"].lower()), 9) & gold_runs
        assert not shared, (r["text"], shared)


def test_pattern_files_name_no_gold_id_or_corpus_file() -> None:
    forbidden = re.compile(
        r"\b(?:rec|art|sec|anx|chp)_\d|\.pdf\b|eu-ai-act|gdpr|llama|2024/1689|14110|"
        r"us-co-|infosoc|2001/29",
        re.I,
    )
    files = [p for p in PATTERNS_DIR.iterdir() if p.is_file()]
    assert {"exemption_cues.jsonl", "oss_terms.jsonl", "rules.toml"} <= {p.name for p in files}
    for path in files:
        found = forbidden.search(path.read_text(encoding="utf-8"))
        assert not found, (path.name, found)


def test_regression_a_reach_of_zero_takes_nothing_right_before_the_wording() -> None:
    # "do not apply" reaches only forwards; the adjacent open-source words before it
    # were linked because their distance, 0, was not more than the reach, 0.
    assert not _exempts("Open-source licences do not apply to the trademarks of the licensor.")
    assert not _exempts("The Licensor shall not be liable open-source components aside.")
    assert _exempts("The licence does not apply to open-source components of the software.")


def test_regression_a_new_clause_with_open_source_as_its_subject_ends_the_reach() -> None:
    # The clause break ", and open-source projects shall" holds the open-source
    # words themselves; it was only counted when it lay wholly between the two.
    assert not _exempts(
        "An expedited review shall be available to applicants who demonstrate urgency, "
        "and open-source projects shall be listed in the annual report."
    )


def test_regression_nevertheless_after_a_modal_is_no_new_clause() -> None:
    # "should nevertheless fall within …" is one clause: the adverb follows a modal.
    assert _exempts(
        "Open-source AI models should nevertheless fall within the scope of this Regulation "
        "where they are made available as part of a high-risk AI system."
    )


def test_regression_without_prejudice_is_no_exemption() -> None:
    assert not _exempts(
        "Without prejudice to Article 2(12), providers of open-source models shall register "
        "in the database."
    )


def test_regression_subject_to_exceptions_is_not_read_as_a_carve_back() -> None:
    # "be subject to" (a carve-back wording) and "subject to exceptions" overlap with
    # the same length; the exception wording must win.
    assert _exempts(
        "Models with openly available weights should be subject to exceptions as regards the "
        "documentation requirements."
    )


def test_regression_a_question_word_of_an_earlier_clause_asks_nothing() -> None:
    # "whether for payment or free of charge;" in the defined term's own clause made
    # every wording after it read as an indirect question, so the exclusion in the
    # clause after the ";" was lost. A concessive "whether" asks nothing either.
    assert _exempts(
        "'supplier' means a person who supplies software, whether for payment or free of "
        "charge; a person who only shares free and open-source software shall not be "
        "considered a supplier."
    )
    assert _exempts(
        "Open-source models are exempt from Article 6, whether or not they are monetised."
    )
    assert not _exempts(
        "The Commission shall assess whether open-source models should be exempt from Article 6."
    )
    # "and whether" still asks: a coordinated indirect question
    assert not _exempts(
        "The Commission shall assess the costs and whether open-source software should be "
        "exempt from Article 5."
    )


def test_regression_open_source_or_proprietary_is_no_open_source_reason() -> None:
    # "regardless of whether the software is open source or proprietary" treats both
    # alike: the scope exclusion it qualifies was tagged as an open-source one.
    assert not _exempts(
        "This Regulation shall not apply to software developed solely for research, "
        "regardless of whether the software is open source or proprietary."
    )
    assert not _exempts(
        "This Regulation shall not apply to proprietary or open-source tools used only "
        "for military purposes."
    )


def test_regression_a_limit_of_another_exemption_is_no_open_source_exemption() -> None:
    # "The exception for personal use … shall not apply where … under an open-source
    # licence" was linked forwards; only an exemption whose own phrase names open source,
    # or one that stops reaching open source for a commercial reason, counts.
    assert not _exempts(
        "The exception for personal use referred to in paragraph 4 shall not apply where the "
        "system is made available to others, including through publication under an "
        "open-source licence."
    )
    assert _exempts(
        "The exception for open-source models referred to in paragraph 4 shall not apply "
        "where the model presents a systemic risk."
    )
    assert _exempts(
        "The exemption in Section 4 shall no longer apply to open-source components that the "
        "supplier sells for a fee."
    )
    # an exemption that names whom it is for is that one, whatever follows its verb
    assert not _exempts(
        "The exemption for universities in Section 4 shall no longer apply to open-source "
        "components that the university sells for a fee."
    )


def test_regression_no_one_relieved_is_an_obligation_not_an_exemption() -> None:
    # "No person who … open-source … shall be relieved of …": the negated subject
    # turns the relief into its refusal.
    assert not _exempts(
        "No person who sells a product with open-source components shall be relieved of the "
        "obligations of a manufacturer."
    )
    assert _exempts(
        "No person who contributes code to an open-source project without payment shall incur "
        "liability to its users."
    )


def test_such_licences_reads_back_to_the_earlier_sentence() -> None:
    text = (
        "(30) Models released under a free and open-source licence support research. "
        "Models released under such licences should benefit from exceptions to the "
        "documentation requirements."
    )
    assert _exempts(text)
    # without an open-source wording before it, "such licences" is nothing
    assert not _exempts(text.replace("a free and open-source licence", "a commercial licence"))


def test_patterns_stay_fast_on_a_long_clause() -> None:
    # A pattern with a long bounded gap ("{0,30}") is expanded by the matcher into
    # as many optional tokens and made tagging a few sentences take minutes; open
    # gaps ("*") bounded by the clause's punctuation are used instead.
    for spec in packaged_rules().rulers:
        for pat in spec.patterns:
            for token in pat["pattern"]:
                op = str(token.get("OP", ""))
                if op.startswith("{"):
                    hi = int(op.strip("{}").split(",")[-1])
                    assert hi <= 16, (spec.file, pat.get("id"), op)
