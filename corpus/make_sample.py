"""Make the offline sample corpus: fictional documents written for this project.

Nothing here is copied from a real act: the texts are invented, in the shapes
of the families the tool reads (an EU-style regulation in Official Journal
layout with a running head and foot and footnotes, a US-style executive order,
and a licence in plain text). Run ``python corpus/make_sample.py`` to rebuild
``corpus/sample/``; the generated files are committed so the demo needs no
generation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample"

REGULATION_TITLE = [
    "REGULATION (EU) 2031/77 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL",
    "of 3 March 2031",
    "on shared rules for reusable software components in public services",
    "(Software Commons Act)",
]

REGULATION_BODY = """\
(Text with EEA relevance)

THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,

Having regard to the Treaty on the Functioning of the European Union, and in particular Article 114 thereof,

Having regard to the proposal from the European Commission,

Having regard to the opinion of the Committee of the Regions {1},

Whereas:

(1) Public services increasingly rely on reusable software components that are maintained by communities of volunteers and small firms. Uniform rules are needed so that those components circulate freely across the internal market.

(2) Components that are shared openly, under licences that let anyone study, change and pass them on, should not bear the same documentation duties as commercial products, since nobody places them on the market for profit. That relief should end where the component is sold or where it is used in a critical public service {2}.

(3) To keep the rules proportionate, Member States should be able to set up testing environments in which public bodies try out new components under supervision.

HAVE ADOPTED THIS REGULATION:

CHAPTER I
GENERAL PROVISIONS

Article 1
Subject matter

1. This Regulation lays down rules for the supply and reuse of software components in public services.

2. It applies without prejudice to the rules on public procurement.

Article 2
Scope

1. This Regulation applies to suppliers that make software components available to public bodies in the Union.

2. This Regulation does not apply to software components released under a free and open-source licence, unless those components are supplied against payment or are used in a critical public service as listed in Annex I.

3. Member States may extend the exemption in paragraph 2 to components developed by public bodies themselves.

Article 3
Definitions

For the purposes of this Regulation, the following definitions apply:

(a) 'software component' means a piece of software that performs a distinct function and can be combined with other software;

(b) 'free and open-source licence' means a licence that allows anyone to access, use, study, modify and redistribute the software and its source code;

(c) 'critical public service' means a service listed in Annex I.

CHAPTER II
OBLIGATIONS OF SUPPLIERS

Article 4
Documentation

1. Suppliers shall draw up technical documentation for each component before making it available.

2. The obligation in paragraph 1 shall not apply to suppliers of components released under a free and open-source licence, provided that the source code and a description of the component are publicly available. This exception shall not apply where the component is used in a critical public service.

3. The documentation shall contain at least:

(a) a description of the component and its intended use;

(b) the results of security tests carried out by the supplier;

(c) the contact point for reporting vulnerabilities.

Article 5
Entry into force

This Regulation shall enter into force on the twentieth day following that of its publication.

This Regulation shall be binding in its entirety and directly applicable in all Member States.

ANNEX I
Critical public services

1. Emergency call handling.

2. Water supply control systems.

3. Electronic voting and tallying of votes.
"""

REGULATION_NOTES = {
    "1": "OJ C 901, 1.2.2030, p. 12.",
    "2": "The relief for openly shared components follows the consultation held in 2029 with maintainers of public-sector software.",
}

ORDER_TEXT = """\
Executive Order 99001 of February 2, 2031

Strengthening Shared Software in Federal Agencies

By the authority vested in me as President by the Constitution and the laws of the United States of America, it is hereby ordered:

Section 1. Purpose. Federal agencies depend on software that is written once and reused many times. This order sets out how agencies share such software and how they treat software that others publish openly.

Sec. 2. Policy. It is the policy of the United States to prefer reusable software where it serves the public at reasonable cost and risk.

Sec. 3. Definitions. For purposes of this order:
(a) The term "open-source software" means software whose source code is published under a licence that permits use, modification and redistribution by anyone.
(b) The term "agency" means any executive department or agency.

