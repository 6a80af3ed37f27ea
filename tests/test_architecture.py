"""The layers hold: the core never imports Textual or Rich, and no module imports itself back.

The UI is a shell over the same functions as the CLI; the import graph (read
from the source with ``ast``, imports inside functions included) has no cycle.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import corpus_tool

UI_PACKAGES = ("corpus_tool.tui", "corpus_tool.cli", "corpus_tool.__main__")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(corpus_tool.__path__, prefix="corpus_tool."):
        if not info.name.startswith(UI_PACKAGES):
            names.append(info.name)
    return sorted(names)


def test_there_are_core_modules_to_check() -> None:
    mods = core_modules()
    assert "corpus_tool.model" in mods and "corpus_tool.workspace" in mods


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported Textual: {out.stdout.strip()}"


# Modules whose Rich import is being moved out by the build layer (issue 10, item 1).
RICH_PENDING: set[str] = set()  # modules allowed Rich for now: none


def test_the_core_draws_nothing_with_rich() -> None:
    """No core module imports Rich, even inside a function (spaCy's own CLI may load it: not ours)."""
    drawing = []
    for path in PACKAGE_DIR.rglob("*.py"):
        name = _module_name(path)
        if name.startswith(UI_PACKAGES) or name in RICH_PENDING:
            continue
        for node in _imports(ast.parse(path.read_text("utf-8"))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            if any(m == "rich" or m.startswith("rich.") for m in modules):
                drawing.append(f"{name}:{node.lineno}")
    assert drawing == []


def test_lint_imports_keeps_every_contract() -> None:
    """The layers contract and the headless core contract of pyproject.toml, with no ignores."""
    tool = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(tool).exists():
        pytest.skip("import-linter is not installed (pip install -e .[dev])")
    config = (PACKAGE_DIR.parent / "pyproject.toml").read_text("utf-8")
    assert "ignore_imports" not in config
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR.parent)}
    out = subprocess.run(
        [tool, "--no-cache"], capture_output=True, text=True, cwd=PACKAGE_DIR.parent, env=env
    )
    assert out.returncode == 0, out.stdout[-3000:]


# --- the import graph, read from the source -------------------------------------------

PACKAGE_DIR = Path(corpus_tool.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, in functions and classes too, except under ``if TYPE_CHECKING``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """corpus_tool module -> the corpus_tool modules it imports (anywhere in its code)."""
    files = {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # "from pkg import sub" imports the submodule; "from pkg import name" the package
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]  # "import a.b.c" where c is an attribute
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


def test_the_import_graph_is_read_from_the_source() -> None:
    graph = import_graph()
    assert "corpus_tool.index.human" in graph["corpus_tool.index.searching"]
    assert "corpus_tool.tui.session" in graph["corpus_tool.tui.keys"]
    # Imports inside functions count: the CLI imports the search inside run_search.
    assert "corpus_tool.index" in graph["corpus_tool.cli.search_cmds"]
    # The finder sees a cycle when there is one.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_the_packages_modules() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_ui_reaches_the_core_by_plain_imports() -> None:
    """No importlib, __import__ or getattr(module, ...) look-ups in the CLI, the TUI or export."""
    offenders = []
    for folder in ("cli", "tui", "export"):
        for path in (PACKAGE_DIR / folder).rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                    if "importlib" in names:
                        offenders.append(f"{path.name}:{node.lineno} imports importlib")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id == "__import__":
                        offenders.append(f"{path.name}:{node.lineno} calls __import__")
                    if node.func.id == "getattr" and node.args:
                        target = node.args[0]
                        if isinstance(target, ast.Name) and target.id in MODULE_NAMES:
                            offenders.append(f"{path.name}:{node.lineno} getattr on a module")
    assert offenders == []


MODULE_NAMES = {"index", "annotations", "export", "ingest", "segment", "tagging", "mod", "module"}
