"""Issue #3: a form with fieldsets is filled in steps, with a review page;
one form token files one submission."""

from fixtures.files import PDF
from fixtures.pages import fill_valid
from imio.guichet.submissions.api import get_store
from plone import api
from plone.testing.zope import Browser
from urllib.parse import urlencode

import io
import pytest
import re
import transaction


STEPS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
    </field>
    <field name="applicant" type="zope.schema.Choice">
      <title>Vous êtes</title>
      <values>
        <element key="person">Un particulier</element>
        <element key="company">Une entreprise</element>
      </values>
    </field>
    <fieldset name="company" label="Entreprise"
              guichet:show-if="applicant=company">
      <field name="org_name" type="zope.schema.TextLine">
        <title>Raison sociale</title>
      </field>
    </fieldset>
    <fieldset name="works" label="Travaux">
      <field name="scaffolding" type="zope.schema.Choice">
        <title>Un échafaudage ?</title>
        <values>
          <element key="yes">Oui</element>
          <element key="no">Non</element>
        </values>
      </field>
      <field name="height" type="zope.schema.Int"
             guichet:show-if="scaffolding=yes">
        <title>Hauteur (m)</title>
        <min>1</min>
      </field>
      <field name="plan" type="plone.namedfile.field.NamedBlobFile">
        <title>Plan</title>
        <required>False</required>
      </field>
    </fieldset>
    <fieldset name="more" label="Précisions">
      <field name="details" type="zope.schema.Text">
        <title>Détails</title>
      </field>
    </fieldset>
  </schema>
</model>
"""


@pytest.fixture
def steps_site(site):
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.form_schema = STEPS_FORM
    transaction.commit()
    return site


@pytest.fixture
def browser(steps_site):
    browser = Browser(steps_site.aq_parent)
    browser.handleErrors = False
    browser.open(steps_site.demarches.x.absolute_url() + "/@@submit")
    return browser


def heading(browser) -> str:
    match = re.search(r'id="guichet-step-heading">([^<]+)<', browser.contents)
    return match.group(1)


def click(browser, name):
    browser.getControl(name=f"form.buttons.{name}").click()


def stored() -> int:
    transaction.begin()
    return len(get_store() or ())


def post_form(browser, changes: dict) -> None:
    """Send the page's form with ``changes``, as a forged request would."""
    form = browser.getForm(id="form")
    fields = {
        control.name: control.value
        for control in form.controls
        if getattr(control, "name", None) and control.type not in ("submit", "file")
    }
    fields = {
        name: value[0] if isinstance(value, list) and value else value
        for name, value in fields.items()
    }
    browser.post(form.action, urlencode({**fields, **changes}))


def first_step(browser, applicant="person"):
    browser.getControl(name="form.widgets.name").value = "Jeanne"
    browser.getControl(name="form.widgets.applicant").value = [applicant]
    click(browser, "next")


def works_step(browser, plan=True):
    browser.getControl(name="form.widgets.scaffolding").value = ["yes"]
    browser.getControl(name="form.widgets.height").value = "12"
    if plan:
        browser.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(PDF), "application/pdf", "plan.pdf"
        )
    click(browser, "next")


def to_review(browser):
    first_step(browser)
    works_step(browser)
    browser.getControl(name="form.widgets.details").value = "Merci"
    click(browser, "next")


