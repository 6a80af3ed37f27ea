"""Figures for the annotation store, re-anchoring and exports; prints a Markdown table.

    .venv/bin/python benchmarks/annotations_bench.py [--workspace DIR] [--events N]

Uses a workspace with the EU AI Act ingested (DIR, else one made under
benchmarks/_work from ../shared/corpus). Annotations are written to a copy so
the workspace is left as it was.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus_tool.annotations import AnnotationStore, check_anchors  # noqa: E402
from corpus_tool.export import FORMATS, format_for, select, write_selection  # noqa: E402
from corpus_tool.workspace import DocBundle, Workspace  # noqa: E402

AI_ACT = "eu-ai-act-2024-1689"


def ai_act_workspace(given: str | None) -> Workspace:
    if given:
        return Workspace(given)
    work = ROOT / "benchmarks" / "_work" / "annotations-ws"
    ws = Workspace(work)
    if ws.load_bundle(AI_ACT) is None:
        from corpus_tool.build import ingest

        ws.ensure()
        source = ROOT.parent / "shared" / "corpus" / f"{AI_ACT}.pdf"
        ingest(ws, [source])
    return ws


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default=None)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    source = ai_act_workspace(args.workspace)
    bundle = source.load_bundle(AI_ACT)
    assert bundle is not None, "the AI Act is not ingested in that workspace"
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        ws.ensure()
        ws.save_bundle(bundle)
        store = AnnotationStore(ws, author="bench")
        rng = random.Random(7)
        leaves = [p for p in bundle.provisions if p.searchable and len(p.text) > 80]

        def write_events() -> None:
            for _ in range(args.events):
                p = rng.choice(leaves)
                start = rng.randrange(0, len(p.text) - 60)
                store.create(
                    doc_id=AI_ACT,
                    provision_id=p.id,
                    labels=["relevant"],
                    position=(start, start + 50),
                )

        _, took = timed(write_events)
        rows.append(
            (
                f"create {args.events} span annotations (fsync each)",
                f"{args.events / took:,.0f} events/s",
            )
        )
        size = (ws.annotations_dir / "events.jsonl").stat().st_size
        rows.append(("log size", f"{size / args.events:,.0f} bytes/event"))
        _, took = timed(lambda: AnnotationStore(ws, author="-").all())
        rows.append((f"replay {args.events} events (cold)", f"{took * 1000:,.1f} ms"))
        store.all()  # warm: the first read after writes replays the log
        _, took = timed(lambda: [store.for_provision(AI_ACT, p.id) for p in leaves[:200]])
        rows.append(("for_provision, log unchanged (cached)", f"{took / 200 * 1e6:,.0f} µs/call"))

        results, took = timed(lambda: check_anchors(ws))
        rows.append((f"check {len(results)} annotations, text unchanged", f"{took * 1000:,.0f} ms"))
        # A new version: every provision's text shifted by a changed first word.
        edited = DocBundle(
            bundle.meta,
            tuple(
                p.__class__(
                    **{
                        **{f: getattr(p, f) for f in p.__dataclass_fields__},
                        "text": "Moreover, " + p.text,
                    }
                )
                for p in bundle.provisions
            ),
            bundle.tags,
        )
        ws.save_bundle(edited)
        results, took = timed(lambda: check_anchors(ws))
        moved = sum(r.status == "moved" for r in results)
        rows.append(
            (
                f"check {len(results)} annotations, all offsets shifted ({moved} moved)",
                f"{took * 1000:,.0f} ms",
            )
        )
        ws.save_bundle(bundle)

        selection, took = timed(lambda: select(source, doc=AI_ACT, everything=True))
        rows.append(
            (f"select all {len(selection.items)} AI Act provisions", f"{took * 1000:,.0f} ms")
        )
        for name, (_, suffix, _) in FORMATS.items():
            out = Path(tmp) / f"all{suffix}"
            _, took = timed(
                lambda out=out, name=name: write_selection(selection, format_for(name, out), out)
            )
            rows.append(
                (f"export {name}", f"{took * 1000:,.0f} ms, {out.stat().st_size / 1e6:,.1f} MB")
            )
        from corpus_tool.citations import resolve

        typed = ["AI Act 53(2)", "Art. 53(1)(a)", "Recital 15", "Annex XI", "53(2)"]
        _, took = timed(lambda: [resolve(source, t) for t in typed])
        rows.append(("resolve 5 typed citations (cold: bundles read)", f"{took * 1000:,.0f} ms"))
        _, took = timed(lambda: [resolve(source, t) for t in typed * 20])
        rows.append(("resolve a typed citation (warm)", f"{took / 100 * 1000:,.2f} ms/call"))
    print("| measurement | figure |\n|---|---|")
    for what, figure in rows:
        print(f"| {what} | {figure} |")
    print(f"\n{os.cpu_count()} CPUs as seen by Python; shared with other work while measured.")
    shutil.rmtree(ROOT / "benchmarks" / "_work" / "annotations-tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
