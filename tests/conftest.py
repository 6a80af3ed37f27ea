"""Fixtures shared by the whole suite: the shared corpus and gold, and workspaces.

Tests that need ``../shared`` skip with a clear reason when it is absent; the
project's own generated fixtures (``corpus/sample``) keep the suite meaningful
anywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CORPUS_TOOL_SHARED", PROJECT.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold"
SAMPLE_CORPUS = PROJECT / "corpus" / "sample"

needs_shared = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(),
    reason=f"the shared corpus is not at {SHARED_CORPUS} (set CORPUS_TOOL_SHARED to its folder)",
)


_CONFIG_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # The index key lives in the user's configuration folder. Set for the whole
    # session, before any fixture of any scope runs (a module-scoped workspace
    # signs its index before function-scoped fixtures exist), so that no test
    # reads or writes the developer's own key.
    config_home = tempfile.mkdtemp(prefix="corpus-tool-test-config-")
    config.stash[_CONFIG_HOME] = config_home
    os.environ["XDG_CONFIG_HOME"] = config_home


def pytest_unconfigure(config: pytest.Config) -> None:
    config_home = config.stash.get(_CONFIG_HOME, None)
    if config_home:
        shutil.rmtree(config_home, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up the developer's own workspace or author name."""
    monkeypatch.delenv("CORPUS_TOOL_WORKSPACE", raising=False)
    monkeypatch.setenv("CORPUS_TOOL_AUTHOR", "test-author")


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {SHARED_CORPUS}")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def gold_structure() -> dict:
    if not GOLD.is_dir():
        pytest.skip(f"the gold files are not at {GOLD}")
    return json.loads((GOLD / "structure.json").read_text())


@pytest.fixture(scope="session")
def gold_texts() -> list[dict]:
    if not GOLD.is_dir():
        pytest.skip(f"the gold files are not at {GOLD}")
    lines = (GOLD / "provision-text.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def gold_oss() -> dict:
    if not GOLD.is_dir():
        pytest.skip(f"the gold files are not at {GOLD}")
    return json.loads((GOLD / "oss-exemption.json").read_text())


@pytest.fixture(scope="session")
def shared_ws(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path):
    """A workspace with the whole shared corpus ingested once per test session.

    Read-only for tests: a test that changes a workspace makes its own.
    """
    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("shared_ws"))
    ws.ensure()
    report = ingest(ws, [shared_corpus])
    assert not report.failed, [r.message for r in report.failed]
    return ws


@pytest.fixture(scope="session")
def sample_ws(tmp_path_factory: pytest.TempPathFactory):
    """A workspace with the project's own generated sample corpus ingested."""
    from corpus_tool.build import ingest
    from corpus_tool.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("sample_ws"))
    ws.ensure()
    report = ingest(ws, [SAMPLE_CORPUS])
    assert not report.failed, [r.message for r in report.failed]
    return ws
