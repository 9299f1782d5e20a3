"""Issue #14: webmasters build a form's steps and conditions in the form
editor, without XML, and every field kind's settings reach the stored
form, its JSON Schema and the validation of what citizens send."""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.submissions.api import get_store
from plone import api
from test_form_editor import add_field
from test_form_editor import editor_url
from test_form_editor import publish_form
from test_form_editor import stored_fields

import pytest
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

    def test_a_condition_on_a_later_field_is_refused_with_why(self, site, editor):
        self.add_yes_no_and_dependent(editor, site)
        editor.open(f"{editor_url(site)}/scaffolding/@@order?pos=0&fieldset_index=0")
        before = stored_xml()
        open_settings(editor, site, "message")  # before "scaffolding" now?
        fields = stored_fields()
        assert fields.index("message") < fields.index("scaffolding")
        editor.getControl(name="form.widgets.IFieldDisplay.show_if:list").value = [
            "scaffolding=true"
        ]
        save(editor)
        assert editor.contents.count("not saved") == 1
        assert "must name a field that comes before" in editor.contents
        assert "Changes saved" not in editor.contents
        assert stored_xml() == before

    def test_values_of_several_fields_are_refused(self, site, editor):
        self.add_yes_no_and_dependent(editor, site)
        add_field(editor, site, "Autre", "other", "label_boolean_field")
        before = stored_xml()
        open_settings(editor, site, "height")
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

    def test_a_step_condition_on_its_own_field_is_refused(self, site, editor):
        add_step(editor, site, "Entreprise", "business")
        add_field(editor, site, "Une entreprise ?", "company", "label_boolean_field")
        open_settings(editor, site, "company")
        editor.getControl(name="form.widgets.IFieldDisplay.step:list").value = [
            "business"
        ]
        save(editor)
        before = stored_xml()
        editor.open(f"{editor_url(site)}/@@edit-step?name=business")
        editor.getControl(name="form.widgets.show_if:list").value = ["company=true"]
        save(editor)
        assert editor.contents.count("not saved") == 1
        assert "must name a field that comes before" in editor.contents
        assert "The step was saved." not in editor.contents
        assert stored_xml() == before


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
