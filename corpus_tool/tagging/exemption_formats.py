"""Writers for the exemption map: JSON Lines, CSV, Markdown and a self-contained HTML page.

``FORMATS`` maps a format name to a writer ``(records) -> str | bytes``. Every cell
that quotes a provision names its citation and page and, in HTML and Markdown,
links to that provision's text further down the page. A writer for another
format (DOCX) registers itself with :func:`register_format`; the
``exemptions`` command offers every registered name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from html import escape

from corpus_tool.tagging.exemption_map import ExemptionRecord, ProvisionRef, SpanValue

Writer = Callable[[Sequence[ExemptionRecord]], "str | bytes"]

FIELDS = ("beneficiary", "subject", "exempted_from", "conditions", "carve_backs", "related")
TITLES = {
    "beneficiary": "Who is exempt",
    "subject": "What",
    "exempted_from": "Exempted from",
    "conditions": "Conditions",
    "carve_backs": "Carve-backs",
    "related": "Related",
}


def _page(pages: tuple[int, int] | None) -> str:
    if not pages:
        return ""
    return f"p. {pages[0]}" if pages[0] == pages[1] else f"pp. {pages[0]}–{pages[1]}"


def cell_items(rec: ExemptionRecord, name: str) -> list[tuple[str, str, str, str]]:
    """(text, provision id, citation, page) for each value of a field, marked when a person
    gave it ("✎ author") and, for a value stated in another provision, with that one."""
    out: list[tuple[str, str, str, str]] = []
    for v in getattr(rec, name):
        if isinstance(v, SpanValue):
            text = v.text
            if v.kind and name in ("conditions", "carve_backs"):
                text = f"{text} [{v.kind}]"
            if v.by == "person":
                text = f"{text} (✎ {v.author})"
            out.append((text, v.provision_id, v.citation, _page(v.pages)))
        elif isinstance(v, ProvisionRef):
            text = v.citation if not v.text or v.text == v.citation else f"{v.citation} ({v.text})"
            if v.by == "person":
                text = f"{text} (✎ {v.author})"
            out.append((text, v.id or rec.provision_id, v.citation, _page(v.pages)))
    return out


def plain_cell(rec: ExemptionRecord, name: str) -> str:
    """A field as one line of text: values separated by "; ", each value stated in
    another provision followed by that provision's citation and page."""
    parts = []
    for text, pid, citation, page in cell_items(rec, name):
        if name in ("exempted_from", "related"):
            parts.append(f"{text} ({page})" if page else text)
        elif pid != rec.provision_id:
            parts.append(f"{text} — {citation}" + (f" ({page})" if page else ""))
        else:
            parts.append(text)
    return "; ".join(parts)


def to_jsonl(records: Sequence[ExemptionRecord]) -> str:
    return "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in records)


def to_csv(records: Sequence[ExemptionRecord]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["doc_id", "document", "citation", "provision_id", "pages", "by", "decision", *FIELDS]
    )
    for r in records:
        w.writerow(
            [
                r.doc_id,
                r.file,
                r.citation,
                r.provision_id,
                _page(r.pages),
                r.by,
                r.decision or "",
                *(_safe(plain_cell(r, f)) for f in FIELDS),
            ]
        )
    return buf.getvalue()


def _safe(cell: str) -> str:
    # A cell Excel would run as a formula is shown as text.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _anchor(doc_id: str, pid: str) -> str:
    return f"{doc_id}--{pid}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(records: Sequence[ExemptionRecord]) -> str:
    lines = ["# Open-source exemptions", ""]
    head = ["Provision", *(TITLES[f] for f in FIELDS)]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    held = {_anchor(r.doc_id, r.provision_id) for r in records}
    for r in records:
        first = f"[{_md(r.citation)}](#{_anchor(r.doc_id, r.provision_id)}) ({r.doc_id}, {_page(r.pages)})"
        cells = []
        for f in FIELDS:
            items = []
            for text, pid, citation, page in cell_items(r, f):
                target = _anchor(r.doc_id, pid)
                if target in held:
                    link = f"[{_md(citation)}, {page}](#{target})"
                else:
                    link = f"({_md(citation)}, {page})" if page else ""
                items.append(f"{_md(text)} {link}".strip())
            cells.append("<br>".join(items))
        lines.append("| " + " | ".join([first, *cells]) + " |")
    lines += ["", "## Provisions", ""]
    seen: set[str] = set()
    for r in records:
        if _anchor(r.doc_id, r.provision_id) in seen:
            continue
        seen.add(_anchor(r.doc_id, r.provision_id))
        lines += [
            f'<a id="{_anchor(r.doc_id, r.provision_id)}"></a>',
            f"### {_md(r.citation)} — {r.doc_id} ({_page(r.pages)})",
            "",
            r.text,
            "",
        ]
    return "\n".join(lines)


_CSS = """
body{font-family:Georgia,serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #bbb;padding:.4em;vertical-align:top;text-align:left}
th{background:#eef2f7}
td ul{margin:0;padding-left:1.1em}
.person{color:#6a1b9a}
.where{color:#555;font-size:.85em}
section.provision{margin-top:1.5em;border-top:1px solid #ddd}
"""


def to_html(records: Sequence[ExemptionRecord]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Open-source exemptions</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Open-source exemptions</h1>",
        f"<p>{len(records)} exemption(s), one row each.</p>",
        "<table><thead><tr><th>Provision</th>",
        *(f"<th>{escape(TITLES[f])}</th>" for f in FIELDS),
        "</tr></thead><tbody>",
    ]
    held = {_anchor(r.doc_id, r.provision_id) for r in records}
    for r in records:
        anchor = escape(_anchor(r.doc_id, r.provision_id))
        out.append(
            f'<tr><td><a href="#{anchor}">{escape(r.citation)}</a>'
            f'<div class="where">{escape(r.doc_id)}, {escape(_page(r.pages))}</div>'
            + (' <span class="person">(by a person)</span>' if r.by == "person" else "")
            + "</td>"
        )
        for f in FIELDS:
            items = []
            for text, pid, citation, page in cell_items(r, f):
                cls = ' class="person"' if "(✎ " in text else ""
                target = _anchor(r.doc_id, pid)
                if target in held:
                    link = (
                        f' <a class="where" href="#{escape(target)}">'
                        f"{escape(citation)}, {escape(page)}</a>"
                    )
                elif page:
                    link = f' <span class="where">{escape(citation)}, {escape(page)}</span>'
                else:
                    link = ""
                items.append(f"<li{cls}>{escape(text)}{link}</li>")
            out.append("<td><ul>" + "".join(items) + "</ul></td>" if items else "<td></td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    seen: set[str] = set()
    for r in records:
        anchor = _anchor(r.doc_id, r.provision_id)
        if anchor in seen:
            continue
        seen.add(anchor)
        out.append(
            f'<section class="provision" id="{escape(anchor)}"><h2>{escape(r.citation)} — '
            f"{escape(r.doc_id)} ({escape(_page(r.pages))})</h2><p>{escape(r.text)}</p></section>"
        )
    out.append("</body></html>")
    return "\n".join(out)


FORMATS: dict[str, Writer] = {
    "jsonl": to_jsonl,
    "csv": to_csv,
    "md": to_markdown,
    "html": to_html,
}


def register_format(name: str, writer: Writer) -> None:
    """Offer another output format (the DOCX writer registers ``"docx"`` here; a writer
    that returns bytes is written to ``--output`` only)."""
    FORMATS[name] = writer
