"""Issue #14: webmasters build a form's steps and conditions in the form
editor, without XML, and every field kind's settings reach the stored
form, its JSON Schema and the validation of what citizens send."""

from fixtures.accounts import PASSWORD
from fixtures.files import PDF
from fixtures.files import PNG
from fixtures.forms import DEFAULT_FORM_DATA
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.submissions.api import get_store
from plone import api
from test_form_editor import add_field
from test_form_editor import editor_url
from test_form_editor import publish_form
from test_form_editor import stored_fields

import base64
import io
import pytest
import requests
import transaction


def stored_xml(procedure="y") -> str:
    """The form in the editor (the working copy of a published procedure)."""
    transaction.begin()
    return IOnlineForm(
        api.content.get(path=f"/demarches/{procedure}")
    ).edited_form_schema


def open_settings(browser, site, name):
    browser.open(f"{editor_url(site)}/{name}")


def save(browser):
    browser.getControl(name="form.buttons.save").click()


def add_step(browser, site, label, name):
    browser.open(f"{editor_url(site)}/@@add-fieldset")
    browser.getControl(name="form.widgets.label").value = label
    browser.getControl(name="form.widgets.__name__").value = name
    browser.getControl(name="form.buttons.add").click()


@pytest.fixture
def editor(browser_for):
    return browser_for("editor")


def schema_of(session, procedure="y"):
    return session.get(f"demarches/{procedure}/@form-schema").json()


class TestConditions:
    def add_yes_no_and_dependent(self, editor, site):
        add_field(
            editor, site, "Un échafaudage ?", "scaffolding", "label_boolean_field"
        )
        add_field(editor, site, "Hauteur (m)", "height", "label_float_field")

    def test_a_field_shown_when_a_yes_no_is_yes(self, site, editor, session_for):
        self.add_yes_no_and_dependent(editor, site)
        open_settings(editor, site, "height")
        editor.getControl(name="form.widgets.required:list").value = ["selected"]
        editor.getControl(name="form.widgets.IFieldDisplay.show_if:list").value = [
            "scaffolding=true"
        ]
        save(editor)
        assert 'guichet:show-if="scaffolding=true"' in stored_xml()
        editor.open(editor_url(site))
        condition = editor.contents.split('class="guichet-field-condition">')[1]
        condition = condition.split("</p>")[0].strip()
        assert condition.startswith("Asked only when")
        assert "Un échafaudage ?" in condition
        assert condition.endswith("is: Yes.")
        publish_form(editor, site)

        anonymous = session_for("Anonymous")
        height = schema_of(anonymous)["properties"]["height"]
        assert height["x-guichet-show-if"] == [
            {"field": "scaffolding", "values": [True]}
        ]
        base = {
            "last_name": "Dupont",
            "first_name": "Jeanne",
            "email": "jeanne@example.org",
            "message": "Bonjour",
        }
        # Not asked when "No": not required, and a value sent is dropped.
        filed = anonymous.post(
            "demarches/y/@submissions",
            json={"data": {**base, "scaffolding": False, "height": 3}},
        )
        assert filed.status_code == 201
        transaction.begin()
        assert "height" not in get_store().get(filed.json()["id"]).data
        refused = anonymous.post(
            "demarches/y/@submissions", json={"data": {**base, "scaffolding": True}}
        )
        assert refused.status_code == 400
        assert [e["field"] for e in refused.json()["error"]["errors"]] == ["height"]

    def test_a_field_is_not_offered_its_own_answers(self, site, editor):
        self.add_yes_no_and_dependent(editor, site)
        open_settings(editor, site, "height")
        assert 'value="scaffolding=true"' in editor.contents
        open_settings(editor, site, "scaffolding")
        assert 'value="scaffolding=' not in editor.contents  # itself

    def test_moving_a_field_before_its_condition_is_refused_with_why(
        self, site, editor
    ):
        self.add_yes_no_and_dependent(editor, site)
        open_settings(editor, site, "height")
        editor.getControl(name="form.widgets.IFieldDisplay.show_if:list").value = [
            "scaffolding=true"
        ]
        save(editor)
        before = stored_xml()
        editor.open(f"{editor_url(site)}/height/@@order?pos=0&fieldset_index=0")
        assert editor.contents.count("not saved") == 1
        assert '"Hauteur (m)" (height): the condition must name a field' in (
            editor.contents
        )
        assert stored_xml() == before

    def test_values_of_several_fields_are_refused(self, site, editor):
        self.add_yes_no_and_dependent(editor, site)
        add_field(editor, site, "Autre", "other", "label_boolean_field")
        add_field(editor, site, "Combien ?", "count", "label_integer_field")
        before = stored_xml()
        open_settings(editor, site, "count")
        editor.getControl(name="form.widgets.IFieldDisplay.show_if:list").value = [
            "scaffolding=true",
            "other=false",
        ]
        save(editor)
        assert "Choose values of one field only" in editor.contents
        assert stored_xml() == before

    def test_deleting_a_field_a_condition_names_is_refused(self, site, editor):
        self.add_yes_no_and_dependent(editor, site)
        open_settings(editor, site, "height")
        editor.getControl(name="form.widgets.IFieldDisplay.show_if:list").value = [
            "scaffolding=true"
        ]
        save(editor)
        editor.open(editor_url(site))
        editor.getLink(url="++form++fields/scaffolding/@@delete").click()
        assert editor.contents.count("not saved") == 1
        assert "names no field of the form" in editor.contents
        assert "scaffolding" in stored_fields()


