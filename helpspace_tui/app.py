"""The Textual app: wiring only. Screens own their handlers; the services do the work.

Syncing: when this process can take the store's sync lock (one agent on a laptop) it
syncs by itself in a worker thread; when a sync service holds it (a shared server) the
app only watches the store. Either way it notices other processes' commits through
PRAGMA data_version and redraws (SPEC G1)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen

from helpspace_tui.config import Config
from helpspace_tui.keymaps import flatten, load_keymap
from helpspace_tui.screens.compose import ComposeScreen
from helpspace_tui.screens.dialogs import ConfirmScreen
from helpspace_tui.screens.help import HelpScreen
from helpspace_tui.screens.main import MainScreen
from helpspace_tui.screens.notifications import NotificationsScreen
from helpspace_tui.screens.reports import ReportsScreen
from helpspace_tui.services import actions
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.notifications import unread_count
from helpspace_tui.services.sync import SyncReport
from helpspace_tui.store import StoreError
from helpspace_tui.widgets.conversation import Conversation
from helpspace_tui.widgets.inbox_list import InboxList
from helpspace_tui.widgets.ticket_table import TicketTable

WATCH_SECONDS = 1.0
PALETTE_SKIP = {"main.back", "app.command_palette"}
TIMER_SECONDS = 20.0
TAKEOVER_SECONDS = 5.0  # how soon an app notices that the sync service has stopped


class SyncFinished(Message):
    def __init__(self, report: SyncReport | None, error: str | None = None) -> None:
        self.report = report
        self.error = error
        super().__init__()


class HelpspaceApp(App[int], inherit_bindings=False):
    TITLE = "helpspace"
    # the App's own bindings, redeclared with ids so that key maps can move them
    BINDINGS = [
        Binding("q", "quit_asking", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit now", show=False, priority=True, id="app.force_quit"),
        Binding("question_mark,f1", "help", "Keys", key_display="?/F1", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True,
                id="app.command_palette"),
        Binding("ctrl+r", "sync", "Sync now", show=False, id="app.sync"),
    ]
    CSS = """
    Screen { background: $surface; }
    """

    def __init__(self, desk: Desk, keymap: str = "default") -> None:
        super().__init__()
        self.desk = desk
        self.keymap_name = keymap
        self._keymap_data = load_keymap(keymap)
        self.syncing_here = False
        self._watching = False  # seen a sync service hold the lock
        self._data_version = desk.store.data_version()
        self.last_sync: str = ""

    # -- start ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_keymap(flatten(self._keymap_data))
        self.push_screen(MainScreen(self.desk))
        self.set_interval(WATCH_SECONDS, self.watch_store)
        self.set_interval(TIMER_SECONDS, self.fire_timers)
        if self.desk.config.imap is not None:
            self.set_interval(self.desk.config.imap.poll_seconds, self.action_sync)
            self.set_interval(TAKEOVER_SECONDS, self.take_over_sync)
            self.take_over_sync()
        self.call_after_refresh(self.update_status)

    def take_over_sync(self) -> None:
        """Sync here whenever no other process does: at start, and as soon as a sync
        service (or another app) that held the store's lock stops or dies."""
        if self.syncing_here:
            return
        if not self.desk.lock.acquire():
            self._watching = True
            return
        was_watching = self._watching
        self.syncing_here = True
        if was_watching:
            self.notify("No sync service is running any more: this app syncs now.",
                        markup=False)
        self.run_sync()

    @property
    def main(self) -> MainScreen | None:
        """The main screen while it can be drawn on (timers also fire during start-up
        and tear-down, when its widgets are not there)."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen if screen.ready else None
        return None

    # -- watching the store (G1) ---------------------------------------------------------------
    def watch_store(self) -> None:
        version = self.desk.store.data_version()
        self.update_status()  # cheap; also catches what this process changed itself
        if version != self._data_version:
            self._data_version = version
            if self.main is not None:
                self.main.refresh_data()
            if isinstance(self.screen, ReportsScreen | NotificationsScreen):
                with contextlib.suppress(NoMatches):  # closing while we redraw
                    self.screen.refresh_data()
            self.update_status()

    def fire_timers(self) -> None:
        """S4: waiting timers fire on time even with no sync service running; the store
        makes sure each fires once, whoever gets there first."""
        try:
            if actions.fire_due_timers(self.desk.store) and self.main is not None:
                self.main.refresh_data()  # our own commits don't move data_version
                self.update_status()
        except StoreError as e:
            self.notify(f"timers: {e}", severity="error", markup=False)

    def update_status(self) -> None:
        main = self.main
        if main is None:
            return
        parts = [f"agent {self.desk.agent.name}"]
        if self.desk.outbox_dir is not None:
            parts.append(f"demo: replies are written to {self.desk.outbox_dir}")
        elif self.desk.config.imap is None:
            parts.append("no [imap] in the config: not syncing")
        else:
            states = self.desk.store.mailbox.all_folder_states()
            errors = [s for s in states if s.last_error]
            last = max((s.last_sync_at for s in states if s.last_sync_at), default=None)
            who = "syncing here" if self.syncing_here else "sync service"
            tz = self.desk.config.tz()
            when = f"last synced {last.astimezone(tz):%H:%M:%S}" if last else "not synced yet"
            parts.append(f"{who}, {when}")
            if errors:
                parts.append(f"sync failed: {errors[0].last_error}")
            if self.last_sync:
                parts.append(self.last_sync)
        unread = unread_count(self.desk.store, self.desk.agent)
        if unread:
            parts.append(f"{unread} unread notification{'s' if unread != 1 else ''} (N)")
        unsent = sum(n for state, n in self.desk.store.outbox.counts().items() if state != "sent")
        if unsent:
            parts.append(f"{unsent} repl{'y' if unsent == 1 else 'ies'} not sent yet")
        main.set_status_line(" · ".join(parts))

    # -- syncing ---------------------------------------------------------------------------------
    def action_sync(self) -> None:
        if not self.syncing_here and self.desk.config.imap is not None:
            self.take_over_sync()
            if self.syncing_here:
                return  # take_over_sync has started a sync
        if not self.syncing_here:
            if self.main is not None and self.desk.can_send():
                self.main.deliver()  # the outbox at least goes out now
            if self.desk.outbox_dir is not None:
                self.notify("Demo: no mailbox to sync; queued replies are written to "
                            f"{self.desk.outbox_dir}.", markup=False)
            elif self.desk.config.imap is None:
                self.notify("Nothing to fetch: no [imap] section in the config.", markup=False)
            else:
                self.notify("A sync service is syncing this store.", markup=False)
            return
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def run_sync(self) -> None:
        desk = self.desk.reopen()  # sqlite3 connections belong to one thread
        try:
            self.post_message(SyncFinished(desk.sync()))
        except Exception as e:  # config or store trouble: shown, never a crash
            self.post_message(SyncFinished(None, str(e).splitlines()[0] if str(e) else repr(e)))
        finally:
            desk.store.close()

    def on_sync_finished(self, event: SyncFinished) -> None:
        if event.error:
            self.last_sync = f"sync failed: {event.error}"
        elif event.report is not None:
            r = event.report
            now = datetime.now(self.desk.config.tz())
            self.last_sync = f"{r.new} new, {r.threaded} threaded at {now:%H:%M:%S}"
            if r.failed:
                self.last_sync += f", {len(r.failed)} kept raw"
        self.watch_store()
        self.update_status()

    # -- help, palette, quit ---------------------------------------------------------------------
    def action_help(self) -> None:
        sections = [
            ("Everywhere", self.BINDINGS),
            ("Tickets", MainScreen.BINDINGS),
            ("Ticket list", TicketTable.BINDINGS),
            ("Inboxes", InboxList.BINDINGS),
            ("Conversation", Conversation.BINDINGS),
            ("Writing a reply or note", ComposeScreen.BINDINGS),
            ("Reports", ReportsScreen.BINDINGS),
            ("Notifications", NotificationsScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(sections, flatten(self._keymap_data)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the main screen and the app, named as in the help, with its
        current key: the palette can never miss one that a key has."""
        keymap = flatten(self._keymap_data)
        targets: list[tuple[object, list]] = [(self, self.BINDINGS)]
        if self.main is not None:
            targets.insert(0, (self.main, MainScreen.BINDINGS))
        for target, bindings in targets:
            for b in bindings:
                action = getattr(target, f"action_{b.action}", None)
                if not isinstance(b, Binding) or action is None or b.id in PALETTE_SKIP:
                    continue
                keys = keymap.get(b.id or "", b.key).replace("question_mark", "?")
                keys = keys.replace("exclamation_mark", "!")
                yield SystemCommand(b.description, f"key: {keys}", action)
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Quit"):  # ours replace Textual's own
                yield command

    def action_quit_asking(self) -> None:
        unsent = sum(n for state, n in self.desk.store.outbox.counts().items()
                     if state in ("queued", "sending", "failed"))
        if not unsent:
            self.exit(0)
            return
        question = (f"{unsent} repl{'y is' if unsent == 1 else 'ies are'} not sent yet. "
                    "Quit anyway? They stay queued and go out with the next sync.")
        self.push_screen(ConfirmScreen(question), lambda yes: self.exit(0) if yes else None)

    def on_unmount(self) -> None:
        self.desk.lock.release()


def run_app(config: Config, *, store_path: Path | None = None,
            outbox_dir: Path | None = None) -> int:
    desk = Desk.open(config, store_path=store_path, outbox_dir=outbox_dir)
    try:
        app = HelpspaceApp(desk, config.agent.keymap)
        result = app.run()
        if app.return_code:  # the app crashed: Textual has printed what happened
            return app.return_code
        return int(result or 0)
    finally:
        desk.close()
