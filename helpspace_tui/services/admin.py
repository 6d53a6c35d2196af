"""Managing agents, teams and store-wide settings (SPEC G2, G3, G4). Every change here
is an admin's: others get Forbidden with one clear line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from helpspace_tui.domain import rules
from helpspace_tui.domain.models import Agent
from helpspace_tui.domain.sanitize import sanitize_line
from helpspace_tui.domain.settings import SETTINGS, SettingError, validate_setting
from helpspace_tui.services.actions import find_agent, find_team
from helpspace_tui.services.errors import ActionError, Forbidden
from helpspace_tui.services.notifications import record_update
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

# agent names are what notes mention as @name (R5): no spaces
_AGENT_NAME = re.compile(r"^[A-Za-z0-9_][\w.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class TeamInfo:
    name: str
    members: list[str]


def require_admin(store: Store, actor: Agent, what: str) -> Agent:
    """The actor as the store knows them now, if an admin; Forbidden otherwise."""
    fresh = store.agents.by_id(actor.id) or actor
    try:
        rules.require_admin(fresh.is_admin, what)
    except rules.NotAllowed as e:
        admins = ", ".join(store.agents.admins()) or "none"
        raise Forbidden(f"{e} (you are {fresh.name}; admins: {admins})") from None
    return fresh


# -- agents --------------------------------------------------------------------------------------
def add_agent(store: Store, actor: Agent, name: str, *, email: str | None = None,
              admin: bool = False, now: datetime | None = None) -> Agent:
    require_admin(store, actor, "add agents")
    name = name.strip().lstrip("@")
    if not _AGENT_NAME.match(name):
        raise ActionError(f"'{sanitize_line(name)}' is not an agent name: letters, digits,"
                          " and . _ - (no spaces; notes mention agents as @name)")
    if email is not None:
        email = email.strip().lower()
        if not re.match(r"^[^@\s]+@[^@\s]+$", email):
            raise ActionError(f"'{sanitize_line(email)}' is not an e-mail address")
    with store.write():
        if store.agents.by_name(name) is not None:
            raise ActionError(f"there is already an agent '{name}'")
        return store.agents.add(name, now or utcnow(), email=email, is_admin=admin)


def list_agents(store: Store) -> list[Agent]:
    return store.agents.list()


def remove_agent(store: Store, actor: Agent, name: str, now: datetime | None = None) -> list[int]:
    """The agent leaves the roster, their teams and follows; their tickets become
    unassigned (recorded on each). The last admin cannot be removed. Returns those
    tickets."""
    fresh = require_admin(store, actor, "remove agents")
    now = now or utcnow()
    with store.write():
        agent = find_agent(store, name)
        if agent.is_admin and store.agents.admins() == [agent.name]:
            raise ActionError(f"{agent.name} is the only admin; make another admin first")
        tickets = store.agents.remove(agent.id, now)
        for ticket_id in tickets:
            record_update(store, ticket_id, fresh,
                          [("assignee", f"{agent.name} → nobody (agent removed)")], now)
    return tickets


def set_admin(store: Store, actor: Agent, name: str, is_admin: bool) -> Agent:
    require_admin(store, actor, "change who is an admin")
    with store.write():
        agent = find_agent(store, name)
        if not is_admin and agent.is_admin and store.agents.admins() == [agent.name]:
            raise ActionError(f"{agent.name} is the only admin; make another admin first")
        store.agents.set_admin(agent.id, is_admin)
        return store.agents.by_id(agent.id) or agent


# -- teams (G3, V11) -----------------------------------------------------------------------------
def add_team(store: Store, actor: Agent, name: str, now: datetime | None = None) -> str:
    require_admin(store, actor, "add teams")
    name = sanitize_line(name).strip()
    if not name or len(name) > 40 or ":" in name:
        raise ActionError("a team name is 1 to 40 characters, without ':'")
    with store.write():
        if store.agents.team(name) is not None:
            raise ActionError(f"there is already a team '{store.agents.team(name)}'")
        store.agents.add_team(name, now or utcnow())
    return name


def list_teams(store: Store) -> list[TeamInfo]:
    return [TeamInfo(t, m) for t, m in store.agents.teams_with_members()]


def remove_team(store: Store, actor: Agent, name: str, now: datetime | None = None) -> list[int]:
    """The team goes; its tickets keep their agent and lose the team (recorded)."""
    fresh = require_admin(store, actor, "remove teams")
    now = now or utcnow()
    with store.write():
        team = find_team(store, name)
        tickets = store.agents.remove_team(team)
        for ticket_id in tickets:
            record_update(store, ticket_id, fresh,
                          [("team", f"{team} → no team (team removed)")], now)
    return tickets


def add_member(store: Store, actor: Agent, team: str, agent_name: str) -> bool:
    require_admin(store, actor, "change teams")
    with store.write():
        return store.agents.add_member(find_team(store, team), find_agent(store, agent_name).id)


def remove_member(store: Store, actor: Agent, team: str, agent_name: str) -> bool:
    """Tickets of the team assigned to this agent keep both (history shows who did what)."""
    require_admin(store, actor, "change teams")
    with store.write():
        return store.agents.remove_member(find_team(store, team),
                                          find_agent(store, agent_name).id)


# -- settings (G4) ---------------------------------------------------------------------------
def all_settings(store: Store) -> dict[str, str]:
    return {k: v for k, v in store.settings.all().items() if k in SETTINGS}


def get_setting(store: Store, key: str) -> str:
    if key.strip().lower() not in SETTINGS:
        raise ActionError(f"no setting '{key}'; settings: {', '.join(SETTINGS)}")
    return store.settings.get(key.strip().lower())


def set_setting(store: Store, actor: Agent, key: str, value: str) -> tuple[str, str]:
    require_admin(store, actor, "change settings")
    try:
        key, value = validate_setting(key, value)
    except SettingError as e:
        raise ActionError(str(e)) from None
    with store.write():
        store.settings.set(key, value)
    return key, value
