"""The tagger's rule data: rules.toml and the JSONL pattern files it names, loaded blind."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus_tool.errors import InputError

PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"
RULES_FILE = "rules.toml"


@dataclass(frozen=True)
class RulerSpec:
    """One pattern file and the span key its matches go to."""

    name: str
    file: str
    spans_key: str
    role: str
    patterns: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Everything the tagger knows, as read from the patterns folder."""

    name: str
    version: str
    digest: str  # hash of every rule file, so an edited pattern changes TAGGER_VERSION
    abbreviations: tuple[str, ...]
    rulers: tuple[RulerSpec, ...]
    linker: dict[str, Any]
    scores: dict[str, float]
    targets: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{self.name}.v{self.version}"

    def ruler(self, spans_key: str) -> RulerSpec:
        for r in self.rulers:
            if r.spans_key == spans_key:
                return r
        raise KeyError(spans_key)


def read_patterns(path: Path) -> list[dict[str, Any]]:
    """A JSONL pattern file: one SpanRuler pattern object per line."""
    out: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(str(path), f"cannot read pattern file ({exc.strerror})") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{n}", f"not a JSON pattern ({exc})") from exc
        if not isinstance(obj, dict) or "label" not in obj or "pattern" not in obj:
            raise InputError(f"{path}:{n}", "a pattern needs 'label' and 'pattern'")
        out.append(obj)
    return out


def load_rules(folder: Path | None = None) -> RuleSet:
    """Read rules.toml and its pattern files from ``folder`` (default: the packaged rules)."""
    folder = folder or PATTERNS_DIR
    path = folder / RULES_FILE
    try:
        raw = path.read_bytes()
        cfg = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read rules ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from exc
    digest = hashlib.sha256(raw)
    rulers = []
    for spec in cfg.get("ruler", []):
        file = folder / spec["file"]
        patterns = read_patterns(file)
        digest.update(file.read_bytes())
        rulers.append(
            RulerSpec(
                name=spec["name"],
                file=spec["file"],
                spans_key=spec["spans_key"],
                role=spec["role"],
                patterns=tuple(patterns),
            )
        )
    return RuleSet(
        name=str(cfg.get("name", "rules")),
        version=str(cfg.get("version", "0")),
        digest=digest.hexdigest()[:10],
        abbreviations=tuple(cfg.get("tokenizer", {}).get("abbreviations", ())),
        rulers=tuple(rulers),
        linker=dict(cfg.get("linker", {})),
        scores={k: float(v) for k, v in cfg.get("scores", {}).items()},
        targets=dict(cfg.get("targets", {})),
    )


@lru_cache(maxsize=1)
def packaged_rules() -> RuleSet:
    return load_rules()


def _literals(token: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The attribute and the strings a token pattern must equal (case-folded), if any."""
    for attr in ("LOWER", "ORTH", "TEXT", "NORM", "LEMMA"):
        if attr not in token:
            continue
        value = token[attr]
        if isinstance(value, str):
            return attr, [value.lower()]
        if isinstance(value, dict) and "IN" in value:
            return attr, [str(v).lower() for v in value["IN"]]
    return None


class Prefilter:
    """A cheap test that is true of every text in which an open-source wording can match.

    Built from the patterns themselves: a pattern can only match a text that
    contains, for each token the pattern cannot do without, one of that token's
    literal forms (case-folded, as a substring; for a lemma, one of the word forms
    the lemmatizer maps to it). The text passes when some pattern's required tokens
    are all present. ``always`` is set when a pattern has no literal required token, in
    which case every text must go through the pipeline.
    """

    def __init__(self, requirements: list[list[tuple[str, ...]]], always: bool = False) -> None:
        self.requirements = requirements
        self.always = always
        # One regex per distinct set of forms (an alternation of literals is one
        # scan of the text instead of one per form); within a pattern, the sets
        # with the longest shortest form go first, as they are the rarest.
        self._regex: dict[tuple[str, ...], re.Pattern[str]] = {
            forms: re.compile("|".join(map(re.escape, sorted(forms, key=len))))
            for required in requirements
            for forms in required
        }
        self._order = [
            sorted(required, key=lambda forms: -min(map(len, forms))) for required in requirements
        ]

    def __call__(self, text: str) -> bool:
        if self.always:
            return True
        low = text.lower()
        seen: dict[tuple[str, ...], bool] = {}
        for required in self._order:
            for forms in required:
                found = seen.get(forms)
                if found is None:
                    found = seen[forms] = self._regex[forms].search(low) is not None
                if not found:
                    break
            else:
                return True
        return False


def lemma_literals(rules: RuleSet) -> set[str]:
    """The lemmas the open-source patterns require (their inflected forms feed the prefilter)."""
    oss = rules.ruler(rules.linker["oss_key"])
    out: set[str] = set()
    for pat in oss.patterns:
        for token in pat["pattern"]:
            found = _literals(token)
            if found and found[0] == "LEMMA":
                out.update(found[1])
    return out


def build_prefilter(
    rules: RuleSet, lemma_forms: Mapping[str, Iterable[str]] | None = None
) -> Prefilter:
    """The prefilter for ``rules``; ``lemma_forms`` maps a lemma to the word forms the
    lemmatizer turns into it (without it, a lemma token requires nothing)."""
    oss = rules.ruler(rules.linker["oss_key"])
    counted = set(rules.linker.get("strong_labels", ())) | set(rules.linker.get("weak_labels", ()))
    requirements: list[list[tuple[str, ...]]] = []
    for pat in oss.patterns:
        if pat["label"] not in counted:
            continue
        required: list[tuple[str, ...]] = []
        for token in pat["pattern"]:
            op = str(token.get("OP", ""))
            if op in ("?", "*", "!") or op.startswith("{0"):
                continue
            found = _literals(token)
            if not found:
                continue
            attr, literals = found
            if attr == "LEMMA":
                # A lemma matches its forms ("studied" for "study"), which need not
                # contain it: require one of the forms the lemmatizer knows.
                if lemma_forms is None:
                    continue
                literals = sorted(
                    {w for lemma in literals for w in (lemma, *lemma_forms.get(lemma, ()))}
                )
            # Very short forms would pass nearly every text: not worth requiring.
            if all(len(w) >= 3 for w in literals):
                required.append(tuple(literals))
        if not required:
            return Prefilter([], always=True)
        requirements.append(required)
    return Prefilter(requirements)
