"""SPEC G4: the store-wide settings that shape the shared workflow, with their defaults
and what each accepts. Personal preferences live in each agent's config file instead.

*Decision:* the ticket token's form (`[#123]`) is not a setting: M2 threading depends on
recognising the tokens of every mail ever sent, so changing it would break old threads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    default: str
    help: str
    choices: tuple[str, ...] = ()
    positive_int: bool = False


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("assign_on_reply", "always",
                "who a reply assigns the ticket to: always the replier, only when"
                " unassigned, or never", choices=("always", "unassigned", "never")),
        Setting("trash_days", "30", "days a ticket stays in Trash before it is removed"
                " for good", positive_int=True),
    )
}
DEFAULTS: dict[str, str] = {k: s.default for k, s in SETTINGS.items()}


class SettingError(ValueError):
    """An unknown key or a value the setting does not accept (one line)."""


def validate_setting(key: str, value: str) -> tuple[str, str]:
    """(canonical key, normalised value), or SettingError naming what is accepted."""
    setting = SETTINGS.get(key.strip().lower())
    if setting is None:
        raise SettingError(f"no setting '{key}'; settings: {', '.join(SETTINGS)}")
    v = value.strip()
    if setting.choices:
        v = v.lower()
        if v not in setting.choices:
            raise SettingError(f"{setting.key} must be one of {', '.join(setting.choices)},"
                               f" not '{value}'")
    if setting.positive_int:
        if not v.isdigit() or not 1 <= int(v) <= 36500:
            raise SettingError(f"{setting.key} must be a whole number from 1 to 36500,"
                               f" not '{value}'")
        v = str(int(v))
    return setting.key, v
