"""Trains the learned second opinion on open-source exemptions and writes it into the package.

Usage::

    .venv/bin/python benchmarks/train_exemption_model.py [--check] [--folds-only]

Reads the sentence files (``TRAIN_FILES``), trains a spaCy bag-of-words
textcat (``corpus_tool.tagging.learned.TEXTCAT_MODEL``) with a fixed seed on the
sentences that pass the gate, chooses the decision threshold by
cross-validation (one file held out at a time; the model only ever judges
sentences the rules did not tag), and writes ``corpus_tool/tagging/model/``:
``textcat/`` (spaCy ``to_disk``) and ``learned.json`` (threshold, seed,
hash of the training files and the lexicon, cross-validated scores).

Shared-corpus provisions are not used as negatives: the gate lets very few of
them through and none of those reaches the threshold (see
``tests/test_tagging_learned.py::test_rules_and_model_on_the_shared_corpus``),
and reading them would make the model depend on files outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
TRAIN_FILES = (
    DATA / "exemption_wordings.jsonl",
    DATA / "exemption_heldout.jsonl",
    DATA / "exemption_heldout2.jsonl",
    DATA / "exemption_training.jsonl",
    DATA / "exemption_heldout3.jsonl",
    DATA / "exemption_train5a.jsonl",
    DATA / "exemption_train5b.jsonl",
    DATA / "exemption_train5c.jsonl",
    DATA / "exemption_train5d.jsonl",
)
SEED = 12
EPOCHS = (
    8  # chosen by the same cross-validation (4, 8, 12, 25 tried): more overfits, fewer underfits
)
BATCH = 16
# Thresholds tried; the lowest at which the tags the model adds are right at least
# MIN_PRECISION (the bar on unseen law) of the time is taken, counted on the files
# the rules were never tuned on (THRESHOLD_FOLDS): on the others the rules are
# perfect by construction and would flatter any threshold.
GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)
# 0.95 is the bar for unseen law; one point of margin because real provisions are longer
# and looser than the sentence files: at 0.95 the lowest threshold was 0.9, and a
# paragraph of a guide in the shared corpus (no exemption) scored 0.935.
MIN_PRECISION = 0.96
# The second held-back half left this list when rules v4 were tuned on its misses,
# the third when rules v5 were tuned on its. The training files were written blind
# (by writers who saw no rule, no model and no half), unseen by the rules' author.
THRESHOLD_FOLDS = (
    "exemption_training.jsonl",
    "exemption_train5a.jsonl",
    "exemption_train5b.jsonl",
    "exemption_train5c.jsonl",
    "exemption_train5d.jsonl",
)


def hashed_files() -> list[Path]:
    from corpus_tool.tagging.learned import LEXICON_FILE

    return [*TRAIN_FILES, LEXICON_FILE]


def read_rows(paths: tuple[Path, ...] = TRAIN_FILES) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["file"] = path.name
                rows.append(row)
    return rows


def train(rows: list[dict[str, Any]], seed: int = SEED, epochs: int = EPOCHS) -> Any:
    """A trained pipeline on the rows that pass the gate (the only ones it will judge)."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    from corpus_tool.tagging.learned import LABEL_NO, LABEL_YES, build_pipeline, features, gate

    fix_random_seed(seed)
    nlp = build_pipeline()
    examples = []
    for row in rows:
        hit = gate(row["text"])
        if not hit.passes:
            continue
        yes = bool(row["label"])
        doc = nlp.make_doc(features(row["text"], hit))
        examples.append(
            Example.from_dict(doc, {"cats": {LABEL_YES: float(yes), LABEL_NO: float(not yes)}})
        )
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        order = examples[:]
        rng.shuffle(order)
        for batch in minibatch(order, size=BATCH):
            nlp.update(batch, sgd=optimizer, drop=0.0)
    return nlp


def rules_tagged(rows: list[dict[str, Any]]) -> list[bool]:
    """Whether the rules alone tag each row ``oss-exemption`` (the model is off)."""
    from corpus_tool.model import Provision
    from corpus_tool.tagging.tagger import Tagger

    ps = [
        Provision(file="cv.txt", doc_id="cv", id=f"r{i}", citation=f"r{i}", kind="paragraph",
                  parent=None, heading="", path=(), pages=(1, 1), start=0, end=len(r["text"]),
                  text=r["text"], order=i)
        for i, r in enumerate(rows)
    ]  # fmt: skip
    tagged = {t.provision_id for t in Tagger(learned=False).tag(ps) if t.label == "oss-exemption"}
    return [f"r{i}" in tagged for i in range(len(rows))]


def cross_validate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row once, scored by a model trained without its file: rules verdict and P(yes)."""
    from corpus_tool.tagging.learned import probabilities

    ruled = rules_tagged(rows)
    out: list[dict[str, Any]] = []
    for held in sorted({r["file"] for r in rows}):
        nlp = train([r for r in rows if r["file"] != held])
        idx = [i for i, r in enumerate(rows) if r["file"] == held]
        probs = probabilities([rows[i]["text"] for i in idx], nlp)
        for i, prob in zip(idx, probs, strict=True):
            out.append({**rows[i], "rules": ruled[i], "prob": prob})
    return out


def score(
    scored: list[dict[str, Any]], threshold: float | None, key: str = "family"
) -> dict[str, list[int]]:
    """group -> [tp, fp, fn, tn] for rules alone (threshold None) or rules + model."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in scored:
        got = r["rules"] or (threshold is not None and _judged(r) and r["prob"] >= threshold)
        want = bool(r["label"])
        cell = 0 if got and want else 1 if got else 2 if want else 3
        for k in ("all", str(r.get(key) or "(none)")):
            out[k][cell] += 1
    return out


