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

    default = sent()
    written_in = "fr" if kind == "service" else language
    set_template(procedure, kind, messages.default_template(kind, written_in))
    rewritten = sent()
    assert rewritten["Subject"] == default["Subject"]
    assert rewritten.get_body(("plain",)).get_content() == (
        default.get_body(("plain",)).get_content()
    )


def test_models_carry_the_templates(procedure):
    template = MailTemplate("Demande ${reference}", "Pour ${answer:name}.", True, "fr")
    set_template(procedure, "confirmation", template)
    with api.env.adopt_roles(["Manager"]):
        package = models.share_version(
            ADMIN, procedure, model_id="extrait", parameters=[], changes=""
        )
        assert package["procedure"]["mail_templates"] == {
            "confirmation": template.as_dict()
        }
        made = models.create_from_model(ADMIN, procedure.aq_parent, package, {})
    assert get_template(made, "confirmation") == template
    assert get_template(made, "state") is None

    # A package whose e-mail names an unknown placeholder is refused.
    broken = copy.deepcopy(package)
    broken["procedure"]["mail_templates"]["state"] = {
        "subject": "${reference}",
        "body": "${answer:name} ${nope}",
    }
    with pytest.raises(InvalidInput) as refused:
        check_package(broken)
    assert sorted((f.field, f.code) for f in refused.value.fields) == [
        ("procedure/mail_templates/state/allow_answers", "confirmation_required"),
        ("procedure/mail_templates/state/body", "unknown_placeholder"),
    ]

    # An update: the model's new text where the authority kept the model's,
    # the authority's own where it changed it.
    newer = copy.deepcopy(package)
    newer["procedure"]["mail_templates"] = {
        "confirmation": {**template.as_dict(), "subject": "Nouvelle ${reference}"},
        "service": {"subject": "S ${reference}", "body": "${request_url}"},
    }
    mine = MailTemplate("Ma ${reference}", "Mon texte", False, "fr")
    set_template(made, "service", mine)
    merged = merge_update(made, package, newer)
    apply_parts(made, merged.values)
    assert get_template(made, "confirmation").subject == "Nouvelle ${reference}"
    assert get_template(made, "service") == mine
    assert merged.kept_local_changes == ("mail:service",)
