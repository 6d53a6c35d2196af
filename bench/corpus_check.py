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
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpspace_tui.domain.inboxes import InboxRef  # noqa: E402
from helpspace_tui.mail.parse import ParsedMail, parse_mail  # noqa: E402
from helpspace_tui.mail.quotes import split_reply  # noqa: E402
from helpspace_tui.services.ingest import ingest_raw  # noqa: E402
from helpspace_tui.store import Store  # noqa: E402

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


@dataclass(frozen=True)
class ThreadExpectation:
    """threads/README.md as data: each ticket is the file-name prefixes (two digits) of its
    mails in the order the ticket shows them; `automatic` names mails that must be kept
    as closed tickets tagged bounce/auto-reply, never in Unassigned (M4)."""

    tickets: tuple[tuple[str, ...], ...]
    automatic: dict[str, str] = field(default_factory=dict)


THREAD_EXPECTATIONS: dict[str, ThreadExpectation] = {
    # 2 tickets; 01 (the real root) first in A, 02 (fake root) threaded by its References
    "T05": ThreadExpectation((("01", "02", "04", "06", "08", "09"), ("03", "05", "07"))),
    "T07": ThreadExpectation((("01", "02", "03"),)),
    "T09": ThreadExpectation((("01", "02"),)),
    # other systems' [Ticket#N] tags: each mail its own ticket; 03 a bounce (M4)
    "T10": ThreadExpectation((("01",), ("02",), ("03",)), automatic={"03": "bounce"}),
}


def _fresh_store(tmp: str, name: str) -> Store:
    return Store(Path(tmp) / f"{name}.db")


def ingest_files(store: Store, files: list[Path]) -> dict[int, Path]:
    """Each file into the store in the given order, one write transaction per mail as the
    sync does; returns raw mail id -> file for the mails that became messages."""
    by_raw: dict[int, Path] = {}
    for path in files:
        with store.write():
            before = store.db.scalar("SELECT max(id) FROM raw_mails") or 0
            ingest_raw(store, path.read_bytes())
            after = store.db.scalar("SELECT max(id) FROM raw_mails") or 0
        if after != before:
            by_raw[int(after)] = path  # type: ignore[arg-type]
    return by_raw


def check_thread_set(set_dir: Path, exp: ThreadExpectation) -> list[str]:
    """Ingest one set into a fresh store; the differences from `exp` (empty: ok)."""
    files = sorted(p for p in set_dir.iterdir() if p.is_file() and p.name[:2].isdigit())
    with tempfile.TemporaryDirectory(prefix="corpus-threads-") as tmp:
        store = _fresh_store(tmp, set_dir.name[:3])
        try:
            by_raw = ingest_files(store, files)
            problems = [f"{set_dir.name[:3]} ingest failed: raw {rid}: {err}"
                        for rid, err, _ in store.mailbox.failed()]
            got: dict[int, list[str]] = {}
            for row in store.db.all("SELECT ticket_id, raw_id FROM messages ORDER BY id"):
                path = by_raw.get(row["raw_id"])
                got.setdefault(row["ticket_id"], []).append(path.name[:2] if path else "?")
            got_sets = sorted(tuple(v) for v in got.values())
            want_sets = sorted(exp.tickets)
            if got_sets != want_sets:
                problems.append(
                    f"{len(got)} tickets {_fmt(got_sets)}, expected {len(want_sets)} "
                    f"{_fmt(want_sets)}"
                )
            ticket_of = {f: tid for tid, fs in got.items() for f in fs}
            unassigned = {t.id for t in store.tickets.list(InboxRef("unassigned"), None)}
            for prefix, tag in exp.automatic.items():
                tid = ticket_of.get(prefix)
                t = store.tickets.get(tid) if tid is not None else None
                if t is None:
                    problems.append(f"{prefix} has no ticket")
                    continue
                if tid in unassigned:
                    problems.append(f"{prefix} is in Unassigned")
                if tag not in t.tags or t.status.value != "closed":
                    problems.append(f"{prefix} is {t.status.value} {t.tags}, expected closed "
                                    f"with tag {tag}")
            return problems
        finally:
            store.close()


def _fmt(tickets: list[tuple[str, ...]]) -> str:
    return " ".join("[" + ",".join(t) + "]" for t in tickets)


def check_threads(folder: Path) -> tuple[int, int, list[str]]:
    """(sets checked, sets wrong, lines to print) for <folder>/threads/."""
    root = folder / "threads"
    lines: list[str] = []
    checked = wrong = 0
    if not root.is_dir():
        return 0, 0, lines
    for set_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        exp = THREAD_EXPECTATIONS.get(set_dir.name[:3])
        if exp is None:
            lines.append(f"{set_dir.name}: no expectation encoded, skipped")
            continue
        checked += 1
        try:
            problems = check_thread_set(set_dir, exp)
        except Exception:  # noqa: BLE001 - reported as a mismatch with its traceback
            problems = ["CRASH\n" + traceback.format_exc()]
        if problems:
            wrong += 1
            lines.append(f"{set_dir.name[:3]}: " + "; ".join(problems))
        else:
            lines.append(f"{set_dir.name[:3]}: ok ({len(exp.tickets)} tickets)")
    return checked, wrong, lines


def ingest_all(files: list[Path]) -> tuple[int, list[str]]:
    """Every mail into one fresh store: (tickets made, ingest failures as lines)."""
    with tempfile.TemporaryDirectory(prefix="corpus-ingest-") as tmp:
        store = _fresh_store(tmp, "all")
        try:
            by_raw = ingest_files(store, files)
            failed = [
                f"{by_raw[rid].name if rid in by_raw else rid}: {err}"
                for rid, err, _ in store.mailbox.failed()
            ]
            tickets = int(store.db.scalar("SELECT count(*) FROM tickets") or 0)
            return tickets, failed
        finally:
            store.close()


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


def _norm_reply(s: str) -> str:
    return "\n".join(ln.rstrip() for ln in s.replace("\r\n", "\n").strip().splitlines())


def check_quotes(folder: Path, verbose: bool = False) -> tuple[int, int, int, list[str]]:
    """split_reply over reply_bodies/: (matches, cases with an expected trimmed text,
    crashes, lines to print). The discourse set has expected texts (an input without
    one is expected unchanged); the zapier set is inputs only: it must not crash, must
    keep some text, and must stay fast."""
    root = folder / "reply_bodies"
    lines: list[str] = []
    match = total = crashes = 0
    disc = root / "discourse_email_reply_trimmer"
    for path in sorted((disc / "emails").glob("*.txt")) if disc.is_dir() else []:
        text = path.read_bytes().decode("utf-8", "replace")
        expected_path = disc / "trimmed" / path.name
        expected = (expected_path.read_bytes().decode("utf-8", "replace")
                    if expected_path.exists() else text)
        total += 1
        try:
            new, _rest = split_reply(text)
        except Exception:  # noqa: BLE001 - reported
            crashes += 1
            lines.append(f"CRASH {path.name}\n{traceback.format_exc()}")
            continue
        if _norm_reply(new) == _norm_reply(expected):
            match += 1
        elif verbose:
            lines.append(f"{path.name}: got {_norm_reply(new)[:160]!r} "
                         f"expected {_norm_reply(expected)[:160]!r}")
        else:
            lines.append(f"{path.name}: differs")
    zap = root / "zapier_email_reply_parser"
    for path in sorted(zap.glob("*.txt")) if zap.is_dir() else []:
        text = path.read_bytes().decode("utf-8", "replace")
        t0 = time.perf_counter()
        try:
            new, _rest = split_reply(text)
        except Exception:  # noqa: BLE001 - reported
            crashes += 1
            lines.append(f"CRASH {path.name}\n{traceback.format_exc()}")
            continue
        dt = time.perf_counter() - t0
        if text.strip() and not new.strip():
            lines.append(f"zapier {path.name}: empty new text")
        if dt > 0.5:
            lines.append(f"zapier {path.name}: slow ({dt * 1000:.0f} ms)")
    return match, total, crashes, lines


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
    sets_checked, sets_wrong, thread_lines = check_threads(folder)
    for line in thread_lines:
        print(f"threads: {line}")
    n_tickets, ingest_failed = ingest_all(files)
    for line in ingest_failed:
        print(f"ingest failed: {line}")
    q_match, q_total, q_crashes, quote_lines = check_quotes(folder, args.verbose)
    for line in quote_lines:
        print(f"quotes: {line}")
    crashes += q_crashes

    with_expectations = sum(1 for p, _ in parsed_all if p.relative_to(folder).as_posix() in manifest)
    print(f"slowest: {slowest[1]} {slowest[0] * 1000:.1f} ms")
    print(
        f"corpus-check: {len(files)} mails, {crashes} crashes, {empty} empty bodies, "
        f"{undecoded} undecoded =? in subject/from, {fffd_mails} mails with U+FFFD "
        f"({fffd_total} chars), {att_diff} attachment-count differences vs MIME, "
        f"{manifest_bad} manifest mismatches (of {with_expectations} with expectations), "
        f"ingest: {n_tickets} tickets, {len(ingest_failed)} failed, "
        f"threads: {sets_checked - sets_wrong}/{sets_checked} sets ok, "
        f"quotes: {q_match}/{q_total} trimmed as expected"
    )
    return 1 if crashes or sets_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
