"""A trained second opinion on open-source exemptions: a lexicon gate, a spaCy bag-of-words textcat, evidence spans.

The rules (``corpus_tool/tagging/patterns``) are precise but know only the
wordings they were written for. This component looks again at the provisions
the rules did *not* tag ``oss-exemption``:

1. **gate** — a provision reaches the model only if it holds an open-source
   *anchor* (named, or described without the words: licence freedoms, public
   weights, public repositories, stewards …) AND, in the same sentence, a relief
   *cue* (does not apply, exempt, need not, liability, penalty …). Both come from
   ``model/lexicon.json``; real documents' thousands of unrelated provisions stop
   here, cheaply.
2. **model** — a spaCy ``textcat`` (``TextCatBOW``, trained by
   ``benchmarks/train_exemption_model.py``) reads the sentences that hold an
   anchor (and a point's lead-in) plus one token per anchor and cue category
   found, and gives P(exemption).
3. **tag** — at or above the threshold chosen by cross-validation (stored in
   ``model/learned.json``), an ``oss-exemption`` Tag with the anchor span and the
   nearest cue span as evidence, ``source = "learned:v1"`` and the probability as
   its ``score``.

The model folder is package data, loaded from this package only (never from a
workspace), and only as spaCy's serialised weights into a pipeline built here:
no pickle, no code from the folder runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tool.model import Evidence, Provision, Tag
from corpus_tool.tagging.labels import LABEL_EXEMPTION

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_DIR = Path(__file__).resolve().parent / "model"
LEXICON_FILE = MODEL_DIR / "lexicon.json"
META_FILE = MODEL_DIR / "learned.json"  # threshold, training-data hash, CV scores
SETTINGS_FILE = MODEL_DIR / "settings.toml"  # [tagging] learned = true|false
WEIGHTS_DIR = MODEL_DIR / "textcat"
SOURCE = "learned:v1"
# Families of documents the model never judges. In a free or open-source licence every
# clause names the freedoms, the source code and a disclaimer: the model, which reads
# those words as "open source" beside "only", "liability" or "provided that", cannot
# tell the licence's ordinary terms from a law's special treatment of open source
# (cross-validated, GPL-style clauses scored 0.97-1.0). Licences are left to the rules.
RULES_ONLY_FAMILIES = frozenset({"licence"})
LABEL_YES = "EXEMPTION"
LABEL_NO = "OTHER"
ENV_SWITCH = "CORPUS_TOOL_LEARNED"  # "0"/"1" overrides settings.toml (tests, benchmarks)

# The textcat's architecture: fixed here, not read from the model folder, so that
# loading reads weights only. Changing it means retraining (the script uses this).
TEXTCAT_MODEL: dict[str, Any] = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": True,
    "ngram_size": 2,
    "no_output_layer": False,
    "length": 262144,
}


@dataclass(frozen=True)
class GateHit:
    """What the gate found in a text: spans (start, end, category) of each kind."""

    anchors: tuple[tuple[int, int, str], ...]
    references: tuple[tuple[int, int, str], ...]
    cues: tuple[tuple[int, int, str], ...]
    window: tuple[tuple[int, int], ...] = ()  # sentences with an anchor, and a list's lead-in

    @property
    def passes(self) -> bool:
        """An open-source anchor and a relief cue in one sentence of the window.

        A reference to an exemption stated elsewhere ("the exemption from
        liability referred to in Article 6") is only a feature: without open-source
        words the model cannot tell whose exemption it is, and the rules already
        follow resolved references to provisions they tagged (``Tagger._limits``).
        """
        if not self.anchors:
            return False
        return any(lo <= c[0] < hi for lo, hi in self.window for c in self.gate_cues)

    @property
    def gate_cues(self) -> tuple[tuple[int, int, str], ...]:
        feature_only = set(_lexicon().feature_only)
        return tuple(c for c in self.cues if c[2] not in feature_only)


@dataclass(frozen=True)
class Lexicon:
    anchors: tuple[tuple[str, re.Pattern[str]], ...]
    gratis_needs: re.Pattern[str] | None
    references: tuple[re.Pattern[str], ...]
    cues: tuple[tuple[str, re.Pattern[str]], ...]
    feature_only: tuple[str, ...]
    quick: re.Pattern[str]  # any anchor at all: the second look
    prefilter: tuple[str, ...]  # lower-case literals one of which every anchor holds: the first


@lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    flags = re.IGNORECASE

    def group(d: Mapping[str, list[str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple(
            (name, re.compile("|".join(f"(?:{x})" for x in xs), flags)) for name, xs in d.items()
        )

    anchors = group(data["anchors"])
    refs = tuple(re.compile(x, flags) for x in data.get("references", []))
    everything = [x for xs in data["anchors"].values() for x in xs]
    needs = data.get("gratis_needs")
    return Lexicon(
        anchors=anchors,
        gratis_needs=re.compile(needs, flags) if needs else None,
        references=refs,
        cues=group(data["cues"]),
        feature_only=tuple(data.get("feature_only", ())),
        quick=re.compile("|".join(f"(?:{x})" for x in everything), flags),
        prefilter=tuple(data.get("prefilter", ())),
    )


def gate(text: str, lead_in: int = 0) -> GateHit:
    """The anchors, references and cues of ``text`` (offsets into it).

    ``lead_in``: the length of the lead-in the text starts with (a point read after
    "… shall not apply to the following:"), which belongs to every sentence.
    """
    lex = _lexicon()
    low = text.lower()
    # Substring tests run at C speed; the regular expressions only where one holds.
    if lex.prefilter and not any(k in low for k in lex.prefilter):
        return GateHit((), (), ())
    if not lex.quick.search(text):
        return GateHit((), (), ())
    anchors: list[tuple[int, int, str]] = []
    for name, rx in lex.anchors:
        if name == "gratis" and lex.gratis_needs is not None and not lex.gratis_needs.search(text):
            continue  # "free of charge" alone is in every second statute
        anchors.extend((m.start(), m.end(), name) for m in rx.finditer(text) if m.end() > m.start())
    refs = [(m.start(), m.end(), "reference") for rx in lex.references for m in rx.finditer(text)]
    # An anchor that is only "free of charge" is no anchor: freeware is not open source.
    if not anchors or all(a[2] == "gratis" for a in anchors):
        return GateHit((), (), ())
    cues = [
        (m.start(), m.end(), name)
        for name, rx in lex.cues
        for m in rx.finditer(text)
        if m.end() > m.start()
    ]
    return GateHit(
        tuple(sorted(anchors)),
        tuple(sorted(refs)),
        tuple(sorted(cues)),
        _window(text, [a for a, _, _ in anchors], lead_in),
    )


def _window(text: str, points: Sequence[int], lead_in: int = 0) -> tuple[tuple[int, int], ...]:
    """The sentences holding ``points``, and the lead-in the text starts with.

    A cue elsewhere in a long provision (a recital of twenty sentences) says nothing
    about the open source named here; a point's lead-in ("… shall not apply to:")
    does. Only the segmenter's lead-ins count: a colon inside one provision's text
    may open a list whose later items are at another level ("(1) … (2) … (b) …").
    """
    spans = sorted({_sentence_of(text, a) for a in points})
    if lead_in > 0 and spans and spans[0][0] >= lead_in:
        spans.insert(0, (0, lead_in))
    return tuple(spans)


# A full stop or a semicolon before a capital, a digit or a bracket ends a sentence
# (list items "…; (b) …" are sentences of their own; keeping them with the
# lead-in's sentence was tried and, cross-validated, cost most of the gain).
_SENT_END = re.compile(r"(?<=[.;])\s+(?=[(\"'A-Z0-9])")


def _sentence_of(text: str, at: int) -> tuple[int, int]:
    start = 0
    for m in _SENT_END.finditer(text):
        if m.end() <= at:
            start = m.end()
        else:
            return start, m.start()
    return start, len(text)


def features(text: str, hit: GateHit | None = None) -> str:
    """The text the model reads: the sentences that hold an anchor, then one token per category.

    Only those sentences (and a list's lead-in) are read: in a long provision the
    other sentences are noise to a bag of words. The category tokens carry what
    the lexicon knows (an anchor of this kind, a cue of that kind in the same
    sentence, a cue near the anchor) in words the model can weigh, so a wording
    it never saw still shares features with those it did.
    """
    hit = hit or gate(text)
    spans = list(hit.window) or [(0, len(text))]
    extra: list[str] = sorted({f"xxanc{_tok(c)}" for _, _, c in hit.anchors})
    if hit.references:
        extra.append("xxreference")
    inside = [c for c in hit.cues if any(lo <= c[0] < hi for lo, hi in spans)]
    extra += sorted({f"xxcue{_tok(c)}" for _, _, c in inside})
    points = [a for a, _, _ in hit.anchors]
    near = {c for s, _, c in inside if any(abs(s - a) <= _NEAR for a in points)}
    extra += sorted(f"xxnear{_tok(c)}" for c in near)
    if hit.passes:
        extra.append("xxsamesentence")
    window = " ".join(text[lo:hi] for lo, hi in spans)
    return f"{window}\n{' '.join(extra)}"


_NEAR = 80  # characters between an anchor and a cue that reads on it


def _tok(category: str) -> str:
    return category.replace("-", "")


def build_pipeline() -> Language:
    """A blank English pipeline with an untrained textcat of the fixed architecture."""
    import spacy

    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": TEXTCAT_MODEL})
    textcat.add_label(LABEL_YES)  # type: ignore[attr-defined]
    textcat.add_label(LABEL_NO)  # type: ignore[attr-defined]
    return nlp


@lru_cache(maxsize=1)
def load_model() -> tuple[Language, dict[str, Any]]:
    """The committed model and its meta, from this package's folder only."""
    meta = json.loads(META_FILE.read_text(encoding="utf-8"))
    nlp = build_pipeline()
    nlp.initialize()  # shapes the layers; the weights below replace the random ones
    textcat: Any = nlp.get_pipe("textcat")
    textcat.from_disk(WEIGHTS_DIR)
    return nlp, meta


def model_available() -> bool:
    return META_FILE.is_file() and WEIGHTS_DIR.is_dir()


def enabled() -> bool:
    """``[tagging] learned`` in the package's settings.toml; $CORPUS_TOOL_LEARNED overrides."""
    env = os.environ.get(ENV_SWITCH, "").strip().lower()
    if env in {"0", "false", "no", "off"}:
        return False
    if env in {"1", "true", "yes", "on"}:
        return model_available()
    try:
        settings = tomllib.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return bool(settings.get("tagging", {}).get("learned", False)) and model_available()


def probabilities(texts: Sequence[str], nlp: Language | None = None) -> list[float]:
    """P(exemption) for each text that passes the gate; 0.0 for the others."""
    nlp = nlp or load_model()[0]
    hits = [gate(t) for t in texts]
    todo = [i for i, h in enumerate(hits) if h.passes]
    out = [0.0] * len(texts)
    docs = nlp.pipe((features(texts[i], hits[i]) for i in todo), batch_size=64)
    for i, doc in zip(todo, docs, strict=True):
        out[i] = float(doc.cats.get(LABEL_YES, 0.0))
    return out


def second_opinion(
    candidates: Iterable[tuple[Provision, str, int]], tags: Sequence[Tag]
) -> list[Tag]:
    """``oss-exemption`` tags for candidates the rules left untagged and the model accepts.

    Each candidate is (provision, text read, offset of the provision's own text in
    it): a point is read after its lead-in, but evidence lies in its own text.
    """
    exempt = {(t.doc_id, t.provision_id) for t in tags if t.label == LABEL_EXEMPTION}
    todo: list[tuple[Provision, str, int, GateHit]] = []
    for p, text, offset in candidates:
        if (p.doc_id, p.id) in exempt:
            continue
        hit = gate(text, max(offset - 1, 0))
        if hit.passes:
            todo.append((p, text, offset, hit))
    if not todo:
        return []
    nlp, meta = load_model()
    threshold = float(meta["threshold"])
    out: list[Tag] = []
    docs = nlp.pipe((features(t, h) for _, t, _, h in todo), batch_size=64)
    for (p, text, offset, hit), doc in zip(todo, docs, strict=True):
        prob = float(doc.cats.get(LABEL_YES, 0.0))
        if prob < threshold:
            continue
        evidence = _evidence(text, offset, hit)
        if not evidence:
            continue  # nothing in the provision's own text to show: no tag
        out.append(
            Tag(
                doc_id=p.doc_id,
                provision_id=p.id,
                label=LABEL_EXEMPTION,
                evidence=evidence,
                source=SOURCE,
                score=round(prob, 3),
            )
        )
    return out


def _evidence(text: str, offset: int, hit: GateHit) -> tuple[Evidence, ...]:
    """The anchor and the nearest relief cue of its sentence (or of a list's lead-in)."""
    own_anchors = [a for a in hit.anchors if a[0] >= offset]
    in_window = [c for c in hit.gate_cues if any(lo <= c[0] < hi for lo, hi in hit.window)]
    own_cues = [c for c in in_window if c[0] >= offset]
    if not own_anchors and not own_cues:
        return ()
    anchors = own_anchors or list(hit.anchors)
    cues = own_cues or in_window

    def cost(a: tuple[int, int, str], c: tuple[int, int, str]) -> tuple[int, int]:
        same = _sentence_of(text, a[0]) == _sentence_of(text, c[0])
        return (0 if same else 1, abs(a[0] - c[0]))

    anchor, cue = min(((a, c) for a in anchors for c in cues), key=lambda ac: cost(*ac))
    out = []
    for (s, e, _), role in ((anchor, "open-source"), (cue, "exemption")):
        if s >= offset:
            out.append(Evidence(start=s - offset, end=e - offset, text=text[s:e], role=role))
    return tuple(sorted(out, key=lambda ev: (ev.start, ev.end)))


def data_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the training files' names and bytes, in the order given."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode("utf-8") + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()
