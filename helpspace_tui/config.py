"""The agent's TOML config: strict (unknown keys and wrong types name the key and suggest
the nearest valid one) and passwords looked up, never stored."""

from __future__ import annotations

import difflib
import os
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

APP_NAME = "helpspace-tui"
KEYRING_SERVICE = "helpspace-tui"
SECURITY_CHOICES = ("tls", "starttls", "none")


class ConfigError(Exception):
    """A config problem, as one line that says where and what."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "helpspace.db"


@dataclass(frozen=True, slots=True)
class AgentConfig:
    name: str | None = None
    timezone: str | None = None
    keymap: str = "default"
    download_dir: str | None = None  # where `o`/`S` save attachments

    def downloads(self) -> Path:
        """download_dir, else the platform's Downloads folder (made if missing)."""
        if self.download_dir:
            return Path(self.download_dir).expanduser()
        folder = Path(platformdirs.user_downloads_dir())
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return Path.cwd()
        return folder


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str
    port: int
    security: str
    username: str | None
    password_command: str | None


@dataclass(frozen=True, slots=True)
class ImapConfig(ServerConfig):
    folder: str = "INBOX"
    junk_folder: str | None = None
    poll_seconds: int = 60


@dataclass(frozen=True, slots=True)
class SmtpConfig(ServerConfig):
    from_: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    agent: AgentConfig = field(default_factory=AgentConfig)
    store_path: Path = field(default_factory=default_store_path)
    imap: ImapConfig | None = None
    smtp: SmtpConfig | None = None

    def require_imap(self) -> ImapConfig:
        if self.imap is None:
            raise ConfigError(f"{self.path}: no [imap] section; add one to sync (see README)")
        return self.imap

    def require_smtp(self) -> SmtpConfig:
        if self.smtp is None:
            raise ConfigError(f"{self.path}: no [smtp] section; add one to send replies (see README)")
        return self.smtp

    def tz(self) -> ZoneInfo | None:
        return ZoneInfo(self.agent.timezone) if self.agent.timezone else None


# key -> (type, required). Types are checked exactly (bool is not an int here).
_SCHEMA: dict[str, dict[str, tuple[type, bool]]] = {
    "agent": {"name": (str, False), "timezone": (str, False), "keymap": (str, False),
              "download_dir": (str, False)},
    "store": {"path": (str, False)},
    "imap": {
        "host": (str, True), "port": (int, False), "security": (str, False),
        "username": (str, True), "password_command": (str, False), "folder": (str, False),
        "junk_folder": (str, False), "poll_seconds": (int, False),
    },
    "smtp": {
        "host": (str, True), "port": (int, False), "security": (str, False),
        "username": (str, False), "password_command": (str, False), "from": (str, True),
    },
}
_DEFAULT_PORTS = {
    "imap": {"tls": 993, "starttls": 143, "none": 143},
    "smtp": {"tls": 465, "starttls": 587, "none": 25},
}


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else f" (valid: {', '.join(choices)})"


def _check_section(path: Path, name: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: '{name}' must be a table, like [{name}]")
    schema = _SCHEMA[name]
    for key, value in data.items():
        if key not in schema:
            extra = ""
            if key == "password":
                extra = "; passwords are never kept in the config: use password_command"
            raise ConfigError(
                f"{path}: unknown key '{key}' in [{name}]{_hint(key, list(schema))}{extra}"
            )
        want = schema[key][0]
        if type(value) is not want:
            raise ConfigError(
                f"{path}: [{name}] {key} must be a {'number' if want is int else 'string'},"
                f" not {type(value).__name__}"
            )
    for key, (_, required) in schema.items():
        if required and key not in data:
            raise ConfigError(f"{path}: [{name}] needs '{key}'")
    return data


def _server(path: Path, name: str, d: dict[str, Any]) -> dict[str, Any]:
    security = d.get("security", "tls" if name == "imap" else "starttls")
    if security not in SECURITY_CHOICES:
        raise ConfigError(
            f"{path}: [{name}] security must be one of {', '.join(SECURITY_CHOICES)},"
            f" not '{security}'{_hint(security, list(SECURITY_CHOICES))}"
        )
    port = d.get("port", _DEFAULT_PORTS[name][security])
    if not 0 < port < 65536:
        raise ConfigError(f"{path}: [{name}] port {port} is not a port number")
    if not d["host"].strip():
        raise ConfigError(f"{path}: [{name}] host is empty")
    return {
        "host": d["host"].strip(), "port": port, "security": security,
        "username": d.get("username"), "password_command": d.get("password_command"),
    }


def load_config(path: Path | None = None, *, must_exist: bool = False) -> Config:
    """Read the config; a missing file at the default place means all defaults."""
    if path is None:
        env = os.environ.get("HELPSPACE_CONFIG")
        path, must_exist = (Path(env), True) if env else (default_config_path(), must_exist)
    path = path.expanduser()
    if not path.exists():
        if must_exist:
            raise ConfigError(f"{path}: no such config file")
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    for section in data:
        if section not in _SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}]{_hint(section, list(_SCHEMA))}")
    agent_d = _check_section(path, "agent", data.get("agent", {}))
    tz = agent_d.get("timezone")
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{path}: [agent] timezone '{tz}' is not a known time zone") from None
    store_d = _check_section(path, "store", data.get("store", {}))
    store_path = Path(store_d["path"]).expanduser() if "path" in store_d else default_store_path()
    imap = smtp = None
    if "imap" in data:
        d = _check_section(path, "imap", data["imap"])
        imap = ImapConfig(**_server(path, "imap", d), folder=d.get("folder", "INBOX"),
                          junk_folder=d.get("junk_folder"),
                          poll_seconds=max(5, d.get("poll_seconds", 60)))
    if "smtp" in data:
        d = _check_section(path, "smtp", data["smtp"])
        if "@" not in d["from"]:
            raise ConfigError(f"{path}: [smtp] from must contain an address, like "
                              "'Support <support@example.com>'")
        smtp = SmtpConfig(**_server(path, "smtp", d), from_=d["from"])
    return Config(
        path=path,
        agent=AgentConfig(agent_d.get("name"), tz, agent_d.get("keymap", "default"),
                          agent_d.get("download_dir")),
        store_path=store_path,
        imap=imap,
        smtp=smtp,
    )


def lookup_password(kind: str, server: ServerConfig, config_path: Path) -> str | None:
    """password_command first (like mbsync's PassCmd), then the keyring. None when the
    server needs no login (no username)."""
    if not server.username:
        return None
    if server.password_command:
        try:
            out = subprocess.run(
                ["sh", "-c", server.password_command], capture_output=True, timeout=60,
                check=False, stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ConfigError(f"{config_path}: [{kind}] password_command failed: {e}") from None
        if out.returncode != 0:
            err = out.stderr.decode(errors="replace").strip().splitlines()
            raise ConfigError(
                f"{config_path}: [{kind}] password_command exited with {out.returncode}"
                + (f": {err[0]}" if err else "")
            )
        lines = out.stdout.decode(errors="replace").splitlines()
        if not lines or not lines[0]:
            raise ConfigError(f"{config_path}: [{kind}] password_command printed nothing")
        return lines[0]
    user = f"{kind}:{server.username}@{server.host}"
    try:
        import keyring  # imported here: slow, and only needed without a password_command

        secret = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # any backend failure (no D-Bus on a server) means "not there"
        secret = None
    if secret:
        return secret
    raise ConfigError(
        f"no password for {user}: set password_command in [{kind}] of {config_path}"
        f" (e.g. \"pass show support\"), or run: keyring set {KEYRING_SERVICE} {user}"
    )
