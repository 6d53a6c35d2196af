"""The agent's TOML config (G4: personal preferences and servers): every error is one clear
line naming the key; passwords are looked up, never stored; the CLI turns config errors
into exit 1 and usage errors into exit 2, never a traceback."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from helpspace_tui.cli import main
from helpspace_tui.config import (
    ConfigError,
    ImapConfig,
    SmtpConfig,
    load_config,
    lookup_password,
)

IMAP_OK = '[imap]\nhost = "mail.acme.test"\nusername = "support"\n'
SMTP_OK = '[smtp]\nhost = "mail.acme.test"\nfrom = "Support <support@acme.test>"\n'


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HELPSPACE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path, must_exist=True)
    msg = str(exc.value)
    assert "\n" not in msg, msg
    assert str(path) in msg, msg
    return msg


# (config text, words the one-line error must contain)
BAD_CONFIGS = {
    "unknown_key_did_you_mean": ('[imap]\nhost = "h"\nusername = "u"\nusrname = "x"\n',
                                 ["'usrname'", "[imap]", "did you mean 'username'"]),
    "unknown_key_agent": ('[agent]\ntimezon = "UTC"\n', ["'timezon'", "did you mean 'timezone'"]),
    "unknown_section": ('[imapp]\nhost = "h"\n', ["[imapp]", "did you mean 'imap'"]),
    "wrong_type_port": (IMAP_OK + 'port = "993"\n', ["[imap] port", "number", "str"]),
    "wrong_type_bool_is_not_int": (IMAP_OK + "port = true\n", ["[imap] port", "number"]),
    "wrong_type_string": ("[agent]\nname = 42\n", ["[agent] name", "string", "int"]),
    "section_not_table": ('imap = "x"\n', ["'imap'", "table"]),
    "missing_required_host": ('[imap]\nusername = "u"\n', ["[imap]", "'host'"]),
    "missing_required_username": ('[imap]\nhost = "h"\n', ["[imap]", "'username'"]),
    "missing_required_from": ('[smtp]\nhost = "h"\n', ["[smtp]", "'from'"]),
    "bad_security": (IMAP_OK + 'security = "ssl"\n',
                     ["[imap] security", "tls, starttls, none", "'ssl'"]),
    "bad_port_zero": (IMAP_OK + "port = 0\n", ["[imap] port 0", "not a port"]),
    "bad_port_high": (SMTP_OK + "port = 70000\n", ["[smtp] port 70000", "not a port"]),
    "bad_timezone": ('[agent]\ntimezone = "Mars/Olympus"\n',
                     ["[agent] timezone", "Mars/Olympus", "not a known time zone"]),
    "invalid_toml": ('[imap\nhost = "h"\n', ["not valid TOML"]),
    "password_refused": (IMAP_OK + 'password = "hunter2"\n',
                         ["'password'", "[imap]", "password_command"]),
    "empty_host": ('[imap]\nhost = "  "\nusername = "u"\n', ["[imap] host", "empty"]),
    "smtp_from_without_address": ('[smtp]\nhost = "h"\nfrom = "Support"\n', ["[smtp] from"]),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_g4_config_error_is_one_line_naming_the_key(tmp_path: Path, case: str) -> None:
    text, words = BAD_CONFIGS[case]
    msg = error_of(tmp_path, text)
    for word in words:
        assert word in msg, (word, msg)
    assert "hunter2" not in msg  # a password written by mistake is never echoed


def test_g4_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml", must_exist=True)


def test_g4_missing_default_config_means_defaults(tmp_path: Path) -> None:
    cfg = load_config()
    assert cfg.imap is None and cfg.smtp is None
    assert cfg.path == tmp_path / "xdg-config" / "helpspace-tui" / "config.toml"
    assert cfg.store_path == tmp_path / "xdg-data" / "helpspace-tui" / "helpspace.db"


def test_g4_helpspace_config_env_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPSPACE_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config()


@pytest.mark.parametrize(
    ("kind", "security", "port"),
    [("imap", "tls", 993), ("imap", "starttls", 143), ("imap", "none", 143),
     ("smtp", "tls", 465), ("smtp", "starttls", 587), ("smtp", "none", 25)],
)
def test_g4_default_port_per_security(tmp_path: Path, kind: str, security: str, port: int) -> None:
    base = IMAP_OK if kind == "imap" else SMTP_OK
    cfg = load_config(write(tmp_path, base + f'security = "{security}"\n'), must_exist=True)
    server = cfg.imap if kind == "imap" else cfg.smtp
    assert server is not None and server.port == port and server.security == security


def test_g4_defaults_without_security(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, IMAP_OK + SMTP_OK), must_exist=True)
    assert cfg.imap is not None and cfg.smtp is not None
    assert (cfg.imap.security, cfg.imap.port) == ("tls", 993)
    assert (cfg.smtp.security, cfg.smtp.port) == ("starttls", 587)
    assert cfg.imap.folder == "INBOX" and cfg.imap.junk_folder is None
    assert cfg.smtp.from_ == "Support <support@acme.test>"


def test_g4_store_path_from_config_and_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = load_config(write(tmp_path, '[store]\npath = "~/desk/store.db"\n'), must_exist=True)
    assert cfg.store_path == tmp_path / "home" / "desk" / "store.db"


def test_g4_valid_timezone_and_agent(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[agent]\nname = "bob"\ntimezone = "Europe/Berlin"\n'),
                      must_exist=True)
    assert cfg.agent.name == "bob"
    tz = cfg.tz()
    assert tz is not None and tz.key == "Europe/Berlin"


# -- passwords ----------------------------------------------------------------------------------


def imap(password_command: str | None, username: str | None = "support") -> ImapConfig:
    return ImapConfig(host="mail.acme.test", port=993, security="tls", username=username,
                      password_command=password_command)


def test_g4_password_command_first_line(tmp_path: Path) -> None:
    pw = lookup_password("imap", imap("printf 's3cret\\nsecond line\\n'"), tmp_path / "c.toml")
    assert pw == "s3cret"


def test_g4_password_command_failure_names_exit_code(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        lookup_password("imap", imap("echo 'gpg: decryption failed' >&2; exit 3"),
                        tmp_path / "c.toml")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "[imap] password_command exited with 3" in msg
    assert "decryption failed" in msg


def test_g4_password_command_printing_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[imap\] password_command printed nothing"):
        lookup_password("imap", imap("true"), tmp_path / "c.toml")


def test_g4_no_username_needs_no_password(tmp_path: Path) -> None:
    smtp = SmtpConfig(host="h", port=25, security="none", username=None, password_command=None)
    assert lookup_password("smtp", smtp, tmp_path / "c.toml") is None


def _fake_keyring(monkeypatch: pytest.MonkeyPatch, get_password) -> None:  # noqa: ANN001
    fake = types.ModuleType("keyring")
    fake.get_password = get_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)


def test_g4_keyring_failure_says_how_to_set_password_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(service: str, user: str) -> str:
        raise RuntimeError("No recommended backend was available (no D-Bus)")

    _fake_keyring(monkeypatch, broken)
    with pytest.raises(ConfigError) as exc:
        lookup_password("imap", imap(None), tmp_path / "c.toml")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "set password_command in [imap]" in msg
    assert str(tmp_path / "c.toml") in msg
    assert "imap:support@mail.acme.test" in msg


def test_g4_keyring_used_when_no_password_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []

    def get(service: str, user: str) -> str:
        seen.append((service, user))
        return "from-keyring"

    _fake_keyring(monkeypatch, get)
    assert lookup_password("imap", imap(None), tmp_path / "c.toml") == "from-keyring"
    assert seen == [("helpspace-tui", "imap:support@mail.acme.test")]


# -- through the CLI -----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("helpspace")
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_g4_cli_config_error_exit_1_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, words = BAD_CONFIGS[case]
    path = write(tmp_path, text + f'\n[store]\npath = "{tmp_path / "s.db"}"\n')
    code, out, err = run(capsys, "--config", str(path), "tickets")
    assert code == 1
    assert out == ""
    assert_one_line_error(err, *words)


def test_g4_cli_missing_explicit_config_exit_1(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", str(tmp_path / "missing.toml"), "tickets")
    assert code == 1
    assert_one_line_error(err, "missing.toml", "no such config file")


def test_g4_cli_password_command_failure_exit_1(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'[store]\npath = "{tmp_path / "s.db"}"\n'
                 '[imap]\nhost = "127.0.0.1"\nport = 1\nsecurity = "none"\nusername = "u"\n'
                 'password_command = "exit 4"\n')
    code, _, err = run(capsys, "--config", str(path), "sync", "--once")
    assert code == 1
    assert_one_line_error(err, "password_command exited with 4")


def test_g4_cli_sync_without_imap_section(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'[store]\npath = "{tmp_path / "s.db"}"\n')
    code, _, err = run(capsys, "--config", str(path), "sync", "--once")
    assert code == 1
    assert_one_line_error(err, "no [imap] section")


@pytest.fixture
def good_config(tmp_path: Path) -> Path:
    return write(tmp_path, f'[store]\npath = "{tmp_path / "s.db"}"\n')


@pytest.mark.parametrize(
    "args",
    [["frobnicate"], ["show", "abc"], ["tag", "x1", "urgent"], ["status", "1", "pending"],
     ["assign", "1"], ["show"]],
)
def test_g4_cli_usage_errors_exit_2(good_config: Path, capsys: pytest.CaptureFixture[str],
                                    args: list[str]) -> None:
    code, out, err = run(capsys, "--config", str(good_config), *args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_g4_cli_bad_ticket_id_names_it(good_config: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", str(good_config), "show", "abc")
    assert code == 2
    assert "'abc' is not a ticket number" in err


def test_g4_cli_assign_needs_agent_or_none(good_config: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", str(good_config), "assign", "1")
    assert code == 2
    assert "either an agent name or --none" in err
    code, _, err = run(capsys, "--config", str(good_config), "assign", "1", "bob", "--none")
    assert code == 2


def test_g4_cli_good_config_works(good_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpspace_tui.store import Store

    Store(good_config.parent / "s.db").close()  # what the first sync makes
    code, out, err = run(capsys, "--config", str(good_config), "tickets")
    assert (code, out, err) == (0, "", "")


def test_store_path_typo_is_an_error_not_a_new_empty_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, f'[store]\npath = "{tmp_path / "typo" / "s.db"}"\n')
    code, out, err = run(capsys, "--config", str(config), "tickets")
    assert code == 1 and "no store at" in err and "[store] path" in err
    code, out, err = run(capsys, "--config", str(config), "agent", "list")
    assert code == 1 and "does not exist" in err  # its folder is missing: never made up
    assert not (tmp_path / "typo").exists()


def test_unknown_command_suggests_the_nearest(good_config: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--config", str(good_config), "tikets")
    assert code == 2 and "did you mean 'tickets'?" in err
