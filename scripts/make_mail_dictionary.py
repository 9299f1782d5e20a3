"""Write the e-mails' compression dictionary of a new version.

    .venv/bin/python scripts/make_mail_dictionary.py \\
        > src/imio/guichet/notifications/mail-dictionary-2.zdict

A queued e-mail's bytes (``notifications.outbox.MailBody``) are compressed
with zlib's preset dictionary: e-mails of one template share most of their
bytes, which compressing each alone cannot use. The dictionary is what
this script prints: the default messages (the confirmation, the service's
notice, the notices of a change of state), composed by the add-on's own
composer in English, German, Dutch, then French (zlib finds nearer bytes
cheaper: the most sent language last), with made-up values.

A dictionary, once released, is frozen: a body names the version it was
compressed with (``MailBody.dictionary``), and reading it needs that very
dictionary. A new one (new templates, another language) is a new file and
a new version in ``outbox.MAIL_DICTIONARIES``; the old ones stay.

It runs in-process on the functional test layer (a throwaway site), as
the benchmarks do.
"""

from pathlib import Path

import sys


sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))

from bench_submissions import functional_site  # noqa: E402 (bench/)
from imio.guichet.i18n import translate_for  # noqa: E402
from imio.guichet.notifications import messages  # noqa: E402
from imio.guichet.testing import FUNCTIONAL_TESTING  # noqa: E402
from plone import api  # noqa: E402
from zope.i18nmessageid import Message  # noqa: E402


LANGUAGES = ("en", "de", "nl", "fr")  # the most sent last
VALUES = {
    "reference": "7K2M-QX4D",
    "procedure": "Déclaration de perte d'un objet",
    "date": "05/12/2026 10:30",
    "state": "",
}
TRACKING = "https://www.commune.be/@@track-request?reference=7K2M-QX4D&secret=x"
STAFF = "https://www.commune.be/demarches/declaration-de-perte/@@requests?id=x"


def message(subject, body, language: str, **values) -> bytes:
    mapping = {**VALUES, **values}
    composed = messages.make_message(
        ["jeanne.dupont@example.org"],
        translate_for(Message(subject, mapping=mapping), language),
        translate_for(Message(body, mapping=mapping), language),
    )
    return composed.data


def dictionary() -> bytes:
    parts = []
    for language in LANGUAGES:
        for state in ("received", "in_progress", "accepted"):
            label = translate_for(messages.STATES.get(state, state), language)
            parts.append(
                message(
                    messages.STATE_SUBJECT, messages.STATE_BODY, language, state=label
                )
            )
        parts.append(
            message(
                messages.SERVICE_SUBJECT, messages.SERVICE_BODY, language, link=STAFF
            )
        )
        parts.append(
            message(
                messages.CONFIRMATION_SUBJECT,
                messages.CONFIRMATION_BODY,
                language,
                link=TRACKING,
            )
        )
    return b"".join(parts)


def main() -> None:
    with functional_site(FUNCTIONAL_TESTING):
        api.portal.set_registry_record("plone.email_from_address", "guichet@commune.be")
        api.portal.set_registry_record("plone.email_from_name", "Commune")
        sys.stdout.buffer.write(dictionary())


if __name__ == "__main__":
    main()