class TestNavigation:
    def test_one_step_at_a_time(self, browser):
        assert heading(browser) == "Step 1 of 4: General information"
        assert 'aria-current="step"' in browser.contents
        with pytest.raises(LookupError):
            browser.getControl(name="form.buttons.send")  # only on review
        with pytest.raises(LookupError):
            browser.getControl(name="form.buttons.previous")
        assert browser.getControl(name="form.widgets.details").type == "hidden"

    def test_previous_and_next_keep_what_was_typed(self, browser):
        first_step(browser)
        assert heading(browser) == "Step 2 of 4: Travaux"
        browser.getControl(name="form.widgets.scaffolding").value = ["no"]
        click(browser, "previous")
        assert heading(browser) == "Step 1 of 4: General information"
        assert browser.getControl(name="form.widgets.name").value == "Jeanne"
        click(browser, "next")
        assert browser.getControl(name="form.widgets.scaffolding").value == ["no"]

    def test_skipped_step(self, browser):
        first_step(browser, applicant="person")
        assert heading(browser).endswith("Travaux")
        assert "Entreprise" not in browser.contents

    def test_conditional_step_shown(self, browser):
        first_step(browser, applicant="company")
        assert heading(browser) == "Step 2 of 5: Entreprise"
        browser.getControl(name="form.widgets.org_name").value = "ACME"
        click(browser, "next")
        assert heading(browser).endswith("Travaux")

    def test_file_survives_the_steps(self, browser):
        first_step(browser)
        works_step(browser, plan=True)
        assert heading(browser).endswith("Précisions")
        click(browser, "previous")
        assert "File already received" in browser.contents
        assert "plan.pdf" in browser.contents
        click(browser, "next")
        browser.getControl(name="form.widgets.details").value = "Merci"
        click(browser, "next")
        assert "plan.pdf" in browser.contents  # on the review page
        click(browser, "send")
        assert "@@confirmation" in browser.url
        transaction.begin()
        reference = browser.url.split("reference=")[1]
        submission = get_store().by_reference(reference)
        assert submission.data["plan"]["filename"] == "plan.pdf"
        with submission.attachments["plan"].blob.open() as stream:
            assert stream.read() == PDF


class TestValidationPerStep:
    def test_next_checks_the_step_only(self, browser):
        click(browser, "next")
        assert heading(browser).startswith("Step 1")
        summary = browser.contents.split('id="guichet-error-summary"')[1]
        summary = summary.split("</div>")[0]
        assert "#formfield-form-widgets-name" in summary
        assert "#formfield-form-widgets-applicant" in summary
        assert "formfield-form-widgets-details" not in summary  # a later step

    def test_server_rules_and_messages(self, browser):
        first_step(browser)
        browser.getControl(name="form.widgets.scaffolding").value = ["yes"]
        browser.getControl(name="form.widgets.height").value = "0"
        click(browser, "next")
        assert heading(browser).endswith("Travaux")
        assert 'id="form-widgets-height-error"' in browser.contents

    def test_hidden_conditional_field_not_required(self, browser):
        first_step(browser)
        browser.getControl(name="form.widgets.scaffolding").value = ["no"]
        click(browser, "next")
        assert heading(browser).endswith("Précisions")

    def test_refused_file_is_not_carried(self, browser):
        first_step(browser)
        browser.getControl(name="form.widgets.scaffolding").value = ["no"]
        browser.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(b"MZ not a pdf"), "application/pdf", "virus.pdf"
        )
        click(browser, "next")
        assert heading(browser).endswith("Travaux")
        assert 'id="form-widgets-plan-error"' in browser.contents
        assert "guichet.file.plan" not in browser.contents


class TestReview:
    def test_every_answer_and_edit_buttons(self, browser):
        to_review(browser)
        assert heading(browser) == "Step 4 of 4: Check and send"
        review = browser.contents.split('class="guichet-review')
        text = "".join(review[1:])
        for shown in ("Jeanne", "Un particulier", "Oui", "12", "plan.pdf", "Merci"):
            assert shown in text
        assert "Raison sociale" not in text  # a skipped step is absent
        assert browser.getControl(name="form.buttons.send")
        edit = browser.getControl(name="guichet.goto", index=1)
        edit.click()
        assert heading(browser).endswith("Travaux")
        assert browser.getControl(name="form.widgets.height").value == "12"

    def test_hidden_answer_left_out(self, browser):
        first_step(browser)
        works_step(browser, plan=False)
        click(browser, "previous")
        browser.getControl(name="form.widgets.scaffolding").value = ["no"]
        click(browser, "next")
        browser.getControl(name="form.widgets.details").value = "Merci"
        click(browser, "next")
        assert "Hauteur" not in browser.contents.split("guichet-review", 1)[1]
        click(browser, "send")
        transaction.begin()
        reference = browser.url.split("reference=")[1]
        assert "height" not in get_store().by_reference(reference).data

    def test_only_the_review_files(self, browser):
        before = stored()
        first_step(browser)
        works_step(browser, plan=False)
        # A forged "send" from a step: no such button there, nothing filed.
        browser.getControl(name="form.widgets.details").value = "Merci"
        post_form(browser, {"form.buttons.send": "Send my request"})
        assert heading(browser).endswith("Précisions")  # handled, not filed
        assert "@@confirmation" not in browser.url
        assert stored() == before


