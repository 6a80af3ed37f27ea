"""``corpus-tool fetch``: download the official sources of the manifest and verify them."""

from __future__ import annotations

import hashlib
import tomllib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus_tool.errors import InputError
from corpus_tool.workspace import atomic_write_bytes

USER_AGENT = "corpus-tool/0.1 (+https://github.com/; research use)"


@dataclass(frozen=True)
class Source:
    file: str
    url: str
    sha256: str
    title: str = ""
    date: str = ""


@dataclass(frozen=True)
class FetchResult:
    file: str
    status: str  # downloaded | present | failed
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def load_manifest(path: Path) -> list[Source]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), "no manifest here (expected corpus/manifest.toml)") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(path), f"cannot read the manifest ({exc})") from exc
    sources = []
    for i, entry in enumerate(data.get("source", []), start=1):
        missing = [k for k in ("file", "url", "sha256") if not entry.get(k)]
        if missing:
            raise InputError(str(path), f"source #{i} lacks {', '.join(missing)}")
        sources.append(
            Source(
                entry["file"],
                entry["url"],
                entry["sha256"].lower(),
                entry.get("title", ""),
                str(entry.get("date", "")),
            )
        )
    return sources


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_sources(
    manifest: Path, dest: Path, *, names: Sequence[str] | None = None, timeout: float = 60.0
) -> list[FetchResult]:
    """Download each source not already present with the right SHA-256; never keep a bad file."""
    sources = load_manifest(manifest)
    if names:
        unknown = sorted(set(names) - {s.file for s in sources})
        if unknown:
            raise InputError(str(manifest), f"not in the manifest: {', '.join(unknown)}")
        sources = [s for s in sources if s.file in names]
    results: list[FetchResult] = []
    for src in sources:
        target = dest / src.file
        if target.is_file() and _sha256(target.read_bytes()) == src.sha256:
            results.append(FetchResult(src.file, "present"))
            continue
        request = urllib.request.Request(src.url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            results.append(
                FetchResult(
                    src.file,
                    "failed",
                    f"cannot download {src.url} ({reason}); offline? "
                    "the sample corpus in corpus/sample works without network",
                )
            )
            continue
        got = _sha256(data)
        if got != src.sha256:
            results.append(
                FetchResult(
                    src.file,
                    "failed",
                    f"SHA-256 mismatch: expected {src.sha256}, got {got}; file not saved",
                )
            )
            continue
        atomic_write_bytes(target, data)
        results.append(FetchResult(src.file, "downloaded"))
    return results
