"""Issue #15: a procedure cannot be opened to submissions until its
privacy information is complete; the same refusal on the edit form and
over REST, and the availability that citizens meet."""

from fixtures.forms import PRIVACY_INFORMATION
from imio.guichet.authority import IAuthority
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.privacy.information import forget_legacy
from imio.guichet.privacy.information import LEGACY_OPEN
from imio.guichet.privacy.information import MISSING_BASIS
from imio.guichet.privacy.information import MISSING_DPO
from imio.guichet.privacy.information import missing_information
from imio.guichet.privacy.information import MISSING_LAW
from imio.guichet.privacy.information import MISSING_PURPOSE
from imio.guichet.privacy.information import MISSING_RECIPIENTS
from plone import api

import pytest
import transaction


def empty(item) -> None:
    """``item`` without privacy information (as a procedure made before)."""
    for name in PRIVACY_INFORMATION:
        setattr(IOnlineForm(item), name, IOnlineForm[name].default)


class TestCompleteness:
    def test_what_is_missing(self, portal, procedure):
        empty(procedure)
        assert missing_information(procedure) == [
            MISSING_PURPOSE,
            MISSING_BASIS,
            MISSING_RECIPIENTS,
        ]
        procedure.privacy_legal_basis = "e"  # a public task: its law too
        assert MISSING_LAW in missing_information(procedure)
        procedure.privacy_legal_basis = "a"  # consent: no law needed
        assert MISSING_LAW not in missing_information(procedure)

    def test_the_authority_s_dpo(self, portal, procedure):
        assert missing_information(procedure) == []
        api.portal.set_registry_record("dpo_email", "", interface=IAuthority)
        assert missing_information(procedure) == [MISSING_DPO]
        assert not get_availability(procedure).is_open

    def test_mandatory_default_from_the_control_panel(self, portal, procedure):
        registry = api.portal.get_tool("portal_registry")
        registry[f"{IAuthority.__identifier__}.privacy_mandatory_default"] = None
        assert len(missing_information(procedure)) == 1
        procedure.privacy_mandatory = "law"
        assert missing_information(procedure) == []

    def test_opened_by_a_script_it_takes_nothing(self, portal, procedure):
        assert get_availability(procedure).is_open
        empty(procedure)
        availability = get_availability(procedure)
        assert not availability.is_open
        assert availability.reason == "reason_privacy_incomplete"


class TestLegacy:
    """Open before upgrade 1014: stays open until closed or completed."""

    def test_stays_open_until_closed(self, portal, procedure):
        empty(procedure)
        setattr(procedure, LEGACY_OPEN, True)
        assert get_availability(procedure).is_open
        forget_legacy(procedure)  # edited, still open: kept
        assert get_availability(procedure).is_open
        procedure.submissions_open = False
        forget_legacy(procedure)
        procedure.submissions_open = True
        assert not get_availability(procedure).is_open

    def test_completed_it_no_longer_needs_it(self, portal, procedure):
        setattr(procedure, LEGACY_OPEN, True)
        forget_legacy(procedure)
        assert not hasattr(procedure, LEGACY_OPEN)

    def test_editors_are_warned(self, site, browser_for):
        x = site.demarches.x
        empty(x)
        setattr(x, LEGACY_OPEN, True)
        transaction.commit()
        browser = browser_for("editor")
        browser.open(x.absolute_url())
        assert "guichet-privacy-warning" in browser.contents
        anonymous = browser_for("Anonymous")
        anonymous.open(x.absolute_url())
        assert "guichet-privacy-warning" not in anonymous.contents
        assert "guichet-submit" in anonymous.contents or "@@submit" in (
            anonymous.contents
        )


@pytest.fixture
def incomplete_closed(site):
    x = site.demarches.x
    empty(x)
    IOnlineForm(x).submissions_open = False
    transaction.commit()
    return x


class TestOpening:
    """The HTML edit form and REST refuse the same opening, and keep the
    procedure as it was."""

    def test_edit_form_refuses_to_open(self, incomplete_closed, browser_for):
        browser = browser_for("editor")
        browser.open(incomplete_closed.absolute_url() + "/edit")
        browser.getControl(
            name="form.widgets.IOnlineForm.submissions_open:list"
        ).value = ["selected"]
        browser.getControl(name="form.buttons.save").click()
        assert "privacy information is complete" in browser.contents
        assert "the purpose" in browser.contents
        assert "the lawful basis" in browser.contents
        assert "the recipients" in browser.contents
        transaction.begin()
        assert not IOnlineForm(incomplete_closed).submissions_open

    def test_edit_form_opens_once_complete(self, incomplete_closed, browser_for):
        browser = browser_for("editor")
        browser.open(incomplete_closed.absolute_url() + "/edit")
        prefix = "form.widgets.IOnlineForm."
        browser.getControl(name=prefix + "submissions_open:list").value = ["selected"]
        browser.getControl(name=prefix + "privacy_purpose").value = "Délivrer l'acte."
        browser.getControl(name=prefix + "privacy_legal_basis:list").value = ["c"]
        browser.getControl(name=prefix + "privacy_legal_reference").value = "Code civil"
        browser.getControl(name=prefix + "privacy_recipients").value = "État civil"
        browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        form = IOnlineForm(incomplete_closed)
        assert form.submissions_open
        assert form.privacy_recipients == ["État civil"]
        assert get_availability(incomplete_closed).is_open

    def test_rest_refuses_to_open(self, incomplete_closed, session_for):
        answer = session_for("Manager").patch(
            "demarches/x", json={"submissions_open": True}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["Content-Type"].startswith("application/json")
        # plone.restapi's answer to an invariant: the message as text.
        message = answer.json()["message"]
        assert "privacy information is complete" in message
        assert "the purpose" in message
        assert "the lawful basis" in message
        transaction.begin()
        assert not IOnlineForm(incomplete_closed).submissions_open

    def test_rest_opens_once_complete(self, incomplete_closed, session_for):
        answer = session_for("Manager").patch(
            "demarches/x", json={"submissions_open": True, **PRIVACY_INFORMATION}
        )
        assert answer.status_code == 204, answer.text
        transaction.begin()
        assert get_availability(incomplete_closed).is_open

    def test_rest_law_for_a_public_task(self, incomplete_closed, session_for):
        values = {**PRIVACY_INFORMATION, "privacy_legal_basis": "e"}
        values.pop("privacy_legal_reference")
        answer = session_for("Manager").patch(
            "demarches/x", json={"submissions_open": True, **values}
        )
        assert answer.status_code == 400, answer.text
        assert "the law or regulation" in answer.text