class TestSteps:
    def test_steps_are_made_renamed_ordered_and_conditional(
        self, site, editor, session_for
    ):
        add_field(editor, site, "Une entreprise ?", "company", "label_boolean_field")
        add_step(editor, site, "Entreprise", "business")
        add_step(editor, site, "Précisions", "more")
        add_field(editor, site, "Numéro BCE", "bce", "label_enterprise_number_field")
        open_settings(editor, site, "bce")
        editor.getControl(name="form.widgets.IFieldDisplay.step:list").value = [
            "business"
        ]
        save(editor)
        open_settings(editor, site, "message")
        editor.getControl(name="form.widgets.IFieldDisplay.step:list").value = ["more"]
        save(editor)

        # The "Entreprise" step: renamed, asked only for a company.
        editor.open(editor_url(site))
        editor.getLink(url="@@edit-step?name=business").click()
        editor.getControl(name="form.widgets.label").value = "Votre entreprise"
        editor.getControl(name="form.widgets.show_if:list").value = ["company=true"]
        save(editor)
        assert "The step was saved." in editor.contents
        xml = stored_xml()
        assert 'label="Votre entreprise" guichet:show-if="company=true"' in xml

        publish_form(editor, site)
        steps = schema_of(session_for("Anonymous"))["x-guichet-steps"]
        assert [(s["name"], s["title"], s["fields"]) for s in steps] == [
            (
                "default",
                "General information",
                ["last_name", "first_name", "email", "phone", "company"],
            ),
            ("business", "Votre entreprise", ["bce"]),
            ("more", "Précisions", ["message"]),
        ]

        # "Précisions" moved up, before "Votre entreprise"; moving it up
        # again would put the condition's step first: that is refused? No:
        # the condition names a field of the first step, still before.
        editor.open(f"{editor_url(site)}/@@edit-step?name=more")
        editor.getControl(name="form.buttons.up").click()
        assert "The step was moved." in editor.contents
        publish_form(editor, site)
        steps = schema_of(session_for("Anonymous"))["x-guichet-steps"]
        assert [s["name"] for s in steps] == ["default", "more", "business"]
        # And the condition survived every change made in the editor.
        assert 'guichet:show-if="company=true"' in stored_xml()

    def test_a_step_condition_offers_only_earlier_fields(self, site, editor):
        """A step's condition offers the fields of earlier steps only: its
        own fields and those of later steps would always be refused."""
        add_field(editor, site, "Un particulier ?", "person", "label_boolean_field")
        add_step(editor, site, "Entreprise", "business")
        add_step(editor, site, "Précisions", "more")
        add_field(editor, site, "Une entreprise ?", "company", "label_boolean_field")
        add_field(editor, site, "Urgent ?", "urgent", "label_boolean_field")
        for name, step in (("company", "business"), ("urgent", "more")):
            open_settings(editor, site, name)
            editor.getControl(name="form.widgets.IFieldDisplay.step:list").value = [
                step
            ]
            save(editor)
        offered = {}
        for step in ("business", "more"):
            editor.open(f"{editor_url(site)}/@@edit-step?name={step}")
            control = editor.getControl(name="form.widgets.show_if:list")
            offered[step] = set(control.options)
        assert offered["business"] == {"person=true", "person=false"}
        assert offered["more"] == {
            "person=true",
            "person=false",
            "company=true",
            "company=false",
        }
        # An earlier field's answer is kept.
        editor.open(f"{editor_url(site)}/@@edit-step?name=more")
        editor.getControl(name="form.widgets.show_if:list").value = ["company=true"]
        save(editor)
        assert "The step was saved." in editor.contents
        assert 'name="more" label="Précisions" guichet:show-if="company=true"' in (
            stored_xml()
        )


