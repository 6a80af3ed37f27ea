"""The core never imports Textual: the UI is a shell over the same functions as the CLI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
