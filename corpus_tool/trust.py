"""Trust in derived data: the installation's HMAC key and signatures over files it wrote.

Some derived data cannot be read safely when it comes from someone else: the
Whoosh index pickles its schema and parts of its postings, and unpickling runs
code. Such files are signed when this installation writes them, with a key kept
in the user's configuration folder (``$XDG_CONFIG_HOME/corpus-tool/index-key``,
else ``~/.config/corpus-tool/index-key``), outside every workspace. A file whose
signature does not verify under that key is never opened; it is rebuilt from
plain data instead. A team that shares workspaces may share the key file too:
whoever holds it is trusted to write indexes everyone opens. So that a large
index is not read whole at every start, the chunk digests of a file once
verified whole are kept beside the key, MACed (see "verified chunks" below).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
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
    return _read_and_sign(key, name, fd, _READ_CHUNK, None)


def _read_and_sign(
    key: bytes, name: str, fd: int, chunk_bytes: int, digests: bytearray | None
) -> str:
    """One read of the file: its signature (hex); each chunk's SHA-256 appended to
    ``digests`` when given."""
    mac = hmac.new(key, name.encode("utf-8") + b"\0", hashlib.sha256)
    offset = 0
    while True:
        chunk = os.pread(fd, chunk_bytes, offset)
        if not chunk:
            break
        mac.update(chunk)
        if digests is not None:
            digests += hashlib.sha256(chunk).digest()
        offset += len(chunk)
    return mac.hexdigest()


def same(a: str, b: str) -> bool:
    """Compare two signatures in constant time."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


# --- verified chunks: unchanged index files are not read whole at every start ------
#
# A file's signature (above) covers its whole content, so checking it means
# reading it whole: 2.2 GiB for an index of a million provisions, seconds at
# every start. When a file has once been read whole and found to match its
# signature, the SHA-256 of each of its CHUNK_BYTES chunks is recorded in the
# user's configuration folder (beside the key, outside every workspace), in a
# record MACed with a key derived from the installation's key. Later processes
# check each chunk against its digest when they first read it, before anything
# of it is unpickled (corpus_tool.index.verified). No file metadata (size,
# mtime, inode) is trusted: someone who can write the workspace may change a
# file and restore its mtime, but cannot change a byte that is read without its
# chunk's digest failing, nor write a record that verifies.

CHUNK_BYTES = 1 << 18
CHUNK_DIGEST = 32  # bytes of SHA-256
VERIFIED_DIR = "verified"
_RECORD_DOMAIN = b"corpus-tool verified chunks v1"


def sign_fd_chunks(key: bytes, name: str, fd: int, chunk_bytes: int) -> tuple[str, bytes]:
    """The file's signature (as :func:`sign_fd`) and each chunk's SHA-256, from one read."""
    digests = bytearray()
    signature = _read_and_sign(key, name, fd, chunk_bytes, digests)
    return signature, bytes(digests)


def chunk_count(size: int, chunk_bytes: int) -> int:
    return -(-size // chunk_bytes)


def _record_key(key: bytes) -> bytes:
    # A key of its own: a record's MAC can never pass for a file's signature.
    return hmac.new(key, _RECORD_DOMAIN, hashlib.sha256).digest()


def _folder_tag(index_dir: Path) -> str:
    return hashlib.sha256(os.fsencode(os.path.realpath(index_dir))).hexdigest()[:16]


def _record_path(index_dir: Path, name: str, signature: str) -> Path:
    ident = hashlib.sha256(f"{name}\0{signature}".encode("utf-8", "surrogatepass")).hexdigest()
    return config_dir() / VERIFIED_DIR / f"{_folder_tag(index_dir)}-{ident[:32]}.json"


def _record_body(
    index_dir: Path, name: str, signature: str, size: int, chunk_bytes: int, digests: bytes
) -> bytes:
    body = {
        "v": 1,
        "dir": os.path.realpath(index_dir),
        "name": name,
        "signature": signature,
        "size": size,
        "chunk": chunk_bytes,
        "digests": digests.hex(),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=True).encode("ascii")


def load_chunk_digests(
    key: bytes, index_dir: Path, name: str, signature: str, size: int, chunk_bytes: int
) -> bytes | None:
    """The chunk digests recorded for this file with this signature and size, if any verify."""
    path = _record_path(index_dir, name, signature)
    try:
        raw = json.loads(path.read_bytes())
        digests = bytes.fromhex(raw["digests"])
        mac = raw["mac"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(digests) != chunk_count(size, chunk_bytes) * CHUNK_DIGEST:
        return None
    body = _record_body(index_dir, name, signature, size, chunk_bytes, digests)
    expected = hmac.new(_record_key(key), body, hashlib.sha256).hexdigest()
    if not isinstance(mac, str) or not same(mac, expected):
        return None  # forged, damaged, or for another file, size or chunk size
    return digests


def save_chunk_digests(
    key: bytes,
    index_dir: Path,
    name: str,
    signature: str,
    size: int,
    chunk_bytes: int,
    digests: bytes,
) -> None:
    """Record a file's chunk digests (best effort: a folder that cannot be written costs speed only)."""
    body = _record_body(index_dir, name, signature, size, chunk_bytes, digests)
    record = json.loads(body)
    record["mac"] = hmac.new(_record_key(key), body, hashlib.sha256).hexdigest()
    path = _record_path(index_dir, name, signature)
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record), "ascii")
        os.replace(tmp, path)


def drop_chunk_digests(index_dir: Path, name: str, signature: str) -> None:
    """Forget a file's record (a chunk failed: the next open reads the file whole again)."""
    with contextlib.suppress(OSError):
        _record_path(index_dir, name, signature).unlink()


def prune_chunk_digests(index_dir: Path, signed: dict[str, str]) -> None:
    """Remove this index folder's records of files no longer signed (deleted by a merge or rebuild)."""
    keep = {_record_path(index_dir, n, s).name for n, s in signed.items()}
    folder = config_dir() / VERIFIED_DIR
    prefix = _folder_tag(index_dir) + "-"
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if (
                path.name.startswith(prefix)
                and path.name.endswith(".json")
                and path.name not in keep
            ):
                with contextlib.suppress(OSError):
                    path.unlink()
