"""Provisions in, Tags out: runs the pipeline over provision texts and turns spans into evidence."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from corpus_tool.model import (
    Evidence,
    Provision,
    Reference,
    Tag,
    structure_of,
    text_reader,
)
from corpus_tool.tagging.labels import (
    LABEL_CARVE_BACK,
    LABEL_CONDITION,
    LABEL_EXEMPTION,
    LABEL_MENTION,
)
from corpus_tool.tagging.pipeline import list_sentences_before, such_heads
from corpus_tool.tagging.rules import RuleSet, build_prefilter, lemma_literals, packaged_rules


def _own_text(p: Provision) -> str:
    return p.text


class Tagger:
    """A loaded rule set and its pipeline; build once, call many times."""

    def __init__(
        self, rules: RuleSet | None = None, *, prefilter: bool = True, learned: bool | None = None
    ) -> None:
        from corpus_tool.tagging.learned import enabled as learned_enabled
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
        # The trained second opinion (issue 12): [tagging] learned in model/settings.toml.
        self.learned = learned_enabled() if learned is None else learned

    # --- public -------------------------------------------------------------
    def could_match(self, text: str) -> bool:
        """False only for a text in which no open-source wording can occur."""
        return bool(text) and (self.prefilter is None or self.prefilter(text))

    def tag(
        self,
        provisions: Sequence[Provision],
        *,
        batch_size: int = 64,
        rules_only: Collection[str] = frozenset(),
    ) -> list[Tag]:
        """Tags for ``provisions``; documents in ``rules_only`` (doc ids) get no learned tag."""
        # Provisions held packed (a document being built, issue 15) are walked
        # without their texts; a text is read, one at a time, where it is needed.
        text_of = text_reader(provisions)
        provisions = structure_of(provisions)
        by_key = {(p.doc_id, p.id): p for p in provisions}
        children: dict[tuple[str, str], list[Provision]] = {}
        for p in provisions:
            if p.parent:
                children.setdefault((p.doc_id, p.parent), []).append(p)
        for kids in children.values():
            kids.sort(key=lambda c: c.order)

        # Searchable provisions, leaves, and points whose text a searchable ancestor
        # repeats (nested lists): a gold point is only found on the point itself.
        def under_searchable(p: Provision) -> bool:
            node = by_key.get((p.doc_id, p.parent)) if p.parent else None
            while node is not None:
                if node.searchable:
                    return True
                node = by_key.get((node.doc_id, node.parent)) if node.parent else None
            return False

        candidates = [
            p
            for p in provisions
            if p.searchable or (p.doc_id, p.id) not in children or under_searchable(p)
        ]

        # A point is read after the lead-ins above it ("shall not apply to:" reaches
        # "(b) free and open-source software"); its own text starts at `offset`.
        # Texts are made as spaCy reads them, never all at once: a long document's
        # texts with their lead-ins would otherwise be held together (issue 15).
        def read_with_lead_ins(
            selected: Sequence[Provision],
        ) -> Iterator[tuple[Provision, str, int]]:
            for p in selected:
                lead = self._lead_in(p, by_key, children, text_of) if p.parent else ""
                own = text_of(p)
                text = f"{lead} {own}" if lead else own
                yield p, text, len(lead) + 1 if lead else 0

        tags: list[Tag] = []
        # Work is saved in two ways, neither changing a result (tests compare with
        # the whole pipeline): exemption wordings and clause breaks only matter in a
        # sentence that holds an open-source wording, so those rulers match only
        # there; carve-backs and conditions only matter where an exemption was found,
        # so those rulers run afterwards on the texts with a link, then the linker again.
        scoped = [n for n in self._scoped_rulers if n in self.nlp.pipe_names]
        later = [n for n in self._post_link_rulers if n in self.nlp.pipe_names]
        staged = scoped + later + (["oss_linker"] if scoped else [])

        def todo() -> Iterator[tuple[str, tuple[Provision, int]]]:
            for p, text, offset in read_with_lead_ins(candidates):
                if not self.could_match(text):
                    continue
                if len(text) >= self.nlp.max_length:
                    # spaCy's limit (E088) guards the memory of a parser or NER; this
                    # blank rule pipeline needs memory in proportion to the text, so
                    # a very long provision (a container of a huge text file) is
                    # tagged, not refused. Raised before spaCy reads the text.
                    self.nlp.max_length = len(text) + 1
                yield text, (p, offset)

        docs = self.nlp.pipe(todo(), as_tuples=True, batch_size=batch_size, disable=staged)
        exemption_key = self.link["exemption_key"]
        oss_key = self.link["oss_key"]
        cue_key = self.link["cue_key"]
        needing = self._needing_frames
        linker = self.nlp.get_pipe("oss_linker")
        for doc, (provision, offset) in docs:
            if scoped:
                held = {s.sent for s in doc.spans[oss_key]} if oss_key in doc.spans else set()
                # A list item's wording may be reached from the sentence that leads
                # the list in ("… THE FOLLOWING: (1) … . (2) <open source> …").
                for sent in list(held):
                    held.update(list_sentences_before(doc, sent))
                # "… under such licences …" counts as the open-source wording of an
                # earlier sentence (the linker's back-references), so it is held too.
                if held:
                    first = min(s.start for s in held)
                    held.update(
                        t.sent
                        for t in such_heads(doc, self.link.get("anaphor_heads", ()))
                        if t.sent.start > first
                    )
                sents = sorted(held, key=lambda sent: sent.start)
                for name in scoped:
                    ruler = self.nlp.get_pipe(name)
                    doc.spans[ruler.key] = _match_in(ruler, doc, sents)  # type: ignore[attr-defined]
            # A frame that needs a carve-back's reason reads the carve-back and
            # condition spans, so those rulers run before the linker there.
            early = bool(later and needing) and any(
                c.label_ in needing for c in doc.spans.get(cue_key, [])
            )
            if early:
                for name in later:
                    doc = self.nlp.get_pipe(name)(doc)
            if scoped or early:
                doc = linker(doc)
            if later and not early and len(doc.spans[exemption_key]):
                for name in later:
                    doc = self.nlp.get_pipe(name)(doc)
                doc = linker(doc)
            tags.extend(self._tags_for(provision, doc, by_key, offset, text_of))
        tags.extend(self._limits(candidates, tags, by_key, batch_size, text_of))
        # --- learned second opinion (issue 12, corpus_tool/tagging/learned.py): after
        # the rules, on the candidates they left untagged, read with their lead-ins.
        if self.learned:
            from corpus_tool.tagging.learned import second_opinion

            read = read_with_lead_ins([p for p in candidates if p.doc_id not in rules_only])
            tags.extend(second_opinion(read, tags))
        return tags

    @property
    def _scoped_rulers(self) -> list[str]:
        keys = {self.link["cue_key"], self.link.get("break_key", "")}
        names = [r.name for r in self.rules.rulers if r.spans_key in keys]
        # Matching inside sentences reads the SpanRuler's label map; without it, the
        # whole pipeline runs.
        ok = all(hasattr(self.nlp.get_pipe(n), "_match_label_id_map") for n in names)
        return names if ok else []

    @property
    def _needing_frames(self) -> set[str]:
        return {
            name
            for name, frame in self.frames.items()
            if frame.get("needs") or frame.get("forward_needs")
        }

    @property
    def _post_link_rulers(self) -> list[str]:
        keys = {self.link["carve_back_key"], self.link["condition_key"]}
        return [r.name for r in self.rules.rulers if r.spans_key in keys]

    # --- provision context ---------------------------------------------------
    def _lead_in(
        self,
        p: Provision,
        by_key: dict[tuple[str, str], Provision],
        children: dict[tuple[str, str], list[Provision]],
        text_of: Callable[[Provision], str] = _own_text,
    ) -> str:
        """The lead-ins of ``p``'s ancestors that read into their items, outermost first.

        A lead-in is a parent's own text before its first child ("This Directive
        does not apply to:", "The term 'covered model' does not include—"); only
        one that ends in a colon or a dash reads on into the items below it.
        """
        parts: list[str] = []
        node = p
        while node.parent:
            parent = by_key.get((node.doc_id, node.parent))
            if parent is None:
                break
            parent_text = text_of(parent)
            if not parent_text:
                break
            kids = children.get((parent.doc_id, parent.id), [])
            first_text = text_of(kids[0]) if kids else ""
            cut = parent_text.find(first_text[:60]) if first_text else -1
            if cut <= 0:
                break
            lead = _LABEL_TAIL.sub("", parent_text[:cut]).rstrip()
            if not lead.endswith(self._lead_in_ends):
                break
            parts.append(lead)
            node = parent
        return " ".join(reversed(parts))

    @property
    def _lead_in_ends(self) -> tuple[str, ...]:
        return tuple(self.link.get("list_openers", [":"]))

    # --- a provision that limits an exemption stated elsewhere -----------------
    def _limits(
        self,
        candidates: Sequence[Provision],
        tags: list[Tag],
        by_key: dict[tuple[str, str], Provision],
        batch_size: int,
        text_of: Callable[[Provision], str] = _own_text,
    ) -> list[Tag]:
        """``oss-exemption`` (and ``carve-back``) for provisions with no open-source words
        that limit an exemption through a resolved reference to it.

        "The exemption referred to in paragraph 2 shall not apply where …",
        "Paragraph 2 shall not apply to models with systemic risks": the reference
        names an exempting provision (or a point of one) and sits in the limiting
        wording's subject, before it or inside the carve-back clause.
        """
        exempting = {(t.doc_id, t.provision_id) for t in tags if t.label == LABEL_EXEMPTION}
        if not exempting:
            return []

        def limited(p: Provision) -> list[Reference]:
            out = []
            for r in p.refs:
                node = by_key.get((p.doc_id, r.target)) if r.target else None
                while node is not None and (node.doc_id, node.id) not in exempting:
                    node = by_key.get((node.doc_id, node.parent)) if node.parent else None
                if node is not None and node.id != p.id:
                    out.append(r)
            return out

        todo = [
            (p, refs)
            for p in candidates
            if (p.doc_id, p.id) not in exempting and p.searchable and (refs := limited(p))
        ]
        if not todo:
            return []
        cue_key = self.link["cue_key"]
        limit_ids = set(self.link.get("limit_cues", ()))
        clause_labels = set(self.link.get("clause_labels", ()))
        source = self.rules.source
        out: list[Tag] = []
        docs = self.nlp.pipe((text_of(p) for p, _ in todo), batch_size=batch_size)
        for (p, refs), doc in zip(todo, docs, strict=True):
            raw_carve = [
                s
                for s in doc.spans[self.link["carve_back_key"] + "_all"]
                if s.label_ in clause_labels
            ]
            cues = [c for c in doc.spans.get(cue_key, []) if c.id_ in limit_ids]
            found: list[tuple[Span, Reference]] = []
            for span in (*raw_carve, *cues):
                sent = span.sent
                for r in refs:
                    inside = span.start_char <= r.start and r.end <= span.end_char
                    before = sent.start_char <= r.start and r.end <= span.start_char
                    if inside or before:
                        found.append((span, r))
                        break
            if not found:
                continue
            limited_ids = [r.target for _, r in found if r.target]
            evidence: dict[tuple[int, int, str], Evidence] = {}
            for span, r in found:
                evidence.setdefault(
                    (span.start_char, span.end_char, "carve-back"), _evidence(span, "carve-back")
                )
                evidence.setdefault(
                    (r.start, r.end, "reference"),
                    Evidence(start=r.start, end=r.end, text=r.text, role="reference"),
                )
            span0 = found[0][0]
            rule = span0.id_ or "limit"
            ordered = tuple(sorted(evidence.values(), key=lambda e: (e.start, e.end)))
            links = ",".join(dict.fromkeys(t for t in limited_ids if t))
            out.append(
                Tag(
                    doc_id=p.doc_id,
                    provision_id=p.id,
                    label=LABEL_EXEMPTION,
                    evidence=ordered,
                    source=f"{source}:limit:{rule}:limits:{links}",
                    score=self.rules.scores.get("limit", 0.7),
                    targets=(),
                )
            )
            out.append(
                Tag(
                    doc_id=p.doc_id,
                    provision_id=p.id,
                    label=LABEL_CARVE_BACK,
                    evidence=tuple(e for e in ordered if e.role == "carve-back"),
                    source=f"{source}:carve-back:{rule}",
                    score=self.rules.scores.get("carve_back", 0.5),
                )
            )
        return out

    # --- spans -> tags -----------------------------------------------------
    def _tags_for(
        self,
        p: Provision,
        doc: Doc,
        by_key: dict[tuple[str, str], Provision],
        offset: int = 0,
        text_of: Callable[[Provision], str] = _own_text,
    ) -> Iterable[Tag]:
        """Tags of ``p`` from its analysed ``doc``; ``p``'s own text starts at ``offset``
        (after its lead-ins). Evidence is only what lies in ``p``'s own text; a link
        made wholly inside the lead-in belongs to the provision that has it."""
        link = self.link
        source = self.rules.source
        spans = list(doc.spans[link["exemption_key"]])
        pairs = [
            (cue, term)
            for cue, term in zip(spans[0::2], spans[1::2], strict=True)
            if cue.end_char > offset or term.end_char > offset
        ]
        lead_note = f":lead-in:{p.parent}" if offset and pairs else ""
        if pairs:
            evidence: dict[tuple[int, int, str], Evidence] = {}
            targets: list[str] = []
            best_score, best_source = 0.0, ""
            carve_backs = list(doc.spans[link["carve_back_key"]])
            for cue, term in pairs:
                for span in (cue, term):
                    if span.start_char < offset:
                        continue
                    evidence.setdefault(
                        (span.start_char, span.end_char, span.label_),
                        _evidence(span, span.label_, offset),
                    )
                score = float(self.frames.get(cue.kb_id_, {}).get("score", 0.5))
                if term.kb_id_ in set(link.get("weak_labels", ())):
                    score *= self.rules.scores.get("weak_factor", 1.0)
                if score > best_score:
                    best_score = score
                    best_source = f"{source}:{cue.kb_id_}:{cue.id_}+{term.id_}{lead_note}"
                if not self.frames.get(cue.kb_id_, {}).get("targets", True):
                    continue  # a wording that waives nothing names nothing waived
                for target in self._targets(
                    p, doc, cue, term, carve_backs, by_key, offset, text_of
                ):
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
            found = sorted(doc.spans[key], key=lambda s: s.start) if key in doc.spans else []
            found = [s for s in found if s.start_char >= offset]
            if not found or (label != LABEL_MENTION and not pairs):
                continue
            rule_ids = sorted({s.id_ for s in found if s.id_})
            yield Tag(
                doc_id=p.doc_id,
                provision_id=p.id,
                label=label,
                evidence=tuple(_evidence(s, role, offset) for s in found),
                source=f"{source}:{role}:{'+'.join(rule_ids)}",
                score=self.rules.scores.get(score_key, 0.5),
            )

    # --- what an exemption exempts from -------------------------------------
    def _targets(
        self,
        p: Provision,
        doc: Doc,
        cue: Span,
        term: Span,
        carve_backs: list[Span],
        by_key: dict[tuple[str, str], Provision],
        offset: int = 0,
        text_of: Callable[[Provision], str] = _own_text,
    ) -> list[str]:
        """Provisions named on the exempted side of the exemption wording.

        "X shall not apply to <open source>": X, before the wording, is what is
        exempted from; "<open source> is exempt from X": X comes after it.
        References inside a carve-back ("unless … Article 5") are not targets.
        A point read after its lead-in takes the lead-in's references too.
        """
        sent = cue.sent
        if term.start >= cue.end:
            lo, hi = sent.start_char, cue.start_char
        else:
            lo, hi = cue.end_char, sent.end_char
        blocked = [(s.start_char, s.end_char) for s in carve_backs]

        def free(start: int, end: int) -> bool:
            return lo <= start and end <= hi and not any(a < end and start < b for a, b in blocked)

        refs = [(r.start + offset, r.end + offset, r.target) for r in p.refs]
        if offset:
            refs.extend(self._lead_in_refs(p, doc.text[: offset - 1], by_key, text_of))
        out = [t for a, b, t in refs if t and free(a, b)]
        for m in self._deictic.finditer(doc.text, lo, hi) if self._deictic else ():
            if not free(m.start(), m.end()):
                continue
            if any(t and a <= m.start() < b for a, b, t in refs):
                continue
            owner = p if m.start() >= offset else self._lead_in_owner(p, by_key)
            found = self._enclosing(owner, m.group("unit").lower(), by_key)
            if found:
                out.append(found)
        return [t for t in out if t]

    def _lead_in_refs(
        self,
        p: Provision,
        lead: str,
        by_key: dict[tuple[str, str], Provision],
        text_of: Callable[[Provision], str] = _own_text,
    ) -> list[tuple[int, int, str | None]]:
        """Resolved references of the ancestors' lead-ins, at their offsets in ``lead``."""
        out: list[tuple[int, int, str | None]] = []
        node = by_key.get((p.doc_id, p.parent)) if p.parent else None
        while node is not None:
            node_text = text_of(node)
            at = lead.find(node_text[: min(len(node_text), 40)]) if node_text else -1
            if at >= 0:
                for r in node.refs:
                    if at + r.end <= len(lead):
                        out.append((at + r.start, at + r.end, r.target))
            node = by_key.get((node.doc_id, node.parent)) if node.parent else None
        return out

    def _lead_in_owner(self, p: Provision, by_key: dict[tuple[str, str], Provision]) -> Provision:
        parent = by_key.get((p.doc_id, p.parent)) if p.parent else None
        return parent or p

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


