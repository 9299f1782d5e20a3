"""*Send* on a one-page form whose answers are read without z3c.form's
widgets (browser.direct_send): filed as over REST, refused with the errors
next to their fields, and any other form or value left to z3c.form."""

from fixtures.forms import PRIVACY_INFORMATION
from imio.guichet.browser.direct_send import direct_readers
from imio.guichet.browser.direct_send import NotDirect
from imio.guichet.browser.direct_send import read_answers
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.metrics.counters import of_site
from imio.guichet.submissions.api import find_by_reference
from plone import api

import pytest
import re
import transaction


SIMPLE_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
      <max_length>50</max_length>
    </field>
    <field name="email" type="plone.schema.email.Email">
      <title>E-mail</title>
    </field>
    <field name="phone" type="imio.guichet.forms.fields.Phone">
      <title>Téléphone</title>
      <required>False</required>
    </field>
    <field name="loss_date" type="zope.schema.Date">
      <title>Date</title>
      <required>False</required>
    </field>
    <field name="delivery" type="zope.schema.Choice">
      <title>Envoi</title>
      <values>
        <element>post</element>
        <element>email</element>
      </values>
    </field>
    <field name="comment" type="zope.schema.Text">
      <title>Commentaire</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""

ANSWERS = {
    "name": "  Jeanne Dupont ",
    "email": "jeanne@example.org",
    "phone": "081 12 34 56",
    "loss_date": "2026-11-20",
    "delivery": "email",
    "comment": "Deux lignes\r\nde texte",
}

_REFERENCE = re.compile(r'class="imio-guichet-reference[^"]*"[^>]*>([^<]+)<')


@pytest.fixture
def simple(site):
    with api.env.adopt_roles(["Manager"]):
        procedure = api.content.create(
            site.demarches,
            "imio.guichet.Procedure",
            id="simple",
            title="Simple",
            form_schema=SIMPLE_FORM,
            **PRIVACY_INFORMATION,
        )
        api.content.transition(procedure, "publish")
    transaction.commit()
    return procedure


def send(browser_for, procedure, answers: dict):
    browser = browser_for("Anonymous")
    browser.raiseHttpErrors = False
    browser.open(f"{procedure.absolute_url()}/@@submit")
    for name, value in answers.items():
        control = browser.getControl(name=f"form.widgets.{name}")
        control.value = [value] if name == "delivery" else value
    browser.getControl(name="form.buttons.send").click()
    return browser


def stored_data(reference: str) -> dict:
    transaction.begin()
    return dict(find_by_reference(reference).data)


def html_refusals(site) -> float:
    """Refused filings through the pages, as @@guichet-metrics counts them."""
    labels = {"channel": "html", "code": "invalid_data"}
    read = of_site(site).registry.get_sample_value("guichet_refusals_total", labels)
    return read or 0.0


class TestReaders:
    def test_a_form_of_lines_texts_choices_and_dates_is_read_directly(self, simple):
        assert direct_readers(IOnlineForm(simple).get_form_schema()) is not None

    def test_other_fields_go_through_z3c_form(self, site):
        # RICH_FORM has a number, a set of choices and a checkbox.
        schema = IOnlineForm(site.demarches.x).get_form_schema()
        assert direct_readers(schema) is None

    def test_values_not_as_their_widget_sends_them(self, simple):
        readers = direct_readers(IOnlineForm(simple).get_form_schema())
        for name, value in (
            ("loss_date", "20/11/2026"),  # a browser without a date input
            ("delivery", "pigeon"),  # not a choice of the form
            ("delivery", ["post", "email"]),
            ("name", ["a", "b"]),
        ):
            with pytest.raises(NotDirect):
                read_answers(readers, "form.", {f"form.widgets.{name}": value})

    def test_empty_values_are_left_out(self, simple):
        readers = direct_readers(IOnlineForm(simple).get_form_schema())
        form = {
            "form.widgets.name": "Jeanne",
            "form.widgets.comment": "",
            "form.widgets.delivery": ["--NOVALUE--"],
            "form.widgets.delivery-empty-marker": "1",
        }
        assert read_answers(readers, "form.", form) == {"name": "Jeanne"}


class TestSend:
    def test_filed_as_over_rest(self, site, simple, browser_for, session_for):
        browser = send(browser_for, simple, ANSWERS)
        assert "@@confirmation" in browser.url
        reference = _REFERENCE.search(browser.contents).group(1)
        answer = session_for("Anonymous").post(
            "demarches/simple/@submissions", json={"data": ANSWERS}
        )
        assert answer.status_code == 201, answer.text
        over_rest = stored_data(answer.json()["reference"])
        assert stored_data(reference) == over_rest
        # The core's own conversions: trimmed, normalised, one kind of line end.
        assert over_rest["name"] == "Jeanne Dupont"
        assert over_rest["phone"] == "+3281123456"
        assert over_rest["comment"] == "Deux lignes\nde texte"

    @pytest.mark.parametrize("email", ["not-an-email", "jeanne,autre@example.org"])
    def test_refused_next_to_the_field_and_counted_once(
        self, site, simple, browser_for, email
    ):
        before = html_refusals(site)
        browser = send(browser_for, simple, {**ANSWERS, "email": email})
        assert "@@confirmation" not in browser.url
        assert 'data-error-code="invalid_email"' in browser.contents
        assert 'data-error-field="email"' in browser.contents
        # What was typed is shown again.
        assert browser.getControl(name="form.widgets.name").value == ANSWERS["name"]
        assert html_refusals(site) == before + 1

    def test_a_required_field_left_empty(self, site, simple, browser_for):
        before = html_refusals(site)
        browser = send(browser_for, simple, {**ANSWERS, "name": ""})
        assert "@@confirmation" not in browser.url
        assert 'data-error-field="name"' in browser.contents
        assert html_refusals(site) == before + 1

    def test_a_date_written_otherwise_goes_through_z3c_form(
        self, site, simple, browser_for
    ):
        browser = send(browser_for, simple, {**ANSWERS, "loss_date": "20/11/2026"})
        assert "@@confirmation" not in browser.url
        assert 'data-error-field="loss_date"' in browser.contents

    def test_sent_twice_files_once(self, site, simple, browser_for):
        browser = browser_for("Anonymous")
        browser.open(f"{simple.absolute_url()}/@@submit")
        for name, value in ANSWERS.items():
            control = browser.getControl(name=f"form.widgets.{name}")
            control.value = [value] if name == "delivery" else value
        form = browser.getForm(id="form")
        token = browser.getControl(name="guichet.token").value
        form.submit(name="form.buttons.send")
        first = _REFERENCE.search(browser.contents).group(1)
        # The same form sent again (the browser's back button, then Send).
        browser.goBack()
        assert browser.getControl(name="guichet.token").value == token
        browser.getForm(id="form").submit(name="form.buttons.send")
        assert _REFERENCE.search(browser.contents).group(1) == first
