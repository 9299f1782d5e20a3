"""A limit is written in the language of who reads it, never in the site's
default language (issue #17): the webmaster's editor says the procedure's
largest file as its page writes numbers, and a refused answer says its
date or file limit as the caller writes it, over REST as on the page.
Before, the editor and REST wrote both in the site's default language
(French here: 1,5 and 31/12/2026) inside an English or German message."""

from fixtures.files import PDF
from fixtures.pages import browser_in
from fixtures.pages import negotiate_languages
from io import BytesIO
from plone import api

import base64
import pytest
import transaction


LIMITS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
    </field>
    <field name="day" type="zope.schema.Date">
      <title>Jour</title>
      <required>False</required>
      <max>2026-12-31</max>
    </field>
    <field name="plan" type="plone.namedfile.field.NamedBlobFile">
      <title>Plan</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""
#: A PDF of 2 MB: beyond the procedure's 1.5 MB.
LARGE_PDF = PDF.ljust(2 * 1024 * 1024, b"%")
#: How each language writes the day 2026-12-31, and a limit of 1.5 MB.
LATEST_DAY = {"fr": "31/12/2026", "de": "31.12.2026"}
LARGEST_FILE = {"fr": "1,5 MB", "en": "1.5 MB"}


@pytest.fixture
def limited_site(site):
    """A site in French (default), German and English, the reader's
    language negotiated from Accept-Language; procedure Y takes files of
    1.5 MB at most and days until 31/12/2026."""
    negotiate_languages(["fr", "de", "en"])
    with api.env.adopt_roles(["Manager"]):
        site.demarches.y.form_schema = LIMITS_FORM
        site.demarches.y.max_file_size = 1.5
    transaction.commit()
    return site


def test_editor_says_the_procedure_limit_as_its_page(limited_site):
    """A file field set to accept larger files than its procedure is
    refused with the procedure's limit: 1.5 MB on an English page."""
    site = limited_site
    editor = browser_in(site, "en", "editor")
    editor.open(f"{site.demarches.y.absolute_url()}/++form++fields/plan")
    editor.getControl(name="form.widgets.IFileSettings.max_file_size").value = "2"
    editor.getControl(name="form.buttons.save").click()
    error = editor.contents.split('id="formfield-form-widgets-IFileSettings-max')[1]
    error = " ".join(error[:2000].split())
    assert f"The procedure accepts files of {LARGEST_FILE['en']} at most" in error


def post_day_and_plan(session_for, language: str):
    session = session_for("Anonymous")
    session.headers["Accept-Language"] = language
    plan = {"filename": "plan.pdf", "data": base64.b64encode(LARGE_PDF).decode()}
    answer = session.post(
        "demarches/y/@submissions",
        json={"data": {"name": "Jeanne", "day": "2027-01-01", "plan": plan}},
    )
    assert answer.status_code == 400
    return {
        error["field"]: error["message"] for error in answer.json()["error"]["errors"]
    }


def test_rest_says_the_limits_as_its_caller(limited_site, session_for):
    """German: the latest day as German writes it, in the German message;
    English: the largest file as English writes it."""
    german = post_day_and_plan(session_for, "de")
    assert german["day"] == f"Das Datum muss der {LATEST_DAY['de']} oder früher sein."
    english = post_day_and_plan(session_for, "en")
    assert english["plan"] == (
        f"This file is too large: PDF, PNG or JPEG, up to {LARGEST_FILE['en']}."
    )
    # The site's default language still has its own way.
    french = post_day_and_plan(session_for, "fr")
    assert LATEST_DAY["fr"] in french["day"]
    assert LARGEST_FILE["fr"].replace("MB", "Mo") in french["plan"]


def test_the_page_says_the_same(limited_site):
    """The citizen's page says the limits as REST says them."""
    site = limited_site
    for language, field, value, limit in (
        ("de", "day", "2027-01-01", LATEST_DAY["de"]),
        ("en", "plan", None, LARGEST_FILE["en"]),
    ):
        browser = browser_in(site, language)
        browser.open(f"{site.demarches.y.absolute_url()}/@@submit")
        browser.getControl(name="form.widgets.name").value = "Jeanne"
        if value is None:
            browser.getControl(name=f"form.widgets.{field}").add_file(
                BytesIO(LARGE_PDF), "application/pdf", "plan.pdf"
            )
        else:
            browser.getControl(name=f"form.widgets.{field}").value = value
        browser.getControl(name="form.buttons.send").click()
        said = browser.contents.split(f'id="formfield-form-widgets-{field}"')[1]
        assert limit in " ".join(said[:3000].split())


def test_a_mail_template_says_its_own_limit(site):
    """The e-mails' page says the limit its use case refused with (a
    subject of 250 characters at most), not a text field's default one
    that the page once put in its place (500)."""
    api.portal.set_registry_record("plone.available_languages", ["fr", "en"])
    api.portal.set_registry_record("plone.default_language", "fr")
    transaction.commit()
    editor = browser_in(site, "fr", "editor")
    editor.open(
        f"{site.demarches.x.absolute_url()}/@@guichet-emails"
        "?mail=confirmation&language=fr"
    )
    editor.raiseHttpErrors = False  # the refusal answers 400
    editor.getControl(name="form.widgets.subject").value = "x" * 251
    editor.getControl(name="form.widgets.body").value = "${tracking_url}"
    editor.getControl(name="form.buttons.save").click()
    field = editor.contents.split('id="formfield-form-widgets-subject"')[1]
    said = " ".join(field.split('id="formfield-form-widgets-body"')[0].split())
    assert "250" in said and "500" not in said
