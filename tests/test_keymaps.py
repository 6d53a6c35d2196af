"""Key maps are data (issue 3): every id in a key map file exists in code, every binding
in code has an id in the default map, no two bindings clash in one context, and the
default keys are safe over SSH, tmux and screen."""

from __future__ import annotations

from textual.binding import Binding

from helpspace_tui.app import HelpspaceApp
from helpspace_tui.keymaps import available, flatten, load_keymap
from helpspace_tui.screens.compose import ComposeScreen
from helpspace_tui.screens.dialogs import (
    ConfirmScreen,
    KeyList,
    PickScreen,
    PromptScreen,
    TagScreen,
    WaitingScreen,
)
from helpspace_tui.screens.help import HelpScreen
from helpspace_tui.screens.main import MainScreen
from helpspace_tui.screens.notifications import NotificationsScreen
from helpspace_tui.screens.reports import ReportsScreen
from helpspace_tui.widgets.conversation import Conversation
from helpspace_tui.widgets.inbox_list import InboxList
from helpspace_tui.widgets.ticket_table import TicketTable

CONTEXTS = {
    "app": [HelpspaceApp], "main": [MainScreen], "inboxes": [InboxList],
    "list": [TicketTable], "conversation": [Conversation], "compose": [ComposeScreen],
    "dialogs": [PickScreen, TagScreen, ConfirmScreen, HelpScreen, WaitingScreen, KeyList,
                PromptScreen],
    "reports": [ReportsScreen], "notifications": [NotificationsScreen],
}


def code_bindings() -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    for classes in CONTEXTS.values():
        for cls in classes:
            for b in cls.BINDINGS:
                assert isinstance(b, Binding), f"{cls.__name__} has a binding without an id"
                assert b.id, f"{cls.__name__}: binding {b.key} -> {b.action} has no id"
                out[b.id] = b
    return out


def test_every_keymap_id_exists_in_code() -> None:
    ids = set(code_bindings())
    for name in available():
        unknown = set(flatten(load_keymap(name))) - ids
        assert not unknown, f"keymap {name} names unknown binding ids: {unknown}"


def test_every_binding_is_in_the_default_keymap() -> None:
    missing = set(code_bindings()) - set(flatten(load_keymap("default")))
    assert not missing, f"bindings missing from keymaps/default.toml: {missing}"


def _keys(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def test_no_two_bindings_clash_in_one_context() -> None:
    keymap = load_keymap("default")
    app_keys = {k for keys in keymap["app"].values() for k in _keys(keys)}
    for context, table in keymap.items():
        seen: dict[str, str] = {}
        for bid, keys in table.items():
            for key in _keys(keys):
                if context == "dialogs":
                    continue  # one dialog at a time, and dialogs differ (checked below)
                assert key not in seen, f"[{context}] {key} is bound to {seen[key]} and {bid}"
                seen[key] = bid
                if context in ("main", "list", "inboxes", "conversation"):
                    assert key not in app_keys, f"[{context}] {key} also quits/helps globally"
    # within each dialog, no key means two things
    dialogs = keymap["dialogs"]
    for cls in CONTEXTS["dialogs"]:
        keys = [k for b in cls.BINDINGS for k in _keys(dialogs[b.id])]  # type: ignore[union-attr]
        assert len(keys) == len(set(keys)), f"clash among {cls.__name__}'s keys"
    # the main screen and the list share the focus chain: no key may mean two things
    main_keys = {k for v in keymap["main"].values() for k in _keys(v)}
    list_keys = {k for v in keymap["list"].values() for k in _keys(v)}
    assert not main_keys & list_keys


def test_default_keys_are_safe_over_ssh_tmux_and_screen() -> None:
    for keys in flatten(load_keymap("default")).values():
        for key in _keys(keys):
            assert "ctrl+shift" not in key
            assert key not in ("ctrl+a", "ctrl+b")
            assert not (key.startswith("ctrl+") and key[-1].isdigit())
