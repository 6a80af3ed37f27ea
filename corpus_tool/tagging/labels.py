"""The machine tag labels (kept apart so that importing them does not load spaCy)."""

from __future__ import annotations

LABEL_EXEMPTION = "oss-exemption"
LABEL_MENTION = "oss-mention"
LABEL_CARVE_BACK = "carve-back"
LABEL_CONDITION = "oss-condition"
LABELS = (LABEL_EXEMPTION, LABEL_MENTION, LABEL_CARVE_BACK, LABEL_CONDITION)
