"""Regression: two branches each bound Ctrl+Y in the reader (redo, and copy the pinpoint).

Textual takes the first binding and the other action silently never runs, so
the footer advertised a key that did something else. Each key of a screen (and
of the app) names one action; the only exception is Esc in the reader, bound
twice on purpose (leave annotate or quote mode first, else back), with
``check_action`` choosing between them.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from textual.binding import Binding

from corpus_tool.tui.app import CorpusApp
from corpus_tool.tui.exemptions_screen import ExemptionsScreen
from corpus_tool.tui.reader_screen import ReaderScreen
from corpus_tool.tui.review_screen import ReviewScreen
from corpus_tool.tui.search_screen import SearchScreen

# key -> the actions bound to it on purpose, chosen between by check_action.
CHAINS = {ReaderScreen: {"escape": {"leave_mode", "back"}}}


@pytest.mark.parametrize(
    "owner", [CorpusApp, SearchScreen, ReaderScreen, ReviewScreen, ExemptionsScreen]
)
def test_regression_ctrl_y_bound_twice_one_action_per_key(owner: type) -> None:
    actions: dict[str, set[str]] = defaultdict(set)
    for binding in owner.BINDINGS:
        if not isinstance(binding, Binding):
            key, action = binding[0], binding[1]
        else:
            key, action = binding.key, binding.action
        for k in key.split(","):
            actions[k.strip()].add(action)
    clashes = {k: a for k, a in actions.items() if len(a) > 1 and CHAINS.get(owner, {}).get(k) != a}
    assert clashes == {}
    assert actions.get("ctrl+y") in (None, {"redo"})
