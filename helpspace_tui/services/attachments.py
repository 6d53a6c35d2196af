"""Saving a ticket's attachments to a folder the agent chose (SPEC M5, M7).

The name comes from the mail, so it is untrusted: it is reduced to one safe path
component, made unique in the folder (`name (1).pdf`), and the file is created with
O_EXCL|O_NOFOLLOW relative to the folder's own descriptor, so neither a hostile name
nor a symlink already sitting at the target name can make us write anywhere else.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
from pathlib import Path

from helpspace_tui.domain.models import Attachment
from helpspace_tui.domain.sanitize import safe_filename, sanitize_line
from helpspace_tui.services.actions import get_ticket
from helpspace_tui.services.errors import ActionError, NotFound
from helpspace_tui.store import Store

_MAX_UNIQUE = 10_000
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


def list_attachments(store: Store, ticket_id: int) -> list[Attachment]:
    """The ticket's attachments in the order `show` lists them (index 1 is the first)."""
    get_ticket(store, ticket_id)
    return [a for m in store.messages.for_ticket(ticket_id) for a in m.attachments]


def find_attachment(store: Store, ticket_id: int, name_or_index: str | int) -> Attachment:
    """By filename (exactly, then as displayed, then as it would be saved), else by
    its 1-based number. Several attachments with the name: the number is needed."""
    atts = list_attachments(store, ticket_id)
    if isinstance(name_or_index, int):
        return _by_index(atts, ticket_id, name_or_index)
    name = name_or_index
    for key in (lambda a: a.filename, lambda a: sanitize_line(a.filename),
                lambda a: _target_name(a)):
        hits = [a for a in atts if key(a) == name]
        if len(hits) == 1:
            return hits[0]
        if hits:
            numbers = ", ".join(str(atts.index(a) + 1) for a in hits)
            raise ActionError(
                f"ticket #{ticket_id} has {len(hits)} attachments named "
                f"'{sanitize_line(name)}' (numbers {numbers}); give the number"
            )
    if name.strip().isdigit():
        return _by_index(atts, ticket_id, int(name.strip()))
    raise NotFound(f"ticket #{ticket_id} has no attachment '{sanitize_line(name)}'")


def _by_index(atts: list[Attachment], ticket_id: int, index: int) -> Attachment:
    if 1 <= index <= len(atts):
        return atts[index - 1]
    if not atts:
        raise NotFound(f"ticket #{ticket_id} has no attachments")
    raise NotFound(f"ticket #{ticket_id} has no attachment {index} (it has {len(atts)})")


def _target_name(att: Attachment) -> str:
    """The safe single-component name; a nameless part is named after its type."""
    ext = mimetypes.guess_extension(att.content_type or "", strict=False) or ""
    return safe_filename(att.filename, fallback=f"attachment{ext}")


def _numbered(name: str, n: int) -> str:
    if n == 0:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{ext}"


def _open_dir(to_dir: Path) -> int:
    try:
        return os.open(to_dir, os.O_RDONLY | _O_DIRECTORY)
    except FileNotFoundError:
        raise ActionError(f"no folder {to_dir}") from None
    except NotADirectoryError:
        raise ActionError(f"{to_dir} is not a folder") from None
    except OSError as e:
        raise ActionError(f"cannot open the folder {to_dir}: {e.strerror}") from None


def _write_unique(dir_fd: int, to_dir: Path, name: str, content: bytes) -> Path:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_BINARY
    for n in range(_MAX_UNIQUE):
        candidate = _numbered(name, n)
        try:
            fd = os.open(candidate, flags, 0o666, dir_fd=dir_fd)
        except FileExistsError:
            continue  # a file, folder or symlink is already there: never touch it
        except OSError as e:
            raise ActionError(f"cannot save {candidate} in {to_dir}: {e.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        except OSError as e:
            with contextlib.suppress(OSError):
                os.unlink(candidate, dir_fd=dir_fd)
            raise ActionError(f"cannot write {candidate} in {to_dir}: {e.strerror}") from None
        return to_dir / candidate
    raise ActionError(f"too many files named like {name} in {to_dir}")


def _save(store: Store, att: Attachment, dir_fd: int, to_dir: Path) -> Path:
    content = store.messages.attachment_content(att.id)
    if content is None:
        raise NotFound(f"attachment {att.id} is no longer in the store")
    return _write_unique(dir_fd, to_dir, _target_name(att), content)


def save_attachment(store: Store, ticket_id: int, name_or_index: str | int,
                    to_dir: Path | str | None = None) -> Path:
    """Save one attachment into to_dir (default: the current folder); its path."""
    att = find_attachment(store, ticket_id, name_or_index)
    folder = Path(to_dir) if to_dir is not None else Path.cwd()
    dir_fd = _open_dir(folder)
    try:
        return _save(store, att, dir_fd, folder)
    finally:
        os.close(dir_fd)


def save_all(store: Store, ticket_id: int, to_dir: Path | str | None = None) -> list[Path]:
    """Save every attachment of the ticket into to_dir; their paths in `show` order."""
    atts = list_attachments(store, ticket_id)
    if not atts:
        raise NotFound(f"ticket #{ticket_id} has no attachments")
    folder = Path(to_dir) if to_dir is not None else Path.cwd()
    dir_fd = _open_dir(folder)
    try:
        return [_save(store, a, dir_fd, folder) for a in atts]
    finally:
        os.close(dir_fd)
