"""Machine tags for open-source exemptions (issue 5 fills this in).

Contract: ``tag_provisions(provisions) -> list[Tag]``; pure function of the
provisions' text and refs; ``TAGGER_VERSION`` changes when rules change.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus_tool.model import Provision, Tag

TAGGER_VERSION = "0"


def tag_provisions(provisions: Sequence[Provision]) -> list[Tag]:
    return []
