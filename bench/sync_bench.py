"""Benchmark (not a test): `helpspace sync --once` of N mails from a real Dovecot into a
fresh store.

    .venv/bin/python bench/sync_bench.py [N] [--seed S]

A realistic mix: about 30% replies threading into earlier mails via In-Reply-To /
References, about 15% HTML-only, about 3% with an attachment, the rest plain text.
Prints append time, sync time, mails/s, store size (db + wal) and tickets created."""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpspace_tui.cli import main  # noqa: E402
from helpspace_tui.store import Store  # noqa: E402
from tests.servers import DovecotServer, make_mail  # noqa: E402

WORDS = [
    "printer", "invoice", "order", "delivery", "refund", "password", "account", "login",
    "broken", "late", "thanks", "please", "help", "urgent", "question", "shipment",
    "address", "update", "cancel",
]


def _text(rng: random.Random, n: int) -> str:
    lines = []
    for _ in range(n):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
                     + ".")
    return "\n".join(lines) + "\n"


def _msgid(raw: bytes) -> str:
    m = re.search(rb"^Message-ID: (<[^>]+>)", raw, re.MULTILINE | re.IGNORECASE)
    assert m, raw[:200]
    return m.group(1).decode()


def build_mails(n: int, seed: int) -> tuple[list[bytes], int]:
    """The mails and how many of them are replies."""
    rng = random.Random(seed)
    mails: list[bytes] = []
    roots: list[tuple[str, str, str]] = []  # (message-id, subject, sender)
    replies = 0
    for i in range(n):
        sender = f"customer{rng.randint(1, max(2, n // 3))}@cust{rng.randint(1, 20)}.test"
        roll = rng.random()
        if roots and roll < 0.30:
            parent, subject, psender = rng.choice(roots[-200:])
            raw = make_mail(i, subject=f"Re: {subject}", sender=psender, body=_text(rng, 4),
                            extra_headers={"In-Reply-To": parent, "References": parent})
            replies += 1
            mails.append(raw)
            continue
        subject = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} #{i}"
        if roll < 0.45:  # HTML only
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, "support@acme.test", subject
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = f"<bench-{i}-{seed}@cust.test>"
            body = "".join(f"<p>{line}</p>" for line in _text(rng, 6).splitlines())
            msg.set_content(f"<html><body><h1>{subject}</h1>{body}"
                            "<table><tr><td>Order</td><td>4711</td></tr></table></body></html>",
                            subtype="html")
            raw = msg.as_bytes()
        elif roll < 0.48:  # with an attachment
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, "support@acme.test", subject
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = f"<bench-{i}-{seed}@cust.test>"
            msg.set_content(_text(rng, 3))
            msg.add_attachment(rng.randbytes(rng.randint(20_000, 200_000)),
                               maintype="application", subtype="pdf", filename=f"invoice-{i}.pdf")
            raw = msg.as_bytes()
        else:
            raw = make_mail(i, subject=subject, sender=sender, body=_text(rng, 8))
        roots.append((_msgid(raw), subject, sender))
        mails.append(raw)
    return mails, replies


def main_bench() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    mails, replies = build_mails(args.n, args.seed)
    total_bytes = sum(len(m) for m in mails)
    server = DovecotServer()
    server.start()
    try:
        box = server.add_user()
        t = time.perf_counter()
        box.append_many(mails)
        append_s = time.perf_counter() - t

        with tempfile.TemporaryDirectory(prefix="helpspace-bench-") as tmp:
            store_path = Path(tmp) / "store.db"
            config = Path(tmp) / "config.toml"
            config.write_text(
                f'[store]\npath = "{store_path}"\n'
                f'[imap]\nhost = "{box.host}"\nport = {box.port}\nsecurity = "none"\n'
                f'username = "{box.username}"\npassword_command = "echo {box.password}"\n'
            )
            out, err = io.StringIO(), io.StringIO()
            t = time.perf_counter()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--config", str(config), "sync", "--once"])
            sync_s = time.perf_counter() - t
            if code != 0:
                print(f"sync failed (exit {code}):\n{out.getvalue()}{err.getvalue()}",
                      file=sys.stderr)
                return 1
            size = sum(p.stat().st_size for p in (store_path, Path(f"{store_path}-wal"))
                       if p.exists())
            store = Store(store_path)
            try:
                tickets = store.db.scalar("SELECT count(*) FROM tickets")
                messages = store.db.scalar("SELECT count(*) FROM messages")
                failed = store.db.scalar("SELECT count(*) FROM raw_mails WHERE state = 'failed'")
            finally:
                store.close()
    finally:
        server.cleanup()

    print(f"mails:         {args.n} ({replies} replies, {total_bytes / 1e6:.1f} MB)")
    print(f"append:        {append_s:.2f} s")
    print(f"sync --once:   {sync_s:.2f} s")
    print(f"mails/s:       {args.n / sync_s:.0f}")
    print(f"store size:    {size} bytes ({size / 1e6:.1f} MB, db + wal)")
    print(f"tickets:       {tickets} created, {messages} messages, {failed} kept raw")
    print(f"sync said:     {out.getvalue().strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_bench())