def test_editor_title_and_utf8(site, editor):
    add_field(editor, site, "Prénom d'usage", "usual_name", "label_textline_field")
    assert "Prénom d'usage" in stored_xml()
    assert "&#233;" not in stored_xml()
    editor.open(editor_url(site))
    assert "(++form++fields)" not in editor.contents
    assert "<h1" in editor.contents and "Form fields</h1>" in editor.contents


def test_a_decimal_numbers_decimals(site, editor, session_for):
    """Number (decimals): set in the editor, kept in the XML, published in
    the JSON Schema, and a refusal says the limit."""
    add_field(editor, site, "Montant (€)", "amount", "label_float_field")
    open_settings(editor, site, "amount")
    editor.getControl(name="form.widgets.IDecimalsSetting.decimals").value = "2"
    save(editor)
    assert 'guichet:decimals="2"' in stored_xml()
    publish_form(editor, site)

    anonymous = session_for("Anonymous")
    assert schema_of(anonymous)["properties"]["amount"]["x-guichet-decimals"] == 2
    base = {
        "last_name": "Dupont",
        "first_name": "Jeanne",
        "email": "jeanne@example.org",
        "message": "Bonjour",
    }
    refused = anonymous.post(
        "demarches/y/@submissions", json={"data": {**base, "amount": 12.345}}
    )
    assert refused.status_code == 400
    [error] = refused.json()["error"]["errors"]
    assert (error["field"], error["code"]) == ("amount", "too_many_decimals")
    assert "at most 2 decimals" in error["message"]
    accepted = anonymous.post(
        "demarches/y/@submissions", json={"data": {**base, "amount": 12.35}}
    )
    assert accepted.status_code == 201, accepted.text

    # Emptied: any number again.
    open_settings(editor, site, "amount")
    editor.getControl(name="form.widgets.IDecimalsSetting.decimals").value = ""
    save(editor)
    assert "guichet:decimals" not in stored_xml()


def test_decimals_only_on_decimal_numbers():
    from imio.guichet.forms.model import check_form_schema
    from imio.guichet.forms.model import InvalidFormSchema

    def form(field_type, decimals):
        return (
            '<model xmlns="http://namespaces.plone.org/supermodel/schema" '
            'xmlns:guichet="http://namespaces.imio.be/guichet"><schema>'
            f'<field name="n" type="{field_type}" guichet:decimals="{decimals}">'
            "<title>N</title></field></schema></model>"
        )

    check_form_schema(form("zope.schema.Float", "2"))
    for field_type, decimals in (
        ("zope.schema.Int", "2"),
        ("zope.schema.Float", "two"),
        ("zope.schema.Float", "9"),
    ):
        with pytest.raises(InvalidFormSchema, match="guichet:decimals"):
            check_form_schema(form(field_type, decimals))


