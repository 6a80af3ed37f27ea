"""Provisions in, Tags out: runs the pipeline over provision texts and turns spans into evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from corpus_tool.model import Evidence, Provision, Tag
from corpus_tool.tagging.labels import (
    LABEL_CARVE_BACK,
    LABEL_CONDITION,
    LABEL_EXEMPTION,
    LABEL_MENTION,
)
from corpus_tool.tagging.rules import RuleSet, build_prefilter, lemma_literals, packaged_rules


class Tagger:
    """A loaded rule set and its pipeline; build once, call many times."""

    def __init__(self, rules: RuleSet | None = None, *, prefilter: bool = True) -> None:
        from corpus_tool.tagging.pipeline import build_pipeline

        self.rules = rules or packaged_rules()
        self.nlp: Language = build_pipeline(self.rules)
        self.prefilter = (
            build_prefilter(
                self.rules, lemma_forms(self.nlp.lang or "en", lemma_literals(self.rules))
            )
            if prefilter
            else None
        )
        self.link = self.rules.linker
        self.frames: dict[str, Any] = self.link.get("frames", {})
        self._deictic = self._deictic_regex()

    # --- public -------------------------------------------------------------
    def could_match(self, text: str) -> bool:
        """False only for a text in which no open-source wording can occur."""
        return bool(text) and (self.prefilter is None or self.prefilter(text))

    def tag(self, provisions: Sequence[Provision], *, batch_size: int = 64) -> list[Tag]:
        by_key = {(p.doc_id, p.id): p for p in provisions}
        parents = {(p.doc_id, p.parent) for p in provisions if p.parent}
        # Searchable provisions, and leaves whose text a searchable parent repeats
        # (points of a list): a gold point is only found on the point itself.
        todo = [
            p
            for p in provisions
            if (p.searchable or (p.doc_id, p.id) not in parents) and self.could_match(p.text)
        ]
        tags: list[Tag] = []
        longest = max((len(p.text) for p in todo), default=0)
        if longest >= self.nlp.max_length:
            # spaCy's limit (E088) guards the memory of a parser or NER; this blank
            # rule pipeline needs memory in proportion to the text, so a very long
            # provision (a container of a huge text file) is tagged, not refused.
            self.nlp.max_length = longest + 1
        docs = self.nlp.pipe((p.text for p in todo), batch_size=batch_size)
        for provision, doc in zip(todo, docs, strict=True):
            tags.extend(self._tags_for(provision, doc, by_key))
        return tags

    # --- spans -> tags -----------------------------------------------------
    def _tags_for(
        self, p: Provision, doc: Doc, by_key: dict[tuple[str, str], Provision]
    ) -> Iterable[Tag]:
        link = self.link
        source = self.rules.source
        pairs = list(doc.spans[link["exemption_key"]])
        if pairs:
            evidence: dict[tuple[int, int, str], Evidence] = {}
            targets: list[str] = []
            best_score, best_source = 0.0, ""
            carve_backs = list(doc.spans[link["carve_back_key"]])
            for cue, term in zip(pairs[0::2], pairs[1::2], strict=True):
                for span in (cue, term):
                    evidence.setdefault(
                        (span.start_char, span.end_char, span.label_), _evidence(span, span.label_)
                    )
                score = float(self.frames.get(cue.kb_id_, {}).get("score", 0.5))
                if term.kb_id_ in set(link.get("weak_labels", ())):
                    score *= self.rules.scores.get("weak_factor", 1.0)
                if score > best_score:
                    best_score = score
                    best_source = f"{source}:{cue.kb_id_}:{cue.id_}+{term.id_}"
                for target in self._targets(p, cue, term, carve_backs, by_key):
                    if target not in targets:
                        targets.append(target)
            yield Tag(
                doc_id=p.doc_id,
                provision_id=p.id,
                label=LABEL_EXEMPTION,
                evidence=tuple(sorted(evidence.values(), key=lambda e: (e.start, e.end))),
                source=best_source,
                score=round(best_score, 3),
                targets=tuple(targets),
            )
        for key, label, role, score_key in (
            (link["mention_key"], LABEL_MENTION, "mention", "mention"),
            (link["carve_back_key"], LABEL_CARVE_BACK, "carve-back", "carve_back"),
            (link["condition_key"], LABEL_CONDITION, "condition", "condition"),
        ):
            spans = sorted(doc.spans[key], key=lambda s: s.start) if key in doc.spans else []
            if not spans:
                continue
            rule_ids = sorted({s.id_ for s in spans if s.id_})
            yield Tag(
                doc_id=p.doc_id,
                provision_id=p.id,
                label=label,
                evidence=tuple(_evidence(s, role) for s in spans),
                source=f"{source}:{role}:{'+'.join(rule_ids)}",
                score=self.rules.scores.get(score_key, 0.5),
            )

    # --- what an exemption exempts from -------------------------------------
    def _targets(
        self,
        p: Provision,
        cue: Span,
        term: Span,
        carve_backs: list[Span],
        by_key: dict[tuple[str, str], Provision],
    ) -> list[str]:
        """Provisions named on the exempted side of the exemption wording.

        "X shall not apply to <open source>": X, before the wording, is what is
        exempted from; "<open source> is exempt from X": X comes after it.
        References inside a carve-back ("unless … Article 5") are not targets.
        """
        sent = cue.sent
        if term.start >= cue.end:
            lo, hi = sent.start_char, cue.start_char
        else:
            lo, hi = cue.end_char, sent.end_char
        blocked = [(s.start_char, s.end_char) for s in carve_backs]

        def free(start: int, end: int) -> bool:
            return lo <= start and end <= hi and not any(a < end and start < b for a, b in blocked)

        out = [r.target for r in p.refs if r.target and free(r.start, r.end)]
        for m in self._deictic.finditer(p.text, lo, hi) if self._deictic else ():
            if not free(m.start(), m.end()):
                continue
            if any(r.target and r.start <= m.start() < r.end for r in p.refs):
                continue
            found = self._enclosing(p, m.group("unit").lower(), by_key)
            if found:
                out.append(found)
        return [t for t in out if t]

    def _deictic_regex(self) -> re.Pattern[str] | None:
        cfg = self.rules.targets
        kinds = cfg.get("deictic_kinds", {})
        words = cfg.get("deictic_words", [])
        if not kinds or not words:
            return None
        return re.compile(
            r"\b(?:"
            + "|".join(re.escape(w) for w in words)
            + r")\s+(?P<unit>"
            + "|".join(re.escape(u) for u in kinds)
            + r")\b",
            re.IGNORECASE,
        )

    def _enclosing(
        self, p: Provision, unit: str, by_key: dict[tuple[str, str], Provision]
    ) -> str | None:
        kinds = set(self.rules.targets.get("deictic_kinds", {}).get(unit, ()))
        node: Provision | None = p
        while node is not None:
            if node.kind in kinds:
                return node.id
            node = by_key.get((node.doc_id, node.parent)) if node.parent else None
        return None


def lemma_forms(lang: str, lemmas: set[str]) -> dict[str, set[str]]:
    """Word forms (case-folded) that the lookup lemmatizer maps to each of ``lemmas``."""
    import spacy_lookups_data
    from spacy.util import load_language_data

    out: dict[str, set[str]] = {lemma: set() for lemma in lemmas}
    tables = getattr(spacy_lookups_data, lang, {})
    if "lemma_lookup" not in tables:
        return out
    table = load_language_data(tables["lemma_lookup"])
    if not isinstance(table, dict):
        return out
    for form, lemma in table.items():
        key = str(lemma).lower()
        if key in out:
            out[key].add(str(form).lower())
    return out


def _evidence(span: Span, role: str) -> Evidence:
    return Evidence(start=span.start_char, end=span.end_char, text=span.text, role=role)


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    return Tagger()