def _judged(row: dict[str, Any]) -> bool:
    """Whether the product lets the model judge this row: not a clause of a licence
    (``learned.RULES_ONLY_FAMILIES``); such rows still train it."""
    return row.get("style") != "licence"


def precision(c: list[int]) -> float:
    return c[0] / (c[0] + c[1]) if c[0] + c[1] else 1.0


def recall(c: list[int]) -> float:
    return c[0] / (c[0] + c[2]) if c[0] + c[2] else 1.0


def added(scored: list[dict[str, Any]], threshold: float) -> list[int]:
    """[right, wrong] among the tags the model adds (rows the rules left untagged)."""
    adds = [r for r in scored if not r["rules"] and _judged(r) and r["prob"] >= threshold]
    right = sum(1 for r in adds if r["label"])
    return [right, len(adds) - right]


def _pr(counts: list[int]) -> dict[str, float]:
    """Precision and recall of [tp, fp, fn, tn] counts, as learned.json records them."""
    return {"precision": round(precision(counts), 4), "recall": round(recall(counts), 4)}


def choose_threshold(scored: list[dict[str, Any]]) -> float:
    """The lowest threshold of GRID at which the model's own additions, cross-validated on
    THRESHOLD_FOLDS, are right at least MIN_PRECISION of the time: adding them can then
    never pull the precision of rules + model below the bar (nor below the rules')."""
    unseen = [r for r in scored if r["file"] in THRESHOLD_FOLDS]
    for t in GRID:
        right, wrong = added(unseen, t)
        if right + wrong == 0 or right / (right + wrong) >= MIN_PRECISION:
            return t
    return GRID[-1]


def report(scored: list[dict[str, Any]], threshold: float) -> str:
    lines = []
    for held in sorted({r["file"] for r in scored}):
        part = [r for r in scored if r["file"] == held]
        lines.append(f"held out {held} ({len(part)} sentences)")
        alone, both = score(part, None), score(part, threshold)
        for fam in sorted(alone, key=lambda k: (k != "all", k)):
            a, b = alone[fam], both[fam]
            lines.append(
                f"  {fam:22} rules P {precision(a):.3f} R {recall(a):.3f}"
                f"   rules+model P {precision(b):.3f} R {recall(b):.3f}"
                f"  (fp {a[1]}->{b[1]}, fn {a[2]}->{b[2]})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from corpus_tool.tagging.learned import META_FILE, SOURCE, TEXTCAT_MODEL, WEIGHTS_DIR, data_hash

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--folds-only", action="store_true", help="print the cross-validation; write nothing"
    )
    args = ap.parse_args(argv)
    os.environ["CORPUS_TOOL_LEARNED"] = "0"  # the rules' verdicts are the rules' alone

    rows = read_rows()
    scored = cross_validate(rows)
    threshold = choose_threshold(scored)
    print(report(scored, threshold))
    total_alone, total_both = score(scored, None)["all"], score(scored, threshold)["all"]
    unseen = [r for r in scored if r["file"] in THRESHOLD_FOLDS]
    unseen_alone, unseen_both = score(unseen, None)["all"], score(unseen, threshold)["all"]
    print(
        f"threshold {threshold}: all folds rules P {precision(total_alone):.3f} R {recall(total_alone):.3f}"
        f" -> rules+model P {precision(total_both):.3f} R {recall(total_both):.3f};"
        f" folds the rules were not tuned on: rules P {precision(unseen_alone):.3f}"
        f" R {recall(unseen_alone):.3f} -> rules+model P {precision(unseen_both):.3f}"
        f" R {recall(unseen_both):.3f}; the model's additions there: right {added(unseen, threshold)[0]},"
        f" wrong {added(unseen, threshold)[1]}"
    )
    if args.folds_only:
        return 0
    nlp = train(rows)
    if WEIGHTS_DIR.exists():
        for f in sorted(WEIGHTS_DIR.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
    nlp.get_pipe("textcat").to_disk(WEIGHTS_DIR)
    import spacy

    meta = {
        "source": SOURCE,
        "architecture": TEXTCAT_MODEL,
        "spacy_version": spacy.__version__,
        "seed": SEED,
        "epochs": EPOCHS,
        "batch": BATCH,
        "threshold": threshold,
        "min_cv_precision": MIN_PRECISION,
        "training_files": [p.name for p in hashed_files()],
        "data_hash": data_hash(hashed_files()),
        "sentences": len(rows),
        "cv": {
            "rules": _pr(total_alone),
            "rules+model": _pr(total_both),
            "threshold_folds": list(THRESHOLD_FOLDS),
            "threshold_folds_rules": _pr(unseen_alone),
            "threshold_folds_rules+model": _pr(unseen_both),
        },
    }
    META_FILE.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_DIR.relative_to(ROOT)} and {META_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
