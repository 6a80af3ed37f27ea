"""Machine tags for open-source exemptions: rules as data, a spaCy pipeline, evidence as offsets.

``tag_provisions(provisions) -> list[Tag]`` labels searchable provisions (and
list points whose text their searchable parent repeats) with
``oss-exemption`` (an exemption, exclusion or carve-out because something is
free and open-source, or a limit on one), ``oss-mention``, ``carve-back`` and
``oss-condition``; each Tag carries evidence spans (offsets into
``Provision.text``), the rule that produced it and a score, and an
``oss-exemption`` names the provisions it exempts from. ``TAGGER_VERSION``
changes whenever a rule file or the trained model changes, so stored bundles
get re-tagged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corpus_tool.model import Provision, Tag, structure_of
from corpus_tool.tagging.labels import LABELS
from corpus_tool.tagging.rules import packaged_rules

if TYPE_CHECKING:
    from corpus_tool.tagging.tagger import Tagger

_rules = packaged_rules()


def _version() -> str:
    # The trained second opinion is part of what tags a bundle: a retrained model
    # (new training data, another threshold) or switching it off re-tags too.
    from corpus_tool.tagging import learned

    version = f"{_rules.source}+{_rules.digest}"
    if learned.enabled():
        try:
            meta = json.loads(learned.META_FILE.read_text(encoding="utf-8"))
            version += f"+{learned.SOURCE}:{str(meta['data_hash'])[:12]}@{meta['threshold']}"
        except (OSError, ValueError, KeyError):
            version += f"+{learned.SOURCE}:unreadable"
    return version


TAGGER_VERSION = _version()


def tag_provisions(provisions: Sequence[Provision], *, family: str | None = None) -> list[Tag]:
    """Tags for ``provisions`` (one or more documents); pure containers are never tagged.

    ``family``: the document family (``DocMeta.family``) when all of ``provisions``
    belong to one document; in a licence the learned second opinion stays silent
    (``learned.RULES_ONLY_FAMILIES``).
    """
    if not provisions:
        return []
    from corpus_tool.tagging.learned import RULES_ONLY_FAMILIES
    from corpus_tool.tagging.tagger import default_tagger

    rules_only = (
        {p.doc_id for p in structure_of(provisions)} if family in RULES_ONLY_FAMILIES else set()
    )
    return default_tagger().tag(provisions, rules_only=rules_only)


def __getattr__(name: str) -> Any:
    # spaCy loads only when the tagger is used, not when TAGGER_VERSION is read.
    if name == "Tagger":
        from corpus_tool.tagging.tagger import Tagger

        return Tagger
    raise AttributeError(name)


__all__ = ["LABELS", "TAGGER_VERSION", "Tagger", "tag_provisions"]
