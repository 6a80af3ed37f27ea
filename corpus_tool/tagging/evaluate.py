"""Score machine tags against a gold file: precision, recall and F1 per label and per document.

Gold file (JSON)::

    {"label": "oss-exemption",
     "documents": {"<file name>": {"positive": [ids], "either": [ids], "mention_only": [ids]}},
     "negative_documents": ["<file name>", ...]}

or ``{"labels": {"<label>": {"documents": ..., "negative_documents": ...}}}`` for
several labels. An id in ``positive`` may be an object ``{"id": ..., "family": ...}``
naming the family of wording it belongs to; misses are then grouped by family,
as false positives are grouped by the rule family that fired. Scoring is per provision: a gold id counts as found when that
provision or one of its descendants carries the label; a tagged provision is a
false positive unless it, an ancestor or a descendant is ``positive`` or
``either``. Every tag with the label in a negative document is a false positive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_tool.errors import InputError
from corpus_tool.tagging.exemption_map import rule_family
from corpus_tool.workspace import DocBundle, doc_id_for


@dataclass(frozen=True)
class GoldDocument:
    file: str
    positive: tuple[str, ...] = ()
    either: tuple[str, ...] = ()
    mention_only: tuple[str, ...] = ()
    negative: bool = False
    families: tuple[tuple[str, str], ...] = ()  # (id, family) for positives that name one


@dataclass(frozen=True)
class Gold:
    """What a gold file says, per label."""

    labels: dict[str, dict[str, GoldDocument]]


@dataclass(frozen=True)
class Finding:
    """One miss or false positive, with what a person needs to look it up."""

    kind: str  # "miss" | "false-positive"
    label: str
    file: str
    provision_id: str
    citation: str
    note: str = ""
    family: str = ""  # miss: the gold item's family; false positive: the rule family that fired


@dataclass
class Score:
    tp: int = 0  # tagged provisions that are right (precision numerator)
    tagged: int = 0
    found: int = 0  # gold positives found (recall numerator)
    gold: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / self.tagged if self.tagged else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        p = 1.0 if p is None else p
        r = 1.0 if r is None else r
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.tagged += other.tagged
        self.found += other.found
        self.gold += other.gold

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "tagged": self.tagged,
            "true_positives": self.tp,
            "false_positives": self.tagged - self.tp,
            "gold": self.gold,
            "found": self.found,
            "misses": self.gold - self.found,
            "precision": r(self.precision),
            "recall": r(self.recall),
            "f1": r(self.f1),
        }


@dataclass
class EvalReport:
    gold_file: str
    labels: dict[str, Score] = field(default_factory=dict)
    documents: dict[str, dict[str, Score]] = field(default_factory=dict)  # label -> file -> score
    findings: list[Finding] = field(default_factory=list)
    missing_documents: list[str] = field(default_factory=list)  # in gold, not in the workspace
    unscored_documents: list[str] = field(default_factory=list)  # in the workspace, not in gold
    negative_tags: list[Finding] = field(default_factory=list)  # any label in a negative document

    @property
    def perfect(self) -> bool:
        return not self.findings and not self.missing_documents and not self.negative_tags

    def as_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold_file,
            "labels": {k: v.as_dict() for k, v in self.labels.items()},
            "documents": {
                label: {f: s.as_dict() for f, s in docs.items()}
                for label, docs in self.documents.items()
            },
            "misses": [_finding_dict(f) for f in self.findings if f.kind == "miss"],
            "false_positives": [
                _finding_dict(f) for f in self.findings if f.kind == "false-positive"
            ],
            "negative_document_tags": [_finding_dict(f) for f in self.negative_tags],
            "missing_documents": self.missing_documents,
            "unscored_documents": self.unscored_documents,
            "false_positives_by_family": self.by_family("false-positive"),
            "misses_by_family": self.by_family("miss"),
        }

    def by_family(self, kind: str) -> dict[str, list[dict[str, str]]]:
        """Findings of ``kind`` grouped by family ("" when none is known), largest first."""
        groups: dict[str, list[dict[str, str]]] = {}
        items = [f for f in self.findings if f.kind == kind]
        if kind == "false-positive":
            # a tag of the scored label in a negative document is already a finding
            seen = {(f.label, f.file, f.provision_id) for f in items}
            items += [
                f for f in self.negative_tags if (f.label, f.file, f.provision_id) not in seen
            ]
        for f in items:
            groups.setdefault(f.family, []).append(_finding_dict(f))
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _finding_dict(f: Finding) -> dict[str, str]:
    return {
        "label": f.label,
        "file": f.file,
        "id": f.provision_id,
        "citation": f.citation,
        "note": f.note,
        "family": f.family,
    }


def _ids(value: Any, where: str, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, f"{where} must be a list of provision ids")
    return tuple(value)


def _items(
    value: Any, where: str, path: str
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Ids of a ``positive`` list whose items are ids or ``{"id", "family"}`` objects."""
    if value is None:
        return (), ()
    if not isinstance(value, list):
        raise InputError(path, f"{where} must be a list of provision ids")
    ids: list[str] = []
    families: list[tuple[str, str]] = []
    for v in value:
        if isinstance(v, str):
            ids.append(v)
        elif isinstance(v, dict) and isinstance(v.get("id"), str):
            ids.append(v["id"])
            fam = v.get("family", "")
            if not isinstance(fam, str):
                raise InputError(path, f"{where}: the family of {v['id']!r} must be a string")
            if fam:
                families.append((v["id"], fam))
        else:
            raise InputError(
                path, f'{where} must hold provision ids or {{"id": …, "family": …}} objects'
            )
    return tuple(ids), tuple(families)


