"""Saving attachments (SPEC M5, M7): hostile names never leave the chosen folder, never
follow a symlink, never overwrite; the saved bytes are the bytes that were sent."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from helpspace_tui.cli import main
from helpspace_tui.domain.models import Address, MessageKind, Status
from helpspace_tui.services.attachments import find_attachment, save_all, save_attachment
from helpspace_tui.services.errors import ActionError, NotFound
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.store import NewMessage, Store

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n\x00\x01\x02\xff binary \r\n body\n%%EOF"


def ticket_with(store: Store, *names: str, content: bytes = b"data") -> int:
    """A ticket with one customer message carrying attachments of these raw names."""
    with store.write():
        tid = store.tickets.create("files", Address("Cy", "cy@example.com"), Status.OPEN, AT)
        store.messages.add(
            NewMessage(ticket_id=tid, kind=MessageKind.CUSTOMER, date=AT,
                       sender=Address("Cy", "cy@example.com"), subject="files", text="see",
                       attachments=[(n, "application/octet-stream", content + n.encode(),
                                     None, False) for n in names]),
            AT,
        )
    return tid


def mail_with_attachment(filename: str, data: bytes) -> bytes:
    m = EmailMessage()
    m["From"] = "Cy <cy@example.com>"
    m["To"] = "support@acme.test"
    m["Subject"] = "invoice"
    m["Message-ID"] = "<att-1@example.com>"
    m["Date"] = "Mon, 05 Jan 2026 09:00:00 +0000"
    m.set_content("The invoice is attached.")
    m.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return m.as_bytes()


def test_m5_saved_bytes_are_identical_to_the_sent_bytes(store: Store, tmp_path: Path) -> None:
    with store.write():
        tid = ingest_raw(store, mail_with_attachment("Rechnung März.pdf", PDF)).ticket_id
    assert tid is not None
    out = tmp_path / "out"
    out.mkdir()
    path = save_attachment(store, tid, "Rechnung März.pdf", out)
    assert path == out / "Rechnung März.pdf"
    assert path.read_bytes() == PDF


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "/etc/passwd", "a/b/c.txt", "..\\..\\boot.ini", "..",
    "evil\x1b[31m.txt", "bell\x07\x00name.pdf", "", "   ", ".hidden", "\u202etxt.exe",
])
def test_m7_hostile_names_stay_in_the_folder(store: Store, tmp_path: Path, hostile: str) -> None:
    tid = ticket_with(store, hostile)
    out = tmp_path / "out"
    out.mkdir()
    path = save_attachment(store, tid, 1, out)
    assert path.parent == out
    assert os.listdir(out) == [path.name]
    name = path.name
    assert name and "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith(".")
    assert not any(ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 for c in name)
    assert "\u202e" not in name
    assert path.read_bytes() == b"data" + hostile.encode()
    assert not (tmp_path / "etc").exists()


def test_m7_same_name_is_made_unique(store: Store, tmp_path: Path) -> None:
    tid = ticket_with(store, "report.pdf", "report.pdf", "README")
    (tmp_path / "report.pdf").write_bytes(b"mine")
    paths = save_all(store, tid, tmp_path)
    assert [p.name for p in paths] == ["report (1).pdf", "report (2).pdf", "README"]
    assert (tmp_path / "report.pdf").read_bytes() == b"mine"  # never overwritten
    again = save_attachment(store, tid, "README", tmp_path)
    assert again.name == "README (1)"


def test_m7_symlink_at_target_name_is_not_followed(store: Store, tmp_path: Path) -> None:
    tid = ticket_with(store, "notes.txt")
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").symlink_to(victim)
    (out / "dangling.txt").symlink_to(tmp_path / "nowhere")
    path = save_attachment(store, tid, "notes.txt", out)
    assert path == out / "notes (1).txt"
    assert victim.read_bytes() == b"precious"
    assert (out / "notes.txt").is_symlink()
    tid2 = ticket_with(store, "dangling.txt")
    path2 = save_attachment(store, tid2, "dangling.txt", out)
    assert path2.name == "dangling (1).txt"
    assert not (tmp_path / "nowhere").exists()


def test_m5_find_by_displayed_name_or_number(store: Store) -> None:
    tid = ticket_with(store, "a.txt", "b\x1b[0m.txt", "7")
    assert find_attachment(store, tid, "a.txt").filename == "a.txt"
    assert find_attachment(store, tid, "b.txt").filename == "b\x1b[0m.txt"
    assert find_attachment(store, tid, "2").filename == "b\x1b[0m.txt"
    assert find_attachment(store, tid, "7").filename == "7"  # a name wins over a number
    assert find_attachment(store, tid, 3).filename == "7"


def test_m5_errors_are_one_line(store: Store, tmp_path: Path) -> None:
    tid = ticket_with(store, "x.txt", "x.txt")
    with pytest.raises(NotFound, match="no ticket #999"):
        save_attachment(store, 999, "x.txt", tmp_path)
    with pytest.raises(NotFound, match="no attachment 'nope.txt'"):
        save_attachment(store, tid, "nope.txt", tmp_path)
    with pytest.raises(NotFound, match="no attachment 5"):
        save_attachment(store, tid, 5, tmp_path)
    with pytest.raises(ActionError, match="give the number") as e:
        save_attachment(store, tid, "x.txt", tmp_path)
    assert not isinstance(e.value, NotFound)
    with pytest.raises(ActionError, match="no folder"):
        save_attachment(store, tid, 1, tmp_path / "missing")
    empty = ticket_with(store)
    with pytest.raises(NotFound, match="no attachments"):
        save_all(store, empty, tmp_path)


def test_m5_default_folder_is_the_current_one(store: Store, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    tid = ticket_with(store, "here.txt")
    monkeypatch.chdir(tmp_path)
    path = save_attachment(store, tid, "here.txt")
    assert path.resolve() == (tmp_path / "here.txt").resolve()


# -- CLI ---------------------------------------------------------------------------------
@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "cli.db"}"\n')

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def cli_ticket(tmp_path: Path) -> int:
    s = Store(tmp_path / "cli.db")
    try:
        with s.write():
            tid = ingest_raw(s, mail_with_attachment("../inv\x1b]0;x\x07oice.pdf", PDF)).ticket_id
    finally:
        s.close()
    assert tid is not None
    return tid


def test_m5_cli_attachment_save(cli, tmp_path: Path) -> None:  # noqa: ANN001
    tid = cli_ticket(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, err = cli("attachment", "save", str(tid), "1", "--to", str(out))
    assert code == 0, err
    saved = list(out.iterdir())
    assert len(saved) == 1 and saved[0].read_bytes() == PDF
    assert "\x1b" not in stdout and "\x07" not in stdout and saved[0].name in stdout
    code, stdout, err = cli("attachment", "save", f"#{tid}", "--all", "--to", str(out))
    assert code == 0, err
    assert len(list(out.iterdir())) == 2


def test_m5_cli_attachment_save_exit_codes(cli, tmp_path: Path) -> None:  # noqa: ANN001
    tid = cli_ticket(tmp_path)
    code, _, err = cli("attachment", "save", "999", "x.pdf", "--to", str(tmp_path))
    assert code == 3 and "no ticket #999" in err and err.count("\n") == 1
    code, _, err = cli("attachment", "save", str(tid), "nope.pdf", "--to", str(tmp_path))
    assert code == 3 and "no attachment" in err
    code, _, err = cli("attachment", "save", str(tid), "--to", str(tmp_path))
    assert code == 2
    code, _, err = cli("attachment", "save", str(tid), "x", "--all")
    assert code == 2
    code, _, err = cli("attachment")
    assert code == 2
    code, _, err = cli("attachment", "save", str(tid), "1", "--to", str(tmp_path / "missing"))
    assert code == 1 and "no folder" in err