class TestDoubleSubmission:
    def test_same_form_sent_twice_files_once(self, browser):
        before = stored()
        to_review(browser)
        click(browser, "send")
        first = browser.url
        browser.goBack()  # the review page, as the browser kept it
        click(browser, "send")
        assert browser.url == first
        assert stored() == before + 1

    @pytest.fixture
    def rich_form(self, site, browser_for):
        """The one-page RICH_FORM, opened."""
        browser = browser_for("Anonymous")
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        return browser

    def test_one_page_form(self, rich_form):
        browser = rich_form
        before = stored()
        fill_valid(browser)
        click(browser, "send")
        first = browser.url
        browser.goBack()
        click(browser, "send")
        assert browser.url == first
        assert stored() == before + 1

    def test_changed_answers_after_sending(self, rich_form):
        browser = rich_form
        before = stored()
        fill_valid(browser)
        click(browser, "send")
        browser.goBack()
        browser.getControl(name="form.widgets.name").value = "Autre nom"
        click(browser, "send")
        assert "@@confirmation" not in browser.url
        assert "already sent" in browser.contents
        assert stored() == before + 1

    def test_each_opening_of_the_form_is_a_new_request(self, site):
        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        before = stored()
        for _i in range(2):
            browser.open(site.demarches.x.absolute_url() + "/@@submit")
            fill_valid(browser)
            click(browser, "send")
        assert stored() == before + 2


class TestOnePageForm:
    """A form without fieldsets: one page, no review, files kept too."""

    ONE_PAGE = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="name" type="zope.schema.TextLine"><title>Nom</title></field>
    <field name="scaffolding" type="zope.schema.Bool">
      <title>Un échafaudage ?</title>
      <required>False</required>
    </field>
    <field name="height" type="zope.schema.Int"
           guichet:show-if="scaffolding=true">
      <title>Hauteur (m)</title>
    </field>
    <field name="plan" type="plone.namedfile.field.NamedBlobFile">
      <title>Plan</title>
    </field>
  </schema>