def _parse_label(body: Mapping[str, Any], path: str, label: str) -> dict[str, GoldDocument]:
    docs: dict[str, GoldDocument] = {}
    documents = body.get("documents", {})
    if not isinstance(documents, dict):
        raise InputError(path, f"'documents' of label {label!r} must be an object")
    for file, entry in documents.items():
        if not isinstance(entry, dict):
            raise InputError(path, f"entry for {file!r} must be an object")
        positive, families = _items(entry.get("positive"), f"{file}.positive", path)
        docs[file] = GoldDocument(
            file=file,
            positive=positive,
            families=families,
            either=_ids(entry.get("either"), f"{file}.either", path),
            mention_only=_ids(entry.get("mention_only"), f"{file}.mention_only", path),
        )
    negatives = body.get("negative_documents", [])
    for file in _ids(negatives, "negative_documents", path):
        if file in docs:
            raise InputError(path, f"{file!r} is both scored and a negative document")
        docs[file] = GoldDocument(file=file, negative=True)
    return docs


def load_gold(path: str | Path) -> Gold:
    """Read a gold file; a clear one-line error names the file and what is wrong."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(p), "no such gold file") from exc
    except OSError as exc:
        raise InputError(str(p), f"cannot read gold file ({exc.strerror})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(p), f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(str(p), "a gold file is a JSON object")
    if isinstance(data.get("labels"), dict):
        return Gold({lab: _parse_label(body, str(p), lab) for lab, body in data["labels"].items()})
    label = data.get("label")
    if not isinstance(label, str) or not label:
        raise InputError(str(p), "a gold file needs a 'label' (or a 'labels' object)")
    return Gold({label: _parse_label(data, str(p), label)})


def _family(bundle: DocBundle) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    parent = {p.id: p.parent for p in bundle.provisions}
    children: dict[str, list[str]] = {}
    for p in bundle.provisions:
        if p.parent:
            children.setdefault(p.parent, []).append(p.id)
    return parent, children


def _descendants(pid: str, children: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    stack = list(children.get(pid, ()))
    while stack:
        c = stack.pop()
        if c not in out:
            out.add(c)
            stack.extend(children.get(c, ()))
    return out


def _ancestors(pid: str, parent: dict[str, str | None]) -> set[str]:
    out: set[str] = set()
    node = parent.get(pid)
    while node and node not in out:
        out.add(node)
        node = parent.get(node)
    return out


def evaluate(gold: Gold, bundles: Iterable[DocBundle], *, gold_file: str = "") -> EvalReport:
    """Score the stored tags of ``bundles`` against ``gold``."""
    by_file: dict[str, DocBundle] = {}
    for b in bundles:
        by_file[b.meta.file] = b
        by_file.setdefault(b.meta.doc_id, b)
    report = EvalReport(gold_file=gold_file)
    gold_files: set[str] = set()
    for label, docs in gold.labels.items():
        total = Score()
        per_doc: dict[str, Score] = {}
        for file, g in docs.items():
            gold_files.add(file)
            bundle = by_file.get(file) or by_file.get(doc_id_for(file))
            score = Score(gold=len(g.positive))
            per_doc[file] = score
            if bundle is None:
                if file not in report.missing_documents:
                    report.missing_documents.append(file)
                fams = dict(g.families)
                report.findings.extend(
                    Finding(
                        "miss",
                        label,
                        file,
                        pid,
                        pid,
                        "document not in the workspace",
                        fams.get(pid, ""),
                    )
                    for pid in g.positive
                )
                total.add(score)
                continue
            _score_document(label, g, bundle, score, report)
            if g.negative:
                report.negative_tags.extend(
                    Finding(
                        "false-positive",
                        t.label,
                        file,
                        t.provision_id,
                        _citation(bundle, t.provision_id),
                        "tag in a negative document",
                        rule_family(t.source),
                    )
                    for t in bundle.tags
                )
            total.add(score)
        report.labels[label] = total
        report.documents[label] = per_doc
    for b in sorted(set(by_file.values()), key=lambda b: b.meta.file):
        if b.meta.file not in gold_files and b.meta.doc_id not in gold_files:
            report.unscored_documents.append(b.meta.file)
    return report


def _citation(bundle: DocBundle, pid: str) -> str:
    p = bundle.provision(pid)
    return p.citation if p is not None else pid


def _score_document(
    label: str, g: GoldDocument, bundle: DocBundle, score: Score, report: EvalReport
) -> None:
    file = g.file
    parent, children = _family(bundle)
    tagged = {t.provision_id for t in bundle.tags if t.label == label}
    sources = {t.provision_id: t.source for t in bundle.tags if t.label == label}
    families = dict(g.families)
    score.tagged = len(tagged)
    for pid in g.positive:
        fam = families.get(pid, "")
        if pid not in parent:
            report.findings.append(
                Finding(
                    "miss", label, file, pid, pid, "no such provision in the stored document", fam
                )
            )
            continue
        if pid in tagged or tagged & _descendants(pid, children):
            score.found += 1
        else:
            report.findings.append(
                Finding("miss", label, file, pid, _citation(bundle, pid), "", fam)
            )
    accepted = set(g.positive) | set(g.either)
    mention_only = set(g.mention_only)
    for pid in sorted(tagged, key=lambda i: _order(bundle, i)):
        related = {pid} | _ancestors(pid, parent) | _descendants(pid, children)
        if related & accepted:
            score.tp += 1
            continue
        if g.negative:
            note = "negative document"
        elif related & mention_only:
            note = "mention only"
        else:
            note = ""
        report.findings.append(
            Finding(
                "false-positive",
                label,
                file,
                pid,
                _citation(bundle, pid),
                note,
                rule_family(sources.get(pid, "")),
            )
        )


def _order(bundle: DocBundle, pid: str) -> int:
    p = bundle.provision(pid)
    return p.order if p is not None else 0
