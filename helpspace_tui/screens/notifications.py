"""SPEC W1/R5: the agent's notifications, unread first, then the most recent read ones.

Enter marks the highlighted one read and dismisses with its ticket id (the main screen
jumps to the ticket); `a` marks all read and stays open. The text and the subject came
from agents and customers, so they reach the screen through `render`."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from helpspace_tui import render
from helpspace_tui.domain.models import Notification
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.errors import ActionError
from helpspace_tui.services.notifications import list_notifications, mark_read, unread_count
from helpspace_tui.store import StoreError

UNREAD_LIMIT = 200  # more than this are counted in the title, not listed
READ_LIMIT = 50  # recent read notifications shown below the unread ones


class NotificationList(OptionList, inherit_bindings=False):
    """The list only shows; every key is the screen's binding, so key maps can move it."""


def notification_row(n: Notification, tz: tzinfo | None) -> Text:
    """One line: unread mark, time in the agent's zone, ticket, who and what, subject."""
    unread = n.read_at is None
    row = Text(no_wrap=True, overflow="ellipsis", end="")
    row.append("● " if unread else "  ", "bold cyan")
    row.append(f"{n.created_at.astimezone(tz):%d %b %H:%M}  ", "" if unread else "dim")
    row.append(f"#{n.ticket_id:<5} ", "bold" if unread else "dim")
    what = f"{n.actor}: {n.text}" if n.actor else n.text
    row.append_text(render.line(what, "bold" if unread else ""))
    row.append("  · ", "dim")
    row.append_text(render.line(n.subject, "dim"))
    return row


class NotificationsScreen(ModalScreen[int | None]):
    BINDINGS = [
        Binding("j,down", "move(1)", "Down", show=False, id="notifications.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="notifications.up"),
        Binding("enter", "open", "Open ticket", id="notifications.open"),
        Binding("a", "read_all", "Mark all read", id="notifications.read_all"),
        Binding("escape", "close", "Close", id="notifications.close"),
    ]
    DEFAULT_CSS = """
    NotificationsScreen { align: center middle; background: $background 50%; }
    NotificationsScreen > Vertical {
        width: 100; max-width: 95%; height: auto; max-height: 85%;
        border: round $accent; background: $panel; padding: 0 1;
    }
    NotificationsScreen .dialog-title { text-style: bold; margin: 0 0 1 0; }
    NotificationsScreen .dialog-help { color: $text-muted; margin: 1 0 0 0; }
    NotificationsScreen NotificationList { height: auto; max-height: 30; }
    NotificationsScreen #empty { color: $text-muted; }
    """

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.tz = desk.config.tz()
        self.items: list[Notification] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="title", classes="dialog-title")
            yield NotificationList(id="notifications")
            yield Static(Text("No notifications."), id="empty")
            yield Static(Text("j/k move · enter open the ticket · a mark all read · esc close"),
                         classes="dialog-help")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(NotificationList).focus()

    # -- data ----------------------------------------------------------------------------
    def _load(self) -> tuple[list[Notification], int]:
        store, agent = self.desk.store, self.desk.agent
        unread = list_notifications(store, agent, unread_only=True, limit=UNREAD_LIMIT)
        recent = list_notifications(store, agent, unread_only=False,
                                    limit=READ_LIMIT + len(unread))
        read = [n for n in recent if n.read_at is not None][:READ_LIMIT]
        return unread + read, unread_count(store, agent)

    def refresh_data(self) -> None:
        """Read the list again, keeping the highlighted notification where it can."""
        ol = self.query_one(NotificationList)
        keep = ol.highlighted
        keep_id = self.items[keep].id if keep is not None and keep < len(self.items) else None
        try:
            self.items, unread = self._load()
        except StoreError as e:
            self.items, unread = [], 0
            self.notify(f"notifications: {e}", severity="error", markup=False)
        title = "Notifications" + (f" — {unread} unread" if unread else "")
        if unread > UNREAD_LIMIT:
            title += f" (the newest {UNREAD_LIMIT} shown)"
        self.query_one("#title", Static).update(Text(title))
        ol.clear_options()
        ol.add_options([Option(notification_row(n, self.tz), id=str(n.id)) for n in self.items])
        ol.display = bool(self.items)
        self.query_one("#empty", Static).display = not self.items
        if self.items:
            ids = [n.id for n in self.items]
            ol.highlighted = ids.index(keep_id) if keep_id in ids else min(keep or 0,
                                                                             len(ids) - 1)

    @property
    def current(self) -> Notification | None:
        index = self.query_one(NotificationList).highlighted
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]

    # -- actions -------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        ol = self.query_one(NotificationList)
        ol.action_cursor_down() if step > 0 else ol.action_cursor_up()

    def action_open(self) -> None:
        n = self.current
        if n is None:
            return
        if n.read_at is None:
            try:
                mark_read(self.desk.store, self.desk.agent, [n.id])
            except (ActionError, StoreError) as e:  # the ticket is still worth opening
                self.notify(f"could not mark it read: {e}", severity="warning", markup=False)
        self.dismiss(n.ticket_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click on a row: open that one
        self.query_one(NotificationList).highlighted = event.option_index
        self.action_open()

    def action_read_all(self) -> None:
        try:
            mark_read(self.desk.store, self.desk.agent)
        except (ActionError, StoreError) as e:
            self.notify(f"could not mark them read: {e}", severity="error", markup=False)
        self.refresh_data()

    def action_close(self) -> None:
        self.dismiss(None)
