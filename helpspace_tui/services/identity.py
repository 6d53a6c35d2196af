"""SPEC G2: who is acting. On a shared store the agent is the OS user; a name from the
agent's own config counts only while one OS user uses the store alone."""

from __future__ import annotations

import getpass
import os

from helpspace_tui.domain.models import Agent
from helpspace_tui.services.errors import Forbidden
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return str(os.getuid())


def current_agent(store: Store, config_name: str | None = None, user: str | None = None) -> Agent:
    """The agent for this process, registered in the store on first use."""
    user = user or os_user()
    agents = store.agents
    mine = agents.by_os_user(user)
    alone = not (agents.os_users() - {user})
    if config_name and alone:
        named = agents.by_name(config_name)
        if named is not None and named.os_user in (None, user):
            if named.os_user is None:
                with store.write():
                    if mine is not None:
                        return mine  # this OS user already has an agent of its own
                    agents.set_os_user(named.id, user)
            return agents.by_id(named.id) or named
        if named is None and mine is None and not agents.is_removed(config_name):
            with store.write():
                return agents.add(config_name, utcnow(), os_user=user)
    if mine is not None:
        return mine
    with store.write():
        # another process of this OS user (the app and sync started together) may have
        # registered it meanwhile: look again inside the lock
        mine = agents.by_os_user(user)
        if mine is not None:
            return mine
        if agents.is_removed(user) or (config_name and agents.is_removed(config_name)):
            raise Forbidden(f"the agent {user} was removed from the store {store.path};"
                            " an admin can add it again with `helpspace agent add`")
        # an admin may have created the agent by name before its OS user first ran us
        named = agents.by_name(user)
        if named is not None and named.os_user is None:
            agents.set_os_user(named.id, user)
            return agents.by_id(named.id) or named
        name = user if named is None else f"{user}-{os.getuid()}"
        return agents.add(name, utcnow(), os_user=user)
