"""The spaCy pipeline behind the tagger: blank English, rule components, and the linker.

No model is downloaded: ``spacy.blank("en")``, the rule-based sentencizer, the
lookup lemmatizer (tables from spacy-lookups-data), one SpanRuler per pattern
file, and ``oss_linker``, which joins an exemption wording to the open-source
wording it is about and writes its findings to ``doc.spans``:

- ``doc.spans[exemption_key]``: pairs ``[cue, oss, cue, oss, ...]``; a cue span has
  label ``"exemption"``, ``id_`` = the pattern id, ``kb_id_`` = its frame; an oss span
  has label ``"open-source"``, ``id_`` = the pattern id, ``kb_id_`` = its strength label.
- ``doc.spans[mention_key]``: open-source wordings of a text with no exemption.
- ``doc.spans[carve_back_key]`` / ``doc.spans[condition_key]``: kept only in a text
  that has an exemption; spans labelled as clauses ("unless", "provided that") are
  stretched to the end of their clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, registry

from corpus_tool.tagging.rules import RuleSet, packaged_rules, read_patterns

LINKER_DEFAULTS: dict[str, Any] = {
    "oss_key": "oss_terms",
    "cue_key": "exemption_cues",
    "carve_back_key": "carve_backs",
    "condition_key": "oss_conditions",
    "exemption_key": "oss_exemption",
    "mention_key": "oss_mention",
    "strong_labels": ["strong"],
    "weak_labels": ["weak"],
    "suppress_labels": [],
    "blockers": [";"],
    "break_key": "",
    "list_openers": [],
    "list_lookahead": 2,
    "clause_ends": [";"],
    "clause_labels": [],
    "question_words": [],
    "concessive_before": [],
    "anaphors": [],
    "anaphor_heads": [],
    "phrase_openers": [],
    "frames": {"clausal": {"forward": 60, "backward": 55, "score": 0.9}},
    "weak_factor": 0.8,
}


@registry.misc("corpus_tool.tagging.patterns_file.v1")
def patterns_file(name: str) -> list[dict[str, Any]]:
    """The patterns of one packaged pattern file (for configs that load a SpanRuler)."""
    from corpus_tool.tagging.rules import PATTERNS_DIR

    return read_patterns(PATTERNS_DIR / name)


@registry.misc("corpus_tool.tagging.legal_abbreviations.v1")
def legal_abbreviations() -> list[str]:
    """Abbreviations a sentence must not end at ("Art.", "No."), from rules.toml."""
    return list(packaged_rules().abbreviations)


class CaseFoldedLemmas:
    """Gives a capitalised or upper-case word the lemma of its lower-case form.

    The lookup table is keyed by the word as written, so "EXEMPT", "Exempted" or
    "WEIGHTS" (enrolled bills print whole sections in capitals; a sentence opens
    with a capital) would keep themselves as lemma and miss every LEMMA pattern.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        table: Any = None
        for token in doc:
            if token.is_lower or not token.is_alpha:
                continue
            if table is None:
                # Looked up at call time: the lemmatizer's tables arrive with from_bytes.
                lemmatizer = self.nlp.get_pipe("lemmatizer")
                table = lemmatizer.lookups.get_table("lemma_lookup", {})  # type: ignore[attr-defined]
            low = token.lower_
            token.lemma_ = str(table.get(low, low))
        return doc


@Language.factory("case_folded_lemmas")
def make_case_folded_lemmas(nlp: Language, name: str) -> CaseFoldedLemmas:
    return CaseFoldedLemmas(nlp, name)


_ITEM_LABEL = re.compile(r"^(?:\(?[0-9]{1,3}[.)]|\([A-Za-z]{1,4}\)|[A-Za-z][.)])$")


def _label_kind(label: str) -> str:
    core = label.strip("().")
    return "digit" if core.isdigit() else "upper" if core.isupper() else "lower"


