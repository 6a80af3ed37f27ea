"""The review queue: step through machine tags, accept (a), reject (x), with a note (A, X),
skip (space), undo (u), open the tag in the reader (o / Enter).

A point's tag is reviewed under its article: when an ancestor of the point carries a
tag of the same label, the two are one item (shown once, decided together), so the
same words are not put in front of the reviewer twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from corpus_tool.index.units import LEAD_IN_ENDINGS
from corpus_tool.model import Annotation, Provision, Tag
from corpus_tool.tui import keys, render
from corpus_tool.tui.screens_base import CoreScreen
from corpus_tool.tui.session import ReviewItem


@dataclass
class QueueItem:
    """What the reviewer sees as one item: a tag, and the same label's tags on the points
    under its provision (decided with it, shown under it)."""

    item: ReviewItem
    under: list[ReviewItem] = field(default_factory=list)
    lead_in: str = ""  # for a point: the lead-in it is read with
    printed_pages: tuple[str, ...] = ()  # printed page labels of its provision

    @property
    def tag(self) -> Tag:
        return self.item.tag

    @property
    def provision(self) -> Provision:
        return self.item.provision

    @property
    def tag_ids(self) -> list[str]:
        return [self.item.tag.tag_id, *(u.tag.tag_id for u in self.under)]


def group_queue(
    items: Sequence[ReviewItem], provisions: dict[str, dict[str, Provision]]
) -> list[QueueItem]:
    """One QueueItem per tag, except that a tag whose provision lies under another tagged
    with the same label joins that one's item. ``provisions``: doc id -> id -> provision."""
    grouped: list[QueueItem] = []
    owner: dict[tuple[str, str, str], QueueItem] = {}  # (doc, provision, label) -> its item
    for it in items:
        by_id = provisions.get(it.tag.doc_id, {})
        parent, seen = it.provision.parent, set()
        host = None
        while parent and parent not in seen:
            seen.add(parent)
            host = owner.get((it.tag.doc_id, parent, it.tag.label))
            if host is not None:
                break
            anc = by_id.get(parent)
            parent = anc.parent if anc is not None else None
        if host is not None:
            host.under.append(it)
            continue
        entry = QueueItem(it, lead_in=lead_in(it.provision, by_id))
        owner[(it.tag.doc_id, it.provision.id, it.tag.label)] = entry
        grouped.append(entry)
    return grouped


def lead_in(p: Provision, by_id: dict[str, Provision]) -> str:
    """The lead-ins a point is read with ("This Regulation applies to:"), outermost first.

    An ancestor's own words before its first child count when they end as a lead-in
    does (a colon or a dash); a container whose text holds its children's is cut
    at the first child, so no item's words are shown twice.
    """
    children: dict[str, list[Provision]] = {}
    for q in by_id.values():
        if q.parent:
            children.setdefault(q.parent, []).append(q)
    chain: list[str] = []
    parent, seen = p.parent, set()
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        anc = by_id[parent]
        own = anc.text
        kids = sorted(children.get(anc.id, []), key=lambda q: q.order)
        if kids and kids[0].text:
            cut = own.find(kids[0].text[:60])
            if cut >= 0:
                own = own[:cut]
        own = own.strip()
        if not own.endswith(LEAD_IN_ENDINGS):
            break
        chain.append(own)
        parent = anc.parent
    return " ".join(reversed(chain))


class DecisionNote(ModalScreen[str | None]):
    """Asks for the note that goes with an accept or a reject (Enter saves, Esc cancels)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, decision: str, what: str) -> None:
        super().__init__()
        self.decision = decision
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="decision-note", classes="dialog"):
            yield Label(f"{self.decision.capitalize()} {self.what}", classes="dialog-title")
            yield Input(placeholder="why (stored with the decision)", id="note")
            yield Label(
                "Enter saves the decision with this note · Esc cancels", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class Step:
    """One move through the queue, so undo can take it back."""

    index: int
    decision: str  # "accept" | "reject" | "skip"
    # Per tag decided (the item's and those under it): the decision stored, the tag's
    # decision (by anyone) before, and this author's own earlier decision that
    # review() replaced (undo puts that back rather than deleting).
    made: list[tuple[str, Annotation, str | None, str | None]] = field(default_factory=list)
    note: str = ""


@keys.section("Review queue", 6)
class ReviewScreen(CoreScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide('accept')", "Accept", tooltip="Accept the machine tag"),
        Binding("x", "decide('reject')", "Reject", tooltip="Reject the machine tag"),
        Binding(
            "A,shift+a",
            "decide_with_note('accept')",
            "Accept+note",
            key_display="A",
            tooltip="Accept, with a note saying why (stored with the decision)",
        ),
        Binding(
            "X,shift+x",
            "decide_with_note('reject')",
            "Reject+note",
            key_display="X",
            tooltip="Reject, with a note saying why (stored with the decision)",
        ),
        Binding(
            "o,enter",
            "open_reader",
            "Open in reader",
            tooltip="Read the tagged provision in context; Esc comes back to this item",
        ),
        Binding("space", "skip", "Skip", tooltip="Skip to the next tag without deciding"),
        Binding("u,ctrl+z", "undo", "Undo", tooltip="Undo the last decision or skip"),
        Binding("escape", "app.pop_screen", "Leave review"),
    ]

    @dataclass
    class QueueReady(Message):
        items: list[QueueItem]
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
        self.items: list[QueueItem] = []
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
        provisions = {}
        for doc_id in {it.tag.doc_id for it in items}:
            bundle = self.session.bundle(doc_id)
            provisions[doc_id] = {p.id: p for p in bundle.provisions} if bundle else {}
        grouped = group_queue(items, provisions)
        for entry in grouped:
            # Read here, off the UI thread: the first look at a document loads its pages.
            entry.printed_pages = self.session.page_fields(entry.item.provision)[0]
        decisions = self.session.decisions()
        self.post_message(self.QueueReady(grouped, decisions))

    @on(QueueReady)
    def _ready(self, event: QueueReady) -> None:
        self.items = event.items
        self.decisions = event.decisions
        # Start at the first tag nobody has decided yet.
        self.index = next(
            (i for i, it in enumerate(self.items) if it.item.tag.tag_id not in self.decisions),
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
    def current(self) -> QueueItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def decision_of(self, entry: QueueItem) -> str | None:
        return self.decisions.get(entry.item.tag.tag_id)

    def _show(self) -> None:
        total = len(self.items)
        decided = sum(1 for it in self.items if self.decision_of(it))
        accepted = sum(1 for it in self.items if self.decision_of(it) == "accept")
        rejected = sum(1 for it in self.items if self.decision_of(it) == "reject")
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
        entry = self.current
        body = self.query_one("#review-item", Static)
        if entry is None:
            body.update(
                Text(
                    "Nothing left to review here. u undoes the last decision; Esc leaves.",
                    style="bold",
                )
                if total
                else Text("No machine tags match this queue.", style="bold")
            )
            return
        item = entry.item
        tag, p = item.tag, item.provision
        colours = self.session.label_colours([tag.label])
        text = render.breadcrumb(p, item.doc_title, entry.printed_pages)
        text.append("\n\n")
        text.append(f" {tag.label} ", style=render.evidence_style(colours[tag.label]))
        text.append(f"   score {tag.score:.2f}   source {tag.source}", style="dim")
        earlier = self.decisions.get(tag.tag_id)
        if earlier:
            text.append(f"   already {earlier}ed", style="bold")
        if tag.targets:
            text.append(f"\nexempts from: {', '.join(tag.targets)}", style="italic")
        text.append("\n\n")
        if p.heading:
            text.append(p.heading + "\n", style="bold")
        if entry.lead_in:
            # A point is read with its lead-in, as it is indexed and tagged.
            text.append(entry.lead_in + "\n", style="dim")
        text.append_text(render.provision_text(p, tags=[tag], colours=colours))
        text.append("\n\nevidence: ", style="dim")
        text.append("; ".join(f"{e.role}: “{e.text}”" for e in tag.evidence), style="dim")
        if entry.under:
            text.append(f"\n\nThe same label under {p.citation} (decided with it):", style="bold")
            for sub in entry.under:
                text.append(f"\n  {sub.provision.citation}", style="bold")
                text.append("  ")
                text.append_text(
                    render.provision_text(sub.provision, tags=[sub.tag], colours=colours)
                )
        body.update(text)

    def _advance(self) -> None:
        self.index = min(self.index + 1, len(self.items))
        self._show()

    def action_decide(self, decision: str, note: str = "") -> None:
        entry = self.current
        if entry is None or self.busy:
            return
        self.busy = True
        self.store_decision(self.index, entry, decision, note)

    def action_decide_with_note(self, decision: str) -> None:
        entry = self.current
        if entry is None or self.busy:
            return
        what = f"{entry.item.tag.label} on {entry.item.provision.citation}"

        def done(note: str | None) -> None:
            if note is not None:
                self.action_decide(decision, note)

        self.app.push_screen(DecisionNote(decision, what), done)

    def action_open_reader(self) -> None:
        """The tagged provision in the reader, its evidence highlighted; Esc returns here."""
        entry = self.current
        if entry is None:
            return
        tag = entry.item.tag
        spans = tuple((e.start, e.end) for e in tag.evidence)
        self.corpus_app.open_reader(tag.doc_id, tag.provision_id, spans)

    @work(thread=True, exclusive=True, group="review-decide", exit_on_error=False)
    def store_decision(self, index: int, entry: QueueItem, decision: str, note: str) -> None:
        made = []
        try:
            for tag_id in entry.tag_ids:
                annotation, mine_before = self.session.review(tag_id, decision, note)
                made.append((tag_id, annotation, self.decisions.get(tag_id), mine_before))
        finally:
            self.app.call_from_thread(setattr, self, "busy", False)
            # Whatever was stored is one step, so undo can take back even a partial one.
            if made:
                self.post_message(self.Decided(Step(index, decision, made, note)))

    @on(Decided)
    def _decided(self, event: Decided) -> None:
        step = event.step
        self.corpus_app.note_write()
        self.steps.append(step)
        for tag_id, _annotation, _previous, _mine in step.made:
            self.decisions[tag_id] = step.decision
        self.index = step.index
        if step.note:
            self.notify(f"{step.decision.capitalize()}ed with note: {step.note}", timeout=3)
        self._advance()

    def action_skip(self) -> None:
        if self.current is None or self.busy:
            return
        self.steps.append(Step(self.index, "skip"))
        self._advance()

    def action_undo(self) -> None:
        if not self.steps or self.busy:
            if not self.steps:
                self.notify("Nothing to undo.")
            return
        step = self.steps[-1]
        if not step.made:
            self.steps.pop()
            self.index = step.index
            self._show()
            return
        self.busy = True
        self.remove_decision(step)

    @work(thread=True, exclusive=True, group="review-decide", exit_on_error=False)
    def remove_decision(self, step: Step) -> None:
        try:
            for _tag_id, annotation, _previous, mine_before in reversed(step.made):
                self.session.undo_review(annotation, mine_before)
        finally:
            self.app.call_from_thread(setattr, self, "busy", False)
        self.post_message(self.Undone(step))

    @on(Undone)
    def _undone(self, event: Undone) -> None:
        step = event.step
        self.corpus_app.note_write()
        if self.steps and self.steps[-1] is step:
            self.steps.pop()
        for tag_id, _annotation, previous, _mine in step.made:
            if previous is None:
                self.decisions.pop(tag_id, None)
            else:
                self.decisions[tag_id] = previous
        self.index = step.index
        self.notify(
            f"Undone: {step.decision} of {self.items[step.index].item.tag.tag_id}", timeout=3
        )
        self._show()
