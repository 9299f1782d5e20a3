"""Make the e-mails' compression dictionary of a new version.

    .venv/bin/python scripts/make_mail_dictionary.py \\
        src/imio/guichet/notifications/mail-dictionary-2.zdict

A queued e-mail's bytes (``notifications.outbox.MailBody``) are compressed
with zlib's preset dictionary: e-mails of one template share most of their
bytes, which compressing each alone cannot use. The dictionary is what
this script writes: the default messages of a filing and of its changes
(the confirmation, the service's notice, the notices of a change of state
to received, in progress and accepted), composed by the add-on's own
composer in English, German, Dutch, then French (zlib finds nearer bytes
cheaper: the most sent language last), with made-up values. What differs
in every message (its date, its id, its MIME boundary) is written as a
fixed text, so that the same templates make the same dictionary.

A dictionary, once released, is frozen: a body names the version it was
compressed with (``MailBody.dictionary``), and reading it needs that very
dictionary. A new one (new templates, another language) is a new file, a
new version in ``outbox.MAIL_DICTIONARIES`` with its digest (printed
here), and a new entry in ``tests/core/test_mail_records.py``; the old
ones stay. Release the new version for reading first, and compress with
it (``outbox.MAIL_DICTIONARY``) only in a later release, unless every
instance of a database is upgraded together.

It runs in-process on the functional test layer (a throwaway site), with
the message catalogs compiled as the tests compile them.
"""

import os


# Before Zope reads the catalogs: the .mo files are not in git.
os.environ.setdefault("zope_i18n_compile_mo_files", "true")

from imio.guichet.i18n import translate_for  # noqa: E402
from imio.guichet.notifications import messages  # noqa: E402
from imio.guichet.submissions.states import STATES  # noqa: E402
from imio.guichet.testing import functional_site  # noqa: E402
from plone import api  # noqa: E402
from zope.i18nmessageid import Message  # noqa: E402

import argparse  # noqa: E402
import hashlib  # noqa: E402
import re  # noqa: E402


LANGUAGES = ("en", "de", "nl", "fr")  # the most sent last
VALUES = {
    "reference": "7K2M-QX4D",
    "procedure": "Déclaration de perte d'un objet",
    "date": "05/12/2026 10:30",
}
TRACKING = "https://www.commune.be/@@track-request?reference=7K2M-QX4D&secret=x"
STAFF = "https://www.commune.be/demarches/declaration-de-perte/@@requests?id=x"
#: zlib uses at most this much of a preset dictionary (its window, less
#: the lookahead).
WINDOW = 32_768 - 262
#: What differs in every message, written as a fixed text.
_VARYING = [
    (re.compile(rb"^Date: [^\r\n]*", re.M), b"Date: Sat, 05 Dec 2026 10:30:00 GMT"),
    (re.compile(rb"^Message-ID: [^\r\n]*", re.M), b"Message-ID: <0.0.0@commune.be>"),
    (re.compile(rb"=_[0-9a-f]{32}"), b"=_" + b"0" * 32),
]


def message(subject, body, language: str, **values) -> bytes:
    mapping = {**VALUES, **values}
    composed = messages.make_message(
        ["jeanne.dupont@example.org"],
        translate_for(Message(subject, mapping=mapping), language),
        translate_for(Message(body, mapping=mapping), language),
    )
    data = bytes(composed.data)
    for pattern, fixed in _VARYING:
        data = pattern.sub(fixed, data)
    return data


def messages_in(language: str) -> list[bytes]:
    found = []
    for state in ("received", "in_progress", "accepted"):
        label = translate_for(STATES[state], language)
        found.append(
            message(messages.STATE_SUBJECT, messages.STATE_BODY, language, state=label)
        )
    found.append(
        message(messages.SERVICE_SUBJECT, messages.SERVICE_BODY, language, link=STAFF)
    )
    found.append(
        message(
            messages.CONFIRMATION_SUBJECT,
            messages.CONFIRMATION_BODY,
            language,
            link=TRACKING,
        )
    )
    return found


def dictionary() -> bytes:
    by_language = {language: messages_in(language) for language in LANGUAGES}
    for language, found in by_language.items():
        if language != "en" and found == by_language["en"]:
            raise SystemExit(f"{language}: not translated (message catalogs?)")
    made = b"".join(data for found in by_language.values() for data in found)
    if not made.startswith(b"Subject:") or len(made) > WINDOW:
        raise SystemExit(f"not a dictionary: {len(made)} bytes")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the file to write (a new version)")
    args = parser.parse_args()
    with functional_site():
        api.portal.set_registry_record("plone.email_from_address", "guichet@commune.be")
        api.portal.set_registry_record("plone.email_from_name", "Commune")
        made = dictionary()
    with open(args.path, "xb") as written:  # never over a released one
        written.write(made)
    digest = hashlib.sha256(made).hexdigest()
    print(f"{args.path}: {len(made):,} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