def item_label(sent: Span) -> str | None:
    """The list label ``sent`` opens with ("(2)", "(b)", "(iv)", "2.", "b)"), if any."""
    first = sent[0].text
    if first == "(" and len(sent) > 2 and sent[2].text == ")":
        first = "(" + sent[1].text + ")"
    elif len(sent) > 1 and sent[1].text == ")":
        # the sentencizer leaves an item's "(" at the end of the sentence before
        first = "(" + first + ")"
    return first if _ITEM_LABEL.match(first) else None


def starts_with_item(sent: Span) -> bool:
    return item_label(sent) is not None


def list_items_after(doc: Doc, sent: Span, after: int | None = None) -> list[Span]:
    """The sentences after ``sent`` that each open with a list label of the list's own
    kind ("(2)" after "(1)", not a "(b)" of the level above), up to the first that
    does not. The list's kind is that of its first label after token ``after``."""
    kind = None
    start = sent.start if after is None else after
    for i in range(start, sent.end - 2):
        if doc[i].text == "(" and doc[i + 2].text == ")" and len(doc[i + 1].text) <= 4:
            kind = _label_kind(doc[i + 1].text)
            break
    out: list[Span] = []
    i = sent.end
    while i < len(doc):
        nxt = doc[i].sent
        label = item_label(nxt)
        if label is None:
            break
        if kind is None:
            kind = _label_kind(label)
        elif _label_kind(label) != kind:
            break
        out.append(nxt)
        i = nxt.end
    return out


def list_sentences_before(doc: Doc, sent: Span) -> list[Span]:
    """For a sentence that opens with a list label, the sentences before it back to
    the one that leads the list in (inclusive); none for any other sentence."""
    out: list[Span] = []
    cur = sent
    while starts_with_item(cur) and cur.start > 0:
        cur = doc[cur.start - 1].sent
        out.append(cur)
    return out


def such_heads(doc: Doc, heads: Iterable[str]) -> list[Any]:
    """The tokens "such" followed by one of ``heads`` ("such licences")."""
    wanted = {w.lower() for w in heads}
    if not wanted:
        return []
    return [
        tok
        for tok in doc
        if tok.lower_ == "such"
        and tok.i + 1 < len(doc)
        and (doc[tok.i + 1].lower_ in wanted or doc[tok.i + 1].lemma_.lower() in wanted)
    ]


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


