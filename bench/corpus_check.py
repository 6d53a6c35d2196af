"""Walk a folder of real-world mails and report what parse_mail gets wrong.

    .venv/bin/python bench/corpus_check.py [FOLDER] [-v]

For every file that is a mail (.eml, .box, .mbox, extension-less or .txt files
that start with headers): parse it and report crashes, empty bodies, `=?`
left undecoded in subject/from/body, U+FFFD counts, attachments in the MIME
tree vs. parsed, and decoded subject/from against `MANIFEST.tsv` when the
folder has one. Exit status 1 if anything crashed. The corpus itself is not
in the repository; this tool is for whoever has it (and for CI that mounts it).
"""

from __future__ import annotations

import argparse
import csv
import email
import re
import sys
import time
import traceback
from collections.abc import Callable
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpspace_tui.mail.parse import ParsedMail, parse_mail  # noqa: E402

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
MAIL_SUFFIXES = {".eml", ".box", ".mbox", ".msg", ""}
HEADER_LINE = re.compile(rb"^[!-9;-~]{1,60}:", re.M)
KNOWN_HEADERS = re.compile(
    rb"^(?:from|subject|date|message-id|received|return-path|mime-version|to|delivered-to"
    rb"|content-type|x-[\w-]+)[ \t]*:",
    re.I | re.M,
)
UNDECODED = re.compile(r"=\?[^?\s]+\?[bBqQ]\?")

# Threading checks (threads/*) are added by the lead; a hook receives every
# parsed mail of the run and returns problem lines to print.
ThreadCheck = Callable[[list[tuple[Path, ParsedMail]]], list[str]]
THREAD_CHECKS: list[ThreadCheck] = []


def is_mail(path: Path) -> bool:
    if path.name in ("README.md", "MANIFEST.tsv") or path.suffix in (".md", ".tsv", ".py"):
        return False
    try:
        head = path.read_bytes()[:4096].lstrip(b"\r\n")
    except OSError:
        return False
    if path.suffix.lower() in (".eml", ".box", ".mbox"):
        return True
    if path.suffix.lower() not in MAIL_SUFFIXES | {".txt"}:
        return False
    if head.startswith(b"From "):
        head = head.split(b"\n", 1)[-1]
    lines = head.split(b"\n", 8)[:8]
    headerish = sum(1 for ln in lines if HEADER_LINE.match(ln) or ln[:1] in (b" ", b"\t"))
    return bool(KNOWN_HEADERS.search(head[:2048])) and headerish >= min(3, len(lines))


def mime_attachment_count(raw: bytes) -> int:
    """Leaf parts the stdlib would call attachments (a rough reference figure)."""
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
        n = 0
        for part in msg.walk():
            if part.is_multipart():
                continue
            if part.get_content_disposition() == "attachment" or part.get_filename():
                n += 1
        return n
    except Exception:  # noqa: BLE001 - a reference count only
        return -1


