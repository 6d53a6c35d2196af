"""The main screen: inboxes | ticket list | conversation | customer. Every action works
on the highlighted ticket without opening it (SPEC V12)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from helpspace_tui import render
from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Status, Ticket
from helpspace_tui.screens.compose import ComposeScreen
from helpspace_tui.screens.dialogs import (
    PickScreen,
    PromptScreen,
)
from helpspace_tui.screens.notifications import NotificationsScreen
from helpspace_tui.screens.reports import ReportsScreen
from helpspace_tui.screens.ticket_actions import TicketActions
from helpspace_tui.services import actions
from helpspace_tui.services.attachments import list_attachments, save_all, save_attachment
from helpspace_tui.services.delivery import deliver_outbox
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.drafts import discard_draft, load_draft, save_draft
from helpspace_tui.services.errors import ActionError
from helpspace_tui.services.inboxes import inbox_counts
from helpspace_tui.store import StoreError
from helpspace_tui.widgets.conversation import Conversation, human_size
from helpspace_tui.widgets.customer_card import CustomerCard
from helpspace_tui.widgets.inbox_list import InboxList
from helpspace_tui.widgets.ticket_table import TicketTable

NARROW = 140  # below this many columns the conversation replaces the list when opened
WIDE = 170  # from this many columns on, the customer card has its own column



class MainScreen(TicketActions, Screen[None]):
    BINDINGS = [
        Binding("r", "reply", "Reply", id="main.reply"),
        Binding("n", "note", "Note", id="main.note"),
        Binding("t", "tags", "Tags", id="main.tags"),
        Binding("a", "assign", "Assign", id="main.assign"),
        Binding("s", "status", "Status", id="main.status"),
        Binding("escape", "back", "Back", show=False, id="main.back"),
        Binding("i", "focus_inboxes", "Go to the inboxes", show=False, id="main.inboxes"),
        Binding("l", "focus_list", "Go to the ticket list", show=False, id="main.list"),
        Binding("c", "focus_conversation", "Read the conversation", show=False, id="main.conversation"),
        Binding("v", "toggle_details", "Details: To, Message-ID, why threaded", show=False,
                id="main.details"),
        Binding("z", "toggle_quotes", "Show or fold quoted text", show=False, id="main.quotes"),
        Binding("o", "save_attachment", "Save attachment", show=False, id="main.save_attachment"),
        Binding("S", "save_all", "Save all attachments", show=False, id="main.save_all"),
        Binding("w", "follow", "Follow", show=False, id="main.follow"),
        Binding("exclamation_mark", "spam", "Spam / not spam", show=False, id="main.spam"),
        Binding("d", "delete", "Delete (to Trash)", show=False, id="main.delete"),
        Binding("u", "restore", "Restore from Trash", show=False, id="main.restore"),
        Binding("f", "filter_tag", "Filter by tag", show=False, id="main.filter_tag"),
        Binding("N", "notifications", "Notifications", show=False, id="main.notifications"),
        Binding("R", "reports", "Reports", show=False, id="main.reports"),
        Binding("slash", "search", "Search", id="main.search"),
    ]

    DEFAULT_CSS = """
    MainScreen #panes { height: 1fr; }
    MainScreen #inboxes { width: 18; border: none; border-right: vkey $primary 50%; }
    MainScreen #list-pane { width: 1fr; min-width: 40; }
    MainScreen #list-head { height: 1; padding: 0 1; color: $text-muted; }
    MainScreen #tickets { height: 1fr; }
    MainScreen #reading { width: 1.2fr; border-left: vkey $primary 50%; }
    MainScreen #conversation { width: 1fr; }
    MainScreen #customer { width: 24; border-left: vkey $primary 30%; }
    MainScreen #status-line { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    MainScreen.-narrow #customer, MainScreen.-medium #customer { display: none; }
    MainScreen.-narrow #inboxes { width: 16; }
    MainScreen.-narrow #reading { display: none; }
    MainScreen.-narrow.-reading #reading { display: block; border-left: none; }
    MainScreen.-narrow.-reading #list-pane { display: none; }
    MainScreen.-narrow.-reading #inboxes { display: none; }
    """

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.inbox = InboxRef("unassigned")
        self.tag: str | None = None  # T1: the list filtered by one tag
        self.search: str | None = None  # words every listed ticket matches
        self.tz = desk.config.tz()

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        store, agent = self.desk.store, self.desk.agent
        with Horizontal(id="panes"):
            yield InboxList(id="inboxes")
            with Vertical(id="list-pane"):
                yield Static("", id="list-head")
                yield TicketTable(
                    load_ids=lambda: store.tickets.ids(self.inbox, agent.id, tag=self.tag,
                                                       search=self.search),
                    load_rows=store.tickets.get_many,
                    load_drafts=lambda: store.drafts.ticket_ids(agent.id),
                    id="tickets",
                )
            with Horizontal(id="reading"):
                yield Conversation(id="conversation")
                with Vertical(id="customer"):
                    yield CustomerCard()
        yield Static("", id="status-line")
        yield Footer()

    @property
    def table(self) -> TicketTable:
        return self.query_one(TicketTable)

    @property
    def current(self) -> Ticket | None:
        return self.table.current

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.set_class(self.size.width < WIDE, "-medium")

    # -- data ----------------------------------------------------------------------------
    def refresh_data(self, keep_ticket: int | None = None) -> None:
        """Counts, list and open conversation from the store (after our change or
        another agent's)."""
        keep = keep_ticket if keep_ticket is not None else (
            self.current.id if self.current else None)
        self.query_one(InboxList).show_counts(inbox_counts(self.desk.store, self.desk.agent))
        tagged = f" tagged #{self.tag}" if self.tag else ""
        found = f" matching '{self.search}'" if self.search else ""
        self.table.empty_text = f"No tickets{tagged}{found} in {self.inbox.title}."
        self.table.reload(keep)
        self.show_list_head()
        self.show_ticket(self.current, keep_scroll=True)

    def show_list_head(self) -> None:
        head = Text(no_wrap=True)
        head.append(self.inbox.title, "bold")
        head.append(f" · {self.table.total} ticket{'s' if self.table.total != 1 else ''}")
        if self.tag:
            head.append(" · ")
            head.append_text(render.line(f"#{self.tag}", "yellow"))
            head.append(" (f changes)", "dim")
        if self.search:
            head.append(" · ")
            head.append_text(render.line(f"matching '{self.search}'", "bold"))
            head.append(" (/ changes, esc clears)", "dim")
        if self.table.marked:
            head.append(f" · {len(self.table.marked)} marked", "bold magenta")
        self.query_one("#list-head", Static).update(head)

    def show_ticket(self, ticket: Ticket | None, *, keep_scroll: bool = False) -> None:
        store = self.desk.store
        if ticket is not None:
            ticket = store.tickets.get(ticket.id) or ticket
            messages = store.messages.for_ticket(ticket.id)
            history = store.tickets.history(ticket.id)
            others = store.tickets.for_customer(ticket.customer.addr)
        else:
            messages, history, others = [], [], []
        self.query_one(Conversation).show(ticket, messages, history, self.tz,
                                          keep_scroll=keep_scroll)
        self.query_one(CustomerCard).show(ticket, others)

    @property
    def ready(self) -> bool:
        """Composed and not being torn down: timers may draw on it."""
        return self.is_attached and bool(self.query("#status-line"))

    def set_status_line(self, text: str) -> None:
        self.query_one("#status-line", Static).update(render.line(text))

    # -- events --------------------------------------------------------------------------
    def on_inbox_list_chosen(self, event: InboxList.Chosen) -> None:
        if event.inbox == self.inbox:
            return
        self.inbox = event.inbox
        self.table.cursor = 0
        self.refresh_data()

    def on_ticket_table_highlighted(self, event: TicketTable.Highlighted) -> None:
        conv = self.query_one(Conversation)
        if event.ticket is None or event.ticket.id != conv.ticket_id:
            self.show_ticket(event.ticket)

    def on_ticket_table_opened(self, event: TicketTable.Opened) -> None:
        self.add_class("-reading")
        self.query_one(Conversation).focus()

    def action_back(self) -> None:
        if self.table.marked:
            self.table.clear_marks()
            return
        if self.search and not self.has_class("-reading"):
            self.search = None
            self.refresh_data()
            return
        if self.has_class("-reading") or self.focused is self.query_one(Conversation):
            self.remove_class("-reading")
            self.table.focus()

    def action_focus_inboxes(self) -> None:
        self.remove_class("-reading")
        self.query_one(InboxList).focus()

    def action_focus_list(self) -> None:
        self.remove_class("-reading")
        self.table.focus()

    def action_focus_conversation(self) -> None:
        self.add_class("-reading")
        self.query_one(Conversation).focus()

    def action_toggle_details(self) -> None:
        """Show To, Message-ID and why each mail was threaded into this ticket (M2)."""
        conv = self.query_one(Conversation)
        conv.details = not conv.details
        self.show_ticket(self.current, keep_scroll=True)

    def action_toggle_quotes(self) -> None:
        conv = self.query_one(Conversation)
        conv.fold_quotes = not conv.fold_quotes
        self.show_ticket(self.current, keep_scroll=True)

    def _downloads(self) -> Path:
        return self.desk.config.agent.downloads()

    def action_save_attachment(self) -> None:
        t = self._ticket_or_warn()
        if t is None:
            return
        atts = list_attachments(self.desk.store, t.id)
        if not atts:
            self.notify(f"#{t.id} has no attachments.", markup=False)
            return
        choices = [(str(n), f"{n}. {a.filename} ({a.content_type}, {human_size(a.size)})")
                   for n, a in enumerate(atts, start=1)]

        def done(value: str | None) -> None:
            if value is None:
                return
            try:
                path = save_attachment(self.desk.store, t.id, int(value), self._downloads())
            except (ActionError, OSError) as e:
                self.notify(str(e), title="Not saved", severity="error", markup=False)
                return
            self.notify(f"Saved {path}", markup=False)

        self.app.push_screen(PickScreen(f"Save an attachment of #{t.id} to {self._downloads()}",
                                        choices), done)

    def action_save_all(self) -> None:
        t = self._ticket_or_warn()
        if t is None:
            return
        try:
            paths = save_all(self.desk.store, t.id, self._downloads())
        except (ActionError, OSError) as e:
            self.notify(str(e), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"Saved {len(paths)} file{'s' if len(paths) != 1 else ''} to "
                    f"{self._downloads()}", markup=False)

    # -- actions on the highlighted ticket (V12) -------------------------------------------
    def _ticket_or_warn(self) -> Ticket | None:
        t = self.current
        if t is None:
            self.notify("No ticket selected.", severity="warning", markup=False)
        return t

    def _apply(self, what: str, fn, *args, **kwargs) -> bool:  # noqa: ANN001, ANN002, ANN003
        try:
            t = fn(self.desk.store, self.desk.agent, *args, **kwargs)
        except (ActionError, StoreError) as e:
            self.notify(str(e), title=f"{what} failed", severity="error", markup=False)
            return False
        self.refresh_data(keep_ticket=t.id)
        return True

    def action_reply(self) -> None:
        self._write("reply")

    def action_note(self) -> None:
        self._write("note")

    def _write(self, kind: str) -> None:
        t = self._ticket_or_warn()
        if t is None:
            return
        if kind == "reply" and not self.desk.can_send():
            self.notify("Replies need an [smtp] section in the config.", severity="error",
                        markup=False)
            return
        store, agent = self.desk.store, self.desk.agent
        if kind == "reply":
            heading = [f"Reply to #{t.id}: {t.subject}", f"To: {t.customer}",
                       f"From: {self.desk.sender_address}"]
        else:
            others = [a.name for a in store.agents.list() if a.id != agent.id]
            heading = [f"Internal note on #{t.id}: {t.subject}",
                       "Only agents see notes; they are never mailed."
                       + (f" @name (Tab completes) makes an agent follow and notifies them: "
                          f"{', '.join('@' + n for n in others[:8])}" if others else "")]

        def keep(text: str) -> None:
            try:
                save_draft(store, agent, t.id, kind, text)
            except StoreError as e:
                self.notify(f"draft not saved: {e}", severity="error", markup=False)

        def done(text: str | None) -> None:
            if text is None:
                self.refresh_data()  # the list marks a kept draft with ✎
                return
            if kind == "reply":
                try:
                    attached = [(p.name, p.read_bytes()) for p in files or []]
                except OSError as e:
                    self.notify(f"Not sent: {e}", severity="error", markup=False)
                    return  # the draft stays
                ok = self._apply("Reply", actions.reply, t.id, text,
                                 sender=self.desk.sender_address, attachments=attached)
                if ok:
                    self.deliver()
            else:
                ok = self._apply("Note", actions.note, t.id, text)
            if ok:  # R6: a reply that could not be saved keeps its draft
                discard_draft(store, agent, t.id, kind)

        mentions = [a.name for a in store.agents.list() if a.id != agent.id] \
            if kind == "note" else []
        files: list[Path] | None = [] if kind == "reply" else None
        self.app.push_screen(ComposeScreen(kind, heading, load_draft(store, agent, t.id, kind), keep,
                                           mentions, files), done)

    def on_ticket_table_marks_changed(self, event: TicketTable.MarksChanged) -> None:
        self.show_list_head()

    def action_notifications(self) -> None:
        """W1: what happened on followed tickets; Enter jumps to the ticket."""

        def done(ticket_id: int | None) -> None:
            if ticket_id is not None:
                self.jump_to(ticket_id)
            self.app.call_later(getattr(self.app, "update_status", lambda: None))

        self.app.push_screen(NotificationsScreen(self.desk), done)

    def action_reports(self) -> None:
        self.app.push_screen(ReportsScreen(self.desk))

    def jump_to(self, ticket_id: int) -> None:
        """Show a ticket in an inbox that has it: the current one, else All, else its own."""
        store, me = self.desk.store, self.desk.agent.id
        t = store.tickets.get(ticket_id)
        if t is None:
            self.notify(f"#{ticket_id} is gone (removed from Trash).", markup=False)
            return
        if store.tickets.position(self.inbox, me, ticket_id, tag=self.tag,
                                  search=self.search) is None:
            self.tag = self.search = None
            if t.trashed_at is not None:
                self.inbox = InboxRef("trash")
            elif t.status is Status.SPAM:
                self.inbox = InboxRef("spam")
            else:
                self.inbox = InboxRef("all")
            inboxes = self.query_one(InboxList)
            keys = [o.id for o in inboxes.options]
            if self.inbox.key in keys:
                inboxes.highlighted = keys.index(self.inbox.key)
        self.refresh_data(keep_ticket=ticket_id)
        self.table.focus()

    def action_search(self) -> None:
        """Narrow the list to tickets whose mails, notes, customer or number match; in
        All (V4: the place to search) unless an inbox is already chosen."""

        def done(value: str | None) -> None:
            if value is None:
                return
            self.search = value or None
            self.table.cursor = 0
            self.refresh_data()

        self.app.push_screen(PromptScreen(f"Search in {self.inbox.title}",
                                          "words, a customer, or #number", self.search or ""),
                             done)

    def action_filter_tag(self) -> None:
        choices = [("\x00all", "all tickets (no tag filter)")]
        choices += [(t, f"#{t}") for t in self.desk.store.tickets.all_tags()]

        def done(value: str | None) -> None:
            if value is None:
                return
            self.tag = None if value == "\x00all" else value
            self.table.cursor = 0
            self.refresh_data()

        self.app.push_screen(PickScreen("Show only tickets tagged", choices, self.tag), done)

    # -- sending -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="deliver", exit_on_error=False)
    def deliver(self) -> None:
        """Send queued replies now, off the UI thread (SMTP can be slow or down)."""
        make_sender = self.desk.make_sender()
        if make_sender is None:
            return
        desk = self.desk.reopen()
        try:
            report = deliver_outbox(desk.store, make_sender)
        finally:
            desk.store.close()
        self.app.call_from_thread(self._delivered, report.sent, report.failed)

    def _delivered(self, sent: list[int], failed: list[tuple[int, str]]) -> None:
        for ticket_id, error in failed:
            self.notify(f"Reply to #{ticket_id} not sent yet: {error}. It stays queued and is "
                        "retried.", severity="error", timeout=10, markup=False)
        if sent:
            self.notify(f"Sent {len(sent)} repl{'y' if len(sent) == 1 else 'ies'}.", markup=False)
        self.refresh_data()
