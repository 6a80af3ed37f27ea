"""A document's outline (chapters, sections, articles, annexes…) to browse it whole."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from corpus_tool.model import Provision
from corpus_tool.tui.session import short_title
from corpus_tool.workspace import DocBundle


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

    def show_document(self, bundle: DocBundle) -> None:
        if self.doc_id == bundle.meta.doc_id:
            return
        self.doc_id = bundle.meta.doc_id
        self.clear()
        self._provision_nodes = {}
        self.root.set_label(Text(short_title(bundle), style="bold"))
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

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data and self.doc_id:
            self.post_message(self.Chosen(self.doc_id, event.node.data))