Sec. 4. Duties of Agencies.
4.1. Inventories. (a) Within 90 days of the date of this order, the head of each agency shall publish an inventory of software the agency has developed.
(b) The inventory shall identify:
(i) the purpose of each program;
(ii) the licence under which it may be reused.
4.2. Security Reviews. (a) Each agency shall review the security of software before reuse.
(b) The review required by subsection 4.2(a) of this section shall not apply to open-source software that is maintained by another agency and has passed such a review within the preceding year, unless the software is used in a national security system.

Sec. 5. General Provisions. (a) Nothing in this order shall be construed to impair the authority granted by law to an executive department or agency.
(b) This order is not intended to, and does not, create any right or benefit enforceable at law by any party.
"""

LICENCE_TEXT = """\
HARBOUR COMMUNITY LICENCE
Version 1.0, 5 January 2031

1. Definitions.
a. "Licensor" means the person offering the Work under this Licence.
b. "Work" means the software and model weights made available under this Licence.
c. "You" means the person exercising the rights granted here.

2. Grant of Rights.
a. The Licensor grants You a worldwide, royalty-free licence to use, copy, modify and distribute the Work.
b. If You distribute the Work, You must include a copy of this Licence.

3. Additional Conditions.
a. If the products or services that use the Work had more than 50 million monthly users on the release date, You must request a separate licence from the Licensor, which the Licensor may grant at its discretion.
b. You may not use the Work to identify individuals in public spaces.

4. No Warranty.
The Work is provided "as is", without warranty of any kind.

