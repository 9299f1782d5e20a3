"""The webmasters' e-mail templates in the core: placeholders, rendering,
the defaults as templates, and templates travelling with models."""

from fixtures.forms import VALID_DATA
from imio.guichet.caller import Caller
from imio.guichet.errors import InvalidInput
from imio.guichet.models.package import check_package
from imio.guichet.models.update import apply_parts
from imio.guichet.models.update import merge_update
from imio.guichet.notifications import messages
from imio.guichet.notifications.templates import check_template
from imio.guichet.notifications.templates import get_template
from imio.guichet.notifications.templates import KINDS
from imio.guichet.notifications.templates import MailTemplate
from imio.guichet.notifications.templates import render
from imio.guichet.notifications.templates import set_template
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.usecases import emails
from imio.guichet.usecases import models
from plone import api

import copy
import pytest


ADMIN = Caller(user_id="admin")


def test_render_is_one_pass_and_drops_an_empty_message():
    text = "A ${reference}\n\nMessage : ${public_message}\n\nB ${state}"
    values = {"reference": "${state}", "state": "Reçue", "public_message": ""}
    assert render(text, values) == "A ${state}\n\nB Reçue"
    values["public_message"] = "${reference}"
    assert render(text, values) == "A ${state}\n\nMessage : ${reference}\n\nB Reçue"


@pytest.mark.parametrize("kind", KINDS)
def test_each_placeholder_of_its_email_only(procedure, kind):
    schema = emails._form_schema(procedure)
    allowed = {
        "confirmation": "${tracking_url}",
        "service": "${request_url}",
        "state": "${state} ${public_message} ${tracking_url}",
    }[kind]
    check_template(kind, MailTemplate("${reference}", allowed), schema)
    other = "${request_url}" if kind != "service" else "${tracking_url}"
    with pytest.raises(InvalidInput) as refused:
        check_template(kind, MailTemplate("${reference}", other), schema)
    assert [f.code for f in refused.value.fields] == ["unknown_placeholder"]
    # An answer of a field the form has, confirmed; of one it has not, never.
    check_template(kind, MailTemplate("x", "${answer:name}", True), schema)
    with pytest.raises(InvalidInput) as refused:
        check_template(kind, MailTemplate("x", "${answer:nope}", True), schema)
    assert refused.value.fields[0].message.mapping["names"] == "${answer:nope}"
    # Never in the subject, confirmed or not: mailboxes, phones and the
    # outbox's log show subjects.
    with pytest.raises(InvalidInput) as refused:
        check_template(
            kind,
            MailTemplate("Demande de ${answer:name}", "${reference}", True),
            schema,
        )
    assert [(f.field, f.code) for f in refused.value.fields] == [
        ("subject", "answer_in_subject")
    ]


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_default_as_a_template_sends_the_default(procedure, kind, language):
    """What the editor starts from, saved as it is, sends what the default
    sends: resetting changes nothing a citizen reads."""
    api.portal.set_registry_record("plone.email_from_address", "g@example.org")
    procedure.service_emails = ["service@example.org"]
    submission = submit(procedure, VALID_DATA, submitter=None, language=language)
    store = get_store()
    event = change_state(
        store, submission, "received", user_id="x", public_message="Vu."
    )

    def sent():
        if kind == "confirmation":
            return messages.confirmation_message(store, submission, procedure)
        if kind == "service":
            return messages.service_message(submission, procedure, "https://s/1")
        return messages.state_change_message(store, submission, procedure, event)

    default = sent().parsed()
    written_in = "fr" if kind == "service" else language
    set_template(
        procedure, kind, written_in, messages.default_template(kind, written_in)
    )
    rewritten = sent().parsed()
    assert rewritten["Subject"] == default["Subject"]
    assert rewritten.get_body(("plain",)).get_content() == (
        default.get_body(("plain",)).get_content()
    )


