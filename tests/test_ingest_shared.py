"""Clean text of the real documents in ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from corpus_tool.ingest.check import CheckResult, compare_document
from corpus_tool.ingest.document import extract_with_details
from corpus_tool.model import Document

pytestmark = [pytest.mark.shared, pytest.mark.slow]

# Running heads, feet and printer's marks of the families in the corpus, as
# they would look if they leaked into the text.
LEAKS = [
    # The body may cite "(OJ L, 2024/1689, 12.7.2024, ELI: http://...)"; a leaked
    # running head or foot stands on a line of its own.
    r"(?m)^(?:EN )?OJ L, \d{1,2}\.\d{1,2}\.\d{4}(?: EN)?$",
    r"(?m)^(?:\d+/\d+ )?ELI: http\S+(?: \d+/\d+)?$",
    r"(?m)^\s*\d{1,3}/\d{1,3}\s*$",  # "29/144"
    r"\bL \d{1,3}/\d{1,3}\b",  # "L 119/3"
    r"(?<!the\s)Official Journal of the European Union",
    r"VerDate",
    r"\bJkt \d",
    r"Sfmt",
    r"E:\\FR\\FM",
    r"EPS</GPH>",
    r"rellehmurdd|ddrumheller|PRESDOC",
]


def _extract(path: str) -> tuple[Document, CheckResult]:
    doc, ext = extract_with_details(Path(path))
    assert ext is not None
    return doc, compare_document(Path(path), doc, ext.removed)


@pytest.fixture(scope="session")
def shared_docs(shared_corpus: Path) -> dict[str, tuple[Document, CheckResult]]:
    """Every shared PDF extracted once per session (two processes)."""
    paths = sorted(str(p) for p in shared_corpus.glob("*.pdf"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_extract, paths))
    return {Path(p).name: r for p, r in zip(paths, results, strict=True)}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_gold_texts_appear_verbatim(shared_docs, gold_texts) -> None:
    missing = []
    for item in gold_texts:
        doc, _ = shared_docs[item["doc"]]
        if flat(item["text"]) not in flat(doc.text):
            missing.append(item["id"])
    assert not missing, missing


def test_gold_texts_that_cross_a_page_break_map_to_both_pages(shared_docs, gold_texts) -> None:
    crossing = 0
    for item in gold_texts:
        doc, _ = shared_docs[item["doc"]]
        pattern = r"\s+".join(re.escape(word) for word in item["text"].split())
        m = re.search(pattern, doc.text)
        assert m, item["id"]
        first, last = doc.boxes.pages_of(m.start(), m.end())
        crossing += first != last
    assert crossing >= 1


def test_no_running_heads_feet_or_printer_marks(shared_docs) -> None:
    leaks = []
    for name, (doc, _) in shared_docs.items():
        for pattern in LEAKS:
            m = re.search(pattern, doc.text)
            if m:
                leaks.append((name, pattern, doc.text[max(0, m.start() - 40) : m.end() + 40]))
    assert not leaks, leaks


@pytest.mark.parametrize(
    "name",
    [
        "eu-ai-act-2024-1689.pdf",
        "eu-gdpr-2016-679.pdf",
        "eu-digital-services-act-2022-2065.pdf",
        "eu-data-governance-act-2022-868.pdf",
        "eu-com-2022-496-ai-liability-directive-proposal.pdf",
        "eu-com-2022-165-fishing-opportunities-proposal.pdf",
        "us-eo-14110-fr-2023-24283.pdf",
        "us-eo-14179-fr-2025-02172.pdf",
        "us-copyright-office-ai-noi-fr-2023-18624.pdf",
        "uk-ai-regulation-white-paper-2023.pdf",
        "us-nist-ai-100-1-ai-rmf-1.0.pdf",
        "meta-llama-2-responsible-use-guide.pdf",
    ],
)
def test_check_against_pypdfium2(shared_docs, name: str) -> None:
    if name not in shared_docs:
        pytest.skip(f"{name} is not in the shared corpus")
    _, result = shared_docs[name]
    assert result.body_words > 500
    assert result.kept_pct >= 99.5, result.lost_examples
    assert result.invented_words == 0, result.invented_examples


def test_check_finds_no_damaged_words_on_any_pdf(shared_docs) -> None:
    # Issue 11: no split or glued word, no hyphen kept or dropped against the
    # evidence, no space before punctuation, on every PDF of the shared corpus.
    damaged = {
        name: {k: n for k, n in result.finding_counts.items() if n and k != "reading-order"}
        for name, (_, result) in shared_docs.items()
    }
    examples = {
        name: [(f.kind, f.page, f.snippet) for f in result.findings if f.kind != "reading-order"][
            :3
        ]
        for name, (_, result) in shared_docs.items()
    }
    assert {k: v for k, v in damaged.items() if v} == {}, examples


def test_three_column_notice_is_read_column_by_column(shared_docs) -> None:
    doc, _ = shared_docs["us-copyright-office-ai-noi-fr-2023-18624.pdf"]
    text = flat(doc.text)
    # Each sentence runs down one column of a three-column page.
    assert "explained that the work could not be registered because it was made" in text
    assert "In response to growing Congressional" in text


def test_hyphenation_soft_hyphens_and_spaces(shared_docs) -> None:
    eo, _ = shared_docs["us-eo-14110-fr-2023-24283.pdf"]
    assert "Arti-\nficial" not in eo.text and "Arti- ficial" not in flat(eo.text)
    assert "Safe, Secure, and Trustworthy Development and Use of Artificial Intelligence" in flat(
        eo.text
    )
    gdpr, _ = shared_docs["eu-gdpr-2016-679.pdf"]
    assert "\u00ad" not in gdpr.text
    assert "pseudonymisation" in gdpr.text
    ai_act, _ = shared_docs["eu-ai-act-2024-1689.pdf"]
    assert "free and open-source licence" in flat(ai_act.text)
    nist, _ = shared_docs["us-nist-ai-100-1-ai-rmf-1.0.pdf"]
    assert "LaurieE." not in nist.text and "Laurie E. Locascio" in flat(nist.text)


def test_every_character_maps_to_a_page_and_box(shared_docs) -> None:
    doc, _ = shared_docs["eu-ai-act-2024-1689.pdf"]
    assert doc.boxes is not None and len(doc.boxes) == len(doc.text)
    at = flat(doc.text).find("The obligations set out in paragraph 1, points (a) and (b)")
    assert at >= 0
    offset = doc.text.find("The obligations set out in paragraph 1, points (a) and (b)")
    assert doc.page_at(offset) == 85
    box = doc.boxes.locate(offset)
    assert 0 < box.x0 < box.x1 < 600 and 0 < box.top < box.bottom < 842
    starts = [p.start for p in doc.pages]
    assert starts == sorted(starts) and doc.pages[-1].end == len(doc.text)


def test_footnotes_kept_apart_with_page_and_call(shared_docs) -> None:
    doc, _ = shared_docs["eu-ai-act-2024-1689.pdf"]
    assert len(doc.footnotes) >= 40
    first = doc.footnotes[0]
    assert first.page == 1 and first.text.startswith("OJ C 517, 22.12.2021")
    for note in doc.footnotes:
        page = doc.pages[note.page - 1]
        # Never in the body of its own page (an annex may cite the same act).
        # The note's end (its publication reference) is the part no body sentence repeats.
        assert note.text[-50:] not in flat(doc.text[page.start : page.end]), note
    linked = [n for n in doc.footnotes if n.call is not None]
    assert len(linked) >= 0.9 * len(doc.footnotes)
    # A call sits where printed, right after the text it annotates.
    assert "Economic and Social Committee (" in doc.text[max(0, first.call - 40) : first.call + 2]
    notice, _ = shared_docs["us-copyright-office-ai-noi-fr-2023-18624.pdf"]
    assert len(notice.footnotes) >= 40
    assert all(n.text not in flat(notice.text) for n in notice.footnotes if len(n.text) > 60)


def test_metadata_by_family(shared_docs) -> None:
    expect = {
        "eu-ai-act-2024-1689.pdf": ("eu-regulation", "Regulation (EU) 2024/1689", "2024-06-13"),
        "eu-gdpr-2016-679.pdf": ("eu-regulation", "Regulation (EU) 2016/679", "2016-04-27"),
        "us-eo-14110-fr-2023-24283.pdf": (
            "us-executive-order",
            "Executive Order 14110",
            "2023-10-30",
        ),
        "us-eo-14179-fr-2025-02172.pdf": (
            "us-executive-order",
            "Executive Order 14179",
            "2025-01-23",
        ),
        "us-copyright-office-ai-noi-fr-2023-18624.pdf": (
            "us-federal-register-notice",
            "88 FR 59942",
            "2023-08-30",
        ),
        "eu-com-2022-496-ai-liability-directive-proposal.pdf": (
            "eu-proposal",
            "COM(2022) 496 final",
            "2022-09-28",
        ),
    }
    for name, (family, citation, date) in expect.items():
        meta = shared_docs[name][0].meta
        assert (meta.family, meta.citation, meta.date) == (family, citation, date), name
    ai_act = shared_docs["eu-ai-act-2024-1689.pdf"][0].meta
    assert ai_act.eli == "http://data.europa.eu/eli/reg/2024/1689/oj"
    assert "(Artificial Intelligence Act)" in ai_act.title
    eo = shared_docs["us-eo-14179-fr-2025-02172.pdf"][0].meta
    assert eo.title == "Removing Barriers to American Leadership in Artificial Intelligence"
    assert shared_docs["uk-ai-regulation-white-paper-2023.pdf"][0].meta.jurisdiction == "UK"


# A page is read in columns when, over a run of consecutive body lines, a band of
# white at least GUTTER_PT wide has words on both sides (page columns, or table
# columns). Word spaces of justified text are narrower and do not line up for
# GUTTER_LINES lines. Written here from pdfplumber's words, independently of
# the product's own layout analysis, so it can disagree with it.
GUTTER_PT = 7.0
GUTTER_LINES = 8


def page_has_columns(path: Path, number: int) -> bool:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        page = pdf.pages[number - 1]
        words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
        top_band, foot_band = page.height * 0.07, page.height * 0.93
        body = [w for w in words if top_band < w["top"] < foot_band]
    if not body:
        return False
    lines: dict[int, list[tuple[float, float]]] = {}
    for w in body:
        lines.setdefault(round(w["top"] / 3), []).append((w["x0"], w["x1"]))
    rows = [sorted(spans) for _, spans in sorted(lines.items())]
    left = min(s[0][0] for s in rows)
    right = max(max(x1 for _, x1 in s) for s in rows)
    width = right - left
    # Candidate gutter centres across the middle of the text block, every point.
    # Lines of two columns need not share a baseline: the run counts consecutive
    # lines clear of the band, and asks for words on both sides over the run.
    for step in range(int(width * 0.25), int(width * 0.75)):
        x = left + step
        run, has_left, has_right = 0, False, False
        for spans in rows:
            if all(x1 <= x - GUTTER_PT / 2 or x0 >= x + GUTTER_PT / 2 for x0, x1 in spans):
                run += 1
                has_left = has_left or any(x1 <= x for _, x1 in spans)
                has_right = has_right or any(x0 >= x for x0, _ in spans)
                if run >= GUTTER_LINES and has_left and has_right:
                    return True
            else:
                run, has_left, has_right = 0, False, False
    return False


def test_page_column_classifier_on_known_pages(shared_corpus: Path) -> None:
    cases = {
        ("eu-ai-act-2024-1689.pdf", 50): False,  # one column of articles
        ("eu-gdpr-2016-679.pdf", 36): False,
        ("eu-gdpr-2016-679.pdf", 47): False,  # a list of points with hanging labels
        ("eu-ai-act-2024-1689.pdf", 95): False,
        ("eu-data-governance-act-2022-868.pdf", 43): True,  # a table under the prose
        ("meta-llama-2-responsible-use-guide.pdf", 12): True,  # a designed two-column page
        ("us-eo-14110-fr-2023-24283.pdf", 13): True,  # Federal Register: three columns
        ("us-copyright-office-ai-noi-fr-2023-18624.pdf", 5): True,
        ("eu-infosoc-directive-2001-29.pdf", 3): True,  # old OJ: two columns
    }
    got = {
        key: page_has_columns(shared_corpus / key[0], key[1])
        for key in cases
        if (shared_corpus / key[0]).is_file()
    }
    assert got == {k: v for k, v in cases.items() if k in got}


def test_check_reading_order_findings_only_on_pages_with_columns(
    shared_docs, shared_corpus: Path
) -> None:
    # Issue 11: no reading-order finding on a single-column page. Where the
    # reference (pypdfium2, content-stream order) and we differ on a page with
    # columns or a table, `check` lists it for a person to look at.
    single = [
        (name, f.page, f.snippet[:80])
        for name, (_, result) in shared_docs.items()
        for f in result.findings
        if f.kind == "reading-order" and not page_has_columns(shared_corpus / name, f.page)
    ]
    assert single == []
