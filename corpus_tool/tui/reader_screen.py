"""The reader: one provision in context, its references, tags, footnotes and annotations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from corpus_tool.annotations.store import DuplicateLabelError
from corpus_tool.errors import CorpusToolError, StoreError
from corpus_tool.model import Annotation, Provision, Tag
from corpus_tool.tui import keys, render
from corpus_tool.tui.dialogs import NoteEditor, NoteRequest
from corpus_tool.tui.screens_base import CoreScreen
from corpus_tool.tui.session import LabelInfo, short_title
from corpus_tool.tui.widgets.outline import OutlineTree

# The reader's own keys are ctrl-keys and punctuation so that the label scheme's
# single letters stay free; a scheme key that still collides wins over the reader's
# key (the action keeps its other key), because labelling is what the reader is for.


# Reader actions switched off in annotate mode (they move focus or leave the reader).
ANNOTATE_MODE_OFF = frozenset(
    {"annotate_mode", "find", "focus_outline", "focus_refs", "focus_annotations"}
)


@dataclass(frozen=True)
class Place:
    """Where the reader is: one provision, and the words to highlight in it."""

    doc_id: str
    provision_id: str | None
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class QuoteChoice:
    start: int
    end: int
    exact: str


@dataclass
class ProvisionView:
    """All the reader shows for one provision, gathered off the UI thread."""

    place: Place
    provision: Provision
    doc_title: str
    tags: tuple[Tag, ...]
    annotations: list[Annotation]
    before: Provision | None
    after: Provision | None
    colours: dict[str, str]
    targets: dict[str, str] = field(default_factory=dict)  # provision id -> citation
    annotation_error: str | None = None
    # Printed pages (issue 11): the provision's, as printed, its pinpoint citation, and
    # every page's label (for footnotes).
    printed_pages: tuple[str, ...] = ()
    pinpoint: str = ""
    page_labels: tuple[str, ...] = ()
    children: tuple[Provision, ...] = ()  # shown below a unit that holds only its own text


@keys.section(
    "Quote selection",
    5,
    extra=[
        ("shift+arrows / drag", "Select the quote"),
        ("ctrl+a", "Take the selection as the quote and enter annotate mode"),
    ],
)
class QuoteArea(TextArea):
    """The provision's text, read-only, to choose a quote with shift+arrows or the mouse."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Use selection as quote"),
        Binding("escape", "cancel", "Cancel quote"),
    ]

    @dataclass
    class Chosen(Message):
        quote: QuoteChoice | None

    def chosen_span(self) -> QuoteChoice | None:
        """The selection as offsets into the provision's text (None when nothing is selected)."""
        document: Any = self.document  # a Document (get_index_from_location) in Textual 8
        start, end = sorted(
            (
                document.get_index_from_location(self.selection.start),
                document.get_index_from_location(self.selection.end),
            )
        )
        return QuoteChoice(start, end, self.text[start:end]) if start < end else None

    def action_choose(self) -> None:
        quote = self.chosen_span()
        if quote is None:
            self.notify("Select some words first (shift+arrows or drag with the mouse).")
            return
        self.post_message(self.Chosen(quote))

    def action_cancel(self) -> None:
        self.post_message(self.Chosen(None))


