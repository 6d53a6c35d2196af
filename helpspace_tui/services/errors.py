"""Errors the services raise: each a one-line message and the CLI's exit code."""


class ActionError(Exception):
    exit_code = 1


class NotFound(ActionError):
    """No such ticket, agent, team or attachment (CLI exit 3)."""

    exit_code = 3


class Forbidden(ActionError):
    """An admin action tried by an agent who is not an admin."""
