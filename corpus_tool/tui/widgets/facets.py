"""The facet sidebar: documents, kinds, tags and labels with counts; choosing one filters.

A value too long for the sidebar is shortened in the middle ("eu-digital-se…2022-2065"),
so both its start and its end (often the year and number) stay readable, and its
count is always shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.message import Message
from textual.widgets import Tree

from corpus_tool.tui.session import Filters

FACET_TITLES = (("doc", "Documents"), ("kind", "Kinds"), ("tag", "Tags"), ("label", "Labels"))
DEFAULT_WIDTH = 30  # before the sidebar is laid out
MIN_NAME = 8


def shorten_middle(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, cut in the middle with "…"."""
    if len(name) <= width:
        return name
    if width <= 1:
        return "…"[:width]
    keep = width - 1
    head = keep - keep // 2
    tail = keep // 2
    return name[:head] + "…" + (name[-tail:] if tail else "")


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

    def name_width(self, count: int) -> int:
        """Room for a value's name beside its guide, mark ("✓ ") and count."""
        width = self.scrollable_content_region.width or DEFAULT_WIDTH
        used = self.guide_depth + 2 + len(f" {count}")
        return max(MIN_NAME, width - used)

    def on_resize(self, event: events.Resize) -> None:
        # Names were shortened for the old width: shorten them again for the new one.
        if self._shown is not None:
            facets, filters = self._shown
            self._shown = None
            self.show(facets, filters)

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
                name = shorten_middle(value, self.name_width(count))
                node.add_leaf(
                    Text.assemble((mark + name, style), (f" {count}", "dim")),
                    data=(facet, value),
                )

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[tuple[str, str]]) -> None:
        event.stop()
        data = event.node.data
        if data and data[1]:
            self.post_message(self.Toggled(data[0], data[1]))
