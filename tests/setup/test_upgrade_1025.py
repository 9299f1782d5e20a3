"""Upgrade step 1025: a procedure's e-mail templates, one per e-mail
before, are kept as the template of the language each was written in."""

from fixtures.forms import VALID_DATA
from imio.guichet.notifications import messages
from imio.guichet.notifications.templates import ANNOTATION_KEY
from imio.guichet.notifications.templates import get_template
from imio.guichet.notifications.templates import get_templates
from imio.guichet.notifications.templates import MailTemplate
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.upgrades.v1025 import templates_by_language
from persistent.mapping import PersistentMapping
from plone import api
from zope.annotation.interfaces import IAnnotations


WRITTEN_IN_FRENCH = {
    "subject": "Demande ${reference}",
    "body": "Bien reçu : ${tracking_url}",
    "allow_answers": False,
    "language": "fr",
}
WITHOUT_LANGUAGE = {
    "subject": "[Guichet] ${reference}",
    "body": "Nouvelle demande : ${request_url}",
    "allow_answers": False,
}


def as_before_1025(procedure) -> None:
    """The annotation of profile 1021: one template per e-mail, one written
    in French (a procedure in French on a Dutch site), one stored before
    templates kept their language."""
    IAnnotations(procedure)[ANNOTATION_KEY] = PersistentMapping(
        {"confirmation": dict(WRITTEN_IN_FRENCH), "service": dict(WITHOUT_LANGUAGE)}
    )


def test_upgrade(portal, procedure):
    api.portal.set_registry_record("plone.default_language", "nl")
    api.portal.set_registry_record("plone.available_languages", ["nl", "fr", "de"])
    as_before_1025(procedure)

    templates_by_language()

    assert get_templates(procedure) == {
        "confirmation": {"fr": MailTemplate(**WRITTEN_IN_FRENCH)},
        "service": {"nl": MailTemplate(**WITHOUT_LANGUAGE, language="nl")},
    }
    # Run again, nothing changes.
    templates_by_language()
    assert get_template(procedure, "confirmation", "fr").subject == (
        "Demande ${reference}"
    )
    assert get_template(procedure, "confirmation", "nl") is None
    # Sent as before to the requests of its language; the default texts to
    # the others, in their language.
    api.portal.set_registry_record("plone.email_from_address", "g@example.org")
    store = get_store()
    for language, subject in (
        ("fr", "Demande {}"),
        ("de", "Ihr Antrag {} ist eingegangen"),
    ):
        submission = submit(procedure, VALID_DATA, submitter=None, language=language)
        sent = messages.confirmation_message(store, submission, procedure).parsed()
        assert sent["Subject"] == subject.format(submission.reference)