</model>
"""

    @pytest.fixture
    def one_page(self, site):
        with api.env.adopt_roles(["Manager"]):
            site.demarches.x.form_schema = self.ONE_PAGE
        transaction.commit()
        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        return browser

    def test_no_steps(self, one_page):
        assert "guichet-step-heading" not in one_page.contents
        assert one_page.getControl(name="form.buttons.send")

    def test_accepted_file_kept_after_an_error(self, one_page):
        one_page.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(PDF), "application/pdf", "plan.pdf"
        )
        click(one_page, "send")  # the name is missing
        assert "File already received" in one_page.contents
        one_page.getControl(name="form.widgets.name").value = "Jeanne"
        click(one_page, "send")
        assert "@@confirmation" in one_page.url, one_page.contents[-3000:]
        transaction.begin()
        reference = one_page.url.split("reference=")[1]
        submission = get_store().by_reference(reference)
        assert submission.data["plan"]["filename"] == "plan.pdf"
        assert "height" not in submission.data  # hidden: not required

    def test_shown_conditional_field_required(self, one_page):
        one_page.getControl(name="form.widgets.name").value = "Jeanne"
        one_page.getControl(name="form.widgets.scaffolding:list").value = True
        one_page.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(PDF), "application/pdf", "plan.pdf"
        )
        click(one_page, "send")
        assert "@@confirmation" not in one_page.url
        assert 'id="form-widgets-height-error"' in one_page.contents


def test_in_french(steps_site):
    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    transaction.commit()
    browser = Browser(steps_site.aq_parent)
    browser.handleErrors = False
    browser.open(steps_site.demarches.x.absolute_url() + "/@@submit")
    assert heading(browser) == "Étape 1 sur 4 : Informations générales"
    assert "(obligatoire)" in browser.contents
    assert "Vérifier et envoyer" in browser.contents
    browser.getControl("Suivant").click()
    assert "Veuillez corriger les points suivants" in browser.contents
    summary = browser.contents.split('id="guichet-error-summary"')[1].split("</ul>")[0]
    assert re.search(r'href="#formfield-form-widgets-name">Nom : \w', summary)


def test_answers_read_as_people_write_them(portal):
    """The review page (and the staff pages) show addresses, relative
    dates and files as text."""
    from imio.guichet.forms.display import format_value
    from imio.guichet.forms.fields import Address
    from imio.guichet.forms.fields import RelativeDate
    from plone.namedfile.field import NamedBlobFile

    address = {"street": "Rue de Fer", "number": "1", "postal_code": "5000"}
    address["locality"] = "Namur"
    assert format_value(Address(), address) == "Rue de Fer 1, 5000 Namur"
    assert format_value(RelativeDate(), "2026-12-03") == "03/12/2026"
    assert format_value(NamedBlobFile(), {"filename": "plan.pdf"}) == "plan.pdf"


@pytest.mark.parametrize("which", ["rich", "fields"])
def test_every_field_type_survives_the_steps(site, which):
    """Answers of every widget travel as hidden inputs and come back intact."""
    from fixtures.forms import FIELDS_FORM
    from fixtures.forms import FIELDS_STORED
    from fixtures.forms import FIELDS_VALID
    from fixtures.forms import RICH_FORM

    form = RICH_FORM if which == "rich" else FIELDS_FORM
    last = "\n  </schema>"
    extra = (
        '\n    <fieldset name="last" label="Dernière étape">'
        '<field name="extra" type="zope.schema.TextLine"><title>Extra</title>'
        "</field></fieldset>"
    )
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.form_schema = form.replace(last, extra + last)
    transaction.commit()
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    if which == "rich":
        fill_valid(browser)
        browser.getControl(name="form.widgets.birth_date").value = "1990-05-17"
        browser.getControl(name="form.widgets.purposes:list").value = ["work"]
        browser.getControl(name="form.widgets.consent:list").value = True
        expected = {
            "name": "Jeanne Dupont",
            "email": "jeanne@example.org",
            "birth_date": "1990-05-17",
            "copies": 2,
            "delivery": "email",
            "purposes": ["work"],
            "consent": True,
        }
    else:
        for name, value in FIELDS_VALID.items():
            if name == "address":
                for part, text in value.items():
                    control = browser.getControl(name=f"form.widgets.address.{part}")
                    control.value = text
            else:
                browser.getControl(name=f"form.widgets.{name}").value = str(value)
        expected = FIELDS_STORED
    click(browser, "next")
    assert heading(browser).endswith("Dernière étape"), browser.contents[-2000:]
    browser.getControl(name="form.widgets.extra").value = "x"
    click(browser, "previous")  # and back: the inputs show what was typed
    click(browser, "next")
    click(browser, "next")
    assert heading(browser).endswith("Check and send")
    click(browser, "send")
    assert "@@confirmation" in browser.url, browser.contents[-3000:]
    transaction.begin()
    reference = browser.url.split("reference=")[1]
    data = get_store().by_reference(reference).data
    assert data == {**expected, "extra": "x"}


def test_review_sends_back_to_a_faulty_step(browser):
    """Should an answer carried in the page not convert any more (a forged
    hidden input), sending opens its step with the error, files nothing."""
    to_review(browser)
    before = stored()
    post_form(
        browser,
        {"form.widgets.height": "douze", "form.buttons.send": "Send my request"},
    )
    assert heading(browser).endswith("Travaux")
    error = browser.contents.split('id="form-widgets-height-error">')[1]
    assert error.startswith("Enter a whole number, for instance 12.")
    assert browser.getControl(name="form.widgets.height").value == "douze"
    assert stored() == before
