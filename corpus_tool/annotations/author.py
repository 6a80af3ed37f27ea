"""Who signs annotations: the author name, from the user's configuration, git or the login.

The name is a person's, not a workspace's: workspaces travel between people, so
it is stored in the user's configuration directory
(``$CORPUS_TOOL_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/corpus-tool``, else
``~/.config/corpus-tool``), file ``config.toml``, key ``author``. Order of
precedence, first found wins:

1. ``$CORPUS_TOOL_AUTHOR`` (scripts, tests);
2. ``author`` in the workspace's ``corpus-tool.toml`` (older setups; still honoured);
3. ``author`` in the user's ``config.toml``;
4. ``git config user.name``;
5. the login name.

Nothing here prompts: an interface that has a terminal asks once when
:func:`should_ask` says so and stores the answer with :func:`save_author`.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from corpus_tool.errors import StoreError
from corpus_tool.workspace import Workspace

AUTHOR_ENV = "CORPUS_TOOL_AUTHOR"
CONFIG_DIR_ENV = "CORPUS_TOOL_CONFIG_DIR"
USER_CONFIG = "config.toml"
WORKSPACE_CONFIG = "corpus-tool.toml"
MAX_AUTHOR = 200  # a name, not a document


def user_config_dir() -> Path:
    """The user's corpus-tool configuration directory (not created here)."""
    explicit = os.environ.get(CONFIG_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "corpus-tool"


def user_config_path() -> Path:
    return user_config_dir() / USER_CONFIG


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the {what} ({exc})") from exc


def _clean(name: object) -> str:
    if not isinstance(name, str):
        return ""
    # One line of printable text: a name is printed in tables and memos.
    return " ".join("".join(c for c in name if c.isprintable()).split())[:MAX_AUTHOR]


def _workspace_author(ws: Workspace | None) -> str:
    if ws is None:
        return ""
    config = ws.root / WORKSPACE_CONFIG
    if not config.is_file():
        return ""
    data = _read_toml(config, "workspace config")
    section = data.get("annotations", {})
    author = section.get("author") if isinstance(section, dict) else None
    return _clean(author or data.get("author"))


def _user_author() -> str:
    path = user_config_path()
    if not path.is_file():
        return ""
    return _clean(_read_toml(path, "user config").get("author"))


def git_user_name() -> str:
    """``git config user.name``, or "" when git or the setting is missing."""
    try:
        done = subprocess.run(
            ["git", "config", "--get", "user.name"],
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
            cwd=Path.home() if Path.home().is_dir() else None,
        )
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return ""
    return _clean(done.stdout) if done.returncode == 0 else ""


def login_name() -> str:
    try:
        return _clean(getpass.getuser()) or "unknown"
    except (KeyError, OSError):
        return "unknown"


def resolve_author(ws: Workspace | None = None) -> tuple[str, str]:
    """The author name and where it came from ("env", "workspace", "user", "git", "login")."""
    env = _clean(os.environ.get(AUTHOR_ENV, ""))
    if env:
        return env, "env"
    for source, find in (("workspace", lambda: _workspace_author(ws)), ("user", _user_author)):
        name = find()
        if name:
            return name, source
    name = git_user_name()
    if name:
        return name, "git"
    return login_name(), "login"


def author_name(ws: Workspace | None = None) -> str:
    return resolve_author(ws)[0]


def should_ask(ws: Workspace | None = None, *, interactive: bool | None = None) -> bool:
    """True when an interface should ask for the name once: a terminal and nothing configured.

    Without a terminal (scripts, CI, a pipe) it is never asked: the default is used silently.
    """
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not interactive:
        return False
    return resolve_author(ws)[1] in ("git", "login")


def save_author(name: str) -> Path:
    """Store the author name in the user's config.toml (other keys kept); the file's path."""
    clean = _clean(name)
    if not clean:
        raise StoreError("an author name cannot be empty")
    path = user_config_path()
    data: dict[str, Any] = _read_toml(path, "user config") if path.is_file() else {}
    data["author"] = clean
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(_dump_toml(data), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"{path}: cannot save the author name ({exc.strerror})") from exc
    return path


def _dump_toml(data: dict[str, Any]) -> str:
    """Top-level scalar keys and one level of tables: all a user config holds."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for name, table in tables:
        lines.append(f"\n[{_key(name)}]")
        lines.extend(
            f"{_key(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)
        )
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum()
    return key if bare else _value(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
