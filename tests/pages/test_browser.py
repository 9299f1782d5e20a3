"""Classic UI: the procedure page, the form a citizen fills, the confirmation."""

from fixtures.accounts import PASSWORD
from fixtures.pages import fill_valid
from imio.guichet.submissions.api import get_store
from plone.testing.zope import Browser
from zExceptions import Forbidden

import pytest
import transaction


@pytest.fixture
def browser(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    return browser


def stored():
    transaction.begin()
    return len(get_store())


class TestProcedurePage:
    def test_call_to_action_when_open(self, site, browser):
        browser.open(site.demarches.x.absolute_url())
        assert "Extrait" in browser.contents
        link = browser.getLink(url="@@submit")
        assert link.url.endswith("/demarches/x/@@submit")

    def test_says_why_when_closed(self, site, browser):
        site.demarches.x.submissions_open = False
        transaction.commit()
        browser.open(site.demarches.x.absolute_url())
        assert "@@submit" not in browser.contents
        assert "closed" in browser.contents or "clôturées" in browser.contents

    def test_asks_to_log_in_when_required(self, site, browser):
        site.demarches.x.allow_anonymous = False
        transaction.commit()
        browser.open(site.demarches.x.absolute_url())
        assert "login?came_from=" in browser.getLink(url="came_from").url
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        assert "login" in browser.url

    def test_information_sections(self, site, browser):
        from plone.app.textfield.value import RichTextValue

        site.demarches.x.cost = RichTextValue(
            "<p>5 euros</p>", "text/html", "text/x-html-safe"
        )
        transaction.commit()
        browser.open(site.demarches.x.absolute_url())
        assert 'id="procedure-cost"' in browser.contents
        assert "5 euros" in browser.contents
        assert 'id="procedure-eligibility"' not in browser.contents  # empty


class TestSubmitForm:
    def test_valid_submission(self, site, browser):
        before = stored()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert "/@@confirmation?secret=" in browser.url  # with the tracking link
        transaction.begin()
        assert stored() == before + 1
        reference = browser.url.split("reference=")[1]
        submission = get_store().by_reference(reference)
        assert submission.data["name"] == "Jeanne Dupont"
        assert submission.data["delivery"] == "email"
        assert submission.data["copies"] == 2
        assert reference in browser.contents

    def test_invalid_submission_shows_errors_and_stores_nothing(self, site, browser):
        before = stored()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl("E-mail").value = "not-an-email"
        browser.getControl("Nom").value = ""
        browser.getControl(name="form.widgets.copies").value = "12"
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" not in browser.url
        assert browser.contents.count('class="invalid-feedback') >= 3 or (
            browser.contents.count("fieldErrorBox") >= 3
        )
        # What was typed is kept.
        assert browser.getControl("E-mail").value == "not-an-email"
        assert stored() == before

    def test_logged_in_citizen(self, site, browser):
        browser.addHeader("Authorization", f"Basic citizen_a:{PASSWORD}")
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        reference = browser.url.split("reference=")[1]
        transaction.begin()
        assert get_store().by_reference(reference).submitter == "citizen_a"

    def test_csrf_token_required(self, site, browser):
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="_authenticator").value = "forged"
        before = stored()
        with pytest.raises(Forbidden, match="authenticator is invalid"):
            browser.getControl(name="form.buttons.send").click()
        assert stored() == before

    def test_closed_form_redirects_to_procedure(self, site, browser):
        site.demarches.x.submissions_open = False
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        assert browser.url == site.demarches.x.absolute_url()

    def test_unreadable_form_sends_back_to_the_procedure(self, site, browser):
        site.demarches.x._form_schema_versions = ("<model><broken",)
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        assert browser.url == site.demarches.x.absolute_url()
        assert "unavailable" in browser.contents or "indisponible" in browser.contents

    def test_core_errors_show_next_to_fields_in_fieldsets(self, site, browser):
        site.demarches.x.form_schema = FIELDSET_FORM
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl(name="form.widgets.name").value = "Jeanne"
        browser.getControl(name="form.buttons.next").click()  # a form in steps
        # Over the default cap that only the server knows.
        browser.getControl(name="form.widgets.details").value = "x" * 10_001
        browser.getControl(name="form.buttons.next").click()
        assert "@@confirmation" not in browser.url
        field = browser.contents.split('id="formfield-form-widgets-details"')[1]
        after_input = field.split("</textarea>")[1][:1500]
        assert "at most 10000 characters" in after_input  # says the limit


FIELDSET_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:form="http://namespaces.plone.org/supermodel/form">
  <schema>
    <field name="name" type="zope.schema.TextLine"><title>Nom</title></field>
    <fieldset name="more" label="Précisions">
      <field name="details" type="zope.schema.Text">
        <title>Détails</title>
        <required>False</required>
      </field>
    </fieldset>
  </schema>
</model>
"""


class TestConfirmation:
    def test_repeated_parameter(self, site, browser):
        url = (
            site.demarches.x.absolute_url() + "/@@confirmation?reference=a&reference=b"
        )
        browser.open(url)
        assert browser.headers["status"].startswith("200")

    def test_unknown_reference(self, site, browser):
        browser.open(
            site.demarches.x.absolute_url() + "/@@confirmation?reference=AAAA-BBBB"
        )
        assert "AAAA-BBBB" not in browser.contents

    def test_reference_of_another_procedure_is_not_confirmed(self, site, browser):
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        reference = browser.url.split("reference=")[1]
        browser.open(
            site.demarches.y.absolute_url() + f"/@@confirmation?reference={reference}"
        )
        assert reference not in browser.contents
