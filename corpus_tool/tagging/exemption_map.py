"""The exemption map: one record per open-source exemption — who, from what, on which
conditions, unless what — built only from tags, their evidence and resolved references.

``build_exemption_map(bundles, decisions=..., labels=...)`` returns one
:class:`ExemptionRecord` per provision carrying a (not rejected) ``oss-exemption``
tag, and per provision a person labelled ``oss-exemption``. Every value is a
span of the provision's text (offsets into ``Provision.text``) or a resolved
provision id; a field the text does not state stays empty. A provision that
only limits an exemption stated elsewhere ("The exemption referred to in
paragraph 2 shall not apply where …") is not a row of its own: its carve-back
joins the record of the exemption it limits, with its own provision id.

Human work comes in as plain data (the caller reads the annotation store):
``decisions`` maps a tag id to "accept" / "reject" (a rejected tag removes its
row, or its carve-back or condition values); ``labels`` are a person's labels
on spans, which add to the matching field, marked ``by: "person"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpus_tool.model import Provision, Tag
from corpus_tool.tagging.labels import LABEL_CARVE_BACK, LABEL_CONDITION, LABEL_EXEMPTION
from corpus_tool.workspace import DocBundle

MAP_VERSION = 1

# Who can be exempt: the heads of the noun phrases that name an actor.
_ACTOR = re.compile(
    r"^(?:providers?|developers?|manufacturers?|contributors?|stewards?|part(?:y|ies)|"
    r"deployers?|persons?|entit(?:y|ies)|organi[sz]ations?|foundations?|distributors?|"
    r"importers?|suppliers?|publishers?|maintainers?|authors?|individuals?|researchers?|"
    r"communit(?:y|ies)|undertakings?|enterprises?|operators?|licensors?|creators?|"
    r"microenterprises?|institutions?|universit(?:y|ies)|bodies|body|companies|company)$",
    re.I,
)
# What can be exempt: the things open source is made of.
_THING = (
    r"(?:software|(?:AI\s+|language\s+|foundation\s+)?models?|components?|tools?|platforms?|"
    r"programs?|programmes?|"
    r"weights|systems?|code|services?|processes|products?|projects?|libraries|library|"
    r"applications?|datasets?|parameters)"
)
# A modifier before a thing ("general-purpose AI models"), never a small word.
_MOD = (
    r"(?:(?!(?:to|the|a|an|of|for|public|and|or|with|under|by|in|on|that|which|from|who|whose|"
    r"whom|their|its|his|her|merely|only|publish(?:es)?|releases?|shares?|makes?|"
    r"contributes?|develops?|distributes?)\b)[\w-]+\s+)"
)
_THING_LIST = re.compile(
    rf"\b{_MOD}{{0,3}}{_THING}(?:\s*,\s*(?:or\s+|and\s+)?{_MOD}{{0,2}}{_THING}|"
    rf"\s+(?:or|and)\s+{_MOD}{{0,2}}{_THING})*\b",
    re.I,
)
# Exemption wordings whose open-source side follows them ("shall not apply to …").
_OBJECT_CUE = re.compile(
    r"appl|includ|cover|extend|prejudice|derogat|impos|bring|brought|govern|exclud|other|except|"
    r"\bbind",
    re.I,
)
# Where a noun phrase after "apply to" ends: a relative clause, a participle, a comma.
_NP_STOP = re.compile(
    r"\s*(?:,|;|:|\(|\bthat\b|\bwhich\b|\bwho\b|\bwhose\b|\bwhere\b|\bwhen\b|\bif\b|"
    r"\bunless\b|\bprovided\b|\bunder\b|\bas\b|\bin\b|\bfor\b|\bwith\b|\bon\b|\bby\b|"
    r"\b(?:released|developed|supplied|made|making|distributed|published|offered|placed|"
    r"provided|hosted|shared|licensed|are|is|shall|should|may|must|need|do|does|did|"
    r"bears?|has|have|can|will|would|was|were|remains?)\b)",
    re.I,
)
_LEADING = re.compile(
    r"\s*(?:(?:granted|afforded|given|available|applicable)\s+)?"
    r"(?:to|with\s+respect\s+to|in\s+respect\s+of|as\s+regards|from|for|on|upon|against)?"
    r"\s*[:\u2014\u2013]?\s*(?:\([0-9a-zA-Z]{1,4}\)\s*)?(?:(?:the|a|an|any|all|such)\b)?\s*",
    re.I,
)
_NOMINAL_LEAD = re.compile(
    r"(?:(?:the|this|that|such|any)\s+)?(?:relief|exemptions?|exceptions?|derogations?|waivers?|"
    r"exclusions?)\s+(?:(?:granted|afforded|given|available|applicable)\s+)?(?:to|for|of)\s+"
    r"(?:(?:the|a|an|any|all|such)\s+)?",
    re.I,
)
_WHOLE_ACT = re.compile(
    r"\bth(?:is|e\s+present)\s+(Regulation|Directive|Decision|Act|Code|Law|title|chapter|part)\b",
    re.I,
)
_GRANTED_FOR = re.compile(r"\bfor\s+", re.I)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")
# An opening phrase before the main clause names what is derogated from, not who
# is exempt: "Notwithstanding Article 5, …", "By way of derogation from …, …".
_INTRO = re.compile(
    r"\s*(?:notwithstanding|by\s+way\s+of\s+derogation\s+from|derogating\s+from|"
    r"without\s+prejudice\s+to|except\s+as\s+provided\s+(?:in|by|for\s+in)|subject\s+to|"
    r"for\s+the\s+purposes?\s+of)\b[^,;:.]{0,120},\s*",
    re.I,
)
# A liability shift names whom it protects: "…, and not the developer of the
# open-source component, …", "rather than with its original developer".
_SHIFT_CUE = re.compile(
    r"\b(?:not|than|instead\s+of|in\s+place\s+of)(?:\s+(?:with|on|upon|to))?"
    r"(?:\s+(?:the|its|their|that|any))?\s+(?=(?:[\w-]+\s+){0,2}?"
    r"(?:developers?|authors?|contributors?|stewards?|licensors?|maintainers?|creators?|"
    r"publishers?|manufacturers?|suppliers?)\b)",
    re.I,
)

_CONDITION_KINDS = (
    (
        "public-release",
        re.compile(r"\bpublic(ly)?\b|\bopenly\b|\b(widely|freely)\s+available", re.I),
    ),
    (
        "licence-freedoms",
        re.compile(r"\b(access|use|usage|modif|distribut|stud|run|share|cop)", re.I),
    ),
    ("not-monetised", re.compile(r"moneti[sz]", re.I)),
    ("non-commercial", re.compile(r"commercial", re.I)),
    ("free-of-charge", re.compile(r"\b(free of charge|without (charge|cost|payment))", re.I)),
    ("attribution", re.compile(r"\b(credit|attribut|original)", re.I)),
    ("unrestricted", re.compile(r"\bwithout\s+(any\s+)?restrictions?\b", re.I)),
)
_CARVE_BACK_KINDS = (
    ("systemic-risk", re.compile(r"systemic\s+risk", re.I)),
    ("high-risk", re.compile(r"high-risk", re.I)),
    ("prohibited-practice", re.compile(r"\bArticle\s+5\b|prohibited", re.I)),
    (
        "monetisation",
        re.compile(
            r"moneti[sz]|(against|for)\s+(a\s+)?(price|fee|payment)|\bsel(l|ls|ling)\b|\bsold\b",
            re.I,
        ),
    ),
    ("commercial-supply", re.compile(r"commercial|placed\s+on\s+the\s+market", re.I)),
    ("general-purpose-model", re.compile(r"general-purpose\s+AI\s+models?", re.I)),
    ("overrides-exemption", re.compile(r"\bnotwithstanding\b", re.I)),
)

# A person's label -> the field it adds to.
LABEL_FIELDS = {
    "carve-back": "carve_backs",
    "condition": "conditions",
    "oss-condition": "conditions",
    "beneficiary": "beneficiary",
    "subject": "subject",
    "exempted-from": "exempted_from",
}


@dataclass(frozen=True)
class SpanValue:
    """A field value: words of a provision, where they are, and who said so."""

    text: str
    start: int | None
    end: int | None
    provision_id: str
    citation: str
    pages: tuple[int, int]
    kind: str = ""
    by: str = "machine"  # "machine" | "person"
    author: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "provision_id": self.provision_id,
            "citation": self.citation,
            "pages": list(self.pages),
            "kind": self.kind,
            "by": self.by,
            "author": self.author,
        }


@dataclass(frozen=True)
class ProvisionRef:
    """A provision the record points at (what is exempted from, a related recital)."""

    id: str | None
    citation: str
    text: str = ""  # as written in the exempting provision ("paragraph 1, points (a) and (b)")
    why: str = ""  # how it was found: "reference", "this Article", "whole act", "shared wording …"
    pages: tuple[int, int] | None = None
    by: str = "machine"
    author: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "citation": self.citation,
            "text": self.text,
            "why": self.why,
            "pages": list(self.pages) if self.pages else None,
            "by": self.by,
            "author": self.author,
        }


@dataclass
class ExemptionRecord:
    """One open-source exemption, field by field."""

    doc_id: str
    file: str
    provision_id: str
    citation: str
    kind: str
    pages: tuple[int, int]
    text: str
    tag_id: str
    source: str
    family: str
    score: float
    by: str = "machine"
    decision: str | None = None
    beneficiary: list[SpanValue] = field(default_factory=list)
    subject: list[SpanValue] = field(default_factory=list)
    exempted_from: list[ProvisionRef] = field(default_factory=list)
    conditions: list[SpanValue] = field(default_factory=list)
    carve_backs: list[SpanValue] = field(default_factory=list)
    related: list[ProvisionRef] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``exemptions --json`` object (a stable interface: fields are only added)."""
        return {
            "doc_id": self.doc_id,
            "file": self.file,
            "provision_id": self.provision_id,
            "citation": self.citation,
            "kind": self.kind,
            "pages": list(self.pages),
            "tag_id": self.tag_id,
            "source": self.source,
            "family": self.family,
            "score": self.score,
            "by": self.by,
            "decision": self.decision,
            "beneficiary": [v.as_dict() for v in self.beneficiary],
            "subject": [v.as_dict() for v in self.subject],
            "exempted_from": [r.as_dict() for r in self.exempted_from],
            "conditions": [v.as_dict() for v in self.conditions],
            "carve_backs": [v.as_dict() for v in self.carve_backs],
            "related": [r.as_dict() for r in self.related],
            "text": self.text,
        }


