"""Key maps as data files: `[context]` tables of `binding id = "keys"`."""

from __future__ import annotations

import tomllib
from importlib import resources

from helpspace_tui.config import ConfigError


class KeymapError(ConfigError):
    pass


def available() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir()
                  if p.name.endswith(".toml"))


def load_keymap(name: str = "default") -> dict[str, dict[str, str]]:
    """{context: {binding id: keys}} from keymaps/NAME.toml."""
    if name not in available():
        raise KeymapError(f"no key map '{name}'; key maps: {', '.join(available())}")
    data = tomllib.loads(resources.files(__package__).joinpath(f"{name}.toml").read_text("utf-8"))
    return {ctx: {str(k): str(v) for k, v in table.items()} for ctx, table in data.items()}


def flatten(keymap: dict[str, dict[str, str]]) -> dict[str, str]:
    return {bid: keys for table in keymap.values() for bid, keys in table.items()}
