"""Trust in derived data: the installation's HMAC key and signatures over files it wrote.

Some derived data cannot be read safely when it comes from someone else: the
Whoosh index pickles its schema and parts of its postings, and unpickling runs
code. Such files are signed when this installation writes them, with a key kept
in the user's configuration folder (``$XDG_CONFIG_HOME/corpus-tool/index-key``,
else ``~/.config/corpus-tool/index-key``), outside every workspace. A file whose
signature does not verify under that key is never opened; it is rebuilt from
plain data instead. A team that shares workspaces may share the key file too:
whoever holds it is trusted to write indexes everyone opens.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from corpus_tool.errors import StoreError

KEY_FILE = "index-key"
KEY_BYTES = 32
_READ_CHUNK = 1 << 20


def config_dir() -> Path:
    """The user's configuration folder for corpus-tool (XDG Base Directory rules)."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "corpus-tool"


def key_path() -> Path:
    return config_dir() / KEY_FILE


def load_key(*, create: bool) -> bytes | None:
    """The installation's key; made (mode 0600) when ``create`` and missing, else None."""
    path = key_path()
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        return _create_key(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the index key ({_reason(exc)})") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise StoreError(
            f"{path}: not an index key (expected {KEY_BYTES * 2} hex digits); "
            "delete it to have a new one made"
        )
    return key


def _create_key(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two processes making the key at once must not end with two keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        loaded = load_key(create=False)
        assert loaded is not None
        return loaded
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the index key ({_reason(exc)})") from exc
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise StoreError(f"{path}: cannot write the index key ({_reason(exc)})") from exc
    return key


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def sign_fd(key: bytes, name: str, fd: int) -> str:
    """The signature of an open file's whole content, bound to its name (hex)."""
    mac = hmac.new(key, name.encode("utf-8") + b"\0", hashlib.sha256)
    offset = 0
    while True:
        chunk = os.pread(fd, _READ_CHUNK, offset)
        if not chunk:
            break
        mac.update(chunk)
        offset += len(chunk)
    return mac.hexdigest()


def sign_file(key: bytes, path: Path) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        return sign_fd(key, path.name, fd)
    finally:
        os.close(fd)


def same(a: str, b: str) -> bool:
    """Compare two signatures in constant time."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