@dataclass(frozen=True)
class HumanLabel:
    """A person's label on a provision or a span of it (read from the annotation store)."""

    doc_id: str
    provision_id: str
    label: str
    author: str
    start: int | None = None
    end: int | None = None
    quote: str = ""
    note: str = ""


def rule_family(source: str) -> str:
    """The rule family of a tag source: ``oss_rules.v2:object:not-apply+open-source`` ->
    ``object:not-apply``; a limit -> ``limit:<rule>``; a lead-in keeps its own."""
    parts = source.split(":")
    if len(parts) >= 3:
        return f"{parts[1]}:{parts[2].split('+')[0]}"
    return source


def _value(p: Provision, start: int, end: int, kind: str = "") -> SpanValue:
    return SpanValue(
        text=p.text[start:end],
        start=start,
        end=end,
        provision_id=p.id,
        citation=p.citation,
        pages=p.pages,
        kind=kind,
    )


def _kind(text: str, kinds: Sequence[tuple[str, re.Pattern[str]]]) -> str:
    for name, rx in kinds:
        if rx.search(text):
            return name
    return ""


def _sentence_bounds(text: str, at: int) -> tuple[int, int]:
    start, end = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.start() < at:
            start = m.end()
        else:
            end = m.start()
            break
    return start, end