def test_models_carry_the_templates(procedure):
    template = MailTemplate("Demande ${reference}", "Pour ${answer:name}.", True, "fr")
    german = MailTemplate("Antrag ${reference}", "Für ${answer:name}.", True, "de")
    set_template(procedure, "confirmation", "fr", template)
    set_template(procedure, "confirmation", "de", german)
    with api.env.adopt_roles(["Manager"]):
        package = models.share_version(
            ADMIN, procedure, model_id="extrait", parameters=[], changes=""
        )
        assert package["procedure"]["mail_templates"] == {
            "confirmation": {"de": german.as_dict(), "fr": template.as_dict()}
        }
        made = models.create_from_model(ADMIN, procedure.aq_parent, package, {})
    assert get_template(made, "confirmation", "fr") == template
    assert get_template(made, "confirmation", "de") == german
    assert get_template(made, "confirmation", "nl") is None
    assert get_template(made, "state", "fr") is None

    # A package whose e-mail names an unknown placeholder is refused.
    broken = copy.deepcopy(package)
    broken["procedure"]["mail_templates"]["state"] = {
        "nl": {"subject": "${reference}", "body": "${answer:name} ${nope}"}
    }
    with pytest.raises(InvalidInput) as refused:
        check_package(broken)
    assert sorted((f.field, f.code) for f in refused.value.fields) == [
        ("procedure/mail_templates/state/nl/allow_answers", "confirmation_required"),
        ("procedure/mail_templates/state/nl/body", "unknown_placeholder"),
    ]

    # An update: the model's new text where the authority kept the model's,
    # the authority's own where it changed it (any of its languages).
    newer = copy.deepcopy(package)
    newer["procedure"]["mail_templates"] = {
        "confirmation": {
            "fr": {**template.as_dict(), "subject": "Nouvelle ${reference}"},
            "de": german.as_dict(),
        },
        "service": {"fr": {"subject": "S ${reference}", "body": "${request_url}"}},
        "state": {"nl": {"subject": "${reference}", "body": "${state}"}},
    }
    mine = MailTemplate("Mijn ${reference}", "Mijn tekst", False, "nl")
    set_template(made, "service", "nl", mine)
    merged = merge_update(made, package, newer)
    apply_parts(made, merged.values)
    assert get_template(made, "confirmation", "fr").subject == "Nouvelle ${reference}"
    assert get_template(made, "confirmation", "de") == german
    assert get_template(made, "state", "nl").body == "${state}"
    assert get_template(made, "service", "nl") == mine
    assert get_template(made, "service", "fr") is None
    assert merged.kept_local_changes == ("mail:service",)


def test_packages_of_one_template_per_email(procedure):
    """A package written before templates were kept per language: each
    e-mail's one template is the template of its language, else of the
    site's default language."""
    api.portal.set_registry_record("plone.default_language", "fr")
    with api.env.adopt_roles(["Manager"]):
        package = models.share_version(
            ADMIN, procedure, model_id="extrait", parameters=[], changes=""
        )
    package["procedure"]["mail_templates"] = {
        "confirmation": {
            "subject": "Uw aanvraag ${reference}",
            "body": "${tracking_url}",
            "language": "nl",
        },
        "service": {"subject": "${reference}", "body": "${request_url} ${nope}"},
    }
    with pytest.raises(InvalidInput) as refused:
        check_package(package)
    assert [(f.field, f.code) for f in refused.value.fields] == [
        ("procedure/mail_templates/service/body", "unknown_placeholder")
    ]
    package["procedure"]["mail_templates"]["service"]["body"] = "${request_url}"
    with api.env.adopt_roles(["Manager"]):
        made = models.create_from_model(ADMIN, procedure.aq_parent, package, {})
    assert get_template(made, "confirmation", "nl").subject == (
        "Uw aanvraag ${reference}"
    )
    assert get_template(made, "confirmation", "fr") is None
    assert get_template(made, "service", "fr") == MailTemplate(
        "${reference}", "${request_url}", False, "fr"
    )
    # An update from it to the same e-mails changes nothing.
    merged = merge_update(made, package, package)
    assert merged.kept_local_changes == ()


def test_templates_sent_only_in_their_language(procedure):
    """A citizen gets the template of their language, else the default
    texts in their language, never another language's template; the
    notice to the service (staff's) falls back to the site's language."""
    api.portal.set_registry_record("plone.email_from_address", "g@example.org")
    api.portal.set_registry_record("plone.default_language", "fr")
    procedure.service_emails = ["service@example.org"]
    set_template(procedure, "confirmation", "fr", MailTemplate("Fr ${reference}", "x"))
    set_template(procedure, "confirmation", "de", MailTemplate("De ${reference}", "x"))
    set_template(procedure, "service", "fr", MailTemplate("Service ${reference}", "x"))
    store = get_store()
    for language, confirmation, service in (
        ("fr", "Fr {}", "Service {}"),
        ("de-BE", "De {}", "Service {}"),
        ("nl", "Uw aanvraag {} werd ontvangen", "Service {}"),
        (None, "Fr {}", "Service {}"),
    ):
        submission = submit(procedure, VALID_DATA, submitter=None, language=language)
        sent = messages.confirmation_message(store, submission, procedure).parsed()
        notice = messages.service_message(submission, procedure, "https://s/1")
        notice = notice.parsed()
        assert sent["Subject"] == confirmation.format(submission.reference)
        assert notice["Subject"] == service.format(submission.reference)
