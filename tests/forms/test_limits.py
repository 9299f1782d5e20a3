"""Issue #14: a refused answer says what is allowed (the field's limit),
the same over REST and on the citizen's page."""

from datetime import date
from datetime import timedelta
from fixtures.files import PDF
from imio.guichet.forms.model import load_form_schema
from imio.guichet.forms.validation import refusal_message
from plone import api
from plone.testing.zope import Browser
from zope.i18n import translate

import base64
import pytest
import transaction


LIMITS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
      <min_length>3</min_length>
      <max_length>10</max_length>
    </field>
    <field name="count" type="zope.schema.Int">
      <title>Nombre</title>
      <required>False</required>
      <min>1</min>
      <max>5</max>
    </field>
    <field name="surface" type="zope.schema.Float">
      <title>Surface</title>
      <required>False</required>
      <max>2.5</max>
    </field>
    <field name="day" type="zope.schema.Date">
      <title>Jour</title>
      <required>False</required>
      <max>2026-12-31</max>
    </field>
    <field name="start" type="imio.guichet.forms.fields.RelativeDate">
      <title>Début</title>
      <required>False</required>
      <min_days>10</min_days>
    </field>
    <field name="plan" type="plone.namedfile.field.NamedBlobFile">
      <title>Plan</title>
      <required>False</required>
    </field>
    <field name="initial" type="zope.schema.TextLine">
      <title>Initiale</title>
      <required>False</required>
      <min_length>1</min_length>
      <max_length>1</max_length>
    </field>
    <field name="amount" type="zope.schema.Float" guichet:decimals="1">
      <title>Montant</title>
      <required>False</required>
    </field>
    <field name="whole" type="zope.schema.Float" guichet:decimals="0">
      <title>Entier</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""
IN_TEN_DAYS = (date.today() + timedelta(days=10)).strftime("%d/%m/%Y")
CASES = [
    ("name", "ab", "Please write at least 3 characters."),
    ("name", "abcdefghijk", "Please write at most 10 characters."),
    ("count", 0, "The smallest value accepted is 1."),
    ("count", 6, "The largest value accepted is 5."),
    ("surface", 3.5, "The largest value accepted is 2.5."),  # an English site
    ("day", "2027-01-01", "The date must be 31/12/2026 or earlier."),
    ("start", date.today().isoformat(), f"The date must be {IN_TEN_DAYS} or later."),
    (
        "plan",
        {"filename": "a.txt", "data": base64.b64encode(b"hello").decode()},
        "This type of file is not accepted here: PDF, PNG or JPEG, up to 1 MB.",
    ),
    (
        "plan",
        {"filename": "a.pdf", "data": base64.b64encode(PDF * 20_000).decode()},
        "This file is too large: PDF, PNG or JPEG, up to 1 MB.",
    ),
    # A limit of 1 is counted as 1: never "1 characters" (issue #17).
    ("initial", "ab", "Please write at most 1 character."),
    ("amount", 1.25, "Please give at most 1 decimal."),
    # No decimals at all: no count ("at most 0 decimals").
    ("whole", 1.5, "Please give a whole number, without decimals."),
]


@pytest.fixture
def limits_form(site):
    site.demarches.y.form_schema = LIMITS_FORM
    site.demarches.y.max_file_size = 1  # MB
    transaction.commit()
    return site.demarches.y


@pytest.mark.parametrize("name,value,message", CASES)
def test_rest_says_the_limit(limits_form, session_for, name, value, message):
    answer = session_for("Anonymous").post(
        "demarches/y/@submissions", json={"data": {"name": "Jeanne", name: value}}
    )
    assert answer.status_code == 400
    [error] = answer.json()["error"]["errors"]
    assert (error["field"], error["message"]) == (name, message)


@pytest.mark.parametrize(
    "name,typed,message",
    [
        ("name", "ab", "Please write at least 3 characters."),
        ("initial", "ab", "Please write at most 1 character."),
        ("amount", "1.25", "Please give at most 1 decimal."),
        ("count", "6", "The largest value accepted is 5."),
        ("day", "2027-01-01", "The date must be 31/12/2026 or earlier."),
    ],
)
def test_the_page_says_the_same(limits_form, site, name, typed, message):
    browser = Browser(site.aq_parent)
    browser.open(f"{limits_form.absolute_url()}/@@submit")
    browser.getControl(name="form.widgets.name").value = "Jeanne"
    browser.getControl(name=f"form.widgets.{name}").value = typed
    browser.getControl(name="form.buttons.send").click()
    field = browser.contents.split(f'id="formfield-form-widgets-{name}"')[1]
    assert message in field[:3000]


def test_in_french(limits_form, session_for):
    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    transaction.commit()
    session = session_for("Anonymous")
    session.headers["Accept-Language"] = "fr"
    answer = session.post("demarches/y/@submissions", json={"data": {"name": "ab"}})
    [error] = answer.json()["error"]["errors"]
    assert error["message"] == "Écrivez au moins 3 caractères."
    answer = session.post("demarches/y/@submissions", json={"data": {"surface": 3.5}})
    messages = {e["field"]: e["message"] for e in answer.json()["error"]["errors"]}
    assert messages["surface"] == "La plus grande valeur acceptée est 2,5."
    # A fixed latest date is said as a date, as one counted from today is.
    answer = session.post(
        "demarches/y/@submissions", json={"data": {"day": "2027-01-01"}}
    )
    messages = {e["field"]: e["message"] for e in answer.json()["error"]["errors"]}
    assert "au plus tard" in messages["day"] and "31/12/2026" in messages["day"]


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_counted_as_the_reader_counts(language):
    """Characters and decimals: two whole messages, the one the reader's
    language says of the limit (1: the singular, in each of our
    languages), the limit in ``${count}``."""
    schema = load_form_schema(LIMITS_FORM)
    initial, name = schema["initial"], schema["name"]
    amount, whole = schema["amount"], schema["whole"]
    said = {
        (field.__name__, code): refusal_message(field, code, language)
        for field, code in [
            (initial, "too_short"),
            (initial, "too_long"),
            (name, "too_short"),
            (name, "too_long"),
            (amount, "too_many_decimals"),
            (whole, "too_many_decimals"),
        ]
    }
    assert {key: (str(m), m.mapping) for key, m in said.items()} == {
        ("initial", "too_short"): ("error_too_short_limit_one", {"count": 1}),
        ("initial", "too_long"): ("error_too_long_limit_one", {"count": 1}),
        ("name", "too_short"): ("error_too_short_limit_other", {"count": 3}),
        ("name", "too_long"): ("error_too_long_limit_other", {"count": 10}),
        ("amount", "too_many_decimals"): (
            "error_too_many_decimals_limit_one",
            {"count": 1},
        ),
        ("whole", "too_many_decimals"): ("error_too_many_decimals_none", None),
    }
    assert translate(said["initial", "too_short"]) == (
        "Please write at least 1 character."
    )
