"""IMAP source adapter: reads new mails from one folder of an IMAP server.

Knows nothing of the store. The sync service keeps (UIDVALIDITY, highest UID seen) per
folder and calls `select`, `uids_after` and `fetch`; every failure surfaces as a
`MailServerError` whose message is one line a user can act on.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

SECURITY_MODES = ("tls", "starttls", "none")
# Untagged responses during IDLE that only say "still here", not "the mailbox changed".
_KEEPALIVE = {b"OK", b"NO", b"BAD"}


class MailServerError(Exception):
    """One-line, user-facing message: what failed and where (host:port, folder).

    Never contains the password.
    """


@dataclass(frozen=True, slots=True)
class FetchedMail:
    uid: int
    raw: bytes
    internaldate: datetime | None  # timezone-aware UTC


@dataclass(frozen=True, slots=True)
class FetchFailure:
    uid: int
    error: str


def _text(value: object) -> str:
    """Server texts arrive as bytes, str or exception args; flatten to one line."""
    if isinstance(value, OSError) and value.strerror:
        value = value.strerror
    elif isinstance(value, BaseException):
        value = value.args[0] if len(value.args) == 1 else str(value)
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    text = " ".join(str(value).split())
    # imapclient words some errors as str(bytes): "b'[AUTHENTICATIONFAILED] ...'"
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text)
    return (quoted.group(2) if quoted else text) or "no details"


class ImapSource:
    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str,
        password: str,
        timeout: float = 30.0,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self._client: IMAPClient | None = None
        self._folder: str | None = None

    def __repr__(self) -> str:  # no password in tracebacks or logs
        return f"ImapSource({self.host}:{self.port}, {self.security}, user={self.username!r})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _msg(self, text: str) -> str:
        # A server may echo what it was sent; make sure the password never leaves.
        if self._password and len(self._password) >= 3:
            text = text.replace(self._password, "***")
        return text

    def _error(self, text: str) -> MailServerError:
        return MailServerError(self._msg(text))

    # ---------------------------------------------------------------- connection

    def __enter__(self) -> ImapSource:
        try:
            self._connect()
        except BaseException:
            self._close()
            raise
        return self

    def _connect(self) -> None:
        where = self.where
        hint = "check the security setting (tls is usually port 993, starttls/none port 143)"
        try:
            context = ssl.create_default_context()
            client = IMAPClient(
                self.host,
                self.port,
                ssl=self.security == "tls",
                ssl_context=context,
                timeout=self.timeout,
            )
            self._client = client
            # imaplib formats every line, bodies included, for its debug log even when
            # logging is off: about 3x slower body fetches. We never want that output.
            client._imap.debug = 0
            # tz-aware INTERNALDATEs instead of naive local times.
            client.normalise_times = False
            if self.security == "starttls":
                client.starttls(context)
            client.login(self.username, self._password)
        except LoginError as e:
            raise self._error(f"login as {self.username!r} on {where} failed: {_text(e)}") from None
        except CapabilityError as e:
            raise self._error(f"{where} does not offer STARTTLS ({_text(e)}); {hint}") from None
        except ssl.SSLCertVerificationError as e:
            raise self._error(
                f"TLS certificate of {where} is not trusted: {e.verify_message or _text(e)}"
            ) from None
        except ssl.SSLError as e:
            raise self._error(f"TLS handshake with {where} failed ({e.reason or _text(e)}); {hint}") from None
        except socket.gaierror as e:
            raise self._error(f"cannot resolve host {self.host!r}: {_text(e)}") from None
        except ConnectionRefusedError:
            raise self._error(
                f"connection to {where} refused: is the IMAP server running and the port right?"
            ) from None
        except TimeoutError:
            raise self._error(
                f"{where} did not answer within {self.timeout:g} s; check host, port and firewall, or {hint}"
            ) from None
        except OSError as e:
            raise self._error(f"cannot connect to {where}: {_text(e)}") from None
        except IMAPClientError as e:
            # e.g. a BYE greeting, or garbage when TLS meets a plain port.
            raise self._error(f"IMAP error from {where} while logging in: {_text(e)}; {hint}") from None

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            with contextlib.suppress(Exception):
                client.shutdown()

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise MailServerError(f"not connected to {self.where} (use 'with ImapSource(...)')")
        return self._client

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn protocol and socket errors of one operation into a MailServerError."""
        try:
            yield
        except MailServerError:
            raise
        except (IMAPClientAbortError, OSError) as e:
            # The connection is gone or out of step; the caller must reconnect.
            self._close()
            kind = "timed out" if isinstance(e, TimeoutError) else "connection lost"
            raise self._error(f"{kind} while {doing} on {self.where}: {_text(e)}") from None
        except IMAPClientError as e:
            raise self._error(f"{doing} on {self.where} failed: {_text(e)}") from None

    # ------------------------------------------------------------------ folders

    def list_folders(self) -> list[str]:
        with self._errors("listing folders"):
            return [name for _flags, _delim, name in self.client.list_folders()]

    def select(self, folder: str) -> tuple[int, int]:
        """Select `folder` read-only; returns (uidvalidity, uidnext)."""
        try:
            with self._errors(f"opening folder {folder!r}"):
                info = self.client.select_folder(folder, readonly=True)
        except MailServerError:
            if self._client is not None:
                folders = self.list_folders()
                if folder not in folders:
                    names = sorted(folders, key=lambda f: (f.upper() != "INBOX", f.lower()))
                    raise self._error(
                        f"no folder {folder!r} on {self.where}; folders: {', '.join(names)}"
                    ) from None
            raise
        self._folder = folder
        uidvalidity = info.get(b"UIDVALIDITY")
        if uidvalidity is None:
            raise self._error(f"{self.where} sent no UIDVALIDITY for folder {folder!r}")
        uidnext = info.get(b"UIDNEXT")
        if uidnext is None:
            # UIDNEXT is optional before IMAP4rev2; derive it from the highest UID.
            with self._errors(f"searching folder {folder!r}"):
                uids = self.client.search("ALL")
            uidnext = max(uids, default=0) + 1
        return int(uidvalidity), int(uidnext)

    def _need_folder(self) -> str:
        if self._folder is None:
            raise MailServerError(f"no folder selected on {self.where} (call select first)")
        return self._folder

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid` in the selected folder, ascending."""
        folder = self._need_folder()
        with self._errors(f"searching folder {folder!r}"):
            # Dovecot's SEARCH works on the session's view of the folder; without a NOOP,
            # mails delivered since SELECT (or the last sync) are invisible to it.
            self.client.noop()
            uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is below n (RFC 3501 6.4.8).
        return sorted(u for u in set(uids) if u > last_uid)

    # ------------------------------------------------------------------ fetching

    def fetch(self, uids: list[int], batch: int = 500) -> Iterator[FetchedMail | FetchFailure]:
        """Fetch raw mails and INTERNALDATE without setting \\Seen, in `uids` order.

        A batch whose response cannot be parsed (or that the server refuses) is retried
        one UID at a time, so one odd message becomes a FetchFailure and the rest arrive.
        UIDs the server no longer has (expunged meanwhile) are skipped.
        """
        folder = self._need_folder()
        uids = list(uids)
        for start in range(0, len(uids), max(1, batch)):
            chunk = uids[start : start + max(1, batch)]
            try:
                response = self._fetch_raw(folder, chunk)
            except _BadResponse as e:
                if len(chunk) == 1:
                    yield FetchFailure(chunk[0], e.text)
                    continue
                for uid in chunk:
                    try:
                        single = self._fetch_raw(folder, [uid])
                    except _BadResponse as e1:
                        yield FetchFailure(uid, e1.text)
                        continue
                    yield from self._items([uid], single)
                continue
            yield from self._items(chunk, response)

    def _fetch_raw(self, folder: str, uids: list[int]) -> dict:
        with self._errors(f"fetching from folder {folder!r}"):
            try:
                return self.client.fetch(uids, [b"BODY.PEEK[]", b"INTERNALDATE"])
            except (IMAPClientAbortError, OSError):
                raise
            except (IMAPClientError, ValueError, TypeError, IndexError, KeyError) as e:
                # imaplib has read the whole response before parsing, so the connection
                # is still in step: a parse error or a NO concerns these messages only.
                raise _BadResponse(self._msg(f"{type(e).__name__}: {_text(e)}")) from e

    def _items(self, uids: list[int], response: dict) -> Iterator[FetchedMail | FetchFailure]:
        for uid in uids:
            data = response.get(uid)
            if data is None:
                continue  # expunged since the search
            raw = data.get(b"BODY[]")
            if not isinstance(raw, bytes | bytearray):
                yield FetchFailure(uid, "server returned no message body")
                continue
            when = data.get(b"INTERNALDATE")
            if isinstance(when, datetime):
                when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            else:
                when = None
            yield FetchedMail(uid, bytes(raw), when)

    # ---------------------------------------------------------------------- IDLE

    def idle_wait(self, timeout: float) -> bool:
        """Wait in IDLE on the selected folder until it changes or `timeout` passes.

        Returns True if the server reported activity (new, expunged or changed mails).
        Without IDLE support this just sleeps and returns False; the caller polls.
        """
        folder = self._need_folder()
        deadline = time.monotonic() + max(0.0, timeout)
        with self._errors(f"waiting for new mail in folder {folder!r}"):
            if b"IDLE" not in self.client.capabilities():
                time.sleep(max(0.0, deadline - time.monotonic()))
                return False
            self.client.idle()
            activity = False
            try:
                while not activity:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    responses = self.client.idle_check(timeout=left)
                    activity = any(_is_activity(r) for r in responses)
            finally:
                _done_text, tail = self.client.idle_done()
            return activity or any(_is_activity(r) for r in tail)

    # -------------------------------------------------------------------- append

    def append(self, folder: str, raw: bytes, when: datetime | None = None) -> None:
        """Store a mail in `folder` (for tests and demo tooling)."""
        with self._errors(f"appending to folder {folder!r}"):
            self.client.append(folder, raw, flags=(), msg_time=when)


class _BadResponse(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _is_activity(response: object) -> bool:
    # Parsed IDLE responses look like (3, b'EXISTS') or (b'OK', b'Still here').
    return not (isinstance(response, tuple) and response and response[0] in _KEEPALIVE)