class OssLinker:
    """Finds exemptions whose reason or scope is an open-source wording, sentence by sentence."""

    def __init__(self, nlp: Language, name: str, **config: Any) -> None:
        self.name = name
        self.cfg: dict[str, Any] = {**LINKER_DEFAULTS, **config}

    # --- the component -----------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        cfg = self.cfg
        strong, weak = set(cfg["strong_labels"]), set(cfg["weak_labels"])
        raw_oss = list(doc.spans[cfg["oss_key"]]) if cfg["oss_key"] in doc.spans else []
        suppressors = [s for s in raw_oss if s.label_ in set(cfg["suppress_labels"])]
        kept = [
            s
            for s in raw_oss
            if s.label_ in strong | weak and not any(_overlaps(s, x) for x in suppressors)
        ]
        # A strong wording wins over a longer weak one that overlaps it ("free and
        # open-source licence" inside "licence that allows anyone to use, modify …").
        strong_spans = filter_spans(s for s in kept if s.label_ in strong)
        oss = filter_spans(
            [
                *strong_spans,
                *(
                    s
                    for s in kept
                    if s.label_ not in strong and not any(_overlaps(s, x) for x in strong_spans)
                ),
            ]
        )
        cues = filter_spans(doc.spans[cfg["cue_key"]]) if cfg["cue_key"] in doc.spans else []
        cues = [c for c in cues if c.label_ in cfg["frames"]]
        oss = sorted([*oss, *self._back_references(doc, oss)], key=lambda s: s.start)
        links = self._links(doc, cues, oss)

        pairs: list[Span] = []
        for cue, term in links:
            pairs.append(
                Span(doc, cue.start, cue.end, label="exemption", span_id=cue.id_, kb_id=cue.label_)
            )
            pairs.append(
                Span(
                    doc,
                    term.start,
                    term.end,
                    label="open-source",
                    span_id=term.id_,
                    kb_id=term.label_,
                )
            )
        doc.spans[cfg["exemption_key"]] = pairs
        doc.spans[cfg["mention_key"]] = [] if links else [s for s in oss if s.label_ in strong]

        for key in (cfg["carve_back_key"], cfg["condition_key"]):
            every = filter_spans(doc.spans[key]) if key in doc.spans else []
            stretched = filter_spans(self._to_clause_end(doc, s) for s in every)
            # Kept apart for a provision that limits an exemption stated elsewhere
            # ("The exemption referred to in paragraph 2 shall not apply where …").
            doc.spans[key + "_all"] = stretched
            doc.spans[key] = stretched if links else []
        if links:
            # "other than free and open-source software" is the exemption itself.
            linked = [t for _, t in links]
            doc.spans[cfg["carve_back_key"]] = [
                s
                for s in doc.spans[cfg["carve_back_key"]]
                if not any(s.start <= t.start and t.end <= s.end for t in linked)
            ]
            conditions = doc.spans[cfg["condition_key"]]
            # A condition ("not monetised") wins over the carve-back word inside it.
            doc.spans[cfg["carve_back_key"]] = [
                s
                for s in doc.spans[cfg["carve_back_key"]]
                if not any(c.start <= s.start and s.end <= c.end for c in conditions)
            ]
            doc.spans[cfg["carve_back_key"]] = [
                *doc.spans[cfg["carve_back_key"]],
                *self._limited_reach(doc, links, doc.spans[cfg["carve_back_key"]]),
            ]
        return doc

    def _limited_reach(
        self, doc: Doc, links: list[tuple[Span, Span]], have: Iterable[Span]
    ) -> list[Span]:
        """What an exemption limited in its own sentence no longer reaches ("The
        exemption for open-source software … shall not apply <to software that forms
        part of a high-risk system>"): a carve-back clause, for frames that
        ``carves_back``, from the limiting verb to the end of its clause."""
        seen = {(s.start, s.end) for s in have}
        blockers = set(self.cfg["blockers"])
        out: list[Span] = []
        for cue, term in links:
            frame = self.cfg["frames"].get(cue.label_, {})
            if not frame.get("carves_back") or not (cue.start <= term.start < cue.end):
                continue
            end = next(
                (i for i in range(cue.end, cue.sent.end) if doc[i].text in blockers), cue.sent.end
            )
            while end > cue.end and doc[end - 1].is_punct:
                end -= 1
            if end > cue.end and (cue.end, end) not in seen:
                seen.add((cue.end, end))
                out.append(Span(doc, cue.end, end, label="clause", span_id=cue.id_))
        return out

    def _links(self, doc: Doc, cues: list[Span], oss: list[Span]) -> list[tuple[Span, Span]]:
        frames = self.cfg["frames"]
        weak = set(self.cfg["weak_labels"])
        blockers = set(self.cfg["blockers"])
        key = self.cfg["break_key"]
        breaks = list(doc.spans[key]) if key and key in doc.spans else []
        # "… is, however, not a product …": an adverb set off by commas after a verb
        # is a parenthesis inside the clause, not a new one; a span of a cancelling
        # label (`suppress_labels`) takes the break it overlaps away.
        quiet = set(self.cfg["suppress_labels"])
        hush = [b for b in breaks if b.label_ in quiet]
        breaks = [
            b for b in breaks if b.label_ not in quiet and not any(_overlaps(b, h) for h in hush)
        ]
        out: list[tuple[Span, Span]] = []
        openers = set(self.cfg["list_openers"])
        reach = int(self.cfg["list_lookahead"])
        asks = {w.lower() for w in self.cfg["question_words"]}
        for cue in cues:
            frame = frames[cue.label_]
            sent = cue.sent
            # "… shall assess whether open-source software should be exempt": an
            # indirect question grants nothing.
            if asks and self._in_question(doc, sent, cue, asks, blockers):
                continue
            # "shall not apply to: (a) …; (b) …": the list items are the exemption's
            # objects, so the list punctuation does not end its forward reach.
            # "… shall be exempt from the requirements of this section: (1) …" and
            # "does not include any of the following— (A) …": the opener may come a
            # few words after the wording, but not after a ";" or another opener's list.
            opens_list = False
            for i in range(cue.end - 1, min(cue.end + reach, sent.end)):
                if doc[i].text in openers:
                    opens_list = True
                    break
                if doc[i].text in blockers:
                    break
            # An enrolled bill ends each item with a full stop ("… THE FOLLOWING:
            # (1) A STATE AGENCY. (2) SOFTWARE …"): the list's sentences that open
            # with an item label are still in the list's reach.
            reach_sents = {sent.start}
            if opens_list:
                reach_sents.update(s.start for s in list_items_after(doc, sent, cue.end))
            best: tuple[int, Span] | None = None
            weak_ok = bool(frame.get("weak", True))
            needs = set(frame.get("needs", ()))
            if needs and not self._has_reason(doc, sent, needs):
                continue
            # A frame may reach forwards only when the sentence says why
            # ("The exemption … shall no longer apply to open-source components
            # sold for a fee"); without the reason, what follows is some other
            # exemption's limit ("… shall not apply where … an open-source licence").
            skip_from = {w.lower() for w in frame.get("not_after", ())}
            forward_needs = set(frame.get("forward_needs", ()))
            forward_ok = not forward_needs or self._has_reason(doc, sent, forward_needs)
            # "The exception for research institutions shall not extend to …": an
            # exemption that names whom it is for inside the wording is that one,
            # not an open-source one named after it.
            named = {w.lower() for w in frame.get("forward_unless_inside", ())}
            # "The exemption provided for in Article 2(12) …": "for" after one of
            # these words is part of a reference, not the exemption's beneficiary.
            idiom = {w.lower() for w in frame.get("inside_idiom_before", ())}
            if named and any(
                t.lower_ in named and not (t.i > cue.start and doc[t.i - 1].lower_ in idiom)
                for t in cue
            ):
                forward_ok = False
            for term in oss:
                if term.sent.start not in reach_sents:
                    continue
                if term.start >= cue.end and not forward_ok:
                    continue
                # "may exempt microenterprises from the obligation to keep records of
                # open-source components": a wording after "from" in the same phrase is
                # what is exempted from, not who is exempt (a list or a "where …"
                # clause after "from" still is).
                if (
                    skip_from
                    and not opens_list
                    and term.start >= cue.end
                    and self._inside_from_phrase(doc, cue, term, skip_from)
                ):
                    continue
                if not weak_ok and term.label_ in weak:
                    continue
                if _overlaps(cue, term):
                    gap, lo, hi = 0, cue.start, cue.start
                elif term.start >= cue.end:
                    gap, lo, hi = term.start - cue.end, cue.end, term.start
                    if opens_list:
                        lo = hi  # nothing in a list blocks, however long
                    elif gap > frame["forward"] or frame["forward"] <= 0:
                        continue
                else:
                    # A reach of 0 is none at all, even for the words right before
                    # ("Open-source licences do not apply to the trademarks").
                    gap, lo, hi = cue.start - term.end, term.end, cue.start
                    if gap > frame["backward"] or frame["backward"] <= 0:
                        continue
                if any(
                    doc[i].text in blockers
                    and not (term.start < cue.start and self._anaphor_at(doc, i + 1))
                    for i in range(lo, hi)
                ):
                    continue
                # A new main clause that starts between the two ends the reach, even
                # when the open-source wording is that clause's own subject.
                if any(lo <= b.start < hi for b in breaks):
                    continue
                if best is None or gap < best[0]:
                    best = (gap, term)
            if best is not None:
                out.append((cue, best[1]))
        return out

    def _back_references(self, doc: Doc, oss: list[Span]) -> list[Span]:
        """Back-references ("such licences", "such software") to an open-source wording.

        A later sentence that names again what an earlier sentence described as
        open source counts as that description.

        Only a head noun of ``anaphor_heads`` after "such" counts, and only when an
        earlier sentence of the text holds a strong open-source wording; the span
        takes that wording's pattern id and strength.
        """
        if not oss:
            return []
        strong = set(self.cfg["strong_labels"])
        out: list[Span] = []
        for tok in such_heads(doc, self.cfg["anaphor_heads"]):
            earlier = [s for s in oss if s.label_ in strong and s.end <= tok.sent.start]
            if not earlier or any(_overlaps(s, doc[tok.i : tok.i + 2]) for s in oss):
                continue
            src = earlier[-1]
            out.append(Span(doc, tok.i, tok.i + 2, label=src.label_, span_id=src.id_))
        return out

    def _in_question(
        self, doc: Doc, sent: Span, cue: Span, asks: set[str], blockers: set[str]
    ) -> bool:
        """True if ``cue`` is inside an indirect question of its own clause.

        Only a question word of the same clause counts ("… whether for payment or
        free of charge; a person who … shall not be considered …" asks nothing of
        the second clause), and not a concessive one, set off by a comma or after
        "regardless of" ("…, whether or not it is monetised"): that asks nothing.
        """
        concessive = {w.lower() for w in self.cfg["concessive_before"]}
        for i in range(cue.start - 1, sent.start - 1, -1):
            if doc[i].text in blockers:
                return False
            if doc[i].lower_ in asks:
                before = doc[i - 1].lower_ if i > sent.start else ""
                if before == "of" and i - 1 > sent.start:
                    before = doc[i - 2].lower_
                if before not in concessive:
                    return True
        return False

    def _inside_from_phrase(self, doc: Doc, cue: Span, term: Span, words: set[str]) -> bool:
        """True if one of ``words`` ("from") follows ``cue`` within a few words (its
        object: "exempt microenterprises from") and no clause opener
        (``phrase_openers``: "where", "if", ",", …) comes between it and ``term``."""
        openers = {w.lower() for w in self.cfg["phrase_openers"]}
        at = None
        for i in range(cue.end - 1, min(cue.end + 4, term.start)):
            if i >= cue.end and doc[i].lower_ in openers:
                return False
            if doc[i].lower_ in words:
                at = i
                break
        if at is None:
            return False
        # "may exclude from the scope of this Directive <open-source software>": an
        # active verb right before "from" has its object after the "from" phrase.
        passive = any(t.lemma_ == "be" for t in cue) or (
            cue.start > 0 and doc[cue.start - 1].lemma_ == "be"
        )
        if at <= cue.end and not passive:
            return False
        return not any(doc[i].lower_ in openers for i in range(at + 1, term.start))

    def _anaphor_at(self, doc: Doc, i: int) -> bool:
        """True if the clause starting at token ``i`` opens with a pronoun that takes
        its subject from the clause before ("…; they shall be subject only to …")."""
        anaphors = {w.lower() for w in self.cfg["anaphors"]}
        return i < len(doc) and doc[i].lower_ in anaphors

    def _has_reason(self, doc: Doc, sent: Span, needs: set[str]) -> bool:
        """True if ``sent`` holds a carve-back of one of ``needs`` outside every condition.

        A wording that brings open source back into scope is a carve-back only
        when the sentence says why ("… that is monetised", "… in the course of a
        commercial activity"); "not monetised" is a condition, not that reason.
        """
        key = self.cfg["carve_back_key"]
        carve = [s for s in doc.spans[key] if s.id_ in needs] if key in doc.spans else []
        cond_key = self.cfg["condition_key"]
        conditions = list(doc.spans[cond_key]) if cond_key in doc.spans else []
        return any(
            sent.start <= s.start
            and s.end <= sent.end
            and not any(c.start <= s.start and s.end <= c.end for c in conditions)
            for s in carve
        )

    def _to_clause_end(self, doc: Doc, span: Span) -> Span:
        if span.label_ not in set(self.cfg["clause_labels"]):
            return span
        ends = set(self.cfg["clause_ends"])
        end = span.end
        sent_end = span.sent.end
        while end < sent_end and doc[end].text not in ends:
            end += 1
        while end > span.end and doc[end - 1].is_punct:
            end -= 1
        return Span(doc, span.start, end, label=span.label_, span_id=span.id_)

    # --- serialization: the linker's only state is its config ---------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps(self.cfg)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> OssLinker:
        self.cfg = {**LINKER_DEFAULTS, **srsly.msgpack_loads(data)}
        return self

    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        from pathlib import Path

        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        srsly.write_json(p / "cfg.json", self.cfg)

    def from_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> OssLinker:
        from pathlib import Path

        self.cfg = {**LINKER_DEFAULTS, **srsly.read_json(Path(path) / "cfg.json")}
        return self


