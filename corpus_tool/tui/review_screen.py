"""The review queue: step through machine tags, accept (a), reject (x), skip (space), undo (u)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, ProgressBar, Static

from corpus_tool.model import Annotation
from corpus_tool.tui import keys, render
from corpus_tool.tui.screens_base import CoreScreen
from corpus_tool.tui.session import ReviewItem


@dataclass
class Step:
    """One move through the queue, so undo can take it back."""

    index: int
    decision: str  # "accept" | "reject" | "skip"
    annotation: Annotation | None
    previous: str | None  # the tag's decision (by anyone) before this step
    mine_before: str | None = None  # this author's own earlier decision, which review() replaced


@keys.section("Review queue", 6)
class ReviewScreen(CoreScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide('accept')", "Accept", tooltip="Accept the machine tag"),
        Binding("x", "decide('reject')", "Reject", tooltip="Reject the machine tag"),
        Binding("space", "skip", "Skip", tooltip="Skip to the next tag without deciding"),
        Binding("u,ctrl+z", "undo", "Undo", tooltip="Undo the last decision or skip"),
        Binding("escape", "app.pop_screen", "Leave review"),
    ]

    @dataclass
    class QueueReady(Message):
        items: list[ReviewItem]
        decisions: dict[str, str]

    @dataclass
    class Decided(Message):
        step: Step

    @dataclass
    class Undone(Message):
        step: Step

    def __init__(self, label: str | None, query: str) -> None:
        super().__init__()
        self.label = label
        self.query_text = query
        self.items: list[ReviewItem] = []
        self.decisions: dict[str, str] = {}
        self.index = 0
        self.steps: list[Step] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the queue…", id="review-progress")
        yield ProgressBar(id="review-bar", show_eta=False)
        with VerticalScroll(id="review-scroll"):
            yield Static("", id="review-item")
        yield Footer()

    def on_mount(self) -> None:
        self.load_queue()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def load_queue(self) -> None:
        items = self.session.review_queue(self.label, self.query_text)
        decisions = self.session.decisions()
        self.post_message(self.QueueReady(items, decisions))

    @on(QueueReady)
    def _ready(self, event: QueueReady) -> None:
        self.items = event.items
        self.decisions = event.decisions
        # Start at the first tag nobody has decided yet.
        self.index = next(
            (i for i, it in enumerate(self.items) if it.tag.tag_id not in self.decisions),
            len(self.items),
        )
        self.query_one("#review-bar", ProgressBar).update(total=max(1, len(self.items)))
        self._show()

    @dataclass
    class DecisionsFresh(Message):
        decisions: dict[str, str]

    def annotations_changed(self) -> None:
        """A colleague's decision arrived: counts and the current tag's status update in place."""
        if self.items:
            self.load_decisions()

    @work(thread=True, exclusive=True, group="review-live", exit_on_error=False)
    def load_decisions(self) -> None:
        self.post_message(self.DecisionsFresh(self.session.decisions()))

    @on(DecisionsFresh)
    def _decisions_fresh(self, event: DecisionsFresh) -> None:
        if self.busy:
            return  # a decision of ours is being stored; the next notification brings both
        # The index stays: the person keeps the tag in front of them, now marked
        # "already accepted/rejected" if a colleague decided it meanwhile.
        self.decisions = event.decisions
        self._show()

    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def _show(self) -> None:
        total = len(self.items)
        decided = sum(1 for it in self.items if it.tag.tag_id in self.decisions)
        accepted = sum(1 for it in self.items if self.decisions.get(it.tag.tag_id) == "accept")
        rejected = sum(1 for it in self.items if self.decisions.get(it.tag.tag_id) == "reject")
        skipped = sum(1 for s in self.steps if s.decision == "skip")
        scope = self.label or "all labels"
        if self.query_text:
            scope += f" · matching {self.query_text!r}"
        position = f"item {min(self.index + 1, total)}/{total}" if total else "empty queue"
        self.query_one("#review-progress", Static).update(
            Text.assemble(
                ("Review ", "bold"),
                (scope, "italic"),
                f"   {position} · decided {decided}/{total} · ",
                (f"accepted {accepted}", "green"),
                " · ",
                (f"rejected {rejected}", "red"),
                f" · skipped {skipped}",
            )
        )
        self.query_one("#review-bar", ProgressBar).update(progress=decided)
        item = self.current
        body = self.query_one("#review-item", Static)
        if item is None:
            body.update(
                Text(
                    "Nothing left to review here. u undoes the last decision; Esc leaves.",
                    style="bold",
                )
                if total
                else Text("No machine tags match this queue.", style="bold")
            )
            return
        tag, p = item.tag, item.provision
        colours = self.session.label_colours([tag.label])
        text = render.breadcrumb(p, item.doc_title)
        text.append("\n\n")
        text.append(f"{tag.label}", style=f"bold reverse {colours[tag.label]}")
        text.append(f"   score {tag.score:.2f}   source {tag.source}", style="dim")
        earlier = self.decisions.get(tag.tag_id)
        if earlier:
            text.append(f"   already {earlier}ed", style="bold")
        if tag.targets:
            text.append(f"\nexempts from: {', '.join(tag.targets)}", style="italic")
        text.append("\n\n")
        if p.heading:
            text.append(p.heading + "\n", style="bold")
        text.append_text(render.provision_text(p, tags=[tag], colours=colours))
        text.append("\n\nevidence: ", style="dim")
        text.append("; ".join(f"{e.role}: “{e.text}”" for e in tag.evidence), style="dim")
        body.update(text)

    def _advance(self) -> None:
        self.index = min(self.index + 1, len(self.items))
        self._show()

    def action_decide(self, decision: str) -> None:
        item = self.current
        if item is None or self.busy:
            return
        self.busy = True
        self.store_decision(self.index, item, decision)

    @work(thread=True, exclusive=True, group="review-decide", exit_on_error=False)
    def store_decision(self, index: int, item: ReviewItem, decision: str) -> None:
        try:
            made, mine_before = self.session.review(item.tag.tag_id, decision)
        finally:
            self.app.call_from_thread(setattr, self, "busy", False)
        previous = self.decisions.get(item.tag.tag_id)
        self.post_message(self.Decided(Step(index, decision, made, previous, mine_before)))

    @on(Decided)
    def _decided(self, event: Decided) -> None:
        step = event.step
        self.corpus_app.note_write()
        self.steps.append(step)
        self.decisions[self.items[step.index].tag.tag_id] = step.decision
        self.index = step.index
        self._advance()

    def action_skip(self) -> None:
        if self.current is None or self.busy:
            return
        self.steps.append(Step(self.index, "skip", None, None))
        self._advance()

    def action_undo(self) -> None:
        if not self.steps or self.busy:
            if not self.steps:
                self.notify("Nothing to undo.")
            return
        step = self.steps[-1]
        if step.annotation is None:
            self.steps.pop()
            self.index = step.index
            self._show()
            return
        self.busy = True
        self.remove_decision(step)

    @work(thread=True, exclusive=True, group="review-decide", exit_on_error=False)
    def remove_decision(self, step: Step) -> None:
        try:
            if step.annotation is not None:
                self.session.undo_review(step.annotation, step.mine_before)
        finally:
            self.app.call_from_thread(setattr, self, "busy", False)
        self.post_message(self.Undone(step))

    @on(Undone)
    def _undone(self, event: Undone) -> None:
        step = event.step
        self.corpus_app.note_write()
        if self.steps and self.steps[-1] is step:
            self.steps.pop()
        tag_id = self.items[step.index].tag.tag_id
        if step.previous is None:
            self.decisions.pop(tag_id, None)
        else:
            self.decisions[tag_id] = step.previous
        self.index = step.index
        self.notify(f"Undone: {step.decision} of {tag_id}", timeout=3)
        self._show()
