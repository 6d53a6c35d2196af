"""The conversation of one ticket: messages oldest first, notes set apart, history as
dim lines between them. Every mail text goes through render.py (SPEC M7)."""

from __future__ import annotations

from datetime import tzinfo

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from helpspace_tui import render
from helpspace_tui.domain.models import HistoryEntry, Message, MessageKind, Ticket
from helpspace_tui.mail.quotes import split_reply
from helpspace_tui.widgets.ticket_table import STATUS_STYLE

MAX_SHOWN_CHARS = 60_000  # of one message's text; rendering 2 MB took 4 s here

KIND_LABEL = {
    MessageKind.CUSTOMER: ("customer", "bold green"),
    MessageKind.AGENT: ("reply", "bold cyan"),
    MessageKind.NOTE: ("internal note", "bold yellow"),
    MessageKind.AUTO_REPLY: ("auto-reply", "magenta"),
    MessageKind.BOUNCE: ("delivery failed", "bold red"),
    MessageKind.SYSTEM: ("system", "dim"),
}


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class MessageBlock(Static):
    DEFAULT_CSS = """
    MessageBlock { padding: 0 1; margin: 1 0 1 0; border-left: wide $success; }
    MessageBlock.-agent { border-left: wide $accent; }
    MessageBlock.-note { border-left: wide $warning; background: $warning 12%; }
    MessageBlock.-auto_reply, MessageBlock.-bounce { border-left: wide $error; color: $text-muted; }
    """

    def __init__(self, message: Message, tz: tzinfo | None, details: bool = False,
                 fold: bool = True) -> None:
        self.message = message
        super().__init__(self._content(message, tz, details, fold),
                         classes=f"-{message.kind.value}")

    @staticmethod
    def _content(m: Message, tz: tzinfo | None, details: bool, fold: bool) -> Group:
        label, style = KIND_LABEL[m.kind]
        head = Text()
        head.append(f"{label}  ", style)
        if m.kind is MessageKind.NOTE:
            head.append_text(render.line(m.author or "", "bold"))
        else:
            who = m.sender.display if m.sender else "(no sender)"
            head.append_text(render.line(who, "bold"))
            if m.sender and m.sender.name:
                head.append(" ")
                head.append_text(render.line(f"<{m.sender.addr}>", "dim"))
            if m.kind is MessageKind.AGENT and m.author:
                head.append(" · by ", "dim")
                head.append_text(render.line(m.author, "dim"))
        head.append(f"  {m.date.astimezone(tz):%a %d %b %Y %H:%M}", "dim")
        if m.delivery and m.delivery != "sent":
            status_style = "bold red" if m.delivery == "failed" else "yellow"
            head.append(f"  [{m.delivery}]", status_style)
        parts: list[Text] = [head]
        if details:
            if m.to:
                parts.append(render.line("to: " + ", ".join(str(a) for a in m.to), "dim"))
            if m.message_id:
                parts.append(render.line(f"message-id: <{m.message_id}>", "dim"))
            if m.thread_reason:
                parts.append(render.line(f"threaded: {m.thread_reason}", "dim italic"))
        if m.cc:
            parts.append(render.line("cc: " + ", ".join(str(a) for a in m.cc), "dim"))
        if m.delivery_error and m.delivery != "sent":
            parts.append(render.line(f"not sent: {m.delivery_error}", "red"))
        body, cut = m.text, 0
        if len(body) > MAX_SHOWN_CHARS:  # a pasted log must not freeze the screen for seconds
            end = body.rfind("\n", 0, MAX_SHOWN_CHARS)
            end = end if end > MAX_SHOWN_CHARS // 2 else MAX_SHOWN_CHARS
            body, cut = body[:end], len(body) - end
        new, rest = split_reply(body) if fold and m.kind is not MessageKind.NOTE else (body, "")
        parts.append(render.mail_text(new.strip() or "(no text)"))
        if rest.strip():
            hidden = len(rest.strip().splitlines())
            parts.append(Text(f"··· {hidden} quoted line{'s' if hidden != 1 else ''} hidden"
                              " (z shows them)", style="dim italic"))
        if cut:
            parts.append(Text(f"··· {cut:,} more characters not shown here; "
                              f"`helpspace show {m.ticket_id}` prints the whole mail",
                              style="dim italic"))
        for n, a in enumerate(m.attachments, start=1):
            kind = "inline" if a.inline else "attachment"
            parts.append(render.line(
                f"📎 {n}. {a.filename}  {a.content_type}, {human_size(a.size)} ({kind})", "cyan"))
        return Group(*parts)


class Conversation(VerticalScroll, can_focus=True):
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="conversation.down"),
        Binding("k", "scroll_up", "Up", show=False, id="conversation.up"),
        Binding("g", "scroll_home", "Top", show=False, id="conversation.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="conversation.bottom"),
        Binding("space", "page_down", "Page down", show=False, id="conversation.page_down"),
    ]
    DEFAULT_CSS = """
    Conversation { padding: 0 1; }
    Conversation > .title { text-style: bold; margin: 0 0 1 0; }
    Conversation > .history { color: $text-muted; margin: 0 0 0 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ticket_id: int | None = None
        self.details = False  # To, Message-ID and why each mail joined this ticket
        self.fold_quotes = True  # quoted history and signatures folded: new text first

    def show(self, ticket: Ticket | None, messages: list[Message],
             history: list[HistoryEntry], tz: tzinfo | None, *, keep_scroll: bool = False) -> None:
        same = ticket is not None and ticket.id == self.ticket_id
        self.ticket_id = ticket.id if ticket else None
        y = self.scroll_y
        self.remove_children()
        if ticket is None:
            self.mount(Static(Text("No ticket selected.", style="dim")))
            return
        title = Text(no_wrap=False, end="")
        title.append(f"#{ticket.id} ", "bold")
        title.append_text(render.line(ticket.subject, "bold"))
        # the essentials in one line, for narrow terminals where the card is hidden
        title.append("\n")
        title.append(ticket.status.value, STATUS_STYLE[ticket.status])
        if ticket.waiting_until:
            title.append(f" until {ticket.waiting_until.astimezone(tz):%a %d %b %H:%M}"
                         f" → {ticket.waiting_then}", "dim")
        title.append(" · ", "dim")
        title.append_text(render.line(ticket.assignee or "unassigned",
                                      "cyan" if ticket.assignee else "dim"))
        if ticket.team:
            title.append(" · team ", "dim")
            title.append_text(render.line(ticket.team))
        if ticket.tags:
            title.append(" · ", "dim")
            title.append_text(render.line(" ".join(f"#{t}" for t in ticket.tags), "yellow"))
        title.append(" · ", "dim")
        title.append_text(render.line(str(ticket.customer), "dim"))
        widgets: list[Static] = [Static(title, classes="title")]
        events = sorted(history, key=lambda h: h.at)
        for m in messages:
            while events and events[0].at <= m.date:
                widgets.append(self._history(events.pop(0), tz))
            widgets.append(MessageBlock(m, tz, self.details, self.fold_quotes))
        widgets.extend(self._history(h, tz) for h in events)
        self.mount_all(widgets)
        if same and keep_scroll:
            self.call_after_refresh(self.scroll_to, y=y, animate=False)
        else:
            self.call_after_refresh(self.scroll_home, animate=False)

    @staticmethod
    def _history(h: HistoryEntry, tz: tzinfo | None) -> Static:
        who = h.actor or "system"
        return Static(render.line(f"· {h.at.astimezone(tz):%d %b %H:%M}  {who}: {h.what}"),
                      classes="history")
