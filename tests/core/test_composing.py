"""E-mails written as bytes (notifications/composing.py): what a receiver
reads back with the ``email`` package is what was composed, and nothing
typed can add a header or a recipient."""

from email import policy
from email.header import decode_header
from email.headerregistry import Address
from email.parser import BytesParser
from imio.guichet.notifications.composing import bare_address
from imio.guichet.notifications.composing import compose

import pytest
import re


SENDER = Address("Commune de Namur, État civil", "guichet", "namur.be")
TEXT = (
    "Bonjour,\r\n\r\nVotre demande « Déclaration de perte » (7K4M-9QXP) est reçue.\n"
    "Suivre : https://www.namur.be/fr/@@track-request?reference=7K4M-9QXP&secret="
    + "a"
    * 60
    + "\n.\n.une ligne qui commence par un point\nFrom the start\n"
    "2 + 2 = 4 ; =?utf-8?q?pas_un_mot_cod=C3=A9?=\n"
)
HTML = '<p>Bonjour,</p>\n<p>Un <a href="https://x.example/?a=1&amp;b=2">lien</a></p>\n'


def read(composed):
    return BytesParser(policy=policy.default).parsebytes(composed.data)


@pytest.mark.parametrize(
    "subject",
    [
        "Demande 7K4M-9QXP",
        "Votre demande « Déclaration de perte d'un objet trouvé sur la voie "
        "publique » (7K4M-9QXP) a bien été reçue",
        "A long subject in plain ASCII that goes on and on past the "
        "seventy-eight characters of a line",
        "=?utf-8?q?Bcc:_x@evil.example?= is only text",
        "Antrag für die Geburtsurkunde",
    ],
)
def test_what_a_receiver_reads_is_what_was_composed(subject):
    composed = compose(
        SENDER, ["jeanne@example.org", "service@namur.be"], subject, TEXT, HTML
    )
    message = read(composed)
    assert message["Subject"] == subject
    assert message["From"].addresses == (SENDER,)
    assert [a.addr_spec for a in message["To"].addresses] == [
        "jeanne@example.org",
        "service@namur.be",
    ]
    assert message["Date"].datetime.tzinfo is not None
    assert re.fullmatch(r"<[^<>@\s]+@namur\.be>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    # Read back with the wire's line ends (CRLF), as a mail client does.
    plain = message.get_body(("plain",)).get_content()
    assert plain == TEXT.replace("\r\n", "\n").replace("\n", "\r\n")
    assert message.get_body(("html",)).get_content() == HTML.replace("\n", "\r\n")
    assert message.get_content_type() == "multipart/alternative"
    assert all(not part.defects for part in message.walk())
    assert composed.subject == subject
    assert composed.sender == "guichet@namur.be"
    assert composed.recipients == ("jeanne@example.org", "service@namur.be")


def test_lines_are_short_and_end_with_crlf():
    composed = compose(SENDER, ["jeanne@example.org"], "é" * 200, "x" * 500, HTML)
    lines = composed.data.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert max(map(len, lines)) <= 78
    assert composed.data.isascii()


def test_the_last_line_ends_too():
    message = read(compose(SENDER, ["a@b.be"], "s", "Fin", "<p>Fin</p>"))
    assert message.get_body(("plain",)).get_content() == "Fin\r\n"
    assert message.get_body(("html",)).get_content() == "<p>Fin</p>\r\n"


def test_each_message_has_its_own_id_and_boundary():
    one, two = (compose(SENDER, ["a@b.be"], "s", "t", "h") for _ in range(2))
    assert read(one)["Message-ID"] != read(two)["Message-ID"]
    assert read(one).get_boundary() != read(two).get_boundary()


@pytest.mark.parametrize(
    "subject, name",
    [
        ("Demande\r\nBcc: x@evil.example", "Commune"),
        ("Demande\nBcc: x@evil.example", "Commune"),
        ("Demande", "Commune\rBcc: x@evil.example"),
    ],
)
def test_a_line_break_in_a_header_is_refused(subject, name):
    with pytest.raises(ValueError):
        compose(Address(name, "guichet", "namur.be"), ["a@b.be"], subject, "t", "h")


@pytest.mark.parametrize(
    "recipient",
    [
        "jeanne@example.org, evil@example.org",
        "jeanne,evil@example.org",
        "Jeanne <jeanne@example.org>",
        "jeanne@example.org\r\nBcc: evil@example.org",
        "jeanne@example.org>",
        '"jeanne"@example.org',
        "jéanne@example.org",
        "jeanne@localhost",
        "",
    ],
)
def test_a_recipient_is_a_bare_address_or_refused(recipient):
    assert bare_address(recipient) is None
    with pytest.raises(ValueError):
        compose(SENDER, [recipient], "s", "t", "h")


def test_no_recipient_is_refused():
    with pytest.raises(ValueError):
        compose(SENDER, [], "s", "t", "h")


def test_bare_addresses():
    assert bare_address(" o'hara+guichet@Example.ORG ") == "o'hara+guichet@Example.ORG"
    assert bare_address("jens@österreich.example") == "jens@xn--sterreich-z7a.example"
    # IDNA 2008: "faß.de" is its own domain, not "fass.de" (IDNA 2003).
    assert bare_address("x@faß.de") == "x@xn--fa-hia.de"
    assert bare_address("x@σίσυφος.gr") == "x@xn--kxa6ajbbmh.gr"


@pytest.mark.parametrize(
    "name",
    [
        "Administration communale de Saint-Josse-ten-Noode, Service État civil",
        'Commune "de" Namur, back\\slash',
        "Gemeinde Büllingen",
        "",
    ],
)
def test_any_sender_name_reads_back(name):
    sender = Address(name, "guichet", "namur.be")
    composed = compose(sender, ["a@b.be"], "s", "t", "h")
    assert read(composed)["From"].addresses == (sender,)
    assert max(map(len, composed.data.split(b"\r\n"))) <= 78


@pytest.mark.parametrize(
    "name",
    [
        "Ville =?utf-8?q?=0D=0AReply-To:_phish@evil.example=0D=0AX:?= Namur",
        "a =?utf-8?q?x?= b",
    ],
)
def test_a_sender_name_is_never_decoded_into_headers(name):
    composed = compose(Address(name, "guichet", "namur.be"), ["a@b.be"], "s", "t", "h")
    message = read(composed)
    assert message["Reply-To"] is None and message["X"] is None
    assert b"\r\nReply-To:" not in composed.data
    assert message["From"].addresses[0].addr_spec == "guichet@namur.be"
    # The name as sent is the name as typed (RFC 2047's decoding).
    head = composed.data.split(b"\r\n\r\n", 1)[0].decode()
    raw = head.split("From: ", 1)[1].split("\r\n <")[0]
    decoded = "".join(
        part.decode(charset or "ascii") if isinstance(part, bytes) else part
        for part, charset in decode_header(raw.replace("\r\n ", " "))
    )
    assert decoded == name


def test_a_long_word_in_a_subject_is_folded_and_kept():
    subject = "Demande " + "x" * 120
    composed = compose(SENDER, ["a@b.be"], subject, "t", "h")
    assert read(composed)["Subject"] == subject
    assert max(map(len, composed.data.split(b"\r\n"))) <= 78


def test_spaces_ending_lines_keep_them_short():
    text = "\n".join(["y" * 74 + " ", "z" * 75 + "\t", "fin  "])
    composed = compose(SENDER, ["a@b.be"], "s", text, "h")
    assert max(map(len, composed.data.split(b"\r\n"))) <= 76
    plain = read(composed).get_body(("plain",)).get_content()
    assert plain == "y" * 74 + "\r\n" + "z" * 75 + "\r\nfin\r\n"