def _match_in(ruler: Any, doc: Doc, sents: Sequence[Span]) -> list[Span]:
    """What ``ruler`` (a SpanRuler) finds in ``doc``, looking only inside ``sents``.

    Its patterns never cross a sentence the linker would look at alone, so matching
    sentence by sentence gives the spans the ruler gives there on the whole text.
    """
    labels = ruler._match_label_id_map
    found: set[Span] = set()
    for sent in sents:
        for m_id, start, end in [*ruler.matcher(sent), *ruler.phrase_matcher(sent)]:
            if start != end:
                found.add(
                    Span(
                        doc,
                        sent.start + start,
                        sent.start + end,
                        label=labels[m_id]["label"],
                        span_id=labels[m_id]["id"],
                    )
                )
    return sorted(found)


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


def _evidence(span: Span, role: str, offset: int = 0) -> Evidence:
    return Evidence(
        start=span.start_char - offset, end=span.end_char - offset, text=span.text, role=role
    )


# A list label left at the end of a parent's text before its first item: "(a)", "1.", "(iv)".
_LABEL_TAIL = re.compile(r"\s*(?:\(?[0-9A-Za-z]{1,6}\)|[0-9]{1,3}\.)\s*$")


@lru_cache(maxsize=1)
def default_tagger() -> Tagger:
    return Tagger()