class TestFileSettings:
    """A file field's accepted types and largest file, set in the editor
    within what the procedure accepts, kept in the XML, published in the
    JSON Schema, checked on every channel, and said in the page's words."""

    TYPES = "form.widgets.IFileSettings.file_types:list"
    SIZE = "form.widgets.IFileSettings.max_file_size"

    def add_plan(self, editor, site, types, size):
        add_field(editor, site, "Plan", "plan", "File Upload")
        open_settings(editor, site, "plan")
        editor.getControl(name=self.TYPES).value = types
        editor.getControl(name=self.SIZE).value = size
        save(editor)

    def test_round_trip(self, site, editor, session_for, browser_for):
        add_field(editor, site, "Plan", "plan", "File Upload")
        open_settings(editor, site, "plan")
        # The procedure's types only, in people's words.
        offered = editor.getControl(name=self.TYPES)
        assert offered.options == ["pdf", "png", "jpeg"]
        assert [offered.getControl(value=key).labels for key in offered.options] == [
            ["PDF"],
            ["PNG"],
            ["JPEG"],
        ]
        offered.value = ["pdf", "jpeg"]
        editor.getControl(name=self.SIZE).value = "1"
        save(editor)
        assert "not saved" not in editor.contents
        xml = stored_xml()
        assert 'guichet:file-types="pdf,jpeg"' in xml
        assert 'guichet:max-file-size="1"' in xml
        # Shown again as set.
        open_settings(editor, site, "plan")
        assert editor.getControl(name=self.TYPES).value == ["pdf", "jpeg"]
        assert editor.getControl(name=self.SIZE).value == "1"
        publish_form(editor, site)

        anonymous = session_for("Anonymous")
        plan = schema_of(anonymous)["properties"]["plan"]
        assert plan["x-guichet-allowed-types"] == ["application/pdf", "image/jpeg"]
        assert plan["x-guichet-max-size"] == 1024 * 1024
        assert plan["x-guichet-max-files"] == 5  # the procedure's, per request

        def file(data, filename):
            return {"filename": filename, "data": base64.b64encode(data).decode()}

        limit = "PDF or JPEG, up to 1 MB"
        for sent, code, message in (
            (
                file(PNG, "plan.png"),
                "file_type",
                f"This type of file is not accepted here: {limit}.",
            ),
            (
                file(PDF + b"\0" * 1024 * 1024, "plan.pdf"),
                "file_too_large",
                f"This file is too large: {limit}.",
            ),
        ):
            refused = anonymous.post(
                "demarches/y/@submissions",
                json={"data": {**DEFAULT_FORM_DATA, "plan": sent}},
            )
            assert refused.status_code == 400
            [error] = refused.json()["error"]["errors"]
            assert (error["field"], error["code"], error["message"]) == (
                "plan",
                code,
                message,
            )
        accepted = anonymous.post(
            "demarches/y/@submissions",
            json={"data": {**DEFAULT_FORM_DATA, "plan": file(PDF, "plan.pdf")}},
        )
        assert accepted.status_code == 201, accepted.text

        # The HTML form: the help line and the refusal say the field's limit.
        citizen = browser_for("Anonymous")
        citizen.open(f"{site.demarches.y.absolute_url()}/@@submit")
        assert f"{limit}." in citizen.contents
        assert 'accept="application/pdf, image/jpeg"' in citizen.contents
        for name, value in DEFAULT_FORM_DATA.items():
            citizen.getControl(name=f"form.widgets.{name}").value = value
        citizen.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(PNG), "image/png", "plan.png"
        )
        citizen.getControl(name="form.buttons.send").click()
        field = citizen.contents.split('id="formfield-form-widgets-plan"')[1]
        assert f"This type of file is not accepted here: {limit}." in field[:3000]
        citizen.getControl(name="form.widgets.plan").add_file(
            io.BytesIO(PDF + b"\0" * 1024 * 1024), "application/pdf", "plan.pdf"
        )
        citizen.getControl(name="form.buttons.send").click()
        field = citizen.contents.split('id="formfield-form-widgets-plan"')[1]
        assert f"This file is too large: {limit}." in field[:3000]

        # Emptied: the procedure's limits again.
        open_settings(editor, site, "plan")
        editor.getControl(name=self.TYPES).value = []
        editor.getControl(name=self.SIZE).value = ""
        save(editor)
        assert "guichet:file-types" not in stored_xml()
        assert "guichet:max-file-size" not in stored_xml()

    def test_in_french(self, site, editor, session_for, browser_for):
        self.add_plan(editor, site, ["pdf", "png", "jpeg"], "10")
        publish_form(editor, site)
        api.portal.set_registry_record("plone.default_language", "fr")
        api.portal.set_registry_record("plone.available_languages", ["fr"])
        transaction.commit()
        citizen = browser_for("Anonymous")
        citizen.open(f"{site.demarches.y.absolute_url()}/@@submit")
        help_line = citizen.contents.split('id="form-widgets-plan-limits"')[1]
        # The types joined with the page's "ou", the limit in its words.
        text = help_line.split("</")[0].lstrip(">").strip()
        assert text.startswith("PDF, PNG ou JPEG de 10 Mo au plus")

    def test_a_field_only_narrows_the_procedure(self, site, editor):
        self.add_plan(editor, site, ["png"], "")
        before = stored_xml()
        open_settings(editor, site, "plan")
        editor.getControl(name=self.SIZE).value = "11"
        save(editor)
        assert "not saved" not in editor.contents  # a form error, no change
        error = editor.contents.split('id="formfield-form-widgets-IFileSettings-max')[1]
        assert "The procedure accepts files of 10 MB at most" in error[:2000]
        assert stored_xml() == before

        # The procedure no longer accepts PNG: the field's PNG is still
        # shown (to be unticked), and refused with what the procedure takes.
        with api.env.adopt_roles(["Manager"]):
            site.demarches.y.allowed_file_types = ["pdf", "jpeg"]
        transaction.commit()
        open_settings(editor, site, "plan")
        assert editor.getControl(name=self.TYPES).options == ["pdf", "png", "jpeg"]
        assert editor.getControl(name=self.TYPES).value == ["png"]
        save(editor)
        error = editor.contents.split('id="formfield-form-widgets-IFileSettings-file')[
            1
        ]
        assert "The procedure accepts only PDF or JPEG" in error[:2000]
        assert stored_xml() == before
        editor.getControl(name=self.TYPES).value = ["jpeg"]
        save(editor)
        assert 'guichet:file-types="jpeg"' in stored_xml()

    def test_xml_of_a_file_fields_settings_is_checked(self):
        from imio.guichet.forms.model import check_form_schema
        from imio.guichet.forms.model import InvalidFormSchema
        from imio.guichet.forms.uploads import upload_limits

        def form(field_type, attributes):
            return (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema" '
                'xmlns:guichet="http://namespaces.imio.be/guichet"><schema>'
                f'<field name="f" type="{field_type}" {attributes}>'
                "<title>F</title></field></schema></model>"
            )

        schema = check_form_schema(
            form(
                "plone.namedfile.field.NamedBlobFile",
                'guichet:file-types="docx, pdf" guichet:max-file-size="20"',
            )
        )
        # Read in the site's order; never more than the procedure's.
        limits = upload_limits(None, schema["f"])
        assert limits.allowed_types == ("pdf",)  # DOCX: not by default
        assert limits.max_size == 10 * 1024 * 1024
        for field_type, attributes, problem in (
            ("zope.schema.TextLine", 'guichet:file-types="pdf"', "file-types"),
            ("zope.schema.TextLine", 'guichet:max-file-size="2"', "max-file-size"),
            ("plone.namedfile.field.NamedBlobFile", 'guichet:file-types="exe"', ""),
            (
                "plone.namedfile.field.NamedBlobFile",
                'guichet:max-file-size="0"',
                "max-file-size",
            ),
            (
                "plone.namedfile.field.NamedBlobFile",
                'guichet:max-file-size="²"',  # a digit for str.isdigit
                "max-file-size",
            ),
        ):
            with pytest.raises(InvalidFormSchema, match=f"guichet:{problem}"):
                check_form_schema(form(field_type, attributes))

    def test_exported_and_imported_as_utf8_xml(self, site, editor, session_for):
        self.add_plan(editor, site, ["png"], "3")
        exported = requests.get(
            f"{site.demarches.y.absolute_url()}/@@form-xml?download=1",
            auth=("editor", PASSWORD),
        )
        assert exported.headers["Content-Type"] == "application/xml; charset=utf-8"
        xml = exported.content.decode("utf-8")
        assert 'guichet:file-types="png" guichet:max-file-size="3"' in xml
        # Imported elsewhere (a title with accents): the same settings.
        xml = xml.replace("<title>Plan</title>", "<title>Plan coté</title>")
        editor.open(f"{site.demarches.x.absolute_url()}/@@form-xml")
        editor.getControl(name="xml").add_file(
            io.BytesIO(xml.encode("utf-8")), "application/xml", "y.xml"
        )
        editor.getControl("Import").click()
        assert 'guichet:max-file-size="3"' in stored_xml("x")
        publish_form(editor, site, "x")
        plan = schema_of(session_for("Anonymous"), "x")["properties"]["plan"]
        assert plan["title"] == "Plan coté"
        assert plan["x-guichet-allowed-types"] == ["image/png"]
        assert plan["x-guichet-max-size"] == 3 * 1024 * 1024


