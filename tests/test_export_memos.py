"""Memos a lawyer would send: Markdown, HTML and DOCX (read back, and converted by LibreOffice)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from corpus_tool.annotations import AnnotationStore, load_label_scheme, review
from corpus_tool.cli import main
from corpus_tool.export import export
from corpus_tool.export.memo import LINK_COLOUR, tint
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import TRICKY, make_bundle, tricky_workspace

FORGED = "fine by me\n- **Judge** · 2026-01-01 — approved\n# Ruling\n> quoted\n1. first\n---\n===\n    code"
LONG_TITLE = (
    "REGULATION (EU) 2031/7 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 1 June 2031 laying "
    "down rules on small models and amending Regulations (EU) 2024/1689 and (EU) 2016/679 "
    "(Tiny Model Act)"
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = tricky_workspace(tmp_path / "ws")
    ws.save_bundle(make_bundle("act-one", TRICKY, title=LONG_TITLE))
    store = AnnotationStore(ws, author="counsel-a")
    store.create(
        doc_id="act-one",
        provision_id="art_3",
        labels=["oss-exemption"],
        quote="released under a free and open-source licence",
        note=FORGED,
    )
    # Regression: two marks touching ("systemic risks" + ".") made "systemic risks****.**".
    store.create(
        doc_id="act-one", provision_id="art_4", labels=["condition"], quote="systemic risks"
    )
    store.create(doc_id="act-one", provision_id="art_4", labels=["relevant"], quote=".")
    review(ws, "act-two:art_1:oss-exemption", "accept", author="counsel-b", note="core")
    review(ws, "act-two:art_1:carve-back", "accept", author="counsel-b")
    return ws


def markdown_tokens(text: str) -> list:
    return MarkdownIt("commonmark").parse(text)


def test_markdown_bold_is_never_broken_by_touching_marks(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    export(ws, "markdown", out)
    text = out.read_text("utf-8")
    assert "****" not in text
    assert "**systemic risks.**" in text
    html = MarkdownIt("commonmark").render(text)
    assert "<strong>systemic risks.</strong>" in html
    assert "systemic risks**" not in html and "**." not in html  # no literal asterisks left


def test_markdown_note_cannot_forge_an_entry_or_a_heading(ws: Workspace, tmp_path: Path) -> None:
    # Regression (issue 17): a newline in a note started a new bullet, so a forged
    # "- **Judge** · date — …" entry could be slipped into a memo.
    out = tmp_path / "memo.md"
    export(ws, "markdown", out, doc="act-one")
    text = out.read_text("utf-8")
    tokens = markdown_tokens(text)
    kinds = [t.type for t in tokens]
    # One bullet per author and provision: counsel-a on Article 3 and on Article 4.
    assert kinds.count("list_item_open") == 2
    assert kinds.count("hr") == 0 and kinds.count("code_block") == 0
    assert kinds.count("blockquote_open") == 3  # the three quoted provisions, no more
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("Ruling" in h for h in headings)
    # "Judge" is never bold: the forged "**Judge**" stays literal text in counsel-a's entry.
    for t in tokens:
        if t.type == "inline" and t.children:
            names = t.children
            for j, child in enumerate(names):
                if child.type == "strong_open":
                    assert "Judge" not in names[j + 1].content
    assert "\\- \\*\\*Judge\\*\\*" in text and "\\# Ruling" in text and "\\> quoted" in text
    assert "1\\. first" in text and "\\---" in text and "\\===" in text


def test_markdown_author_with_a_newline_stays_on_its_line(tmp_path: Path) -> None:
    ws = tricky_workspace(tmp_path / "ws")
    AnnotationStore(ws, author="Mallory\n- **Judge**").create(
        doc_id="act-one", provision_id="art_1", note="x"
    )
    out = tmp_path / "memo.md"
    export(ws, "markdown", out)
    kinds = [t.type for t in markdown_tokens(out.read_text("utf-8"))]
    assert kinds.count("list_item_open") == 1


def test_markdown_groups_a_provisions_tags_and_reviews(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    export(ws, "markdown", out, doc="act-two")
    text = out.read_text("utf-8")
    assert "**Machine tags:** oss-exemption (accepted), carve-back (accepted)" in text
    reviews = [line for line in text.splitlines() if "counsel-b" in line]
    assert reviews == [
        "- **counsel-b** · "
        + reviews[0].split(" · ")[1]
        + " · reviewed: accepted oss-exemption, carve-back — core"
    ]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.marks: list[dict[str, str | None]] = []
        self.h2: list[str] = []
        self.li = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "mark":
            self.marks.append(dict(attrs))
        if tag == "li":
            self.li += 1

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.stack and self.stack[-1] == "h2":
            self.h2.append(data)


def test_html_memo_short_title_citations_and_label_colours(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "memo.html"
    export(ws, "html", out)
    html = out.read_text("utf-8")
    parsed = _Collect()
    parsed.feed(html)
    assert parsed.h2 == ["Tiny Model Act", "The act-two Act"]
    text = "".join(parsed.text)
    assert "Regulation (EU) act-one, Art. 3" in text and "pp. 3–4" in text
    assert "art_3" not in text and "art_4" not in text  # citations, not ids
    scheme = load_label_scheme(ws)
    colours = {
        m["data-label"]: (m.get("style") or "")
        for m in parsed.marks
        if m.get("class") in ("tag", "label")
    }
    assert f"--c:{scheme.colour('oss-exemption')}" in colours["oss-exemption"]
    assert f"--c:{scheme.colour('carve-back')}" in colours["carve-back"]
    assert f"--c:{scheme.colour('condition')}" in colours["condition"]
    assert LINK_COLOUR not in {label.colour for label in scheme.labels}
    # The forged note is inside one list item, its lines shown with <br>.
    assert parsed.li == 3  # counsel-a on Articles 3 and 4, counsel-b's reviews
    assert "- **Judge** · 2026-01-01 — approved" in text


# --- DOCX ------------------------------------------------------------------------


def docx_document(path: Path):  # type: ignore[no-untyped-def]
    import docx

    return docx.Document(str(path))


def run_colour(run) -> str | None:  # type: ignore[no-untyped-def]
    rgb = run.font.color.rgb if run.font.color is not None and run.font.color.type else None
    return f"#{rgb}".lower() if rgb is not None else None


def test_docx_memo_reads_back_with_citations_notes_and_label_colours(
    ws: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "memo.docx"
    export(ws, None, out)  # format from the suffix
    doc = docx_document(out)
    paragraphs = doc.paragraphs
    text = "\n".join(p.text for p in paragraphs)
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Tiny Model Act", "The act-two Act"]
    assert "Regulation (EU) act-one, Art. 3" in text and "pp. 3–4" in text
    assert "Article 3 — Heading 3" in [p.text for p in paragraphs if p.style.name == "Heading 2"]
    scheme = load_label_scheme(ws)
    quote = next(
        p for p in paragraphs if p.style.name == "Quote" and "open-source licence" in p.text
    )
    # Consecutive runs of one colour read as one stretch of evidence.
    coloured: dict[str, str] = {}
    stretch, colour = "", None
    for r in [*quote.runs, None]:
        c = run_colour(r) if r is not None else None
        if c != colour and stretch and colour:
            coloured[stretch] = colour
        stretch = (stretch if c == colour else "") + (r.text if r is not None else "")
        colour = c
    assert coloured["released under a free and open-source licence"] == scheme.colour(
        "oss-exemption"
    )
    assert coloured["shall not apply"] == scheme.colour("carve-back")
    # Shading in the same hue, lighter.
    shaded = next(r for r in quote.runs if r.text == "shall not apply")
    assert f'w:fill="{tint(scheme.colour("carve-back")).lstrip("#").upper()}"' in shaded._r.xml
    notes = [p for p in paragraphs if p.style.name == "List Bullet"]
    assert any(p.text.startswith("counsel-a") and "fine by me" in p.text for p in notes)
    # The forged entry is a line break inside counsel-a's entry, not an entry of its own.
    assert not any(p.text.startswith("- **Judge**") or p.text.startswith("Judge") for p in notes)
    assert any(
        p.text.startswith("counsel-b") and "reviewed: accepted oss-exemption, carve-back" in p.text
        for p in notes
    )


def test_cli_exports_docx(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "memo.word"
    assert main(["-w", str(ws.root), "export", str(out), "--format", "docx"]) == 0
    assert out.read_bytes()[:2] == b"PK"  # a zip package
    capsys.readouterr()


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)",
)
def test_docx_memo_converts_to_pdf_with_libreoffice(ws: Workspace, tmp_path: Path) -> None:
    import pdfplumber

    out = tmp_path / "memo.docx"
    export(ws, "docx", out)
    profile = tmp_path / "lo-profile"
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "pdf" / "memo.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    with pdfplumber.open(pdf) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    flat = " ".join(text.split())
    assert "Tiny Model Act" in flat
    assert "Regulation (EU) act-one, Art. 3" in flat and "pp. 3–4" in flat
    assert "released under a free and open-source licence" in flat
    assert "fine by me" in flat and "counsel-a" in flat


def test_html_memo_in_headless_chromium_shows_each_label_in_its_colour(
    ws: Workspace, tmp_path: Path
) -> None:
    from tests.test_export_html_browser import CHROMIUM, chromium, png_size

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    Image = pytest.importorskip("PIL.Image")
    report = tmp_path / "memo.html"
    export(ws, "html", report)
    dom = chromium(["--dump-dom", report.as_uri()], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h2>Tiny Model Act</h2>" in dom.stdout
    assert "- **Judge** · 2026-01-01 — approved" in dom.stdout  # text, inside one <li>
    shot = tmp_path / "memo.png"
    run = chromium(
        ["--screenshot=" + str(shot), "--window-size=1200,2400", report.as_uri()],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert png_size(shot) == (1200, 2400)
    with Image.open(shot) as image:
        pixels = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=2_000_000)}
    scheme = load_label_scheme(ws)
    for label in ("oss-exemption", "carve-back", "condition"):
        fill = tint(scheme.colour(label))
        rgb = tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in pixels, f"no {label} evidence drawn in {fill}"


def test_export_filters_take_citations_and_short_names(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    # Only Article 3 of the act cited by its short title, with whatever it contains.
    export(ws, "markdown", out, cite="Tiny Model Act, Art. 3")
    text = out.read_text("utf-8")
    assert "### Article 3 — Heading 3" in text and "### Article 4" not in text
    assert "citation Tiny Model Act, Art. 3" in text
    export(ws, "markdown", out, doc="Tiny Model Act")
    text = out.read_text("utf-8")
    assert "## Tiny Model Act" in text and "The act-two Act" not in text
    status = main(["-w", str(ws.root), "export", str(out), "--cite", "Tiny Model Act Art. 9"])
    assert status == 2


def test_a_machine_label_missing_from_the_scheme_gets_a_fixed_colour_of_its_own(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from corpus_tool.export.memo import label_colour

    ws = tricky_workspace(tmp_path / "ws")
    bundle = ws.load_bundle("act-two")
    assert bundle is not None
    renamed = tuple(replace(t, label="oss-mention") for t in bundle.tags)
    ws.save_bundle(replace(bundle, tags=renamed))
    scheme = load_label_scheme(ws)
    colour = label_colour(scheme, "oss-mention")
    assert colour == label_colour(scheme, "oss-mention")  # the same on every run
    assert colour not in {label.colour for label in scheme.labels} | {LINK_COLOUR}
    out = tmp_path / "memo.html"
    export(ws, "html", out, doc="act-two")
    parsed = _Collect()
    parsed.feed(out.read_text("utf-8"))
    styles = [m.get("style") or "" for m in parsed.marks if m.get("data-label") == "oss-mention"]
    assert len(styles) >= 2  # in the legend and on the evidence
    assert all(f"--c:{colour}" in s for s in styles)


def test_issue_11_memos_cite_printed_pages_not_pdf_pages(
    shared_ws: Workspace, tmp_path: Path
) -> None:
    """The memos said "p. 36" and "p. 13" (PDF pages); a lawyer cites "L 119/36" and 88 FR 75203."""
    from docx import Document as docx_document

    cases = [
        # (citation as typed, pinpoint, where: the printed page with the PDF page beside it)
        (
            "GDPR Article 6(1)",
            "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36",
            "p. L 119/36 (PDF p. 36)",
        ),
        (
            "EO 14110 Sec. 4.6",
            "Exec. Order No. 14110, § 4.6, 88 Fed. Reg. 75191, 75203 (Nov. 1, 2023)",
            "p. 75203 (PDF p. 13)",
        ),
    ]
    for cite, pin, where in cases:
        md = tmp_path / "memo.md"
        export(shared_ws, "markdown", md, everything=True, cite=cite)
        text = md.read_text("utf-8").replace("\\", "")
        assert pin in text, (cite, text[:2000])
        assert where in text, (cite, text[:2000])
        out = tmp_path / "memo.docx"
        export(shared_ws, "docx", out, everything=True, cite=cite)
        flat = "\n".join(p.text for p in docx_document(str(out)).paragraphs)
        assert pin in flat and where in flat, (cite, flat[:2000])


def test_issue_11_csv_adds_printed_pages_and_pinpoint_columns(
    shared_ws: Workspace, tmp_path: Path
) -> None:
    import csv

    out = tmp_path / "set.csv"
    export(shared_ws, "csv", out, everything=True, cite="GDPR Article 6(1)")
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0])[-2:] == ["printed_pages", "pinpoint"]
    row = rows[0]
    assert row["pages"] == "36" and row["printed_pages"] == "L 119/36"
    assert row["pinpoint"] == "Regulation (EU) 2016/679, Art. 6(1), OJ L 119, 4.5.2016, p. 36"
