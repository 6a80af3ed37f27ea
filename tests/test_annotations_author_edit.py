"""Where the author name comes from, and `annotations edit` in the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_tool.annotations import AnnotationStore
from corpus_tool.annotations import author as author_module
from corpus_tool.cli import main
from corpus_tool.workspace import Workspace
from tests._annotations_helpers import tricky_workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("CORPUS_TOOL_CONFIG_DIR", str(tmp_path / "config"))
    return tricky_workspace(tmp_path / "ws")


def test_author_precedence_env_workspace_user_config_git_login(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert author_module.resolve_author(ws) == ("test-author", "env")
    monkeypatch.delenv("CORPUS_TOOL_AUTHOR")
    monkeypatch.setattr(author_module.getpass, "getuser", lambda: "root")
    monkeypatch.setattr(author_module, "git_user_name", lambda: "")
    assert author_module.resolve_author(ws) == ("root", "login")
    monkeypatch.setattr(author_module, "git_user_name", lambda: "Ada Lovelace")
    assert author_module.resolve_author(ws) == ("Ada Lovelace", "git")
    path = author_module.save_author("  A. Lawyer\n")
    assert path == Path(str(author_module.user_config_dir())) / "config.toml"
    assert author_module.resolve_author(ws) == ("A. Lawyer", "user")
    assert AnnotationStore(ws).author == "A. Lawyer"
    # The workspace's corpus-tool.toml is still honoured (older setups).
    (ws.root / "corpus-tool.toml").write_text('author = "Counsel B"\n')
    assert author_module.resolve_author(ws) == ("Counsel B", "workspace")


def test_the_user_config_is_outside_the_workspace_and_keeps_other_keys(
    ws: Workspace, tmp_path: Path
) -> None:
    path = author_module.user_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "dark"\n[keys]\nquit = "q"\n')
    author_module.save_author('Dr. "Q" Ü')
    data = author_module._read_toml(path, "user config")
    assert data == {"theme": "dark", "author": 'Dr. "Q" Ü', "keys": {"quit": "q"}}
    assert not path.is_relative_to(ws.root)


def test_git_user_name_is_read_from_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Grace Hopper\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    assert author_module.git_user_name() == "Grace Hopper"


def test_never_asks_without_a_terminal_and_asks_once_with_one(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORPUS_TOOL_AUTHOR")
    monkeypatch.setattr(author_module, "git_user_name", lambda: "")
    assert author_module.should_ask(ws, interactive=False) is False
    assert author_module.should_ask(ws) is False  # pytest's stdin is not a terminal
    assert author_module.should_ask(ws, interactive=True) is True
    author_module.save_author("A. Lawyer")
    assert author_module.should_ask(ws, interactive=True) is False  # asked once


def run(ws: Workspace, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["-w", str(ws.root), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_annotations_edit_changes_note_and_labels_as_an_update_event(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    a = AnnotationStore(ws).create(
        doc_id="act-one", provision_id="art_3", labels=["oss-exemption"], note="first"
    )
    status, out, _ = run(ws, capsys, "annotations", "edit", a.id[:10], "--note", "second")
    assert status == 0 and out.startswith(f"edited {a.id}") and "second" in out
    status, out, _ = run(
        ws, capsys, "annotations", "edit", a.id, "-l", "oss-exemption,condition", "--json"
    )
    assert status == 0 and json.loads(out)["labels"] == ["oss-exemption", "condition"]
    edited = AnnotationStore(ws).get(a.id)
    assert edited.note == "second" and edited.labels == ("oss-exemption", "condition")
    lines = (ws.annotations_dir / "events.jsonl").read_text().splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["create", "update", "update"]


def test_cli_edit_errors_are_one_line(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    a = AnnotationStore(ws).create(doc_id="act-one", provision_id="art_3", note="x")
    status, _, err = run(ws, capsys, "annotations", "edit", a.id)
    assert status == 2 and "nothing to edit" in err and len(err.strip().splitlines()) == 1
    status, _, err = run(ws, capsys, "annotations", "edit", "ann_nope", "--note", "y")
    assert status == 2 and "no annotation 'ann_nope'" in err
    status, _, err = run(ws, capsys, "annotations", "edit", a.id, "-l", "no-such-label")
    assert status == 2 and "no-such-label" in err


def test_cli_annotate_twice_with_the_same_label_is_refused(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(ws, capsys, "annotate", "act-one", "art_3", "-l", "condition")[0] == 0
    status, _, err = run(ws, capsys, "annotate", "act-one", "art_3", "-l", "condition")
    assert status == 2 and "already labelled condition" in err
    assert len(AnnotationStore(ws).all()) == 1
