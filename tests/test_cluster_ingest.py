"""Ingest on a real Dask LocalCluster with two worker processes (issue 16, item 2)."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CORPUS

distributed = pytest.importorskip(
    "distributed", reason="dask distributed (the 'team' extra) is not installed"
)

QUERIES = (
    '"open source" /s (exempt! OR "not apply")',
    "free /s licen! /s model",
    "systemic /2 risk",
    "personal /3 data",
)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    ) as lc:
        yield lc


def _snapshot(ws) -> dict:
    """Everything ingest stores that a user sees: provisions, tags and what the index answers."""
    from corpus_tool.index import search

    docs = {}
    for bundle in ws.bundles():
        docs[bundle.meta.doc_id] = (
            bundle.meta.title,
            bundle.meta.citation,
            bundle.meta.file,
            [(p.id, p.citation, p.text, p.pages) for p in bundle.provisions],
            sorted((t.provision_id, t.label, t.targets) for t in bundle.tags),
        )
    hits = {}
    for q in QUERIES:
        found = search(ws, q, limit=10_000)
        hits[q] = sorted((h.doc_id, h.id) for h in getattr(found, "hits", found))
    return {"docs": docs, "hits": hits}


def test_cluster_ingest_of_the_shared_corpus_equals_local_ingest(cluster, shared_ws, tmp_path):
    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace
    from tests.conftest import SHARED_CORPUS

    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    report = ingest(ws, [SHARED_CORPUS], cluster=cluster.scheduler_address)
    assert not report.failed, [r.message for r in report.failed]
    ours, local = _snapshot(ws), _snapshot(shared_ws)
    assert sorted(ours["docs"]) == sorted(local["docs"])
    for doc_id in local["docs"]:
        assert ours["docs"][doc_id] == local["docs"][doc_id], doc_id
    assert ours["hits"] == local["hits"]
    # Each document points at its own file, not at a worker's scratch copy.
    for bundle in ws.bundles():
        assert Path(bundle.meta.source).parent == SHARED_CORPUS.resolve()


def _long_pdf(dest: Path, pages: int = 30) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(dest), pagesize=A4)
    article = 1
    for _ in range(pages):
        y = 780
        for _ in range(3):
            c.setFont("Helvetica-Bold", 10)
            c.drawString(60, y, f"Article {article}")
            c.drawString(60, y - 14, f"Obligations of providers number {article}")
            c.setFont("Helvetica", 10)
            for line in range(12):
                c.drawString(
                    60,
                    y - 32 - 13 * line,
                    f"{line + 1}. Providers shall keep the records of provision {article} up to date"
                    " and make them available to the competent authority.",
                )
            y -= 230
            article += 1
        c.showPage()
    c.save()


def test_killing_the_worker_that_holds_a_document_still_ingests_it_once_whole(cluster, tmp_path):
    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    _long_pdf(corpus / "long-regulation.pdf")
    reference = Workspace(tmp_path / "local")
    reference.ensure()
    assert not ingest(reference, [corpus / "long-regulation.pdf"], jobs=1).failed

    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    killed: list[int] = []

    def kill_the_holder() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            processing = client.processing()
            for worker, keys in processing.items():
                if any("long-regulation" in str(k) for k in keys):
                    time.sleep(0.5)  # well inside the document's build
                    pids = client.run(os.getpid, workers=[worker])
                    pid = pids[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_holder)
    killer.start()
    try:
        report = ingest(ws, [corpus], cluster=cluster.scheduler_address)
    finally:
        killer.join()
        client.close()
    assert killed, "the document finished before its worker could be killed"
    assert not report.failed, [r.message for r in report.failed]
    results = [r for r in report.results if r.doc_id == "long-regulation"]
    assert len(results) == 1 and results[0].status == "ingested"
    bundle = ws.load_bundle("long-regulation")
    expected = reference.load_bundle("long-regulation")
    assert bundle is not None and expected is not None
    assert [(p.id, p.text) for p in bundle.provisions] == [
        (p.id, p.text) for p in expected.provisions
    ]
    assert len(bundle.provisions) >= 90  # every article of the 30 pages
    from corpus_tool.index import search

    found = search(ws, '"records of provision 80"', limit=50)
    hits = getattr(found, "hits", found)
    assert [h.doc_id for h in hits] == ["long-regulation"]


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    from corpus_tool.cli import main

    (tmp_path / "corpus").mkdir()
    shutil.copy(SAMPLE_CORPUS / "sample-harbour-community-licence.txt", tmp_path / "corpus")
    status = main(["-w", str(tmp_path), "ingest", "--cluster", "tcp://127.0.0.1:1", "-q"])
    err = capsys.readouterr().err
    assert status == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in err and err.count("\n") == 1