def load_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """file -> {"subject": ..., "from": ...} where the manifest states them."""
    path = folder / "MANIFEST.tsv"
    out: dict[str, dict[str, str]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            notes = row.get("expected_notes") or ""
            exp: dict[str, str] = {}
            for chunk in notes.split(" | "):
                key, sep, val = chunk.partition("=")
                if not sep or key not in ("subject", "from") or key in exp:
                    continue
                if val == "(none)":
                    exp[key] = ""
                    continue
                if len(val) >= 2 and val[0] == val[-1] == '"':
                    val = val[1:-1]
                # Annotations the manifest appends to the value itself.
                val = re.sub(r"\s*\[(?:raw|NOTE)[^\]]*\]$", "", val)
                if not val.startswith("UNDECODABLE("):
                    exp[key] = val
            if exp:
                out[row["file"]] = exp
    return out


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().strip('"').casefold()


def compare_manifest(parsed: ParsedMail, exp: dict[str, str]) -> list[str]:
    problems: list[str] = []
    want_subject = _norm(exp.get("subject", ""))
    got_subject = _norm(parsed.subject)
    # The manifest cuts very long subjects; a prefix match is a match.
    prefix_ok = len(want_subject) >= 100 and got_subject.startswith(want_subject)
    if "subject" in exp and got_subject != want_subject and not prefix_ok:
        problems.append(f"subject {parsed.subject!r} != manifest {exp['subject']!r}")
    if "from" in exp:
        want = exp["from"]
        m = re.search(r"[^\s<>\"()]+@[^\s<>\"()]+", want)
        want_addr = m.group(0).lower() if m else ""
        got_addr = parsed.sender.addr if parsed.sender else ""
        if want_addr != got_addr:
            problems.append(f"from addr {got_addr!r} != manifest {want_addr!r}")
        nm = re.match(r'^\s*"?(.*?)"?\s*<', want)
        if nm and nm.group(1).strip('" ') and parsed.sender:
            want_name = _norm(nm.group(1).strip('" '))
            # A name that only repeats the address is dropped by the parser on purpose.
            if want_name != _norm(parsed.sender.name) and want_name != want_addr:
                problems.append(f"from name {parsed.sender.name!r} != manifest {nm.group(1)!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    ap.add_argument("-v", "--verbose", action="store_true", help="print every mail's findings")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    manifest = load_manifest(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and is_mail(p))

    crashes = empty = undecoded = fffd_mails = manifest_bad = att_diff = 0
    fffd_total = 0
    parsed_all: list[tuple[Path, ParsedMail]] = []
    slowest = (0.0, "")
    for path in files:
        rel = path.relative_to(folder).as_posix()
        raw = path.read_bytes()
        notes: list[str] = []
        t0 = time.perf_counter()
        try:
            parsed = parse_mail(raw)
        except Exception:  # noqa: BLE001 - the point is to report it
            crashes += 1
            print(f"CRASH {rel}\n{traceback.format_exc()}")
            continue
        dt = time.perf_counter() - t0
        slowest = max(slowest, (dt, rel))
        parsed_all.append((path, parsed))
        if any(d.startswith("parser failed") for d in parsed.defects):
            crashes += 1
            notes.append(f"fallback used: {parsed.defects}")
        if not parsed.text.strip() and not parsed.attachments:
            empty += 1
            notes.append("empty body")
        sender = str(parsed.sender) if parsed.sender else ""
        bad = [n for n, v in (("subject", parsed.subject), ("from", sender)) if UNDECODED.search(v)]
        if UNDECODED.search(parsed.text):
            notes.append("encoded word in body (may be quoted literally)")
        if bad:
            undecoded += 1
            notes.append(f"undecoded =? in {', '.join(bad)}")
        n_fffd = sum(s.count("\ufffd") for s in (parsed.subject, sender, parsed.text))
        if n_fffd:
            fffd_mails += 1
            fffd_total += n_fffd
            notes.append(f"{n_fffd} U+FFFD")
        mime_n = mime_attachment_count(raw)
        if mime_n != len(parsed.attachments):
            att_diff += 1
            notes.append(f"attachments: MIME {mime_n}, parsed {len(parsed.attachments)}")
        if rel in manifest:
            probs = compare_manifest(parsed, manifest[rel])
            if probs:
                manifest_bad += 1
                notes.extend(probs)
        if notes and (args.verbose or any("undecoded" in n or "manifest" in n for n in notes)):
            print(f"{rel}: " + "; ".join(notes))

    for check in THREAD_CHECKS:
        for line in check(parsed_all):
            print(f"threads: {line}")

    with_expectations = sum(1 for p, _ in parsed_all if p.relative_to(folder).as_posix() in manifest)
    print(f"slowest: {slowest[1]} {slowest[0] * 1000:.1f} ms")
    print(
        f"corpus-check: {len(files)} mails, {crashes} crashes, {empty} empty bodies, "
        f"{undecoded} undecoded =? in subject/from, {fffd_mails} mails with U+FFFD "
        f"({fffd_total} chars), {att_diff} attachment-count differences vs MIME, "
        f"{manifest_bad} manifest mismatches (of {with_expectations} with expectations)"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
