"""A document's outline (chapters, sections, articles, annexes…) to browse it whole.

Type-to-find: letters and digits typed while the outline has focus jump to the
first entry that matches them ("53" → Article 53, "531a" → Article 53(1)(a),
"rec 15" → Recital 15, "annex" → the first annex); a pause of a second starts a
new search. Typing here never reaches the screen's other keys (label keys).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from corpus_tool.model import Provision
from corpus_tool.tui.session import short_title
from corpus_tool.workspace import DocBundle

FIND_PAUSE = 1.0  # seconds without a key after which typing starts a new search
_NUMBER_TOKENS = re.compile(r"[0-9]+[a-z]*|(?<=\()[a-z]+(?=\))|\b[ivxlc]+\b", re.I)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z§]", "", text.lower())


def find_entry(entries: Sequence[tuple[str, str, str]], typed: str) -> str | None:
    """The id of the first entry (id, citation, kind), in order, that ``typed`` finds.

    What was typed is a word and a number, either optional ("art53", "rec15", "53",
    "annex"): the word begins the citation's first word, the number begins its first
    number ("53" finds Article 53 before Article 5(3)) or, less good, its numbers run
    together ("531a" finds Article 53(1)(a)). A bare number prefers articles and
    sections to recitals (a lawyer typing "53" in an act means Article 53). Failing
    all that, the typed letters anywhere in a citation.
    """
    want = _squash(typed)
    if not want:
        return None
    word, number = re.match(r"([a-z§]*)(.*)", want).groups()  # type: ignore[union-attr]
    ranked: list[tuple[int, int, int, str]] = []
    for order, (pid, citation, kind) in enumerate(entries):
        tokens = [t.lower() for t in _NUMBER_TOKENS.findall(citation)]
        first_word = _squash(citation.split()[0]) if citation.split() else ""
        rank = None
        if not word or first_word.startswith(word):
            if not number or (tokens and tokens[0].startswith(number)):
                rank = 0
            elif "".join(tokens).startswith(number):
                rank = 1
        if rank is None and want in _squash(citation):
            rank = 2
        if rank is not None:
            aside = 1 if not word and kind == "recital" else 0
            ranked.append((rank, aside, order, pid))
    return min(ranked)[3] if ranked else None


class OutlineTree(Tree[str]):
    """Every provision of one document, nested as the document nests them."""

    @dataclass
    class Chosen(Message):
        doc_id: str
        provision_id: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Outline", **kwargs)  # type: ignore[arg-type]
        self.doc_id: str | None = None
        self._provision_nodes: dict[str, TreeNode[str]] = {}
        # Two cells per level (not four): a point four levels down still shows
        # "Article 53(1)(a)" whole in the outline's width.
        self.guide_depth = 2
        self._entries: list[tuple[str, str, str]] = []  # (id, citation, kind), in order
        self._title = Text()
        self.find_text = ""
        self._last_key = 0.0

    def show_document(self, bundle: DocBundle) -> None:
        if self.doc_id == bundle.meta.doc_id:
            return
        self.doc_id = bundle.meta.doc_id
        self.clear()
        self._provision_nodes = {}
        self._title = Text(short_title(bundle), style="bold")
        self.find_text = ""
        self.root.set_label(self._title)
        self._entries = [
            (p.id, p.citation, p.kind) for p in sorted(bundle.provisions, key=lambda p: p.order)
        ]
        children: dict[str | None, list[Provision]] = {}
        for p in bundle.provisions:
            children.setdefault(p.parent, []).append(p)
        for kids in children.values():
            kids.sort(key=lambda p: p.order)
        known = {p.id for p in bundle.provisions}

        def add(parent_node: TreeNode[str], parent_id: str | None) -> None:
            for p in children.get(parent_id, []):
                label = Text(p.citation, style="bold" if p.kind != "point" else "")
                if p.heading:
                    label.append(f"  {p.heading[:50]}", style="dim")
                if p.id in children:
                    node = parent_node.add(label, data=p.id, expand=False)
                    self._provision_nodes[p.id] = node
                    add(node, p.id)
                else:
                    self._provision_nodes[p.id] = parent_node.add_leaf(label, data=p.id)

        add(self.root, None)
        # Provisions whose parent is missing still belong in the outline.
        orphans = [p for pid, kids in children.items() if pid and pid not in known for p in kids]
        for p in sorted(orphans, key=lambda p: p.order):
            if p.id not in self._provision_nodes:
                self._provision_nodes[p.id] = self.root.add_leaf(Text(p.citation), data=p.id)
        self.root.expand()

    def reveal(self, provision_id: str) -> None:
        """Expand the path to a provision and put the cursor on it."""
        node = self._provision_nodes.get(provision_id)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self._move_to, node)

    def _move_to(self, node: TreeNode[str]) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    # --- type-to-find -----------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        char = event.character or ""
        if not (len(char) == 1 and (char.isalnum() or char in "()§.")):
            return
        # Handled here: a letter typed in the outline is never a label key or a command.
        event.stop()
        event.prevent_default()
        now = time.monotonic()
        if now - self._last_key > FIND_PAUSE:
            self.find_text = ""
        self._last_key = now
        self.find_text += char
        found = find_entry(self._entries, self.find_text)
        label = self._title.copy()
        label.append(f"   find: {self.find_text}", style="bold reverse" if found else "bold red")
        self.root.set_label(label)
        if found is not None:
            self.reveal(found)

    def on_blur(self, event: events.Blur) -> None:
        # Leaving the outline ends the search; the title no longer shows it.
        if self.find_text:
            self.find_text = ""
            self.root.set_label(self._title)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data and self.doc_id:
            self.post_message(self.Chosen(self.doc_id, event.node.data))
