"""SPEC V1–V11: the inboxes an agent sees, by name."""

from __future__ import annotations

from dataclasses import dataclass

PERSONAL_INBOXES: tuple[tuple[str, str], ...] = (
    ("unassigned", "Unassigned"),
    ("mine", "Mine"),
    ("assigned", "Assigned"),
    ("all", "All"),
    ("watched", "Watched"),
    ("closed", "Closed"),
    ("spam", "Spam"),
    ("trash", "Trash"),
)
INBOX_NAMES = tuple(name for name, _ in PERSONAL_INBOXES)
TEAM_PREFIX = "team:"


@dataclass(frozen=True, slots=True)
class InboxRef:
    """An inbox as the CLI and app name it: a personal one or `team:NAME`."""

    name: str
    team: str | None = None

    @property
    def key(self) -> str:
        return f"{TEAM_PREFIX}{self.team}" if self.team else self.name

    @property
    def title(self) -> str:
        if self.team:
            return self.team
        return dict(PERSONAL_INBOXES)[self.name]


def parse_inbox(text: str) -> InboxRef:
    """'mine' -> InboxRef('mine'); 'team:billing' -> a team inbox. ValueError otherwise."""
    value = text.strip()
    if value.lower().startswith(TEAM_PREFIX):
        team = value[len(TEAM_PREFIX) :].strip()
        if not team:
            raise ValueError("a team inbox needs a name: team:NAME")
        return InboxRef("team", team)
    if value.lower() in INBOX_NAMES:
        return InboxRef(value.lower())
    raise ValueError(f"no inbox '{text}'; inboxes: {', '.join(INBOX_NAMES)}, team:NAME")
