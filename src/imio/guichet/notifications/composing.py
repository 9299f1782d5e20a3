"""An e-mail as the bytes an SMTP server takes: a plain-text body and its
HTML alternative, both UTF-8 and quoted-printable, with its envelope.

Why not :class:`email.message.EmailMessage`: with the SMTP policy, setting
each header parses it back through the header registry, and its body goes
through the pure-Python quoted-printable encoder; building and serialising
one confirmation cost about 1 ms, a tenth of a filing's CPU. The messages
here always have one shape, so they are written from the standard
library's lower-level parts instead (``binascii``'s encoder, written in C,
``email.header`` for encoded words and folding, ``email.utils`` for the
address, the date and the Message-ID), in about 50 µs. Whoever reads one
back (the tests, a mail client) reads it with the ``email`` package: it is
an ordinary MIME message.

What the high-level API guaranteed is kept: no header value may hold a
line break (no header can be injected; :class:`ValueError` otherwise), and
a recipient must be a bare address (:func:`bare_address`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr
from email.utils import formatdate
from email.utils import make_msgid

import binascii
import functools
import idna
import re
import secrets


#: Lines of a header this long at most (RFC 5322's recommended limit).
LINE = 78

#: A bare address (RFC 5321's dot-atom, an ASCII domain): no display name,
#: space, quote, bracket or comma that would add a recipient or a header.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_BARE_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Composed:
    """A message ready to send: its envelope, its subject (for the logs and
    the Site Administrator) and its bytes (CRLF line ends)."""

    sender: str
    recipients: tuple[str, ...]
    subject: str
    data: bytes

    def __bytes__(self) -> bytes:
        return self.data

    def parsed(self) -> EmailMessage:
        """The message as the ``email`` package reads it (a receiver's view)."""
        return BytesParser(policy=policy.default).parsebytes(self.data)


def compose(
    sender: Address,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str,
) -> Composed:
    """The message from ``sender`` to ``recipients`` whose body is ``text``,
    with ``html`` as its alternative."""
    for value in (subject, sender.display_name, sender.addr_spec):
        _refuse_line_breaks(value)
    if not recipients or not all(map(_BARE_ADDRESS.fullmatch, recipients)):
        raise ValueError("The recipients must be bare addresses")
    # Encoded text never holds "=_" ("=" starts an escape or a soft line
    # break): no part can contain the boundary.
    boundary = "=_" + secrets.token_hex(16)
    head = "".join(
        (
            _header("Subject", subject),
            _from(sender),
            "To: " + ",\r\n ".join(recipients) + "\r\n",
            "Date: " + formatdate(usegmt=True) + "\r\n",
            "Message-ID: " + make_msgid(domain=sender.domain) + "\r\n",
            # An automatic message: out-of-office replies are not sent back
            # (RFC 3834).
            "Auto-Submitted: auto-generated\r\n",
            "MIME-Version: 1.0\r\n",
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n',
        )
    )
    data = b"".join(
        (
            head.encode("ascii"),
            _part(boundary, "plain", text),
            _part(boundary, "html", html),
            f"--{boundary}--\r\n".encode("ascii"),
        )
    )
    return Composed(sender.addr_spec, tuple(recipients), subject, data)


def bare_address(address: str) -> str | None:
    """``address`` as a message may be sent to it (an accented domain in
    its ASCII form), or None: a form's e-mail field accepts more than SMTP
    without its UTF-8 extension does (an accented or quoted local part, a
    comma), and such an address would not reach its owner."""
    local, at, domain = address.strip().rpartition("@")
    if not domain.isascii():
        # IDNA 2008 as browsers map it (UTS #46): Python's own "idna" codec
        # is IDNA 2003, which writes "faß.de" as "fass.de", someone else's.
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    bare = f"{local}{at}{domain}"
    return bare if _BARE_ADDRESS.fullmatch(bare) else None


def _refuse_line_breaks(value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError("A header may not hold a line break")


def _plain(line: str) -> bool:
    """Whether a header line may be written as it is: ASCII, short, and
    nothing a reader would decode as an encoded word."""
    return line.isascii() and len(line) <= LINE and "=?" not in line


def _encoded(name: str, text: str) -> str:
    """``text`` as encoded words, folded to short lines whatever its words
    (a long ASCII word would otherwise stay one long line)."""
    return Header(text, "utf-8", header_name=name).encode(linesep="\r\n")


def _header(name: str, value: str) -> str:
    """``name: value`` and its line end, encoded when not plain."""
    line = f"{name}: {value}"
    if _plain(line):
        return line + "\r\n"
    return f"{name}: {_encoded(name, value)}\r\n"


def _from(sender: Address) -> str:
    """The From header and its line end: the sender's name quoted when
    plain, else encoded and folded as the ``email`` package does (a name
    mixing accents, commas and quotes is where hand-made encoded words go
    wrong)."""
    name, address = sender.display_name, sender.addr_spec
    plain = formataddr((name, address))
    if _plain(f"From: {plain}"):
        return f"From: {plain}\r\n"
    if "=?" in name:
        # What reads as an encoded word is encoded itself, never parsed:
        # the email package would decode it, line breaks and all.
        return f"From: {_encoded('From', name)}\r\n <{address}>\r\n"
    return _folded_from(name, address)


@functools.lru_cache(maxsize=16)
def _folded_from(name: str, address: str) -> str:
    # ~1.5 ms with the SMTP policy, but a site has one sender: made once.
    header = policy.SMTP.header_factory("From", Address(name, addr_spec=address))
    folded = header.fold(policy=policy.SMTP)
    # Never one header more: no line break but the folds and its end.
    _refuse_line_breaks(
        folded.removesuffix("\r\n").replace("\r\n ", " ").replace("\r\n\t", " ")
    )
    return folded


def _part(boundary: str, subtype: str, text: str) -> bytes:
    """A ``text/subtype`` part in UTF-8, quoted-printable (lines of any
    length survive every SMTP server)."""
    # Spaces at the end of a line go: binascii would escape them without
    # counting the escape in the line's length (lines of 77-78 characters).
    lines = "\n".join(line.rstrip(" \t") for line in re.split(r"\r\n|\r|\n", text))
    if not lines.endswith("\n"):
        # Its last line ends too (the CRLF before the boundary is the
        # boundary's, not the text's).
        lines += "\n"
    body = binascii.b2a_qp(lines.encode("utf-8")).replace(b"\n", b"\r\n")
    head = (
        f"--{boundary}\r\n"
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return head.encode("ascii") + body + b"\r\n"
