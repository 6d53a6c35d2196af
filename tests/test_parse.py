"""SPEC M5-M7: every mail is decoded to readable, safe Unicode; nothing raises.

The fixtures under tests/fixtures/mail are written for this project; each
reproduces one kind of fault seen in real mail (the real-world corpus is not
part of the repository, see bench/corpus_check.py).
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpspace_tui.domain.models import Address
from helpspace_tui.mail.decode import decode_bytes, decode_rfc2047, normalize_charset
from helpspace_tui.mail.parse import content_hash, extract_ids, parse_mail

FIX = Path(__file__).parent / "fixtures" / "mail"


def fixture(name: str) -> bytes:
    return (FIX / name).read_bytes()


def _has_controls(s: str) -> bool:
    return any((ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2066" for c in s)


# --- M6: headers -------------------------------------------------------------------
def test_m6_encoded_word_with_spaces_decodes_leniently() -> None:
    p = parse_mail(fixture("encoded_word_with_spaces.eml"))
    assert p.subject == "Auftrag 4711: Können Sie die Lieferadresse ändern?"


def test_m6_freescout_3167_case1_exact_string() -> None:
    value = "=?ISO-8859-1?Q?Vorgang 538336029: M=F6chten Sie Ihre E-Mail-Adresse =E4ndern??="
    assert decode_rfc2047(value) == "Vorgang 538336029: Möchten Sie Ihre E-Mail-Adresse ändern?"


def test_m6_encoded_words_mixed_with_plain_words_across_fold() -> None:
    assert parse_mail(fixture("mixed_words_folded.eml")).subject == "Rückfrage zur Bestätigung 8812"
    value = "=?utf-8?Q?Gesch=C3=A4ftskonto?= erstellen =?utf-8?Q?f=C3=BCr?=\r\n 249143"
    assert " ".join(decode_rfc2047(value).split()) == "Geschäftskonto erstellen für 249143"


def test_m6_adjacent_encoded_words_join_without_space() -> None:
    assert decode_rfc2047("=?utf-8?Q?a?= =?utf-8?Q?b?=\r\n =?utf-8?Q?c?=") == "abc"
    assert decode_rfc2047("=?utf-8?Q?a?= x =?utf-8?Q?b?=") == "a x b"


def test_m6_multibyte_char_split_across_encoded_words() -> None:
    raw = "Grüße".encode()
    a, b = base64.b64encode(raw[:3]).decode(), base64.b64encode(raw[3:]).decode()
    assert decode_rfc2047(f"=?UTF-8?B?{a}?= =?UTF-8?B?{b}?=") == "Grüße"


def test_m6_iso2022jp_split_over_words_never_left_raw() -> None:
    p = parse_mail(fixture("iso2022jp_split_words.eml"))
    assert p.subject == "【お知らせ】新製品のご案内と価格改定について"
    assert "=?" not in p.subject


def test_m6_iso2022jp_nec_extensions_decode_as_cp50220() -> None:
    p = parse_mail(fixture("iso2022jp_nec_extensions.eml"))
    assert p.subject == "㈱テスト商事①髙橋"
    assert p.text == "本文：㈱テスト①"
    assert [a.filename for a in p.attachments] == ["㈱テスト商事①髙橋.txt"]


def test_m6_freescout_3185_exact_string() -> None:
    value = "=?iso-2022-jp?B?GyRCLWokIiQkJCYkKCQqfGIkKyQtJC8kMSQzGyhC?="
    assert decode_rfc2047(value) == "㈱あいうえお髙かきくけこ"


def test_m6_malformed_utf8_subject_gets_replacement_chars() -> None:
    p = parse_mail(fixture("malformed_utf8_subject.eml"))
    assert p.subject == "Re: Schöne Grüße \ufffd"
    assert p.text == "Body with a broken sequence: \ufffd( end."


def test_m6_truncated_encoded_word_is_decoded_not_shown_raw() -> None:
    raw = b"From: a@example.com\nSubject: Hello =?utf-8?Q?W=C3=B6rld\n\nx\n"
    p = parse_mail(raw)
    assert p.subject == "Hello Wörld"
    assert "unterminated encoded word" in p.defects


def test_m6_unknown_charset_label_still_readable() -> None:
    p = parse_mail(fixture("unknown_charset_label.eml"))
    assert p.subject == "Grüße"
    assert "Grüße aus München" in p.text


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("x-unknown", ""),
        ("unicode-1-1-utf-7", "utf-7"),
        ("iso-8859-8-i", "iso-8859-8"),
        ("ks_c_5601-1987", "cp949"),
        ("gb2312", "gb18030"),
        ("windows-874", "cp874"),
        ("x-mac-cyrillic", "mac_cyrillic"),
        ('"iso-8859-15"', "iso8859-15"),
        ("windows1252", "cp1252"),
        ("nonsense-charset", ""),
    ],
)
def test_m6_charset_alias_table(label: str, codec: str) -> None:
    assert normalize_charset(label) == codec


def test_m6_ks_c_5601_decodes_as_cp949() -> None:
    assert decode_bytes("안녕하세요".encode("cp949"), "ks_c_5601-1987") == "안녕하세요"


def test_m6_raw_utf8_header_rfc6532() -> None:
    raw = "From: Jörg Müller <jörg@example.com>\nSubject: Grüße 👋\n\nx\n".encode()
    p = parse_mail(raw)
    assert p.subject == "Grüße 👋"
    assert p.sender == Address("Jörg Müller", "jörg@example.com")


def test_m6_raw_latin1_header_falls_back_to_cp1252() -> None:
    raw = b"From: a@example.com\nSubject: Gr\xfc\xdfe\nContent-Type: text/plain; charset=iso-8859-1\n\nx\n"
    assert parse_mail(raw).subject == "Grüße"


def test_m6_encoded_display_name_with_comma_is_one_address() -> None:
    raw = b"From: =?utf-8?Q?M=C3=BCller,_Anna?= <Anna@Example.COM>\nTo: a@x.org, B <b@x.org>\n\nx\n"
    p = parse_mail(raw)
    assert p.sender == Address("Müller, Anna", "anna@example.com")
    assert p.to == [Address("", "a@x.org"), Address("B", "b@x.org")]


# --- M6: bodies --------------------------------------------------------------------
def test_m6_8bit_utf8_body_reads_correctly() -> None:
    assert parse_mail(fixture("8bit_body_declared_utf8.eml")).text == "Price — 42 €"
    raw = (
        b"From: a@example.com\nSubject: probe\nContent-Type: text/plain; charset=utf-8\n"
        b"MIME-Version: 1.0\n\nHello \xe2\x80\x94 world\n"
    )
    assert parse_mail(raw).text == "Hello — world"


def test_m6_backslashes_are_text() -> None:
    p = parse_mail(fixture("backslashes_in_body.eml"))
    assert p.text == 'Copy it to "C:\\new folder\\temp\\u00e9" please.'


def test_m6_lying_charset_label_utf8_wins() -> None:
    assert parse_mail(fixture("lying_charset_label.eml")).text == "您好！你今天好吗？"


def test_m6_leading_blank_line_before_headers() -> None:
    p = parse_mail(fixture("leading_blank_line.eml"))
    assert p.subject == "Leading blank"
    assert p.text == "The headers start on line two."


def test_m6_rfc2231_filename_continuations() -> None:
    p = parse_mail(fixture("rfc2231_filename.eml"))
    pdf, logo = p.attachments
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.inline) == (
        "Rechnung März 2025.pdf",
        "application/pdf",
        13,
        False,
    )
    assert pdf.content == b"%PDF-1.4 fake"
    assert (logo.content_id, logo.inline, logo.content_type) == ("logo123@example.net", True, "image/png")


def test_m6_qp_latin9_forward_is_embedded() -> None:
    p = parse_mail(fixture("forward_rfc822.eml"))
    assert len(p.embedded) == 1
    e = p.embedded[0]
    assert e.subject == "Bestellung € Problem"
    assert e.sender == Address("Max Kunde", "max@example.com")
    assert e.date == datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    assert e.text == "Der Betrag ist 10 € zu hoch."
    # The outer body is empty, so the forward is what the agent reads.
    assert "Der Betrag ist 10 € zu hoch." in p.text
    assert p.attachments[0].filename == "Bestellung € Problem.eml"
    assert p.attachments[0].content_type == "message/rfc822"


# --- M5: HTML, alternatives, attachments ----------------------------------------------
def test_m5_html_only_mail_becomes_readable_text() -> None:
    p = parse_mail(fixture("html_only.eml"))
    assert "the help page <https://example.com/help?a=1>" in p.text  # the URL stays visible
    assert "Company logo" in p.text  # image shown as its alt text
    assert "tracker.example.com" not in p.text  # remote image not referenced, never fetched
    assert "alert(1)" not in p.text and "color:red" not in p.text
    assert "* first" in p.text
    assert "1. Not a list \\ backslash" in p.text
    assert p.html is not None and "<html>" in p.html


def test_m5_alternative_with_empty_plain_uses_html() -> None:
    p = parse_mail(fixture("alternative_empty_plain.eml"))
    assert p.text == "Only the HTML part has text."  # no Markdown emphasis marks


def test_m5_alternative_prefers_plain_text() -> None:
    raw = (
        b'From: a@x.org\nContent-Type: multipart/alternative; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nplain version\n"
        b"--b\nContent-Type: text/html\n\n<p>html version</p>\n--b--\n"
    )
    p = parse_mail(raw)
    assert p.text == "plain version"
    assert p.html == "<p>html version</p>"


def test_m5_huge_html_uses_fast_stripper() -> None:
    html = "<p>" + "word " * 300_000 + "</p><script>x()</script>"
    raw = b"From: a@x.org\nContent-Type: text/html\n\n" + html.encode()
    p = parse_mail(raw)
    assert p.text.startswith("word word")
    assert "x()" not in p.text


def test_m5_signed_mail_shows_text_and_lists_signature() -> None:
    p = parse_mail(fixture("signed.eml"))
    assert p.text == "This text is signed."
    assert [(a.filename, a.content_type) for a in p.attachments] == [
        ("signature.asc", "application/pgp-signature")
    ]


def test_m5_encrypted_mail_says_so_and_lists_parts() -> None:
    p = parse_mail(fixture("encrypted.eml"))
    assert "encrypted" in p.text
    assert len(p.attachments) == 2
    assert p.attachments[1].filename == "encrypted.asc"


def test_m5_smime_enveloped_data_says_encrypted() -> None:
    raw = (
        b"From: a@x.org\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; "
        b'name="smime.p7m"\nContent-Transfer-Encoding: base64\n\nAAAA\n'
    )
    p = parse_mail(raw)
    assert "encrypted" in p.text
    assert p.attachments[0].filename == "smime.p7m"


def test_m5_unreadable_winmail_dat_is_kept_as_is() -> None:
    p = parse_mail(fixture("broken_winmail.eml"))
    assert p.text == "body"
    assert [a.filename for a in p.attachments] == ["winmail.dat"]
    assert p.attachments[0].content == b"not a tnef stream at all"


def test_m5_nameless_attachment_gets_a_generated_name() -> None:
    raw = (
        b'From: a@x.org\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--b--\n"
    )
    att = parse_mail(raw).attachments[0]
    assert att.filename == "attachment-1.pdf"
    assert att.content == b"%PDF"


# --- M7: hostile content --------------------------------------------------------------
def test_m7_hostile_subject_names_body_filenames_are_sanitised() -> None:
    p = parse_mail(fixture("hostile.eml"))
    assert p.subject == "Invoice [bold]paid[/bold] exe.txt"
    assert p.cc == [
        Address("Evil Corp", "evil@example.com"),
        Address("[red]Mallory[/red]", "m@example.com"),
    ]
    assert p.text.startswith("line1red\nline2")
    names = [a.filename for a in p.attachments]
    assert names == ["_._etc_passwd", "_._boot.ini"]
    for s in (p.subject, p.text, *names, *(a.name for a in p.cc)):
        assert not _has_controls(s)


def test_m7_encoded_escape_sequences_in_filename_are_removed() -> None:
    raw = (
        b'From: a@x.org\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: application/octet-stream\n"
        b"Content-Disposition: attachment;\n"
        b' filename="=?utf-8?Q?=1B]52;c;QQ=3D=3D=07..=2F.bashrc?="\n\nx\n--b--\n'
    )
    att = parse_mail(raw).attachments[0]
    assert att.filename == "_.bashrc"


# --- ids, dates, hashes -------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("<a@b>", ["a@b"]),
        ("<a@b> <c@d>", ["a@b", "c@d"]),
        ('Your message of "Mon, 1 Jan" <a@b>', ["a@b"]),
        ("<a@b>,<c@d> <a@b>", ["a@b", "c@d"]),
        ("a@b", ["a@b"]),
        ("  < a@b >  ", ["a@b"]),
        ("junk", []),
        ("", []),
        (None, []),
    ],
)
def test_m2_extract_ids(value: str | None, ids: list[str]) -> None:
    assert extract_ids(value) == ids


def test_m2_ids_normalised_in_parsed_mail() -> None:
    raw = (
        b"From: a@x.org\nMessage-ID:  <abc@x.org> \nIn-Reply-To: Your mail <p1@x.org> (sent Monday)\n"
        b"References: <r1@x.org>\n <r2@x.org> <r1@x.org>\n\nx\n"
    )
    p = parse_mail(raw)
    assert p.message_id == "abc@x.org"
    assert p.in_reply_to == ["p1@x.org"]
    assert p.references == ["r1@x.org", "r2@x.org"]


def test_m2_garbage_message_id_is_none() -> None:
    assert parse_mail(b"From: a@x.org\nMessage-ID: \n\nx\n").message_id is None
    assert parse_mail(b"From: a@x.org\nMessage-ID: not an id\n\nx\n").message_id is None
    assert parse_mail(b"From: a@x.org\n\nx\n").message_id is None


def test_m6_date_is_utc_aware_or_none() -> None:
    p = parse_mail(b"From: a@x.org\nDate: Tue, 03 Jun 2025 09:15:00 +0200\n\nx\n")
    assert p.date == datetime(2025, 6, 3, 7, 15, tzinfo=UTC)
    assert parse_mail(b"From: a@x.org\nDate: yesterday-ish\n\nx\n").date is None
    naive = parse_mail(b"From: a@x.org\nDate: Tue, 03 Jun 2025 09:15:00 -0000\n\nx\n").date
    assert naive is not None and naive.tzinfo is not None


BASE = (
    b"Return-Path: <a@x.org>\nReceived: from mx1 by mx2; Tue, 03 Jun 2025 09:15:01 +0200\n"
    b"Delivered-To: support@example.org\nFrom: A <a@x.org>\nTo: support@example.org\n"
    b"Subject: Help\nDate: Tue, 03 Jun 2025 09:15:00 +0200\nMessage-ID: <h1@x.org>\n\n"
    b"line one\nline two  \n"
)


def test_m3_content_hash_ignores_delivery_headers_and_line_endings() -> None:
    other = BASE.replace(b"mx1 by mx2", b"mx7 by mx9").replace(b"Return-Path: <a@x.org>\n", b"")
    other = b"X-Original-To: help@example.org\n" + other
    crlf = BASE.replace(b"\n", b"\r\n")
    assert content_hash(BASE) == content_hash(other) == content_hash(crlf)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"line one", b"line 1"),
        (b"From: A <a@x.org>", b"From: B <b@x.org>"),
        (b"Subject: Help", b"Subject: Help!"),
        (b"<h1@x.org>", b"<h2@x.org>"),
        (b"09:15:00", b"09:16:00"),
    ],
)
def test_m3_content_hash_changes_with_identity(old: bytes, new: bytes) -> None:
    assert content_hash(BASE) != content_hash(BASE.replace(old, new))


# --- robustness ---------------------------------------------------------------------
def test_m6_parse_never_raises_on_random_bytes() -> None:
    rng = random.Random(2025)
    pieces = [
        b"From: a@x.org\n",
        b"Subject: =?utf-8?B?",
        b"?=",
        b"Content-Type: multipart/mixed; boundary=b\n",
        b"--b\n",
        b"--b--\n",
        b"\n",
        b"\r\n",
        b"Content-Transfer-Encoding: base64\n",
        b"Content-Type: message/rfc822\n",
        b"=?iso-2022-jp?B?GyRC?=",
        b"\x1b[31m",
        b"\xff\xfe",
        b"Content-Type: text/html; charset=x-junk\n",
        b"<p>",
        b"filename*0*=utf-8''%FF",
    ]
    for i in range(300):
        if i % 2:
            raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400)))
        else:
            raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        p = parse_mail(raw)
        assert isinstance(p.text, str)
        assert not _has_controls(p.subject) and not _has_controls(p.text)
        assert parse_mail(raw) == p  # deterministic


def test_m6_empty_and_truncated_input() -> None:
    assert parse_mail(b"").text == ""
    p = parse_mail(b"From: a@x.org\nSubject: cut")
    assert p.subject == "cut"
    p = parse_mail(b'From: a@x.org\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: te')
    assert isinstance(p.text, str)


def test_m6_deep_nesting_does_not_recurse_forever() -> None:
    depth = 200
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth)
    )
    raw = b"From: a@x.org\n" + head + b"Content-Type: text/plain\n\ndeep\n"
    p = parse_mail(raw)
    assert isinstance(p.text, str)


def test_m6_very_long_line() -> None:
    raw = b"From: a@x.org\nSubject: " + b"x" * 100_000 + b"\n\n" + b"y" * 5_000_000 + b"\n"
    p = parse_mail(raw)
    assert len(p.text) == 5_000_000
    assert len(p.subject) <= 20_000


def test_m6_double_encoded_utf8_subject_is_repaired() -> None:
    raw = (
        b"From: a@x.org\nSubject: Re: "
        + "🧦Sale – What’s next 👇".encode().decode("cp1252", "replace").encode()
        + b" \xe2\x80\n\nx\n"
    )
    p = parse_mail(raw)
    assert p.subject == "Re: 🧦Sale – What’s next 👇 \ufffd"
    assert "double-encoded UTF-8 repaired" in p.defects


@pytest.mark.parametrize("text", ["éè", "naïve café", "À bientôt", "Mañana ¿qué?", "ação", "ÄÖÜ äöü ß"])
def test_m6_real_latin_text_is_not_mistaken_for_mojibake(text: str) -> None:
    from helpspace_tui.mail.decode import repair_double_utf8

    assert repair_double_utf8(text) == text


def test_m6_multipart_without_boundary_is_read_as_text() -> None:
    raw = b"From: a@x.org\nContent-Type: multipart/mixed\n\nThe whole mail is here.\n"
    p = parse_mail(raw)
    assert p.text == "The whole mail is here."
    assert p.attachments == []


def test_m5_blank_name_parameter_is_no_name() -> None:
    raw = (
        b'From: a@x.org\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b'--b\nContent-Type: text/plain; name=" "\nContent-Disposition: inline\n\nbody text\n--b--\n'
    )
    p = parse_mail(raw)
    assert p.text == "body text"
    assert p.attachments == []


def test_m5_winmail_dat_is_unpacked_into_its_files_and_body() -> None:
    p = parse_mail(fixture("winmail.eml"))
    assert [(a.filename, a.content_type, a.content) for a in p.attachments] == [
        ("Prüfbericht.txt", "text/plain", b"hello tnef")
    ]
    assert p.text == "Body only inside winmail.dat"  # the mail had no other body


def test_m5_a_forward_shows_its_own_sender_date_and_text_after_the_note() -> None:
    raw = (b"From: ann@cust.test\r\nTo: s@acme.test\r\nSubject: Fwd: order\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/plain\r\n\r\nFYI, see below.\r\n--B\r\n"
           b"Content-Type: message/rfc822\r\n\r\nFrom: Shop <shop@store.test>\r\n"
           b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nSubject: Your order 77\r\n\r\n"
           b"Order 77 was shipped.\r\n--B--\r\n")
    p = parse_mail(raw)
    assert p.text.startswith("FYI, see below.")
    assert "Forwarded message" in p.text and "Shop <shop@store.test>" in p.text
    assert "Subject: Your order 77" in p.text and "Order 77 was shipped." in p.text
    assert p.embedded[0].subject == "Your order 77"