5. Termination.
This Licence ends automatically if You breach any of its terms.
"""


def wrap(text: str, canvas: Canvas, font: str, size: float, width: float) -> list[str]:
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if canvas.stringWidth(trial, font, size) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def make_regulation(path: Path) -> None:
    """An Official-Journal-like layout: running head and foot, hanging numbers, footnotes."""
    width, height = A4
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("Sample regulation (fictional)")
    left, right, top_y, bottom_y = 67.0, width - 67.0, height - 80.0, 110.0
    size, lead = 9.6, 11.5
    state = {"page": 1, "y": top_y, "notes": []}

    def head_and_foot() -> None:
        c.setFont("Helvetica", 9)
        page = state["page"]
        if page > 1:
            c.drawString(left, height - 45, "EN")
            c.drawRightString(right, height - 45, "OJ L, 4.3.2031")
        c.drawString(left, 40, "ELI: http://data.europa.eu/eli/reg/2031/77/oj")
        c.drawRightString(right, 40, f"{page}/3")

    def new_page() -> None:
        notes = state["notes"]
        if notes:
            y = bottom_y - 10
            c.line(left, y + 12, left + 120, y + 12)
            for label, text in notes:
                lines = wrap(text, c, "Helvetica", 7.5, right - left - 14)
                c.setFont("Helvetica", 5)
                c.drawString(left, y + 3, f"({label})")
                c.setFont("Helvetica", 7.5)
                for ln in lines:
                    c.drawString(left + 14, y, ln)
                    y -= 9
            state["notes"] = []
        head_and_foot()
        c.showPage()
        state["page"] += 1
        state["y"] = top_y

    def ensure(space: float) -> None:
        if state["y"] - space < bottom_y + 20 * len(state["notes"]):
            new_page()

    c.setFont("Helvetica-Bold", 16)
    c.drawString(left, height - 50, "Official Journal")
    c.setFont("Helvetica", 10)
    c.drawString(left, height - 62, "of the European Union")
    c.drawRightString(right, height - 62, "L series")
    state["y"] = height - 110
    for i, line in enumerate(REGULATION_TITLE):
        c.setFont("Helvetica-Bold" if i == 0 else "Helvetica", size)
        c.drawCentredString(width / 2, state["y"], line)
        state["y"] -= lead * (2 if i < 2 else 1)
    state["y"] -= lead
    for para in REGULATION_BODY.split("\n\n"):
        para = para.strip("\n")
        for block in para.split("\n"):
            label = ""
            note_labels = [k for k in REGULATION_NOTES if "{" + k + "}" in block]
            for k in note_labels:
                block = block.replace("{" + k + "}", f"({k})")
            body = block
            hanging = block[:4].strip()
            indent = 0.0
            if hanging.startswith("(") and hanging.endswith(")") and hanging[1:-1].isdigit():
                label, body = hanging, block[len(hanging) :].strip()
                indent = 27.0
            lines = wrap(body, c, "Helvetica", size, right - left - indent)
            centred = block.startswith(("Article ", "CHAPTER ", "ANNEX ")) or (
                block.isupper() and len(block) < 60
            )
            ensure(lead * min(len(lines), 3))
            for k in note_labels:
                state["notes"].append((k, REGULATION_NOTES[k]))
            for j, ln in enumerate(lines):
                ensure(lead)
                c.setFont("Helvetica", size)
                if label and j == 0:
                    c.setFont("Helvetica", 8.5)
                    c.drawString(left, state["y"], label)
                    c.setFont("Helvetica", size)
                if centred:
                    c.drawCentredString(width / 2, state["y"], ln)
                else:
                    c.drawString(left + indent, state["y"], ln)
                state["y"] -= lead
        state["y"] -= lead * 1.2
    new_page()
    c.save()


def make_order(path: Path) -> None:
    """A Federal-Register-like page: running head, wide right column, hyphenated line ends."""
    height = LETTER[1]
    c = Canvas(str(path), pagesize=LETTER, invariant=1)
    c.setTitle("Sample executive order (fictional)")
    left, right, size, lead = 207.0, 570.0, 10.0, 11.0
    page = 1
    y = height - 120

    def head(p: int) -> None:
        c.setFont("Helvetica", 10)
        text = "Federal Register / Vol. 96, No. 23 / Tuesday, February 4, 2031 / Presidential Documents"
        if p % 2:
            c.drawString(95, height - 40, text)
            c.drawRightString(right, height - 40, str(8800 + p))
        else:
            c.drawString(45, height - 40, str(8800 + p))
            c.drawString(95, height - 40, text)
        # A printer's job line in white, as on real Federal Register pages.
        c.setFillColorRGB(1, 1, 1)
        c.setFont("Helvetica", 6.5)
        c.drawString(
            25,
            20,
            f"VerDate Sep<11>2014 10:10 Feb 03, 2031 Jkt 000001 PO 00000 Frm 0000{p} Fmt 4705",
        )
        c.setFillColorRGB(0, 0, 0)

    head(page)
    c.setFont("Helvetica", 12)
    c.drawString(45, height - 120, "Presidential Documents")
    for para in ORDER_TEXT.split("\n\n"):
        for block in para.split("\n"):
            lines = wrap(block, c, "Helvetica", size, right - left - 5)
            # Break the last word of long lines with a hyphen, as the printer does.
            out: list[str] = []
            carry = ""
            for ln in lines:
                ln = f"{carry}{ln}".strip() if carry else ln
                carry = ""
                words = ln.split(" ")
                last = words[-1]
                if len(last) > 9 and last.isalpha() and len(out) % 3 == 1:
                    cut = len(last) // 2
                    words[-1] = last[:cut] + "-"
                    carry = last[cut:] + " "
                out.append(" ".join(words))
            if carry:
                out.append(carry.strip())
            for ln in out:
                if y < 80:
                    c.showPage()
                    page += 1
                    head(page)
                    y = height - 70
                c.setFont("Helvetica", size)
                c.drawString(left, y, ln)
                y -= lead
        y -= lead * 0.8
    c.save()


def make_licence(path: Path) -> None:
    path.write_text(LICENCE_TEXT, encoding="utf-8")


def main() -> int:
    SAMPLE.mkdir(parents=True, exist_ok=True)
    make_regulation(SAMPLE / "sample-regulation-2031-77.pdf")
    make_order(SAMPLE / "sample-executive-order-99001.pdf")
    make_licence(SAMPLE / "sample-harbour-community-licence.txt")
    print(f"sample corpus written to {SAMPLE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