class TestDateSettings:
    """A date's own settings that leave no date possible are refused next
    to the setting, with the limits in words (not the XML's problems)."""

    def refused_next_to(self, editor, widget: str) -> str:
        """The refusal shown next to ``widget`` (once, never also a success)."""
        page = editor.contents
        assert "Changes saved" not in page and "not saved" not in page
        field = page.split(f'id="formfield-form-widgets-{widget}"')[1]
        field = field.split('id="formfield-')[0]
        assert "invalid-feedback" in field or "fieldErrorBox" in field, field
        return " ".join(field.split())

    def test_fewer_days_for_the_latest_date(self, site, editor):
        add_field(
            editor, site, "Date des travaux", "works", "label_relative_date_field"
        )
        before = stored_xml()
        open_settings(editor, site, "works")
        editor.getControl(name="form.widgets.min_days").value = "10"
        editor.getControl(name="form.widgets.max_days").value = "5"
        save(editor)
        error = self.refused_next_to(editor, "max_days")
        assert "5 days from today" in error and "10 days from today" in error
        assert editor.contents.count("5 days from today") == 1
        assert "min_days" not in error  # not the XML's words
        assert stored_xml() == before

    def test_a_fixed_latest_date_before_the_earliest(self, site, editor):
        add_field(editor, site, "Date", "day", "label_date_field")
        before = stored_xml()
        open_settings(editor, site, "day")
        editor.getControl(name="form.widgets.min").value = "2026-12-31"
        editor.getControl(name="form.widgets.max").value = "2026-01-01"
        save(editor)
        error = self.refused_next_to(editor, "max")
        assert "01/01/2026" in error and "31/12/2026" in error
        assert stored_xml() == before

    def test_bounds_that_leave_dates_are_saved(self, site, editor):
        add_field(
            editor, site, "Date des travaux", "works", "label_relative_date_field"
        )
        open_settings(editor, site, "works")
        editor.getControl(name="form.widgets.min_days").value = "5"
        editor.getControl(name="form.widgets.max_days").value = "10"
        save(editor)
        assert "<min_days>5</min_days>" in stored_xml()


def test_fixed_and_relative_date_bounds_together(site):
    """A fixed latest date before "10 days from today" (or a fixed earliest
    after the relative latest) leaves no date today: refused, both limits
    said."""
    from datetime import date
    from datetime import timedelta
    from imio.guichet.forms.kinds.dates import RELATIVE_DATE
    from zope.i18n import translate

    soon = date.today() + timedelta(days=3)
    problems = RELATIVE_DATE.settings_problems({"min_days": 10, "max": soon})
    text = translate(problems["max"], target_language="en")
    assert soon.strftime("%d/%m/%Y") in text and "10 days from today" in text
    problems = RELATIVE_DATE.settings_problems({"max_days": -2, "min": soon})
    assert "2 days before today" in translate(problems["max_days"])
    assert RELATIVE_DATE.settings_problems({"min_days": 1, "max": soon}) == {}
