"""Ingest on the project's own sample corpus and on malformed files the tests make."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus_tool.build import ingest
from corpus_tool.cli import main
from corpus_tool.errors import InputError
from corpus_tool.ingest import extract_document
from corpus_tool.ingest.pdf import join_decision
from corpus_tool.workspace import Workspace

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "corpus" / "sample"
REGULATION = SAMPLE / "sample-regulation-2031-77.pdf"
ORDER = SAMPLE / "sample-executive-order-99001.pdf"
LICENCE = SAMPLE / "sample-harbour-community-licence.txt"


def flat(text: str) -> str:
    return " ".join(text.split())


# --- clean text of the sample documents -------------------------------------------


def test_regulation_running_head_and_foot_removed_footnotes_apart() -> None:
    doc = extract_document(REGULATION)
    assert doc.meta.pages == 3
    assert "OJ L, 4.3.2031" not in doc.text
    assert "ELI:" not in doc.text
    assert "/3" not in doc.text.replace("2031/77", "")  # "2/3" page numbers gone
    assert "Official Journal" not in doc.text  # first-page masthead
    # Footnotes are kept apart, with their page, and never in the body.
    labels = [f.label for f in doc.footnotes]
    assert labels == ["1", "2"]
    assert all(f.page == 1 for f in doc.footnotes)
    assert "consultation held in 2029" in doc.footnotes[1].text
    assert "consultation held in 2029" not in doc.text
    # Hanging numbers stay at line starts, one printed line per text line.
    assert "\n(2) Components that are shared openly" in doc.text
    assert "\n2. This Regulation does not apply to software components" in doc.text
    assert "\n\n" in doc.text  # paragraph breaks shown as blank lines


def test_regulation_text_crosses_pages_and_maps_to_boxes() -> None:
    doc = extract_document(REGULATION)
    sentence = (
        "The obligation in paragraph 1 shall not apply to suppliers of components released "
        "under a free and open-source licence"
    )
    at = flat(doc.text).find(sentence)
    assert at >= 0
    assert doc.boxes is not None and len(doc.boxes) == len(doc.text)
    # Every page's slice starts where the previous one ended.
    assert doc.pages[0].start == 0
    for a, b in zip(doc.pages, doc.pages[1:], strict=False):
        assert a.end == b.start
    assert doc.pages[-1].end == len(doc.text)
    offset = doc.text.find("Electronic voting")
    assert doc.page_at(offset) == 3
    box = doc.boxes.locate(offset)
    assert box.page == 3 and 0 < box.x0 < box.x1 < 595.3 and 0 < box.top < box.bottom < 841.9


def test_regulation_metadata_from_the_text() -> None:
    meta = extract_document(REGULATION).meta
    assert meta.family == "eu-regulation"
    assert meta.citation == "Regulation (EU) 2031/77"
    assert meta.date == "2031-03-03"
    assert meta.eli == "http://data.europa.eu/eli/reg/2031/77/oj"
    assert meta.title.startswith("REGULATION (EU) 2031/77")
    assert meta.jurisdiction == "EU"


def test_order_printer_marks_gone_hyphens_joined() -> None:
    doc = extract_document(ORDER)
    assert "VerDate" not in doc.text and "Jkt" not in doc.text
    assert doc.meta.family == "us-executive-order"
    assert doc.meta.citation == "Executive Order 99001"
    assert doc.meta.date == "2031-02-02"
    assert doc.meta.title == "Strengthening Shared Software in Federal Agencies"
    assert "\nSec. 4. Duties of Agencies." in doc.text
    assert "\n4.1. Inventories." in doc.text
    # No word is left broken at a line end.
    for line in doc.text.splitlines():
        assert not (line.endswith("-") and line[-2:-1].isalpha()), line


def test_licence_text_file() -> None:
    doc = extract_document(LICENCE)
    assert doc.meta.family == "licence"
    assert doc.meta.media_type == "text/plain"
    assert doc.meta.title == "HARBOUR COMMUNITY LICENCE"
    assert doc.text.startswith("HARBOUR COMMUNITY LICENCE")
    assert doc.boxes is None and doc.pages[0].end == len(doc.text)


def test_hyphen_join_decisions() -> None:
    from collections import Counter

    vocab = Counter({"open-source": 3, "artificial": 2})
    assert join_decision("Arti", "ficial", False, vocab) == ""
    assert join_decision("open", "source", False, vocab) == "-"
    assert join_decision("AI", "related", False, vocab) == "-"
    assert join_decision("tech", "nologically", True, vocab) == ""  # soft hyphen
    assert join_decision("Member", "States", False, vocab) is None


# --- the pipeline -------------------------------------------------------------------


@pytest.fixture()
def sample_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "ws" / "corpus"
    shutil.copytree(SAMPLE, corpus)
    return tmp_path / "ws"


def test_ingest_then_unchanged(sample_copy: Path) -> None:
    ws = Workspace(sample_copy)
    report = ingest(ws, jobs=2)
    assert not report.failed
    assert sorted(r.status for r in report.results) == ["ingested"] * 3
    assert set(ws.doc_ids()) == {
        "sample-regulation-2031-77",
        "sample-executive-order-99001",
        "sample-harbour-community-licence",
    }
    again = ingest(ws)
    assert [r.status for r in again.results] == ["unchanged"] * 3


def test_cached_extraction_is_reused(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(sample_copy)
    ingest(ws, jobs=1)
    ws.remove_bundle("sample-regulation-2031-77")
    import corpus_tool.build.document as build_document

    def no_pdf_work(path: Path, *args: object, **kwargs: object) -> object:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(build_document, "extract_file", no_pdf_work)
    report = ingest(ws, jobs=1)
    statuses = {r.doc_id: r.status for r in report.results}
    assert statuses["sample-regulation-2031-77"] == "ingested"
    assert ws.load_bundle("sample-regulation-2031-77") is not None


def test_cli_docs_json(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--workspace", str(sample_copy), "ingest", "--quiet", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(sample_copy), "docs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_id = {r["doc_id"]: r for r in rows}
    reg = by_id["sample-regulation-2031-77"]
    for key in (
        "file",
        "doc_id",
        "title",
        "family",
        "citation",
        "pages",
        "sha256",
        "jurisdiction",
        "date",
        "eli",
    ):
        assert key in reg
    assert reg["pages"] == 3 and len(reg["sha256"]) == 64
    assert by_id["sample-executive-order-99001"]["citation"] == "Executive Order 99001"


def test_cli_check_on_sample(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--workspace", str(sample_copy), "ingest", "--quiet", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(sample_copy), "check", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["file"] for r in rows} == {REGULATION.name, ORDER.name}
    for r in rows:
        assert r["kept_pct"] >= 99.5 and r["invented_words"] == 0


# --- bad input -----------------------------------------------------------------------


def _make_encrypted(src: Path, dest: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(src).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with dest.open("wb") as fh:
        writer.write(fh)


def _make_scanned(dest: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(dest), pagesize=A4)
    for _ in range(2):
        c.rect(50, 50, 400, 600, fill=1)  # an image-like page with no text layer
        c.showPage()
    c.save()


@pytest.mark.parametrize(
    ("name", "maker", "reason"),
    [
        ("encrypted.pdf", lambda p: _make_encrypted(REGULATION, p), "encrypted"),
        ("truncated.pdf", lambda p: p.write_bytes(REGULATION.read_bytes()[:1500]), "PDF"),
        ("notapdf.pdf", lambda p: p.write_text("<html>not a pdf</html>"), "not a PDF"),
        ("empty.pdf", lambda p: p.write_bytes(b""), "empty"),
        ("empty.txt", lambda p: p.write_bytes(b""), "empty"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, name: str, maker, reason: str) -> None:
    path = tmp_path / name
    maker(path)
    with pytest.raises(InputError) as err:
        extract_document(path)
    message = str(err.value)
    assert name in message and reason.lower() in message.lower()
    assert "\n" not in message


def test_scanned_pdf_is_a_warning_and_not_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "ws" / "corpus"
    corpus.mkdir(parents=True)
    _make_scanned(corpus / "scan.pdf")
    ws = Workspace(tmp_path / "ws")
    report = ingest(ws, jobs=1)
    (result,) = report.results
    assert result.status == "warning" and "OCR" in result.message
    assert not report.failed
    assert ws.doc_ids() == []


def test_timeout_is_reported(tmp_path: Path) -> None:
    from corpus_tool.ingest import ExtractionTimeout

    with pytest.raises(ExtractionTimeout) as err:
        extract_document(REGULATION, timeout=0.000001)
    assert "time limit" in str(err.value)


def test_failures_keep_the_rest_and_earlier_work(sample_copy: Path) -> None:
    ws = Workspace(sample_copy)
    assert not ingest(ws, jobs=1).failed
    before = ws.bundle_path("sample-regulation-2031-77").read_bytes()
    # Damage the regulation on disk and add garbage beside it.
    reg = sample_copy / "corpus" / REGULATION.name
    reg.write_bytes(reg.read_bytes()[:1200])
    (sample_copy / "corpus" / "garbage.pdf").write_bytes(b"%PDF-1.7\n garbage")
    report = ingest(ws, jobs=2)  # worker processes: errors must travel back intact
    failed = {r.file: r.message for r in report.failed}
    assert set(failed) == {"garbage.pdf", REGULATION.name}
    assert failed["garbage.pdf"].startswith(str(sample_copy / "corpus" / "garbage.pdf"))
    assert "\n" not in failed[REGULATION.name]
    status = main(["--workspace", str(sample_copy), "ingest", "--quiet", "--jobs", "2"])
    assert status == 1
    # What was ingested before is still there, byte for byte.
    assert ws.bundle_path("sample-regulation-2031-77").read_bytes() == before
    assert "sample-executive-order-99001" in ws.doc_ids()


def test_rebuild_uses_only_the_extraction_cache(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_tool.build import rebuild

    ws = Workspace(sample_copy)
    ingest(ws, jobs=1)
    for f in (sample_copy / "corpus").iterdir():
        f.unlink()  # no source file left to read
    import corpus_tool.build.document as build_document
    import corpus_tool.ingest.pipeline as pipeline

    def no_reading(*args: object, **kwargs: object) -> object:
        raise AssertionError("rebuild read a source file")

    monkeypatch.setattr(pipeline, "extract_with_details", no_reading)
    monkeypatch.setattr(build_document, "extract_file", no_reading)
    bundles = rebuild(ws)
    assert {b.meta.doc_id for b in bundles} == set(ws.doc_ids())
    assert all(b.provisions for b in bundles)


def test_worker_processes_give_the_same_bundles_as_one_process(tmp_path: Path) -> None:
    # With several workers, segmentation and tagging run in the workers; the
    # stored result must be exactly what one process makes.
    one, two = tmp_path / "one", tmp_path / "two"
    for ws_dir in (one, two):
        shutil.copytree(SAMPLE, ws_dir / "corpus")
    assert not ingest(Workspace(one), jobs=1).failed
    report = ingest(Workspace(two), jobs=2)
    assert [r.status for r in report.results] == ["ingested"] * 3
    assert all(r.pages >= 1 for r in report.results if r.file.endswith(".pdf"))
    for doc_id in Workspace(one).doc_ids():
        a, b = Workspace(one).load_bundle(doc_id), Workspace(two).load_bundle(doc_id)
        assert a is not None and b is not None
        assert a.provisions == b.provisions and a.tags == b.tags
        assert a.meta.sha256 == b.meta.sha256
    # The workers also filled the extraction cache, which the next run reuses.
    ws = Workspace(two)
    assert all(ws.has_extraction(b.meta.sha256) for b in ws.bundles())


def test_extraction_cache_stores_boxes_compactly_and_reads_the_old_list_form(
    tmp_path: Path,
) -> None:
    import json

    from corpus_tool.model import Document, from_dict, to_dict

    doc = extract_document(REGULATION)
    assert doc.boxes is not None and len(doc.boxes) == len(doc.text)
    packed = to_dict(doc)
    assert all(isinstance(packed["boxes"][n], str) for n in ("page", "x0", "top", "x1", "bottom"))
    assert from_dict(Document, json.loads(json.dumps(packed))) == doc
    # Caches written before the compact form held plain lists of numbers.
    old = dict(packed)
    old["boxes"] = {n: list(getattr(doc.boxes, n)) for n in ("page", "x0", "top", "x1", "bottom")}
    assert from_dict(Document, json.loads(json.dumps(old))) == doc
    assert len(json.dumps(packed)) < len(json.dumps(old))


# --- the build layer ----------------------------------------------------------------


def test_progress_is_reported_through_a_callback(sample_copy: Path) -> None:
    from corpus_tool.build import ProgressEvent

    events: list[ProgressEvent] = []
    report = ingest(Workspace(sample_copy), jobs=1, progress=events.append)
    assert not report.failed
    assert [e.done for e in events] == [0, 1, 2, 3]
    assert all(e.total == 3 for e in events)
    assert events[-1].pages == sum(r.pages for r in report.results)
    assert {e.file for e in events[1:]} == {r.file for r in report.results}


def test_a_worker_answers_with_a_small_outcome_and_stores_the_rest(tmp_path: Path) -> None:
    import pickle

    from corpus_tool.build import Task, build_document
    from corpus_tool.ingest import file_sha256

    sha = file_sha256(REGULATION)
    outcome = build_document(str(tmp_path), Task(str(REGULATION), "reg", sha))
    assert outcome.status == "ingested" and outcome.pages == 3
    assert len(pickle.dumps(outcome)) < 16_384  # what goes through the pipe
    ws = Workspace(tmp_path)
    bundle = ws.load_bundle("sample-regulation-2031-77")
    assert bundle is not None and bundle.provisions and ws.has_extraction(sha)


def test_stream_cap_refuses_a_flate_bomb_and_leaves_normal_pdfs_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pdfminer.pdftypes as pdftypes

    from corpus_tool.build.document import _stream_cap
    from corpus_tool.ingest.limits import StreamTooLarge, _CappedZlib
    from tests.test_ingest_hostile import make_flate_bomb_pdf

    before = extract_document(REGULATION)
    monkeypatch.setattr(pdftypes, "zlib", _CappedZlib(4 << 20))
    assert extract_document(REGULATION) == before
    bomb = tmp_path / "bomb.pdf"
    make_flate_bomb_pdf(bomb, gib=1)
    with pytest.raises(InputError) as err:
        extract_document(bomb)
    cap = _stream_cap(err.value)
    assert isinstance(cap, StreamTooLarge) and "4 MiB" in str(cap)


ACT_A = """REGULATION (EU) 2099/1 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL

of 1 March 2099

on shared model weights

Article 1

Subject matter

This Regulation lays down rules on shared model weights.

Article 2

Scope

1. This Regulation applies to providers of models.
"""

ACT_B = """REGULATION (EU) 2099/2 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL

of 2 March 2099

on model registries

Article 1

Subject matter

This Regulation applies without prejudice to Article 2 of Regulation (EU) 2099/1.
"""


def test_references_to_an_act_ingested_later_point_at_it_in_the_store(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "act-b.txt").write_text(ACT_B, "utf-8")
    ws = Workspace(tmp_path)
    assert not ingest(ws, jobs=1).failed

    def targets() -> set[str | None]:
        bundle = ws.load_bundle("act-b")
        assert bundle is not None
        return {r.target_doc for p in bundle.provisions for r in p.refs if r.external}

    assert targets() == {None}  # the act it cites is not in the corpus yet
    (corpus / "act-a.txt").write_text(ACT_A, "utf-8")
    report = ingest(ws, jobs=1)
    assert {r.doc_id: r.status for r in report.results} == {
        "act-a": "ingested",
        "act-b": "unchanged",
    }
    assert targets() == {"act-a"}  # the build stored act-b again, resolved


def test_ingest_with_nothing_to_do_writes_nothing(sample_copy: Path) -> None:
    ws = Workspace(sample_copy)
    assert not ingest(ws, jobs=1).failed

    def snapshot() -> dict[str, int]:
        return {str(p): p.stat().st_mtime_ns for p in ws.derived_dir.rglob("*") if p.is_file()}

    before = snapshot()
    again = ingest(ws, jobs=1)
    assert [r.status for r in again.results] == ["unchanged"] * 3
    assert snapshot() == before
