"""The ticket list: a Line API view over the store (ARCHITECTURE.md: DataTable took 17 s
to mount 100k rows). On each reload it reads only the ordered ticket ids of the inbox
(100k ids: ~0.1 s, ~4 MB); rows are read a page of ids at a time as they come into view,
so moving and paging cost what the screen shows, wherever in the list."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from helpspace_tui.domain.models import Status, Ticket
from helpspace_tui.render import cell

PAGE = 100
MAX_PAGES = 20

STATUS_LABEL = {
    Status.ESCALATED: "ESC",
    Status.OPEN: "open",
    Status.WAITING: "wait",
    Status.CLOSED: "closed",
    Status.SPAM: "spam",
}

STATUS_STYLE = {
    Status.ESCALATED: "bold red",
    Status.OPEN: "bold green",
    Status.WAITING: "dim",
    Status.CLOSED: "dim",
    Status.SPAM: "magenta",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def age(dt: datetime | None, now: datetime | None = None) -> str:
    if dt is None:
        return ""
    secs = ((now or utc_now()) - dt).total_seconds()
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{int(secs // size)}{unit}"
    return "now"


class TicketTable(ScrollView, can_focus=True):
    """Rows come from `load(offset, limit)`; `count()` says how many there are."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "open", "Open", id="list.open"),
        Binding("space", "mark", "Mark", id="list.mark"),
    ]

    COMPONENT_CLASSES = {"ticket-table--cursor"}
    DEFAULT_CSS = """
    TicketTable { background: $surface; }
    TicketTable > .ticket-table--cursor { background: $accent 40%; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, ticket: Ticket | None) -> None:
            self.ticket = ticket
            super().__init__()

        def can_replace(self, message: Message) -> bool:  # coalesce floods of j/k
            return isinstance(message, TicketTable.Highlighted)

    class MarksChanged(Message):
        def __init__(self, count: int) -> None:
            self.count = count
            super().__init__()

    class Opened(Message):
        def __init__(self, ticket: Ticket) -> None:
            self.ticket = ticket
            super().__init__()

    def __init__(self, load_ids: Callable[[], list[int]],
                 load_rows: Callable[[list[int]], list[Ticket]], *,
                 load_drafts: Callable[[], set[int]] = set, id: str | None = None) -> None:
        super().__init__(id=id)
        self._load_ids = load_ids
        self._load_drafts = load_drafts
        self.drafts: set[int] = set()  # tickets with my unfinished reply or note (R6)
        self._load_rows = load_rows
        self._ids: list[int] = []
        self._pages: OrderedDict[int, list[Ticket]] = OrderedDict()
        self.total = 0
        self.empty_text = "No tickets here."
        self.marked: set[int] = set()  # tickets picked for a bulk action (V12)

    # -- data ----------------------------------------------------------------------------
    def reload(self, keep_ticket: int | None = None) -> None:
        """Re-read from the store, keeping the cursor on `keep_ticket` if it is still here."""
        self._pages.clear()
        self._ids = self._load_ids()
        self.drafts = self._load_drafts()
        self.total = len(self._ids)
        self.marked &= set(self._ids)
        self.virtual_size = Size(self.size.width, self.total)
        target = self.cursor
        if keep_ticket is not None and keep_ticket in self._ids:
            target = self._ids.index(keep_ticket)  # else it left: stay at the same place
        self.cursor = max(0, min(target, self.total - 1))
        self.refresh()

    def row(self, index: int) -> Ticket | None:
        if not 0 <= index < self.total:
            return None
        page_no = index // PAGE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_rows(self._ids[page_no * PAGE : (page_no + 1) * PAGE])
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        offset = index - page_no * PAGE
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> Ticket | None:
        return self.row(self.cursor)

    # -- cursor ----------------------------------------------------------------------------
    def watch_cursor(self, value: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        if value < self.scroll_y:
            self.scroll_to(y=value, animate=False, immediate=True)
        elif value >= self.scroll_y + height:
            self.scroll_to(y=value - height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def action_cursor_down(self) -> None:
        if self.cursor < self.total - 1:
            self.cursor += 1

    def action_cursor_up(self) -> None:
        if self.cursor > 0:
            self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self.total - 1)

    def action_page_down(self) -> None:
        self.cursor = min(self.total - 1, self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.cursor = max(0, self.cursor - max(1, self.size.height - 1))

    def action_mark(self) -> None:
        t = self.current
        if t is None:
            return
        self.marked.symmetric_difference_update({t.id})
        self.post_message(self.MarksChanged(len(self.marked)))
        if self.cursor < self.total - 1:
            self.cursor += 1
        else:
            self.refresh()

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.post_message(self.MarksChanged(0))
            self.refresh()

    def action_open(self) -> None:
        t = self.current
        if t is not None:
            self.post_message(self.Opened(t))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self.cursor = max(0, min(self.total - 1, int(self.scroll_y) + y))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)

    # -- drawing ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = int(self.scroll_y) + y
        if self.total == 0:
            if y == 0:
                return Strip([Segment(cell(" " + self.empty_text, width), Style(dim=True))])
            return Strip.blank(width)
        t = self.row(index)
        if t is None:
            return Strip.blank(width)
        row = self._format(t, width)
        if index == self.cursor:
            cursor_style = self.get_component_rich_style("ticket-table--cursor")
            if not self.has_focus:
                cursor_style = Style(underline=True) + cursor_style
            row.stylize(cursor_style)
        segments = list(row.render(self.app.console))
        return Strip(segments).adjust_cell_length(width)

    def _format(self, t: Ticket, width: int) -> Text:
        # S3: waiting tickets are dimmed at the end of the list; closed ones too
        waiting = t.status in (Status.WAITING, Status.CLOSED)
        status = STATUS_LABEL[t.status] + ("⏲" if t.waiting_until else "")
        customer_w = 20 if width >= 100 else 14
        assignee_w = 8 if width >= 60 else 0
        tags = " ".join(f"#{x}" for x in t.tags)
        tags_w = min(len(tags), 24) if width >= 110 else 0
        # " status customer subject age[ assignee][ tags]": separators and fixed columns
        fixed = 1 + 6 + 1 + customer_w + 1 + 1 + 4
        fixed += (1 + assignee_w if assignee_w else 0) + (1 + tags_w if tags_w else 0)
        subject_w = max(8, width - fixed)
        row = Text(no_wrap=True, end="")
        row.append("●" if t.id in self.marked else " ", "bold magenta")
        row.append(cell(status, 6), STATUS_STYLE[t.status])
        row.append(" ")
        row.append(cell(t.customer.name or t.customer.addr, customer_w), "dim" if waiting else "")
        row.append(" ")
        if t.id in self.drafts:  # a reply or note of mine waits here, unfinished
            row.append("✎ ", "bold yellow")
            subject_w -= 2
        row.append(cell(t.subject, subject_w), "dim" if waiting else "bold")
        row.append(" ")
        row.append(cell(age(t.last_customer_at), 4).rjust(4), "dim")
        if assignee_w:
            row.append(" ")
            if t.assignee:
                row.append(cell(t.assignee, assignee_w), "cyan")
            else:  # A1: a team-only ticket shows its team
                row.append(cell(f"@{t.team}" if t.team else "·", assignee_w),
                           "magenta" if t.team else "dim")
        if tags_w:
            row.append(" ")
            row.append(cell(tags, tags_w), "yellow")
        return row
