"""The facet sidebar: documents, kinds, tags and labels with counts; choosing one filters."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree

from corpus_tool.tui.session import Filters

FACET_TITLES = (("doc", "Documents"), ("kind", "Kinds"), ("tag", "Tags"), ("label", "Labels"))


class FacetTree(Tree[tuple[str, str]]):
    """A tree of facet values; Enter or a click toggles that filter."""

    @dataclass
    class Toggled(Message):
        facet: str
        value: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Filters", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2
        self._shown: tuple[dict[str, dict[str, int]], Filters] | None = None

    def show(self, facets: dict[str, dict[str, int]], filters: Filters) -> None:
        # Rebuilding the tree re-lays out the screen: skip it when nothing changed
        # (typing more letters of a word often keeps the same counts).
        if (facets, filters) == self._shown:
            return
        self._shown = (facets, filters)
        expanded = {
            str(node.data[0]) for node in self.root.children if node.data and node.is_expanded
        }
        first = not self.root.children
        self.clear()
        for facet, title in FACET_TITLES:
            values = facets.get(facet, {})
            active = getattr(filters, facet)
            node = self.root.add(
                Text.assemble((title, "bold"), (f"  {len(values)}", "dim")),
                data=(facet, ""),
                expand=first or facet in expanded or active is not None,
            )
            ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
            if active is not None and active not in values:
                ordered.insert(0, (active, 0))
            for value, count in ordered:
                mark = "✓ " if value == active else "  "
                style = "bold reverse" if value == active else ""
                node.add_leaf(
                    Text.assemble((mark + value, style), (f" {count}", "dim")),
                    data=(facet, value),
                )

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[tuple[str, str]]) -> None:
        event.stop()
        data = event.node.data
        if data and data[1]:
            self.post_message(self.Toggled(data[0], data[1]))
