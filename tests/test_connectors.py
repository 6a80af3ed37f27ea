"""Terms and connectors as Westlaw and Lexis document them, table-driven; each case names its source.

Sources (read 2026-11):
- WL-ORDER: Westlaw order of processing chart ("phrases, or, +n, /n, +s, /s, +p,
  /p, &, %; if two or more connectors are numerical, the smaller number is
  processed first"), as reproduced by law-hawaii.libguides.com and
  guides.libraries.uc.edu "Basic Terms & Connectors Searching".
- WL-CONNECTORS: Practical Law / Westlaw "Choose connectors" help page
  (thomsonreuters.com/en-us/help/practical-law/research/choose-connectors.html):
  /p, +p, /s, +s, /n, +n, % with their examples.
- WL-CHAIN: Westlaw guide example "Unfair /3 competition /20 software" and the
  connectors issue's "dog /3 bite /20 liability": each term against the others.
- WL-PLURALS: Westlaw quick reference ("Enter the singular form to retrieve the
  plural form as well. If you enter the plural form, only the plural is
  retrieved"; "#damage retrieves damage but not damages"; "#willful ... (not
  wilful)": # also turns off equivalents).
- LX-ORDER: Lexis "Connector Order and Priority" (help.lexisnexis.com,
  connectorpriority_ref-reference): or, proximity smallest first, and, and not.
- LX-NOTWN: Lexis glossary "NOT W/n: the first word is required ... the second
  word ... cannot be within n words of the first" (rico NOT W/5 puerto).
- ISSUE-14: the misreadings found on this corpus (each a regression test below).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_tool.index import forget, rebuild_index, search
from corpus_tool.model import DocumentMeta
from corpus_tool.workspace import DocBundle, Workspace
from tests._search_helpers import _provisions

# (id, citation, kind, parent, heading, text, searchable)
ROWS = [
    ("rel", "Rel", "recital", None, "",
     "Models released under a free licence may be modified. Nothing else happens here.", True),
    ("osc", "Osc", "recital", None, "",
     "Publishing the open source code lets anyone modify it.", True),
    ("mfl", "Mfl", "recital", None, "",
     "The model is free under this licence.", True),
    ("afo", "Afo", "recital", None, "",
     "Tools under free and open source software terms made available to the public.", True),
    ("mtd", "Mtd", "recital", None, "",
     "The training data of the model are described.", True),
    ("sna", "Sna", "recital", None, "",
     "This shall not apply to free and open-source tools.", True),
    ("fos", "Fos", "recital", None, "",
     "Free and open-source tools are exempt, and the rule shall not apply to them.", True),
    ("src", "Src", "recital", None, "",
     "The source text is open to all readers.", True),
    ("lic", "Lic", "recital", None, "",
     "Several licences were granted.", True),
    ("lus", "Lus", "recital", None, "",
     "A license is granted under US spelling, with a program and an organization.", True),
    ("pub", "Pub", "recital", None, "",
     "A public record is available; publication is available too.", True),
    ("pbl", "Pbl", "recital", None, "",
     "Weights made publicly available online.", True),
    ("sys", "Sys", "recital", None, "",
     "General models with systemic risks, and a system risk register.", True),
    ("wom", "Wom", "recital", None, "",
     "The women on the board, and the criteria they set.", True),
    ("art", "Article 9", "article", None, "Obligations for providers of models", "", False),
    ("art__1", "Article 9(1)", "paragraph", "art", "",
     "Open-source tools are covered by this rule.", True),
    ("chn", "Chn", "recital", None, "",
     "Alpha beta gamma delta. Epsilon zeta alpha eta theta iota kappa lambda mu nu xi "
     "omicron pi rho sigma tau upsilon phi chi psi omega delta.", True),
]  # fmt: skip


def _bundle() -> DocBundle:
    meta = DocumentMeta(
        file="cx.txt", doc_id="cx", sha256="0" * 64, title="cx", family="test",
        jurisdiction="EU", date="2024", citation="cx", eli="", pages=1,
    )  # fmt: skip
    return DocBundle(meta, _provisions("cx.txt", "cx", ROWS), ())


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = Workspace(tmp_path_factory.mktemp("connectors_ws"))
    ws.ensure()
    ws.save_bundle(_bundle())
    rebuild_index(ws)
    yield ws
    forget(ws)


def found(ws: Workspace, query: str, dialect: str = "lexis") -> set[str]:
    return {h.id for h in search(ws, query, limit=None, dialect=dialect).hits}


def marked(ws: Workspace, query: str, pid: str, dialect: str = "lexis") -> list[str]:
    hit = next(h for h in search(ws, query, limit=None, dialect=dialect).hits if h.id == pid)
    text = next(r[5] for r in ROWS if r[0] == pid)
    return [text[s:e] for s, e in hit.highlights]


# --- the ten misreadings of the connectors issue, one regression test each ----------------


def test_misreading_1_chain_measured_from_a_stretch(ws: Workspace) -> None:
    # ISSUE-14 / WL-CHAIN: "release! /s modif! /s free" found nothing while the same
    # terms in another order did; a term inside the span between two others counts.
    assert found(ws, "release! /s modif! /s free") == {"rel"}
    assert found(ws, "free /s release! /s modif!") == {"rel"}
    assert found(ws, '"open source" /15 modif! /15 code') == {"osc"}


def test_misreading_2_order_plus_s_before_slash_s(ws: Workspace) -> None:
    # ISSUE-14 / WL-ORDER: licen! /s (model +s free), not (licen! /s model) +s free
    assert found(ws, "licen! /s model +s free") == {"mfl", "rel"}
    assert found(ws, "licen! /s free +s model") == set()


def test_misreading_3_order_smaller_number_first(ws: Workspace) -> None:
    # ISSUE-14 / WL-ORDER, LX-ORDER: available /10 (free /3 "open source")
    assert found(ws, 'available /10 free /3 "open source"') == {"afo"}


def test_misreading_4_order_plus_n_with_smaller_number_first(ws: Workspace) -> None:
    # ISSUE-14 / WL-ORDER: model /5 (training +3 data)
    assert found(ws, "model /5 training +3 data") == {"mtd"}
    assert found(ws, "model /5 data +3 training") == set()


def test_misreading_5_plus_p_respects_order(ws: Workspace) -> None:
    # ISSUE-14 / WL-CONNECTORS: +p "the first term preceding the second within the same
    # paragraph"; "sna" has "shall not apply" first
    assert found(ws, '"free and open-source" +p "shall not apply"') == {"fos"}
    assert found(ws, '"free and open-source" /p "shall not apply"') == {"fos", "sna"}


def test_misreading_6_lexis_and_not_is_a_connector(ws: Workspace) -> None:
    # ISSUE-14 / LX-ORDER: "and not" is Lexis's but-not, not the word "not"
    assert found(ws, '"open source" and not recital') == found(ws, '"open source" % recital')
    assert found(ws, "tools and not exempt") == {"sna", "art__1", "afo"}


def test_misreading_7_lexis_not_w_n_is_a_connector(ws: Workspace) -> None:
    # ISSUE-14 / LX-NOTWN: source NOT W/1 open: "source" with no "open" next to it
    assert "src" not in found(ws, "source /1 open")
    assert found(ws, "source not w/1 open") == {"src"}
    assert found(ws, "source NOT W/1 open") == {"src"}


def test_misreading_8_hash_turns_off_plurals(ws: Workspace) -> None:
    # ISSUE-14 / WL-PLURALS: #licence does not find "licences"
    assert "lic" in found(ws, "licence")
    assert "lic" not in found(ws, "#licence")
    assert found(ws, "#licences") == {"lic"}


def test_misreading_9_expansion_is_plurals_and_equivalents_not_stems(ws: Workspace) -> None:
    # ISSUE-14 / WL-PLURALS: no stemming: publicly is not public, systemic is not system;
    # licence and license are equivalents
    assert found(ws, "publicly /3 available") == {"pbl"}
    assert found(ws, "public /3 available") == {"pub", "afo"}
    assert found(ws, "systemic /2 risk") == {"sys"}
    assert marked(ws, "systemic /2 risk", "sys") == ["systemic risks"]
    assert {"lic", "lus"} <= found(ws, "licence")
    assert {"lic", "lus"} <= found(ws, "license")


def test_misreading_10_heading_only_match_is_highlighted(ws: Workspace) -> None:
    # ISSUE-14 "Highlights" and docs/decisions.md section 2: the heading is a paragraph of
    # the unit; a match there is highlighted in the heading.
    hit = next(
        h
        for h in search(ws, '"obligations for providers" & open-source', limit=None).hits
        if h.id == "art__1"
    )
    assert [hit.headings[s:e] for s, e in hit.heading_highlights] == ["Obligations for providers"]
    assert [ROWS[15][5][s:e] for s, e in hit.highlights] == ["Open-source"]
    # ... and, being its own paragraph, it does not join the text for /p or /s
    assert found(ws, '"obligations for providers" /p open-source') == set()
    assert found(ws, 'heading:"obligations for providers"') == {"art__1"}


# --- chains of every connector (three and four terms) --------------------------------------

CHAINS = [
    # (query, expected ids, source)
    ("alpha /s beta /s gamma", {"chn"}, "WL-CONNECTORS /s: all in one sentence"),
    ("alpha /s beta /s epsilon", set(), "WL-CONNECTORS /s: epsilon is in the next sentence"),
    ("alpha /s gamma /s beta /s delta", {"chn"}, "WL-CONNECTORS /s, four terms, any order"),
    ("alpha +s beta +s gamma", {"chn"}, "WL-CONNECTORS +s ordered"),
    ("gamma +s beta +s alpha", set(), "WL-CONNECTORS +s reversed"),
    ("alpha /p epsilon /p omega", {"chn"}, "WL-CONNECTORS /p: same paragraph"),
    ("alpha +p omega +p psi", {"chn"}, "WL-CHAIN: psi after alpha (either term)"),
    ("omega +p alpha +p beta", set(), "WL-CONNECTORS +p: no alpha after omega"),
    ("alpha /2 beta /3 delta", {"chn"}, "WL-CHAIN: delta within 3 of alpha or beta"),
    ("alpha /1 beta /1 delta", set(), "WL-CHAIN: delta is 2 from beta"),
    ("zeta /2 iota /3 kappa /3 lambda", set(), "WL-ORDER: zeta /2 iota fails first"),
    ("zeta /3 eta /2 theta /20 omega", {"chn"}, "WL-ORDER: smaller numbers first"),
    ("alpha +1 beta +1 gamma +1 delta", {"chn"}, "WL-CONNECTORS +n chain"),
    ("alpha w/1 beta pre/1 gamma", {"chn"}, "LX-ORDER: w/n and pre/n"),
    ("omega /3 psi /3 chi", {"chn"}, "WL-CHAIN three words, reversed text order"),
    ("alpha not w/3 gamma", {"chn"}, "LX-NOTWN: the second alpha has no gamma near"),
    ("beta not w/3 gamma", set(), "LX-NOTWN: the only beta is next to gamma"),
    ("alpha /s beta % omega", set(), "WL-CONNECTORS %: omega excludes"),
    ("alpha /s beta and not omicron", set(), "LX-ORDER and not"),
    ("alpha /s beta % zebra", {"chn"}, "WL-CONNECTORS %: nothing to exclude"),
    ("(alpha /s beta) /p (omega /3 psi)", {"chn"}, "WL-ORDER: parentheses"),
]


@pytest.mark.parametrize(("query", "expected", "source"), CHAINS, ids=[c[0] for c in CHAINS])
def test_chains(ws: Workspace, query: str, expected: set[str], source: str) -> None:
    assert found(ws, query) == expected, source


def test_chain_highlights_are_the_words_that_satisfied_it(ws: Workspace) -> None:
    # WL-CHAIN: alpha (first) and beta within 2, delta within 3 of either: the first delta
    assert marked(ws, "alpha /2 beta /3 delta", "chn") == ["Alpha beta", "delta"]


# --- expansion: plurals, irregular plurals, equivalents, # -----------------------------

EXPANSION = [
    ("woman", {"wom"}, "WL-PLURALS irregular plural: woman finds women"),
    ("women", {"wom"}, "WL-PLURALS"),
    ("criterion", {"wom"}, "WL-PLURALS irregular plural criteria"),
    ("#woman", set(), "WL-PLURALS # turns off plurals"),
    ("licences", {"lic"}, "WL-PLURALS: a plural finds only plurals"),
    ("organisation", {"lus"}, "ISSUE-14 equivalents: organisation/organization"),
    ("programme", {"lus"}, "ISSUE-14 equivalents: programme/program"),
    ("#licence", {"rel", "mfl"}, "WL-PLURALS #: no plural, no equivalent (#willful)"),
    ("model", {"rel", "mfl", "mtd", "art__1", "sys"}, "WL-PLURALS: singular finds plural"),
]


@pytest.mark.parametrize(("query", "expected", "source"), EXPANSION, ids=[c[0] for c in EXPANSION])
def test_expansion(ws: Workspace, query: str, expected: set[str], source: str) -> None:
    assert found(ws, query) == expected, source


# --- dialects ------------------------------------------------------------------------------


def test_space_is_and_in_lexis_and_or_in_westlaw(ws: Workspace) -> None:
    # docs/decisions.md 4; Westlaw terms and connectors help: "OR (space)"
    assert found(ws, "women licences") == set()
    assert found(ws, "women licences", dialect="westlaw") == {"wom", "lic"}
    assert found(ws, "women & licences", dialect="westlaw") == set()
    # Westlaw: OR (a space) binds tighter than /s: (free release!) /s modif!
    assert found(ws, "zebra release! /s modif!", dialect="westlaw") == {"rel"}


def test_quotes_expand_in_westlaw_only(ws: Workspace) -> None:
    # WL-PLURALS (plurals by default, # to turn off); in lexis quotes stay as written
    assert found(ws, '"systemic risk"') == set()
    assert found(ws, '"systemic risk"', dialect="westlaw") == {"sys"}
    assert found(ws, '#"systemic risk"', dialect="westlaw") == set()


@pytest.mark.parametrize(
    ("query", "dialect", "warning"),
    [
        ("apply /s", "lexis", "'/s' has nothing on its right"),
        ("/s apply", "lexis", "'/s' has nothing on its left"),
        ("shall not apply", "westlaw", "'not' read as a word"),
        ("colour:red", "lexis", "unknown restrictor 'colour:'"),
        ("ti(licence)", "westlaw", "'ti(' read as the word"),
        ("a OR", "lexis", "'OR' has nothing on its right"),
        ("a %", "lexis", "'%' has nothing on its right"),
    ],
)
def test_readings_not_meant_give_one_line_warnings(
    ws: Workspace, query: str, dialect: str, warning: str
) -> None:
    # ISSUE-14 item 5: nothing silent
    result = search(ws, query, dialect=dialect)
    assert any(warning in w for w in result.warnings), result.warnings
    assert all("\n" not in w for w in result.warnings)


def test_westlaw_trailing_stars_are_optional_characters(ws: Workspace) -> None:
    # Westlaw: "object*** retrieves object, objects, objected, objective ... but not
    # objectionable"; in lexis a trailing * stays any ending (the README's rule)
    assert found(ws, "licence*", dialect="westlaw") == {"lic", "rel", "mfl"}
    assert found(ws, "licen*", dialect="westlaw") == set()
    assert found(ws, "licen**", dialect="westlaw") == {"rel", "mfl", "lus"}  # licence, license
    assert found(ws, "model*", dialect="westlaw") == found(ws, "#model OR #models")
    assert "lic" in found(ws, "licen*")


def test_documented_queries_give_no_warning(ws: Workspace) -> None:
    for query in ("source not w/1 open", '"open source" and not recital', "#licence", "a & b"):
        assert search(ws, query).warnings == ()


def test_config_sets_the_dialect_and_the_cli_prints_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_tool.cli import main

    ws = Workspace(tmp_path)
    ws.ensure()
    ws.save_bundle(_bundle())
    rebuild_index(ws)
    (tmp_path / "corpus-tool.toml").write_text('[search]\ndialect = "westlaw"\n', "utf-8")
    assert found(ws, "women licences", dialect="westlaw") == {"wom", "lic"}
    assert {h.id for h in search(ws, "women licences", limit=None).hits} == {"wom", "lic"}
    assert main(["-w", str(tmp_path), "search", "women licences", "--dialect", "lexis"]) == 0
    assert "No provisions match" in capsys.readouterr().out
    assert main(["-w", str(tmp_path), "search", "shall not apply", "--json"]) == 0
    err = capsys.readouterr().err
    assert "warning: column 7: 'not' read as a word" in err
    (tmp_path / "corpus-tool.toml").write_text('[search]\ndialect = "bing"\n', "utf-8")
    assert main(["-w", str(tmp_path), "search", "women"]) == 2
    assert "dialect must be one of" in capsys.readouterr().err
    forget(ws)
