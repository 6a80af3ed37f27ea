"""Inter-annotator agreement: Cohen's kappa per label between two authors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus_tool.annotations.labels import LabelScheme
from corpus_tool.errors import StoreError
from corpus_tool.model import Annotation


@dataclass(frozen=True)
class LabelAgreement:
    """A 2x2 table of two authors' yes/no on one label, and its kappa."""

    label: str
    both: int
    only_a: int
    only_b: int
    neither: int
    observed: float
    expected: float
    kappa: float | None  # None when neither author varies (kappa is undefined)


@dataclass(frozen=True)
class Disagreement:
    doc_id: str
    provision_id: str
    labels_a: tuple[str, ...]
    labels_b: tuple[str, ...]


@dataclass(frozen=True)
class AgreementReport:
    author_a: str
    author_b: str
    items: int  # provisions compared
    only_a_items: int  # provisions only author A labelled (left out unless union)
    only_b_items: int
    labels: tuple[LabelAgreement, ...]
    disagreements: tuple[Disagreement, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "author_a": self.author_a,
            "author_b": self.author_b,
            "items": self.items,
            "only_a_items": self.only_a_items,
            "only_b_items": self.only_b_items,
            "labels": [vars_of(x) for x in self.labels],
            "disagreements": [vars_of(x) for x in self.disagreements],
        }


def vars_of(obj: object) -> dict[str, object]:
    from corpus_tool.model import to_dict

    return to_dict(obj)


def reading_order(key: tuple[str, str]) -> tuple[str, list[str | int]]:
    """art_9 before art_10: numbers in provision ids compared as numbers."""
    doc_id, provision_id = key
    parts: list[str | int] = []
    for i, part in enumerate(re.split(r"(\d+)", provision_id)):
        parts.append(int(part) if i % 2 else part)
    return doc_id, parts


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> tuple[float, float, float | None]:
    """Observed agreement, chance agreement and Cohen's kappa of paired yes/no judgements."""
    n = len(pairs)
    if n == 0:
        return 0.0, 0.0, None
    agree = sum(1 for a, b in pairs if a == b)
    yes_a = sum(1 for a, _ in pairs if a) / n
    yes_b = sum(1 for _, b in pairs if b) / n
    observed = agree / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected >= 1.0:
        return observed, expected, None
    return observed, expected, (observed - expected) / (1 - expected)


def _labels_by_item(
    annotations: Iterable[Annotation], author: str
) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for a in annotations:
        if a.author == author and a.labels:
            out.setdefault((a.doc_id, a.provision_id), set()).update(a.labels)
    return out


def agreement(
    annotations: Iterable[Annotation],
    author_a: str,
    author_b: str,
    scheme: LabelScheme,
    *,
    union: bool = False,
) -> AgreementReport:
    """Compare two authors on the provisions both labelled (or either, with ``union``).

    With ``union`` a provision only one author labelled counts as "no label" for
    the other, which suits a task where both went through the same list.
    """
    annotations = list(annotations)
    a_items = _labels_by_item(annotations, author_a)
    b_items = _labels_by_item(annotations, author_b)
    for author, items in ((author_a, a_items), (author_b, b_items)):
        if not items:
            known = sorted({x.author for x in annotations if x.labels})
            raise StoreError(
                f"author {author!r} has no labelled annotations; authors: {', '.join(known) or 'none'}"
            )
    shared = set(a_items) & set(b_items)
    compared = sorted(set(a_items) | set(b_items) if union else shared, key=reading_order)
    used = set().union(*(a_items.get(k, set()) | b_items.get(k, set()) for k in compared))
    rows = []
    for label in scheme.order(used):
        pairs = [(label in a_items.get(k, set()), label in b_items.get(k, set())) for k in compared]
        observed, expected, kappa = cohen_kappa(pairs)
        rows.append(
            LabelAgreement(
                label,
                sum(1 for a, b in pairs if a and b),
                sum(1 for a, b in pairs if a and not b),
                sum(1 for a, b in pairs if b and not a),
                sum(1 for a, b in pairs if not a and not b),
                observed,
                expected,
                kappa,
            )
        )
    disagreements = tuple(
        Disagreement(
            k[0],
            k[1],
            scheme.order(a_items.get(k, set())),
            scheme.order(b_items.get(k, set())),
        )
        for k in compared
        if a_items.get(k, set()) != b_items.get(k, set())
    )
    return AgreementReport(
        author_a,
        author_b,
        len(compared),
        len(set(a_items) - set(b_items)),
        len(set(b_items) - set(a_items)),
        tuple(rows),
        disagreements,
    )
