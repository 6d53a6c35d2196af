"""SMTP sending. One call, one connection: replies are rare enough that pooling buys nothing,
and a fresh connection means a half-dead one never eats a reply."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl

SECURITY_MODES = ("tls", "starttls", "none")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_BARE_CR = re.compile(rb"\r(?!\n)")


class SendError(Exception):
    """One-line, user-facing message.

    `permanent` is True when retrying the same mail cannot help (5xx replies, refused
    addresses, bad configuration); False for 4xx replies and network trouble.
    """

    def __init__(self, message: str, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
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

    def __repr__(self) -> str:  # no password in tracebacks or logs
        return f"SmtpSender({self.host}:{self.port}, {self.security}, user={self.username!r})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _fail(self, text: str, permanent: bool, code: int | None = None) -> SendError:
        if self._password and len(self._password) >= 3:
            text = text.replace(self._password, "***")
        return SendError(" ".join(text.split()), permanent, code)

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        """Hand `raw` to the server for `recipients`; raises SendError on any failure.

        If the server accepts some recipients and refuses others, the mail has gone out
        to the accepted ones: that is a permanent error naming the refused addresses
        (retrying would send duplicates).
        """
        if not recipients:
            raise self._fail("no recipients given", permanent=True)
        # SMTP needs CRLF; mails built with email.policy.default use bare LF, which many
        # servers now reject (SMTP smuggling defences).
        data = _BARE_LF.sub(b"\r\n", _BARE_CR.sub(b"\r\n", raw))
        where = self.where
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self._password or "")
                options = []
                if not all(a.isascii() for a in [sender, *recipients]):
                    options.append("SMTPUTF8")  # smtplib raises if the server lacks it
                refused = smtp.sendmail(sender, recipients, data, mail_options=options)
        except SendError:
            raise
        except smtplib.SMTPRecipientsRefused as e:
            raise self._refused(e.recipients, accepted=False) from None
        except smtplib.SMTPAuthenticationError as e:
            raise self._fail(
                f"login as {self.username!r} on {where} failed: {_reply(e.smtp_code, e.smtp_error)}",
                _is_permanent(e.smtp_code),
                e.smtp_code,
            ) from None
        except smtplib.SMTPSenderRefused as e:
            raise self._fail(
                f"{where} refused sender {e.sender}: {_reply(e.smtp_code, e.smtp_error)}",
                _is_permanent(e.smtp_code),
                e.smtp_code,
            ) from None
        except smtplib.SMTPResponseException as e:
            # SMTPDataError, SMTPHeloError, SMTPConnectError and other coded replies.
            raise self._fail(
                f"{where} rejected the mail: {_reply(e.smtp_code, e.smtp_error)}",
                _is_permanent(e.smtp_code),
                e.smtp_code,
            ) from None
        except smtplib.SMTPNotSupportedError as e:
            raise self._fail(f"{where}: {e}", permanent=True) from None
        except smtplib.SMTPServerDisconnected as e:
            raise self._fail(f"{where} closed the connection: {e}", permanent=False) from None
        except smtplib.SMTPException as e:
            # e.g. "No suitable authentication method found": configuration, not luck.
            raise self._fail(f"sending via {where} failed: {e}", permanent=True) from None
        except ssl.SSLCertVerificationError as e:
            raise self._fail(
                f"TLS certificate of {where} is not trusted: {e.verify_message or e}",
                permanent=True,
            ) from None
        except ssl.SSLError as e:
            raise self._fail(
                f"TLS with {where} failed ({e.reason or e}); check the security setting "
                "(tls is usually port 465, starttls port 587)",
                permanent=False,
            ) from None
        except socket.gaierror as e:
            raise self._fail(
                f"cannot resolve host {self.host!r}: {e.strerror or e}", permanent=False
            ) from None
        except ConnectionRefusedError:
            raise self._fail(
                f"connection to {where} refused: is the SMTP server running and the port right?",
                permanent=False,
            ) from None
        except TimeoutError:
            raise self._fail(f"{where} did not answer within {self.timeout:g} s", permanent=False) from None
        except OSError as e:
            raise self._fail(f"cannot send via {where}: {e.strerror or e}", permanent=False) from None
        except UnicodeEncodeError:
            raise self._fail(
                f"{where} cannot take non-ASCII addresses (no SMTPUTF8)", permanent=True
            ) from None
        if refused:
            raise self._refused(refused, accepted=True)

    def _refused(self, refused: dict, accepted: bool) -> SendError:
        parts = [f"{addr} ({_reply(code, text)})" for addr, (code, text) in refused.items()]
        codes = [code for code, _ in refused.values()]
        # Partly delivered: never retry automatically, whatever the codes say.
        permanent = accepted or all(_is_permanent(c) for c in codes)
        lead = "sent, but " if accepted else ""
        return self._fail(
            f"{lead}{self.where} refused recipient(s): {'; '.join(parts)}",
            permanent,
            max(codes, default=None),
        )

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise self._fail(
                        f"{self.where} does not offer STARTTLS; check the security setting",
                        permanent=True,
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp
