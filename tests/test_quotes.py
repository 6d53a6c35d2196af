"""Folding quoted history and signatures (issue 4): split_reply finds the new text of a
reply in the shapes of the common mail clients and in 12 languages; it never loses the
reply and never returns an empty new text for a mail that has text."""

from __future__ import annotations

import time

import pytest

from helpspace_tui.mail.quotes import split_reply

QUOTED = "> Your order 1234 has shipped.\n> Regards, Acme"


@pytest.mark.parametrize("attribution", [
    "On Mon, Feb 1, 2016 at 4:58 AM, Ann Agent <ann@acme.test> wrote:",  # Gmail
    "On 28 Jan 2016, at 19:04, Ann Agent wrote:",  # Apple Mail
    "On 01.02.2016 10:00, Ann Agent wrote:",  # Thunderbird
    "Ann Agent <ann@acme.test> wrote:",
    "2016-03-03 17:21 GMT+01:00 Ann Agent <ann@acme.test>:",  # Gmail, date first
    "Am 03.02.2016 um 15:35 schrieb Ann Agent <ann@acme.test>:",  # German
    "Ann Agent <ann@acme.test> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:",
    "Le 4 janv. 2016 19:03, Ann Agent <ann@acme.test> a écrit :",  # French
    "El jueves, 21 de noviembre de 2013, Ann Agent escribió:",  # Spanish
    "Em 2 de fevereiro de 2015 10:58, Ann <ann@acme.test> escreveu:",  # Portuguese
    "Il 26 marzo 2016 alle 13.16 Ann Agent <ann@acme.test> ha scritto:",  # Italian
    "Op 2 feb. 2015 om 05:28 heeft Ann <ann@acme.test> het volgende geschreven:",  # Dutch
    "Dnia 14 lip 2015 o godz. 00:25 Ann <ann@acme.test> napisał(a):",  # Polish
    "20 окт. 2016 г. 19:37 пользователь Ann <ann@acme.test> написал:",  # Russian
    "30 серп. 2016 р. 20:45 Ann <ann@acme.test> пише:",  # Ukrainian
    "Den 5 juni 2017 kl. 12:22 skrev Ann <ann@acme.test>:",  # Swedish / Norwegian
    "在 2016年12月12日，下午8:45，Ann <ann@acme.test> 写道：",  # Chinese
])
def test_attribution_line_starts_the_history(attribution: str) -> None:
    text = f"Thanks, that solved it.\n\n{attribution}\n\n{QUOTED}\n"
    new, rest = split_reply(text)
    assert new == "Thanks, that solved it."
    assert rest.startswith(attribution) and rest.endswith("Regards, Acme")


@pytest.mark.parametrize("wrapped", [
    "On Thu, Jun 20, 2013 at 4:18 PM, Ann Agent <\nann@acme.test> wrote:",
    "On Mon, Feb 1, 2016 at 6:32 PM, Ann Agent <ann@acme.test>\nwrote:",
    "Le 4 janv. 2016 19:03, \"Ann Agent\"\n<ann@acme.test>\na écrit :",
    "Ann <ann@acme.test> schrieb am Di., 16. Aug. 2016\num 12:52 Uhr:",
])
def test_attribution_wrapped_over_lines(wrapped: str) -> None:
    new, rest = split_reply(f"Yes.\n\n{wrapped}\n\n{QUOTED}")
    assert new == "Yes."
    assert "Regards, Acme" in rest


def test_attribution_is_not_greedy_over_prose() -> None:
    text = ("On this day\n\nI wrote something\n\nwhich was interesting.\n\n"
            "On 28 Jan 2016, at 19:04, Ann wrote:\n\n> Did you?")
    new, _ = split_reply(text)
    assert new == "On this day\n\nI wrote something\n\nwhich was interesting."


def test_prose_mentioning_wrote_is_not_an_attribution() -> None:
    text = "My colleague wrote:\nthe export is broken.\nPlease help."
    assert split_reply(text) == (text, "")


@pytest.mark.parametrize("block", [
    "-----Original Message-----\nFrom: Ann\nSent: Monday\nTo: Cy\nSubject: Order",
    "________________________________\nFrom: Ann <ann@acme.test>\nSent: Thursday\n"
    "To: Cy\nSubject: Order",
    "From: Ann [mailto:ann@acme.test]\nSent: Monday, November 26, 2012 10:48 AM\n"
    "To: Cy\nSubject: Order",  # Outlook without a delimiter line
    "*From:* Ann\n*Sent:* 2016-01-27\n*To:* Cy\n*Subject:* Order",  # bold, via html2text
    "-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Do 11.02.2016\nAn: Cy\n"
    "Betreff: Bestellung",
    "-----Mensaje original-----\nDe: Ann\nEnviado: 16/02/2016\nPara: Cy\nAsunto: Pedido",
    "Från: Ann\nSkickat: den 5 juni 2017 12:22\nTill: Cy\nÄmne: Order",
    "Da: Ann\nInviato: giovedì\nA: Cy\nOggetto: Ordine",
    "De : Ann\nEnvoyé : lundi\nÀ : Cy\nObjet : Commande",
    "From: Ann Sent: Monday, 3 May To: Cy Subject: Order",  # flattened on one line
])
def test_outlook_header_blocks(block: str) -> None:
    new, rest = split_reply(f"Please cancel it.\n\n{block}\n\nYour order has shipped.")
    assert new == "Please cancel it."
    assert rest.endswith("Your order has shipped.")


@pytest.mark.parametrize("marker", [
    "---------- Forwarded message ---------", "Begin forwarded message:",
    "-------- Original Message --------", "*-------- Original Message --------*",
])
def test_forward_markers(marker: str) -> None:
    new, _ = split_reply(f"See below.\n\n{marker}\nFrom: Ann\nDate: today\nSubject: x\n\nBody")
    assert new == "See below."


def test_forwarded_mail_without_text_of_its_own_shows_the_forwarded_text() -> None:
    text = ("---------- Forwarded message ----------\nFrom: Ann <ann@acme.test>\n"
            "Date: Thu, Jan 28, 2016 at 4:00 PM\nSubject: a subject that\nspans two lines\n"
            "To: cy@example.com\n\n\nThe forwarded text.")
    assert split_reply(text)[0] == "The forwarded text."


def test_signature_dash_dash_space() -> None:
    new, rest = split_reply("Works now.\n\n-- \nCy Customer\nExample Corp\n+1 555 0100")
    assert new == "Works now."
    assert rest.startswith("--") and "Example Corp" in rest


@pytest.mark.parametrize("sig", [
    "Sent from my iPhone", "Envoyé de mon iPhone", "Von meinem iPhone gesendet",
    "Enviado desde mi iPhone", "Sendt fra min iPad", "Verzonden met BlackBerry Work",
    "Get Outlook for Android", "发自我的 iPhone",
])
def test_mobile_signatures(sig: str) -> None:
    new, rest = split_reply(f"On my way.\n\n{sig}")
    assert new == "On my way."
    assert rest == sig


def test_a_sentence_starting_sent_from_is_kept() -> None:
    text = "Here it is.\n\nSent from my desk, which is much easier than my phone, honestly."
    assert split_reply(text)[0] == text


def test_bottom_posted_reply_below_the_quote() -> None:
    text = "On Mon, Aug 19, 2013 at 2:36 AM, Ann <ann@acme.test> wrote:\n\n> Try again.\n\nIt works."
    new, rest = split_reply(text)
    assert new == "It works."
    assert "Try again" in rest


def test_inline_answers_between_quotes_are_kept() -> None:
    text = ("Hi,\nOn Tue, 2011-03-01 at 18:02 +0530, Ann wrote:\n> Question one?\n\n"
            "Answer one.\n\n> Question two?\n\nAnswer two.\n\n> Regards, Ann")
    new, rest = split_reply(text)
    assert "Answer one." in new and "Answer two." in new and "> Question two?" in new
    assert not new.endswith("Regards, Ann")
    assert rest.startswith("On Tue")


def test_leading_quote_without_attribution_is_context() -> None:
    assert split_reply("> This is a quote.\n\nAnd this is text.") == (
        "> This is a quote.\n\nAnd this is text.", "")


def test_nested_gt_quotes_trailing() -> None:
    new, rest = split_reply("ok\n\n> a\n>> b\n>>> c")
    assert (new, rest) == ("ok", "> a\n>> b\n>>> c")


def test_everything_quoted_is_all_new() -> None:
    text = "> only a quote\n> nothing else"
    assert split_reply(text) == (text, "")
    text = "On 1 Jan 2020, Ann <a@b.c> wrote:\n> hi"
    assert split_reply(text)[0] == text


def test_empty_and_whitespace() -> None:
    assert split_reply("") == ("", "")
    assert split_reply(" \n\n ") == ("", "")


def test_crlf_and_code_fences() -> None:
    assert split_reply("a\r\nb\r\n") == ("a\nb", "")
    text = "Code:\n\n```\n####\n--\n> not a quote\n```\n\nEnd."
    assert split_reply(text) == (text, "")


def test_rules_end_the_reply() -> None:
    new, _ = split_reply("Text.\n\n======\nfooter")
    assert new == "Text."
    assert split_reply("This is not a ---------- rule.")[0] == "This is not a ---------- rule."


def test_fast_on_a_large_hostile_body() -> None:
    body = ("On 1 Jan 2020 at 10:00 someone\n" * 3000 + "x " * 50000 + "\n"
            + "> " * 20000 + "\n" + "From: a\n" * 2000)
    t0 = time.perf_counter()
    new, _ = split_reply(body)
    assert time.perf_counter() - t0 < 2.0
    assert new