def _noun_phrase(text: str, start: int, limit: int) -> tuple[int, int] | None:
    """The noun phrase starting at ``start`` (after "to", an article), up to a stop word."""
    m = _LEADING.match(text, start, limit)
    s = m.end() if m else start
    # "the relief granted to <stewards of …>": the exemption's own noun is not its
    # beneficiary.
    m = _NOMINAL_LEAD.match(text, s, limit)
    s = m.end() if m else s
    stop = _NP_STOP.search(text, s, limit)
    e = stop.start() if stop else limit
    # "providers of AI models": "of" joins; the phrase may run past a first stop
    # only through "of".
    while e > s and text[e - 1] in " ,;.":
        e -= 1
    return (s, e) if e > s else None


def _split_actor(
    text: str, s: int, e: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(beneficiary, subject) inside a noun phrase: "providers of AI models" ->
    ("providers of AI models", "AI models"); "AI systems" -> (None, "AI systems")."""
    phrase = text[s:e]
    words = list(re.finditer(r"[\w'-]+", phrase))
    if not words:
        return None, None
    head_of = next((i for i, w in enumerate(words) if w.group().lower() == "of"), None)
    head_words = words[:head_of] if head_of is not None else words
    actor_at = next((i for i, w in enumerate(head_words) if _ACTOR.match(w.group())), None)
    if actor_at is None:
        thing = _THING_LIST.search(phrase)
        return None, ((s + thing.start(), s + thing.end()) if thing else None)
    beneficiary = (s, e)
    # "an enforcement action against <the developer of …>": the actor starts after
    # the preposition that governs it
    for i in range(actor_at - 1, -1, -1):
        if head_words[i].group().lower() in ("against", "on", "upon", "to", "for"):
            j = i + 1
            while j < actor_at and head_words[j].group().lower() in ("the", "a", "an", "any"):
                j += 1
            beneficiary = (s + head_words[j].start(), e)
            break
    subject = None
    if head_of is not None and head_of + 1 < len(words):
        thing = _THING_LIST.search(phrase, words[head_of + 1].start())
        if thing:
            subject = (s + thing.start(), s + thing.end())
    elif actor_at > 0:
        # "open-source software stewards": the words before the actor name the thing
        thing = _THING_LIST.search(phrase, 0, words[actor_at].start())
        if thing:
            subject = (s + thing.start(), s + thing.end())
    return beneficiary, subject


def _linked_pair(p: Provision, tag: Tag) -> tuple[Any, Any]:
    """The exemption wording and the open-source wording it is linked to: the closest
    pair in one sentence (a tag's evidence lists wordings, not their pairs)."""
    cues = [e for e in tag.evidence if e.role == "exemption"]
    terms = [e for e in tag.evidence if e.role == "open-source"]
    best: tuple[int, Any, Any] | None = None
    for c in cues:
        bounds = _sentence_bounds(p.text, c.start)
        for t in terms:
            if not (bounds[0] <= t.start < bounds[1]):
                continue
            gap = t.start - c.end if t.start >= c.end else c.start - t.end
            if best is None or gap < best[0]:
                best = (gap, c, t)
    if best is not None:
        return best[1], best[2]
    return (cues[0] if cues else None), (terms[0] if terms else None)


def _shift_beneficiary(p: Provision, tag: Tag) -> tuple[int, int] | None:
    """Whom a liability shift protects, as named in its wording ("not the developer of
    the open-source component"), through the "of" phrase that follows the wording."""
    for e in tag.evidence:
        if e.role != "exemption":
            continue
        # the shift may sit inside a longer wording ("that integrates it, and not
        # the developer of …, shall bear …")
        m = _SHIFT_CUE.search(e.text)
        if m is None:
            continue
        start = e.start + m.end()
        _, e0 = _sentence_bounds(p.text, start)
        np = _noun_phrase(p.text, start, e0)
        if np is not None:
            return np
    return None


def _who_and_what(p: Provision, tag: Tag) -> tuple[list[SpanValue], list[SpanValue]]:
    text = p.text
    cue, term = _linked_pair(p, tag)
    beneficiary: list[SpanValue] = []
    subject: list[SpanValue] = []
    if term is None:
        return beneficiary, subject
    family = rule_family(tag.source)
    if family.startswith(("shift:", "shift-to:")):
        # The sentence's subject is whoever takes the burden over, not who is
        # relieved of it: only the shift wording itself names the beneficiary.
        shifted = _shift_beneficiary(p, tag)
        if shifted is not None:
            beneficiary.append(_value(p, *shifted))
        thing = _THING_LIST.search(text, term.start, term.end)
        if thing:
            subject.append(_value(p, thing.start(), thing.end()))
        return beneficiary, subject
    s0, e0 = _sentence_bounds(text, term.start)
    # "'importer' means a person who …; a person who only downloads open-source
    # software shall not be regarded as an importer": who is exempt is named in the
    # clause of the two wordings, not in the definition before the ";".
    anchor = min(term.start, cue.start) if cue is not None and cue.start >= s0 else term.start
    semi = text.rfind(";", s0, anchor)
    if semi >= 0:
        s0 = semi + 1
        while s0 < e0 and text[s0].isspace():
            s0 += 1
    intro = _INTRO.match(text, s0, e0)
    if intro is not None and term.start >= intro.end():
        # "By way of derogation from Article 16, providers of …": the main clause's
        # subject is who is exempt; the opening phrase names what from.
        s0 = intro.end()
        if cue is not None and cue.end <= s0:
            cue = None
    granted_for = (
        _GRANTED_FOR.search(text, cue.start, cue.end)
        if cue is not None and family.startswith("limited-exemption:")
        else None
    )
    if granted_for is not None and cue is not None:
        # "The safe harbor under subsection (a) for <developers who release …> shall
        # not apply …": an exemption limited in its own sentence names its
        # beneficiary after "for".
        np = _noun_phrase(text, granted_for.end(), cue.end)
    elif (
        cue is not None
        and cue.end <= term.start
        and cue.start >= s0
        and _OBJECT_CUE.search(cue.text)
    ):
        # "shall not apply to <providers of AI models> that are released under …"
        np = _noun_phrase(text, cue.end, e0)
    else:
        # "<The providers of AI models> that are released under … are exempt from …":
        # the subject of the sentence, up to its relative clause.
        np = _noun_phrase(text, s0, e0)
    if np is None:
        return beneficiary, subject
    who, what = _split_actor(text, *np)
    if who:
        beneficiary.append(_value(p, *who))
    if what is None and who:
        # "third parties making accessible to the public tools, services, …": the
        # things come later in the same stretch, before the open-source wording.
        # "A developer … with respect to an open-source model": or the thing the
        # open-source wording itself names.
        thing = _THING_LIST.search(text, who[1], max(term.start, who[1]))
        if thing is None and term.start >= who[1]:
            thing = _THING_LIST.search(text, term.start, term.end)
        if thing:
            what = (thing.start(), thing.end())
    if what is None and not who:
        thing = _THING_LIST.search(text, term.start, term.end)
        if thing:
            what = (thing.start(), thing.end())
    if what:
        subject.append(_value(p, *what))
    return beneficiary, subject


def _exempted_from(p: Provision, tag: Tag, by_id: Mapping[str, Provision]) -> list[ProvisionRef]:
    out: list[ProvisionRef] = []
    if rule_family(tag.source).startswith("reinclusion"):
        # A carve-back stated on its own brings open source back under what it
        # names: it waives nothing.
        return out
    for target in tag.targets:
        q = by_id.get(target)
        written = next((r.text for r in p.refs if r.target == target), "")
        if not written:
            m = re.search(
                r"\bth(?:is|at|e present)\s+(article|paragraph|section|subsection|point|clause)\b",
                p.text,
                re.I,
            )
            written = m.group(0) if m else ""
        out.append(
            ProvisionRef(
                id=target,
                citation=q.citation if q else target,
                text=written,
                why="reference" if any(r.target == target for r in p.refs) else "deictic",
                pages=q.pages if q else None,
            )
        )
    if out:
        return out
    cue = next((e for e in tag.evidence if e.role == "exemption"), None)
    term = next((e for e in tag.evidence if e.role == "open-source"), None)
    if cue is None:
        return out
    s0, e0 = _sentence_bounds(p.text, cue.start)
    # The exempted side: before an "apply to" wording, after an "exempt from" one.
    lo, hi = (s0, cue.start) if term is None or term.start >= cue.end else (cue.end, e0)
    m = _WHOLE_ACT.search(p.text, lo, hi)
    if m:
        out.append(ProvisionRef(id=None, citation=m.group(0), text=m.group(0), why="whole act"))
    return out


def _conditions(p: Provision, tag: Tag, cond: Tag | None) -> list[SpanValue]:
    out = [
        _value(p, e.start, e.end, "open-source") for e in tag.evidence if e.role == "open-source"
    ]
    if cond is not None:
        for e in cond.evidence:
            out.append(_value(p, e.start, e.end, _kind(e.text, _CONDITION_KINDS) or "condition"))
    return out


def _carve_backs(p: Provision, carve: Tag | None) -> list[SpanValue]:
    if carve is None:
        return []
    return [_value(p, e.start, e.end, _kind(e.text, _CARVE_BACK_KINDS)) for e in carve.evidence]


_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_STOP = frozenset(
    ("the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "by", "with", "as", "that",
     "which", "this", "these", "those", "be", "is", "are", "was", "were", "shall", "should",
     "may", "must", "not", "their", "its", "it", "any", "such", "under", "from", "at")
)  # fmt: skip


def _grams(text: str, n: int = 5) -> dict[tuple[str, ...], str]:
    words = _WORD.findall(text.lower())
    out: dict[tuple[str, ...], str] = {}
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        if sum(w not in _STOP for w in gram) >= 3:
            out.setdefault(gram, " ".join(gram))
    return out


def _related(
    p: Provision, bundle: DocBundle, tagged: set[str], by_id: Mapping[str, Provision]
) -> list[ProvisionRef]:
    """Recitals that explain the exemption: those that refer to it, and open-source
    recitals that share its wording (a run of five words, three of them not small)."""
    out: dict[str, ProvisionRef] = {}
    for q in bundle.provisions:
        if q.kind != "recital" or q.id == p.id:
            continue
        for r in q.refs:
            # the exemption itself or one of its points; a whole article is too broad
            if r.target and (r.target == p.id or r.target.startswith(p.id + "__")):
                out.setdefault(q.id, ProvisionRef(q.id, q.citation, r.text, "reference", q.pages))
    mine = _grams(p.text)
    if mine:
        for rid in tagged:
            found = by_id.get(rid)
            if found is None or found.kind != "recital" or found.id in out or found.id == p.id:
                continue
            q = found
            shared = [mine[g] for g in _grams(q.text) if g in mine]
            if shared:
                out[q.id] = ProvisionRef(
                    q.id, q.citation, shared[0], f"shared wording ({len(shared)})", q.pages
                )
    return sorted(out.values(), key=lambda r: by_id[r.id].order if r.id and r.id in by_id else 0)


def _limits_of(tags: Iterable[Tag]) -> dict[str, list[Tag]]:
    """Limit tags by the provision they limit (from ``…:limit:<rule>:limits:<ids>``)."""
    out: dict[str, list[Tag]] = {}
    for t in tags:
        if t.label == LABEL_EXEMPTION and ":limit:" in t.source and ":limits:" in t.source:
            for target in t.source.rsplit(":limits:", 1)[1].split(","):
                if target:
                    out.setdefault(target, []).append(t)
    return out


def build_exemption_map(
    bundles: Iterable[DocBundle],
    *,
    decisions: Mapping[str, str] | None = None,
    labels: Iterable[HumanLabel] = (),
) -> list[ExemptionRecord]:
    """One record per open-source exemption, in document and reading order."""
    decisions = decisions or {}
    by_doc_labels: dict[tuple[str, str], list[HumanLabel]] = {}
    for h in labels:
        by_doc_labels.setdefault((h.doc_id, h.provision_id), []).append(h)
    records: list[ExemptionRecord] = []
    for bundle in sorted(bundles, key=lambda b: b.meta.doc_id):
        live = [t for t in bundle.tags if decisions.get(t.tag_id) != "reject"]
        by_id = {p.id: p for p in bundle.provisions}
        by_label: dict[tuple[str, str], Tag] = {(t.provision_id, t.label): t for t in live}
        limits = _limits_of(live)
        oss_tagged = {t.provision_id for t in live}
        rows: dict[str, ExemptionRecord] = {}
        for t in live:
            if t.label != LABEL_EXEMPTION or ":limit:" in t.source:
                continue
            p = by_id.get(t.provision_id)
            if p is None:
                continue
            beneficiary, subject = _who_and_what(p, t)
            rec = ExemptionRecord(
                doc_id=bundle.meta.doc_id,
                file=bundle.meta.file,
                provision_id=p.id,
                citation=p.citation,
                kind=p.kind,
                pages=p.pages,
                text=p.text,
                tag_id=t.tag_id,
                source=t.source,
                family=rule_family(t.source),
                score=t.score,
                decision=decisions.get(t.tag_id),
                beneficiary=beneficiary,
                subject=subject,
                exempted_from=_exempted_from(p, t, by_id),
                conditions=_conditions(p, t, by_label.get((p.id, LABEL_CONDITION))),
                carve_backs=_carve_backs(p, by_label.get((p.id, LABEL_CARVE_BACK))),
                related=_related(p, bundle, oss_tagged, by_id),
            )
            for limit in limits.get(p.id, []):
                q = by_id.get(limit.provision_id)
                carve = by_label.get((limit.provision_id, LABEL_CARVE_BACK))
                if q is not None and carve is not None:
                    rec.carve_backs.extend(_carve_backs(q, carve))
            rows[p.id] = rec
        # A person's labels: an oss-exemption label makes a row; others add to fields.
        for (doc_id, pid), hs in by_doc_labels.items():
            if doc_id != bundle.meta.doc_id or pid not in by_id:
                continue
            p = by_id[pid]
            if pid not in rows and any(h.label == LABEL_EXEMPTION for h in hs):
                author = next(h.author for h in hs if h.label == LABEL_EXEMPTION)
                rows[pid] = ExemptionRecord(
                    doc_id=doc_id,
                    file=bundle.meta.file,
                    provision_id=pid,
                    citation=p.citation,
                    kind=p.kind,
                    pages=p.pages,
                    text=p.text,
                    tag_id="",
                    source=f"person:{author}",
                    family="person",
                    score=1.0,
                    by="person",
                )
            rec_or_none = rows.get(pid)
            if rec_or_none is None:
                continue
            for h in hs:
                name = LABEL_FIELDS.get(h.label)
                if name is None:
                    continue
                text = h.quote or (
                    p.text[h.start : h.end] if h.start is not None and h.end is not None else ""
                )
                if name == "exempted_from":
                    rec_or_none.exempted_from.append(
                        ProvisionRef(None, text or h.note, text, "person", None, "person", h.author)
                    )
                    continue
                value = SpanValue(
                    text=text or h.note,
                    start=h.start,
                    end=h.end,
                    provision_id=pid,
                    citation=p.citation,
                    pages=p.pages,
                    kind=h.label,
                    by="person",
                    author=h.author,
                )
                getattr(rec_or_none, name).append(value)
        records.extend(sorted(rows.values(), key=lambda r: by_id[r.provision_id].order))
    return records
