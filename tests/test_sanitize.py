"""SPEC M7: untrusted text never reaches the terminal as control sequences or paths."""

from __future__ import annotations

import random

import pytest

from helpspace_tui.domain.sanitize import safe_filename, sanitize_line, sanitize_text

# Anything a terminal would interpret: C0 except \t\n, DEL, C1, bidi controls.
_DANGEROUS = {chr(c) for c in range(0x20) if c not in (9, 10)} | {chr(c) for c in range(0x7F, 0xA0)}
_DANGEROUS |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _assert_clean(s: str) -> None:
    bad = sorted({hex(ord(c)) for c in s if c in _DANGEROUS})
    assert not bad, f"dangerous characters left: {bad}"


def test_m7_osc52_clipboard_write_removed_whole() -> None:
    s = "Invoice \x1b]52;c;ZWNobyBwd25lZA==\x07paid"
    assert sanitize_text(s) == "Invoice paid"


def test_m7_osc_terminated_by_st_removed() -> None:
    assert sanitize_text("a\x1b]0;new title\x1b\\b") == "ab"
    assert sanitize_text("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b") == "alinkb"


def test_m7_csi_sequences_removed_with_parameters() -> None:
    assert sanitize_text("\x1b[2J\x1b[1;31mred\x1b[0m \x1b[?1049h") == "red "


def test_m7_eight_bit_csi_and_osc_removed() -> None:
    assert sanitize_text("a\x9b31mb") == "ab"
    assert sanitize_text("a\x9d52;c;AAAA\x9cb") == "ab"
    assert sanitize_text("a\x9d52;c;AAAA\x07b") == "ab"


def test_m7_dcs_apc_pm_sos_strings_removed() -> None:
    for intro in "PX^_":
        assert sanitize_text(f"a\x1b{intro}payload\x1b\\b") == "ab"


def test_m7_two_char_escape_removed() -> None:
    assert sanitize_text("a\x1bcb\x1b7c\x1b(0d") == "abcd"


def test_m7_unterminated_osc_loses_introducer_not_text() -> None:
    out = sanitize_text("a\x1b]52;c;AAAA and the rest of the mail")
    _assert_clean(out)
    assert out.endswith("and the rest of the mail")


def test_m7_c0_del_c1_dropped_tab_newline_kept() -> None:
    assert sanitize_text("a\x00b\x07c\x08d\x7fe\x85f\tg\nh") == "abcdef\tg\nh"


def test_m7_line_endings_normalised() -> None:
    assert sanitize_text("a\r\nb\rc\n") == "a\nb\nc\n"


def test_m7_bidi_overrides_and_isolates_removed() -> None:
    s = "invoice\u202eexe.pdf \u2066x\u2069 \u202a\u202b\u202c\u202d\u2067\u2068"
    assert sanitize_text(s) == "invoiceexe.pdf x "


def test_m7_markup_is_not_escaped_only_control_removed() -> None:
    # The display layer shows text literally; the sanitiser must not mangle it.
    assert sanitize_text("[bold]x[/bold] <b>&amp;</b> \\n") == "[bold]x[/bold] <b>&amp;</b> \\n"


def test_m7_plain_text_returned_unchanged() -> None:
    s = "Grüße, 你好 👋\n\tnext line"
    assert sanitize_text(s) is s


def test_m7_sanitize_line_collapses_whitespace() -> None:
    assert sanitize_line("  Re:\tHello\r\n  world \u2028x ") == "Re: Hello world x"
    assert sanitize_line("\x1b[31m") == ""
    assert sanitize_line("") == ""


def test_m7_random_strings_never_leave_controls() -> None:
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0, 0xA0)] + list("\u202e\u2066\u2028é😀[]")
    for _ in range(500):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        _assert_clean(sanitize_text(s))
        line = sanitize_line(s)
        _assert_clean(line)
        assert "\n" not in line and "\t" not in line


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "_._etc_passwd"),
        ("..\\..\\boot.ini", "_._boot.ini"),
        ("/etc/shadow", "_etc_shadow"),
        (".bashrc", "bashrc"),
        ("...", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("report.pdf", "report.pdf"),
        ("a\x1b[31mb\x00c.txt", "abc.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("a:b*c?.txt", "a_b_c_.txt"),
        ("line\nbreak.txt", "line break.txt"),
    ],
)
def test_m7_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_m7_safe_filename_limits_bytes_and_keeps_extension() -> None:
    name = "ä" * 300 + ".pdf"
    out = safe_filename(name)
    assert len(out.encode("utf-8")) <= 200
    assert out.endswith(".pdf")
    assert out.startswith("ää")


def test_m7_safe_filename_fallback_is_also_sanitised() -> None:
    assert safe_filename("", "../x.bin") == "_x.bin"
    assert safe_filename("", "") == "attachment"


def test_m7_safe_filename_random_inputs_stay_one_component() -> None:
    rng = random.Random(11)
    alphabet = list("./\\:\x00\x1b ab.é") + ["..", "../"]
    for _ in range(500):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        out = safe_filename(name)
        assert out and "/" not in out and "\\" not in out and ".." not in out
        assert not out.startswith(".") and out not in (".", "..")
        _assert_clean(out)
