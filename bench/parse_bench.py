"""Throughput of parse_mail on one core.

    .venv/bin/python bench/parse_bench.py [FOLDER] [--generated N]

Prints mails/s over every mail file in FOLDER (default ../shared/corpus) and
over N generated support mails (default 20000): plain, HTML-only,
alternative, with a PDF attachment, quoted-printable German, an encoded
subject, an auto-reply. Figures only; never used as a test assertion.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_check import DEFAULT_FOLDER, is_mail  # noqa: E402

from helpspace_tui.mail.parse import parse_mail  # noqa: E402

WORDS = [
    "invoice",
    "order",
    "printer",
    "login",
    "password",
    "account",
    "refund",
    "shipping",
    "delivery",
    "broken",
    "please",
    "help",
    "thanks",
    "urgent",
    "question",
    "update",
    "error",
    "screen",
    "cannot",
    "since",
    "yesterday",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."


def generate(n: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    pdf = base64.encodebytes(bytes(rng.getrandbits(8) for _ in range(30_000))).decode()
    mails: list[bytes] = []
    for i in range(n):
        body = "\n\n".join(_sentence(rng) for _ in range(rng.randint(2, 12)))
        head = (
            f"Return-Path: <c{i}@example.com>\nReceived: from mx.example.com by mail.example.org\n"
            f"From: Customer {i} <c{i}@example.com>\nTo: support@example.org\n"
            f"Date: Mon, 0{i % 9 + 1} Jun 2025 10:{i % 60:02d}:00 +0200\n"
            f"Message-ID: <m{i}@example.com>\nMIME-Version: 1.0\n"
        )
        if i % 5:
            head += (
                f"In-Reply-To: <m{i - 1}@example.com>\nReferences: <m0@example.com> <m{i - 1}@example.com>\n"
            )
        kind = i % 7
        if kind == 0:
            mail = head + "Subject: Question\nContent-Type: text/plain; charset=utf-8\n\n" + body
        elif kind == 1:
            html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            mail = head + "Subject: HTML\nContent-Type: text/html; charset=utf-8\n\n" + html
        elif kind == 2:
            html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            mail = (
                head + 'Subject: Alt\nContent-Type: multipart/alternative; boundary="b"\n\n'
                "--b\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
                "--b\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n--b--\n"
            )
        elif kind == 3:
            mail = (
                head + 'Subject: With file\nContent-Type: multipart/mixed; boundary="m"\n\n'
                "--m\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
                '--m\nContent-Type: application/pdf; name="scan.pdf"\n'
                "Content-Transfer-Encoding: base64\n"
                'Content-Disposition: attachment; filename="scan.pdf"\n\n' + pdf + "--m--\n"
            )
        elif kind == 4:
            mail = (
                head + "Subject: =?utf-8?Q?R=C3=BCckfrage_zur_Bestellung?=\n"
                "Content-Type: text/plain; charset=iso-8859-1\n"
                "Content-Transfer-Encoding: quoted-printable\n\n" + body.replace("e", "=E4") + "\n"
            )
        elif kind == 5:
            mail = (
                head
                + "Subject: =?utf-8?B?"
                + base64.b64encode("Ärger mit Lieferung".encode()).decode()
                + "?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                + body
                + "\nGrüße\n"
            )
        else:
            mail = (
                head + "Subject: Automatic reply: Question\nAuto-Submitted: auto-replied\n"
                "Content-Type: text/plain; charset=utf-8\n\nI am out of the office.\n"
            )
        mails.append(mail.encode("utf-8"))
    return mails


def run(label: str, mails: list[bytes]) -> None:
    if not mails:
        print(f"{label}: no mails")
        return
    total = sum(len(m) for m in mails)
    t0 = time.perf_counter()
    for raw in mails:
        parse_mail(raw)
    dt = time.perf_counter() - t0
    print(
        f"{label}: {len(mails)} mails, {total / 1e6:.1f} MB in {dt:.2f} s = "
        f"{len(mails) / dt:,.0f} mails/s ({total / 1e6 / dt:.1f} MB/s)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    ap.add_argument("--generated", type=int, default=20_000)
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    if folder.is_dir():
        files = sorted(p for p in folder.rglob("*") if p.is_file() and is_mail(p))
        corpus = [p.read_bytes() for p in files]
        run(f"corpus {folder}", corpus * max(1, 2000 // max(1, len(corpus))))
    else:
        print(f"corpus {folder}: not found, skipped")
    if args.generated:
        run("generated", generate(args.generated))
    return 0


if __name__ == "__main__":
    sys.exit(main())