@keys.section("Annotations panel", 3.5)
class AnnotationPanel(Static, can_focus=True):
    """The provision's annotations, one chosen with the arrows: Enter edits, Del deletes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False, tooltip="The annotation above"),
        Binding("down", "move(1)", "Down", show=False, tooltip="The annotation below"),
        Binding(
            "enter", "edit", "Edit note", tooltip="Edit the chosen annotation's note and labels"
        ),
        Binding(
            "delete",
            "delete",
            "Delete",
            key_display="del",
            tooltip="Delete the chosen annotation (Ctrl+Z undoes)",
        ),
    ]

    @dataclass
    class EditRequested(Message):
        annotation: Annotation

    @dataclass
    class DeleteRequested(Message):
        annotation: Annotation

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.items: list[Annotation] = []
        self.colours: dict[str, str] = {}
        self.error: str | None = None
        self.cursor = 0

    def show(self, items: list[Annotation], colours: dict[str, str], error: str | None) -> None:
        # Keep the cursor on the same annotation when the list is refreshed.
        chosen = self.current()
        self.items, self.colours, self.error = list(items), colours, error
        ids = [a.id for a in self.items]
        if chosen is not None and chosen.id in ids:
            self.cursor = ids.index(chosen.id)
        self.cursor = max(0, min(self.cursor, len(self.items) - 1))
        self._paint()

    def current(self) -> Annotation | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def _paint(self, focused: bool | None = None) -> None:
        # Focus/Blur arrive before has_focus changes: the handlers say which it is.
        focused = self.has_focus if focused is None else focused
        text = Text()
        if self.error:
            text.append(f"Annotations unavailable: {self.error}\n", style="red")
        for i, ann in enumerate(self.items):
            if i:
                text.append("\n")
            line = render.annotation_line(ann, self.colours)
            if focused and i == self.cursor:
                line.stylize("reverse")
            text.append_text(line)
        if not self.items and not self.error:
            text.append("none yet", style="dim")
        elif self.items and focused:
            text.append("\nEnter edits · Del deletes · Ctrl+Z undoes", style="dim")
        self.update(text)

    def on_focus(self) -> None:
        self._paint(focused=True)

    def on_blur(self) -> None:
        self._paint(focused=False)

    def action_move(self, delta: int) -> None:
        if self.items:
            self.cursor = max(0, min(len(self.items) - 1, self.cursor + delta))
            self._paint()

    def action_edit(self) -> None:
        chosen = self.current()
        if chosen is not None:
            self.post_message(self.EditRequested(chosen))

    def action_delete(self) -> None:
        chosen = self.current()
        if chosen is not None:
            self.post_message(self.DeleteRequested(chosen))


@keys.section("Reader", 3)
class ReaderScreen(CoreScreen):
    AUTO_FOCUS = "#refs"
    # Below 120 columns the side panes narrow so the text keeps a readable width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc leaves the innermost mode first (annotate, quote), then the reader.
        Binding(
            "escape",
            "leave_mode",
            "Leave mode",
            tooltip="Leave annotate mode or the quote selection",
        ),
        Binding("escape", "back", "Back", tooltip="Back to the results"),
        Binding(
            "backspace",
            "previous_place",
            "Previous place",
            show=False,
            tooltip="Back to the provision you came from (reference, outline, next/previous)",
        ),
        # Priority: the quote selector's TextArea would take ctrl+a (start of line).
        Binding(
            "ctrl+a",
            "annotate_mode",
            "Annotate",
            priority=True,
            tooltip="Annotate mode: label keys label the provision (or the selected quote)",
        ),
        Binding(
            "left_square_bracket",
            "step(-1)",
            "Previous",
            key_display="[",
            tooltip="Previous provision in document order",
        ),
        Binding(
            "right_square_bracket",
            "step(1)",
            "Next",
            key_display="]",
            tooltip="Next provision in document order",
        ),
        Binding(
            "ctrl+f",
            "find",
            "Query",
            tooltip="Back to the search screen, in the query bar",
        ),
        Binding(
            "ctrl+o",
            "focus_outline",
            "Outline",
            tooltip="Go to the document outline (Enter opens an entry)",
        ),
        Binding(
            "ctrl+g",
            "focus_refs",
            "References",
            show=False,
            tooltip="Go to the cross-references (Enter follows one)",
        ),
        Binding(
            "ctrl+l",
            "focus_annotations",
            "Annotations",
            tooltip="Go to the annotations panel (Enter edits, Del deletes)",
        ),
        Binding(
            "quotation_mark,ctrl+t",
            "select_quote",
            "Quote",
            key_display='"',
            tooltip="Select a quote in the text to annotate",
        ),
        Binding(
            "ctrl+n", "note", "Note", tooltip="Write a note (with labels) on the provision or quote"
        ),
        Binding(
            "ctrl+z", "undo", "Undo", tooltip="Undo your newest action (label, note, edit, delete)"
        ),
        Binding("ctrl+y", "redo", "Redo", tooltip="Redo the action you undid last"),
        Binding(
            "ctrl+k",
            "copy_pinpoint",
            "Copy cite",
            tooltip="Copy the provision's pinpoint citation (printed page) to the clipboard",
        ),
        Binding(
            "ctrl+s",
            "retry",
            "Retry save",
            show=False,
            tooltip="Retry saving annotations the store refused",
        ),
    ]

    @dataclass
    class Loaded(Message):
        view: ProvisionView

    @dataclass
    class AnnotationsFresh(Message):
        place: Place
        annotations: list[Annotation]
        colours: dict[str, str]
        error: str | None

    @dataclass
    class AnnotationSaved(Message):
        annotation: Annotation

    @dataclass
    class AnnotationRefused(Message):
        error: str

    @dataclass
    class AlreadyLabelled(Message):
        error: str

    @dataclass
    class HistoryMoved(Message):
        """An undo, redo, edit or delete was written (or refused: ``error``)."""

        message: str
        error: bool = False

    def __init__(self, place: Place, *, outline: bool = False) -> None:
        super().__init__()
        self.place = place
        self.trail: list[Place] = []  # where Back returns to
        self.view: ProvisionView | None = None
        self.quote: QuoteChoice | None = None
        self.focus_outline_first = outline
        self.label_keys: dict[str, LabelInfo] = {}
        # Label keys write only in annotate mode, so text typed by mistake writes nothing.
        self.annotating = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="breadcrumb")
        yield Static("", id="legend")
        with Horizontal(id="reader-body"):
            yield OutlineTree(id="outline")
            with VerticalScroll(id="reader-scroll"):
                yield Static("", id="before", classes="context")
                yield Static("", id="heading")
                yield Static("Loading…", id="provision")
                yield Static("", id="children")
                yield QuoteArea(
                    "", id="quote-area", read_only=True, soft_wrap=True, show_cursor=True
                )
                yield Static("", id="footnotes")
                yield Static("", id="after", classes="context")
            with Vertical(id="reader-side"):
                yield Label("References (Enter follows)", classes="side-title")
                yield OptionList(id="refs")
                yield Label("Annotations", classes="side-title")
                with VerticalScroll(id="annotations-scroll"):
                    yield Static("", id="quote-pending")
                    yield AnnotationPanel(id="annotations")
                    yield Static("", id="unsaved")
                yield Static("", id="label-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#quote-area").display = False
        self._bind_label_keys()
        self._show_mode()
        self.load(self.place)

    # --- modes: annotate mode and the quote selection --------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "label":
            return self.annotating  # hidden from the footer, and inert, outside annotate mode
        if action == "leave_mode":
            return self.annotating or self._quoting()
        if action == "back":
            return not (self.annotating or self._quoting())
        if action in ANNOTATE_MODE_OFF:
            # In annotate mode the footer keeps to what matters there: the label keys,
            # next/previous, quote, note, undo/redo and Esc.
            return not self.annotating
        return True

    def _quoting(self) -> bool:
        try:
            return bool(self.query_one("#quote-area").display)
        except Exception:  # not composed yet
            return False

    def action_annotate_mode(self) -> None:
        area = self.query_one("#quote-area", QuoteArea)
        if area.display:
            # Entering annotate mode from the quote selector: the selection is the quote.
            self.quote = area.chosen_span() or self.quote
            self._leave_quote_mode()
            self._show_quote()
        self.annotating = True
        self._show_mode()

    def action_leave_mode(self) -> None:
        if self._quoting():
            self._leave_quote_mode()
        elif self.annotating:
            self.annotating = False
        self._show_mode()

    def _show_mode(self) -> None:
        scroll = self.query_one("#reader-scroll", VerticalScroll)
        scroll.set_class(self.annotating, "-annotate")
        if self.annotating:
            keys_shown = " ".join(info.key for info in self.label_keys.values())
            scroll.border_title = f"ANNOTATE MODE · label keys {keys_shown} write · Esc leaves"
        else:
            scroll.border_title = "Reader · Ctrl+A annotate"
        self.refresh_bindings()

    def _bind_label_keys(self) -> None:
        try:
            scheme = self.session.label_scheme()
        except CorpusToolError as exc:
            self.query_one("#label-keys", Static).update(Text(f"No label keys: {exc}", style="dim"))
            return
        help_text = Text()
        for label in scheme:
            key = label.key.strip()
            if not key:
                continue
            textual_key = keys.textual_key(key)
            self._bindings.key_to_bindings.pop(textual_key, None)
            self.label_keys[textual_key] = label
            # Shown in the footer only in annotate mode (check_action hides them otherwise).
            self._bindings.bind(
                textual_key, f"label({label.name!r})", label.name, show=True, key_display=key
            )
            help_text.append(f" {key} ", style="bold reverse")
            help_text.append(f" {label.name}\n", style=label.colour or "")
        self.query_one("#label-keys", Static).update(help_text)

    # --- loading ---------------------------------------------------------------------
    def load(self, place: Place) -> None:
        self.place = place
        self.gather(place)

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def gather(self, place: Place) -> None:
        session = self.session
        bundle = session.bundle(place.doc_id)
        if bundle is None:
            raise StoreError(f"no document {place.doc_id!r} in the workspace")
        provision = bundle.provision(place.provision_id) if place.provision_id else None
        if provision is None:
            ordered = sorted(bundle.provisions, key=lambda p: p.order)
            if not ordered:
                raise StoreError(f"document {place.doc_id!r} has no provisions")
            provision = ordered[0]
            place = Place(place.doc_id, provision.id, place.highlights)
        tags = session.tags_for(place.doc_id, provision.id)
        annotation_error = None
        try:
            annotations = session.annotations_for(place.doc_id, provision.id)
        except CorpusToolError as exc:
            annotations, annotation_error = [], str(exc)
        labels = {t.label for t in tags} | {lab for a in annotations for lab in a.labels}
        before, after = session.neighbours(provision)
        targets = {}
        for ref in provision.refs:
            if ref.target:
                target = bundle.provision(ref.target)
                if target is not None:
                    targets[ref.target] = target.citation
        view = ProvisionView(
            place=place,
            provision=provision,
            doc_title=short_title(bundle),
            tags=tags,
            annotations=annotations,
            before=before,
            after=after,
            colours=session.label_colours(labels),
            targets=targets,
            annotation_error=annotation_error,
            children=tuple(session.children_shown(provision)),
        )
        view.printed_pages, view.pinpoint = session.page_fields(provision)
        view.page_labels = session.page_labels(place.doc_id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(view))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        view = event.view
        self.view = view
        self.place = view.place
        p = view.provision
        self.query_one("#breadcrumb", Static).update(
            render.breadcrumb(p, view.doc_title, view.printed_pages)
        )
        self.query_one("#legend", Static).update(render.legend(view.colours))
        heading = Text(p.citation, style="bold")
        if p.heading:
            heading.append(f"  {p.heading}", style="bold italic")
        heading.append(f"   [{p.kind}]", style="dim")
        self.query_one("#heading", Static).update(heading)
        self.query_one("#provision", Static).update(
            render.provision_text(
                p,
                highlights=view.place.highlights,
                tags=view.tags,
                colours=view.colours,
                annotations=view.annotations,
            )
        )
        children = self.query_one("#children", Static)
        children.update(_children_text(view.children))
        children.display = bool(view.children)
        self.query_one("#before", Static).update(render.context_text("Before", view.before))
        self.query_one("#after", Static).update(render.context_text("After", view.after))
        footnotes = self.query_one("#footnotes", Static)
        footnotes.update(render.footnotes_text(p, view.page_labels))
        footnotes.display = bool(p.footnotes)
        self._show_refs(view)
        self._show_annotations()
        self._leave_quote_mode()
        self.quote = None
        self._show_quote()
        bundle = self.session.bundle(p.doc_id)
        outline = self.query_one("#outline", OutlineTree)
        if bundle is not None:
            outline.show_document(bundle)
            outline.reveal(p.id)
        self.query_one("#reader-scroll", VerticalScroll).scroll_home(animate=False)
        if self.focus_outline_first:
            self.focus_outline_first = False
            outline.focus()

    # --- live updates (a colleague's annotation on a shared store) ----------------------
    def annotations_changed(self) -> None:
        """Show the current provision's annotations again, leaving place, scroll and focus."""
        if self.view is not None:
            self.gather_annotations(self.view.place)

    @work(thread=True, exclusive=True, group="reader-live", exit_on_error=False)
    def gather_annotations(self, place: Place) -> None:
        session = self.session
        if place.provision_id is None:
            return
        error = None
        try:
            annotations = session.annotations_for(place.doc_id, place.provision_id)
        except CorpusToolError as exc:
            annotations, error = [], str(exc)
        tags = session.tags_for(place.doc_id, place.provision_id)
        labels = {t.label for t in tags} | {lab for a in annotations for lab in a.labels}
        colours = session.label_colours(labels)
        if not get_current_worker().is_cancelled:
            self.post_message(self.AnnotationsFresh(place, annotations, colours, error))

    @on(AnnotationsFresh)
    def _annotations_fresh(self, event: AnnotationsFresh) -> None:
        view = self.view
        if view is None or view.place != event.place:
            return  # the reader moved on meanwhile; its own load read them
        view.annotations = event.annotations
        view.colours = event.colours
        view.annotation_error = event.error
        self.query_one("#legend", Static).update(render.legend(view.colours))
        self.query_one("#provision", Static).update(
            render.provision_text(
                view.provision,
                highlights=view.place.highlights,
                tags=view.tags,
                colours=view.colours,
                annotations=view.annotations,
            )
        )
        self._show_annotations()

    def _show_refs(self, view: ProvisionView) -> None:
        refs = self.query_one("#refs", OptionList)
        refs.clear_options()
        for i, ref in enumerate(view.provision.refs):
            label = Text(ref.text, style="bold")
            if ref.target and ref.target in view.targets:
                label.append(f"  → {view.targets[ref.target]}", style=render.REFERENCE_STYLE)
                refs.add_option(Option(label, id=str(i)))
            elif ref.target_doc:
                label.append(f"  → {ref.target_doc}", style=render.REFERENCE_STYLE)
                refs.add_option(Option(label, id=str(i)))
            else:
                label.append(f"  ({ref.external or 'not resolved'})", style="dim")
                refs.add_option(Option(label, id=str(i), disabled=True))
        if not view.provision.refs:
            refs.add_option(Option(Text("no cross-references", style="dim"), disabled=True))
        first = next((i for i, o in enumerate(refs.options) if not o.disabled), None)
        refs.highlighted = first

    def _show_annotations(self) -> None:
        view = self.view
        panel = self.query_one("#annotations", AnnotationPanel)
        if view is None:
            panel.show([], {}, None)
        else:
            panel.show(view.annotations, view.colours, view.annotation_error)
        unsaved = Text()
        for item in self.session.pending:
            kw = item.kwargs
            unsaved.append("UNSAVED ", style="bold white on red")
            unsaved.append(f"{kw.get('doc_id')} {kw.get('provision_id')} ")
            unsaved.append(", ".join(kw.get("labels", ())), style="bold")
            if kw.get("note"):
                unsaved.append(f" {kw['note']}")
            unsaved.append("\n")
        if self.session.pending:
            unsaved.append("Ctrl+S retries; they are also retried on the next save.", style="dim")
        widget = self.query_one("#unsaved", Static)
        widget.update(unsaved)
        widget.display = bool(self.session.pending)

    # --- navigation ---------------------------------------------------------------------
    def go(self, place: Place) -> None:
        self.trail.append(self.place)
        self.load(place)

    def action_back(self) -> None:
        if self.annotating or self._quoting():
            self.action_leave_mode()
            return
        self.app.pop_screen()

    def action_previous_place(self) -> None:
        if self.trail:
            self.load(self.trail.pop())
        else:
            self.notify(
                "This is the first provision you opened here; Esc goes back to the results."
            )

    def action_find(self) -> None:
        # Whatever opened the reader (results, palette, review), Ctrl+F is the query bar.
        self.corpus_app.on_search_screen("action_focus_query")

    def action_step(self, delta: int) -> None:
        if self.view is None:
            return
        target = self.session.step(self.view.provision, delta)
        if target is not None:
            self.go(Place(target.doc_id, target.id))

    @on(OptionList.OptionSelected, "#refs")
    def _follow(self, event: OptionList.OptionSelected) -> None:
        if self.view is None or event.option_id is None:
            return
        ref = self.view.provision.refs[int(event.option_id)]
        if ref.target:
            self.go(Place(self.view.provision.doc_id, ref.target))
        elif ref.target_doc:
            self.go(Place(ref.target_doc, None))

    @on(OutlineTree.Chosen)
    def _outline_chosen(self, event: OutlineTree.Chosen) -> None:
        if event.provision_id != self.place.provision_id:
            self.go(Place(event.doc_id, event.provision_id))

    def action_focus_outline(self) -> None:
        self.query_one("#outline", OutlineTree).focus()

    def action_focus_refs(self) -> None:
        self.query_one("#refs", OptionList).focus()

    # --- the pinpoint citation (issue 11) -------------------------------------------------
    def action_copy_pinpoint(self) -> None:
        if self.view is None:
            return
        cite = self.view.pinpoint or self.view.provision.citation
        self.app.copy_to_clipboard(cite)
        self.notify(cite, title="Copied the pinpoint citation", timeout=5)

    def action_focus_annotations(self) -> None:
        self.query_one("#annotations", AnnotationPanel).focus()

    # --- quotes --------------------------------------------------------------------------
    def action_select_quote(self) -> None:
        if self.view is None:
            return
        area = self.query_one("#quote-area", QuoteArea)
        area.load_text(self.view.provision.text)
        self.query_one("#provision").display = False
        area.display = True
        area.focus()
        self.refresh_bindings()  # Esc now leaves the selection

    def _leave_quote_mode(self) -> None:
        area = self.query_one("#quote-area", QuoteArea)
        if area.display:
            area.display = False
            self.query_one("#provision").display = True
            self.query_one("#refs", OptionList).focus()
            self.refresh_bindings()

    @on(QuoteArea.Chosen)
    def _quote_chosen(self, event: QuoteArea.Chosen) -> None:
        if event.quote is not None:
            self.quote = event.quote
        self._leave_quote_mode()
        self._show_quote()

    def _show_quote(self) -> None:
        widget = self.query_one("#quote-pending", Static)
        if self.quote is None:
            widget.update("")
            widget.display = False
            return
        text = Text("Quote: ", style="bold")
        text.append(f"“{self.quote.exact}”", style="italic")
        hint = "a label key" if self.annotating else "Ctrl+A then a label key"
        text.append(f"\nPress {hint}, or Ctrl+N, to annotate it.", style="dim")
        widget.update(text)
        widget.display = True

    # --- annotating ----------------------------------------------------------------------
    def _annotation_kwargs(self, labels: tuple[str, ...], note: str = "") -> dict[str, Any] | None:
        if self.view is None:
            return None
        p = self.view.provision
        kwargs: dict[str, Any] = {
            "doc_id": p.doc_id,
            "provision_id": p.id,
            "labels": labels,
            "note": note,
        }
        if self.quote is not None:
            kwargs["quote"] = self.quote.exact
            kwargs["position"] = (self.quote.start, self.quote.end)
        return kwargs

    def action_label(self, name: str) -> None:
        if not self.annotating:
            return  # check_action already keeps label keys inert outside annotate mode
        kwargs = self._annotation_kwargs((name,))
        if kwargs is not None:
            self.save_annotation(kwargs)

    def action_note(self) -> None:
        if self.view is None:
            return

        def done(request: NoteRequest | None) -> None:
            if request is None:
                return
            kwargs = self._annotation_kwargs(request.labels, request.note)
            if kwargs is not None:
                self.save_annotation(kwargs)

        quote = self.quote.exact if self.quote else None
        self.app.push_screen(NoteEditor(self.view.provision.citation, quote, self._names()), done)

    def _names(self) -> list[str]:
        try:
            return [lab.name for lab in self.session.label_scheme()]
        except CorpusToolError:
            return []

    @work(thread=True, exclusive=False, group="annotate", exit_on_error=False)
    def save_annotation(self, kwargs: dict[str, Any]) -> None:
        try:
            created = self.session.annotate(**kwargs)
        except DuplicateLabelError as exc:
            self.post_message(self.AlreadyLabelled(str(exc)))
            return
        except StoreError as exc:
            self.post_message(self.AnnotationRefused(str(exc)))
            return
        self.post_message(self.AnnotationSaved(created))

    @on(AnnotationSaved)
    def _saved(self, event: AnnotationSaved) -> None:
        self.corpus_app.note_write()
        self.quote = None
        labels = ", ".join(event.annotation.labels) or "note"
        self.notify(f"Annotated {self._cite()}: {labels} — Ctrl+Z undoes", timeout=4)
        self.load(self.place)

    @on(AlreadyLabelled)
    def _already(self, event: AlreadyLabelled) -> None:
        self.notify(f"Already labelled: {event.error}", severity="warning", timeout=5)

    def _cite(self) -> str:
        return self.view.provision.citation if self.view is not None else ""

    @on(AnnotationRefused)
    def _refused(self, event: AnnotationRefused) -> None:
        self.corpus_app.note_write()
        self.notify(
            f"Not saved — kept in the unsaved list ({len(self.session.pending)}); "
            f"Ctrl+S retries. {event.error}",
            title="Annotation store",
            severity="error",
            timeout=10,
        )
        self.quote = None
        self._show_quote()
        self._show_annotations()

    def action_retry(self) -> None:
        if not self.session.pending:
            self.notify("Nothing unsaved.")
            return
        self.retry_saving()

    @work(thread=True, exclusive=True, group="annotate-retry", exit_on_error=False)
    def retry_saving(self) -> None:
        try:
            saved = self.session.retry_pending()
        except StoreError as exc:
            self.post_message(self.AnnotationRefused(str(exc)))
            return
        self.app.call_from_thread(self.notify, f"Saved {saved} pending annotation(s).")
        self.app.call_from_thread(self.load, self.place)

    # --- undo, redo, edit and delete (the session's History) ---------------------------
    def action_undo(self) -> None:
        self.move_history("undo")

    def action_redo(self) -> None:
        self.move_history("redo")

    @work(thread=True, exclusive=True, group="annotate-history", exit_on_error=False)
    def move_history(self, which: str) -> None:
        session = self.session
        try:
            action = session.undo() if which == "undo" else session.redo()
        except StoreError as exc:
            self.post_message(self.HistoryMoved(str(exc), error=True))
            return
        if action is None:
            message = "Nothing to undo." if which == "undo" else "Nothing to redo."
        elif which == "undo":
            message = f"Undone: {action.summary} — Ctrl+Y redoes"
        else:
            message = f"Redone: {action.summary} — Ctrl+Z undoes"
        self.post_message(self.HistoryMoved(message))

    @on(HistoryMoved)
    def _history_moved(self, event: HistoryMoved) -> None:
        self.corpus_app.note_write()
        self.notify(event.message, severity="error" if event.error else "information", timeout=5)
        self.load(self.place)

    @on(AnnotationPanel.EditRequested)
    def _edit_requested(self, event: AnnotationPanel.EditRequested) -> None:
        ann = event.annotation
        quote = ann.quote.exact if ann.quote else None

        def done(request: NoteRequest | None) -> None:
            if request is not None:
                self.edit_annotation(ann.id, request.note, request.labels)

        self.app.push_screen(
            NoteEditor(
                self._cite(),
                quote,
                self._names(),
                note=ann.note,
                checked=ann.labels,
                title=f"Edit annotation on {self._cite()}",
            ),
            done,
        )

    @work(thread=True, exclusive=True, group="annotate-history", exit_on_error=False)
    def edit_annotation(self, annotation_id: str, note: str, labels: tuple[str, ...]) -> None:
        try:
            self.session.edit_annotation(annotation_id, note=note, labels=labels)
        except StoreError as exc:
            self.post_message(self.HistoryMoved(f"Not edited: {exc}", error=True))
            return
        self.post_message(
            self.HistoryMoved(f"Edited the annotation on {self._cite()} — Ctrl+Z undoes")
        )

    @on(AnnotationPanel.DeleteRequested)
    def _delete_requested(self, event: AnnotationPanel.DeleteRequested) -> None:
        self.delete_annotation(event.annotation.id)

    @work(thread=True, exclusive=True, group="annotate-history", exit_on_error=False)
    def delete_annotation(self, annotation_id: str) -> None:
        try:
            gone = self.session.delete_annotation(annotation_id)
        except StoreError as exc:
            self.post_message(self.HistoryMoved(f"Not deleted: {exc}", error=True))
            return
        what = ", ".join(gone.labels) or "note"
        self.post_message(self.HistoryMoved(f"Deleted {what} on {self._cite()} — Ctrl+Z undoes"))


def _children_text(children: tuple[Provision, ...]) -> Text:
    """The points (or other children) of a unit whose own text is only a lead-in."""
    text = Text()
    for i, child in enumerate(children):
        if i:
            text.append("\n")
        text.append(child.citation, style="bold")
        text.append("  ")
        text.append(" ".join(child.text.split()))
    return text