@Language.factory("oss_linker", default_config=LINKER_DEFAULTS)
def make_oss_linker(
    nlp: Language,
    name: str,
    oss_key: str,
    cue_key: str,
    carve_back_key: str,
    condition_key: str,
    exemption_key: str,
    mention_key: str,
    strong_labels: list[str],
    weak_labels: list[str],
    suppress_labels: list[str],
    blockers: list[str],
    break_key: str,
    list_openers: list[str],
    list_lookahead: int,
    clause_ends: list[str],
    clause_labels: list[str],
    question_words: list[str],
    concessive_before: list[str],
    anaphors: list[str],
    anaphor_heads: list[str],
    phrase_openers: list[str],
    frames: dict[str, dict[str, Any]],
    weak_factor: float,
) -> OssLinker:
    config = {k: v for k, v in locals().items() if k not in ("nlp", "name")}
    return OssLinker(nlp, name, **config)


def linker_config(rules: RuleSet) -> dict[str, Any]:
    """The oss_linker config a RuleSet describes."""
    cfg = {k: v for k, v in rules.linker.items() if k in LINKER_DEFAULTS}
    cfg["weak_factor"] = rules.scores.get("weak_factor", LINKER_DEFAULTS["weak_factor"])
    return cfg


def build_pipeline(rules: RuleSet | None = None) -> Language:
    """A ready pipeline for ``rules`` (default: the packaged rules). Never touches the network."""
    rules = rules or packaged_rules()
    nlp = spacy.blank("en")
    for abbr in rules.abbreviations:
        nlp.tokenizer.add_special_case(abbr, [{"ORTH": abbr}])  # type: ignore[union-attr]
    # "APPLY TO—(1)": a dash joined to the words around it opens a list; split it off.
    infixes = [*nlp.Defaults.infixes, r"[\u2014\u2013](?=\S)"]  # type: ignore[misc]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer  # type: ignore[union-attr]
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Only the lemmatizer needs initializing (it loads its lookup tables);
    # SpanRuler.initialize would clear the patterns added below.
    nlp.get_pipe("lemmatizer").initialize()  # type: ignore[attr-defined]
    nlp.add_pipe("case_folded_lemmas")
    for spec in rules.rulers:
        ruler = nlp.add_pipe(
            "span_ruler",
            name=spec.name,
            config={"spans_key": spec.spans_key, "validate": True, "overwrite": True},
        )
        ruler.add_patterns(list(spec.patterns))  # type: ignore[attr-defined]
    nlp.add_pipe("oss_linker", config=linker_config(rules))
    return nlp
