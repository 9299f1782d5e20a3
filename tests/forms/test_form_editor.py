"""Webmasters edit a procedure's form in Plone's schema editor, and import
or export it as XML; a form that would be unusable is never stored."""

from datetime import date
from datetime import timedelta
from fixtures.accounts import PASSWORD
from fixtures.files import PDF
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.browser.form_editor import editor_field_types
from imio.guichet.content.behaviors import IOnlineForm
from plone import api
from zope.schema import getFieldNames

import base64
import io
import pytest
import requests
import transaction


def editor_url(site, procedure="y"):
    return f"{site.demarches[procedure].absolute_url()}/++form++fields"


def stored_fields(procedure="y"):
    """The fields of the form in the editor (its working copy, while the
    published procedure's citizens keep the published form)."""
    transaction.begin()
    return getFieldNames(
        IOnlineForm(
            api.content.get(path=f"/demarches/{procedure}")
        ).get_edited_form_schema()
    )


def publish_form(browser, site, procedure="y"):
    """ "Publish this version of the form", in the editor."""
    browser.open(editor_url(site, procedure))
    browser.getControl(name="publish").click()


def add_field(browser, site, title, name, factory):
    browser.open(f"{editor_url(site)}/@@add-field")
    browser.getControl(name="form.widgets.title").value = title
    browser.getControl(name="form.widgets.__name__").value = name
    browser.getControl(name="form.widgets.factory:list").value = [factory]
    browser.getControl(name="form.buttons.add").click()


def delete_all_but_the_last(browser, site) -> str:
    """Delete every field but the last one, whose name is returned."""
    for name in stored_fields()[:-1]:
        browser.open(editor_url(site))
        browser.getLink(url=f"++form++fields/{name}/@@delete").click()
    [last] = stored_fields()
    return last


class TestSchemaEditor:
    def test_lists_the_form_fields(self, site, browser_for):
        browser = browser_for("editor")
        browser.open(editor_url(site))
        for name in ("last_name", "first_name", "email", "message"):
            assert f"++form++fields/{name}" in browser.contents

    def test_offers_only_what_citizens_can_fill(self):
        offered = editor_field_types()
        assert "imio.guichet.forms.fields.NISS" in offered
        assert "plone.namedfile.field.NamedBlobFile" in offered
        assert "zope.schema._field.Choice" in offered
        for refused in (
            "plone.app.textfield.RichText",
            "plone.namedfile.field.NamedBlobImage",
            "zope.schema._bootstrapfields.Password",
            "z3c.relationfield.schema.RelationChoice",
        ):
            assert refused not in offered

    def test_added_field_is_stored_and_shown_to_citizens(self, site, browser_for):
        browser = browser_for("editor")
        add_field(browser, site, "Numéro national", "niss", "label_niss_field")
        assert stored_fields()[-1] == "niss"
        citizen = browser_for("Anonymous")
        citizen.open(f"{site.demarches.y.absolute_url()}/@@submit")
        assert "Numéro national" not in citizen.contents  # not published yet
        publish_form(browser, site)
        citizen.open(f"{site.demarches.y.absolute_url()}/@@submit")
        assert "Numéro national" in citizen.contents

    def test_a_field_moves_one_place_with_its_buttons(self, site, browser_for):
        """The keyboard's way to reorder (beside dragging): each field's
        up and down buttons, in a form."""
        browser = browser_for("editor")
        first, second, *rest = stored_fields()
        browser.open(editor_url(site))
        browser.getLink(url=f"{first}/@@move-field?direction=down").click()
        assert browser.url.startswith(editor_url(site))  # back to the editor
        assert stored_fields() == [second, first, *rest]
        # Two links per field, each named for its field.
        assert browser.contents.count("@@move-field?direction=") == 2 * (2 + len(rest))
        # The first field up: nothing to do, nothing changes.
        browser.getLink(url=f"{second}/@@move-field?direction=up").click()
        assert stored_fields() == [second, first, *rest]
        # Without the page's authenticator: refused.
        browser.handleErrors, browser.raiseHttpErrors = True, False
        browser.open(f"{editor_url(site)}/{second}/@@move-field?direction=down")
        assert browser.headers["status"].startswith("403")
        assert stored_fields() == [second, first, *rest]

    def test_an_unusable_form_is_not_stored(self, site, browser_for):
        """A form without fields cannot be filled: the last field stays."""
        browser = browser_for("editor")
        last = delete_all_but_the_last(browser, site)
        browser.open(editor_url(site))
        browser.getLink(url=f"++form++fields/{last}/@@delete").click()
        assert browser.url == editor_url(site)  # where the message shows
        assert browser.contents.count("not saved") == 1
        assert "the form has no field" in browser.contents
        assert stored_fields() == [last]

    def test_a_refused_deletion_by_the_editors_script(self, site, browser_for):
        """The editor's script deletes a field in the background: a refusal
        answers 409 (the field stays on the page), the message says why."""
        browser = browser_for("editor")
        last = delete_all_but_the_last(browser, site)
        browser.open(editor_url(site))
        url = browser.getLink(url=f"++form++fields/{last}/@@delete").url
        browser.raiseHttpErrors = False
        browser.addHeader("X-Requested-With", "XMLHttpRequest")
        browser.open(url)
        assert browser.headers["status"].startswith("409")
        assert len(stored_fields()) == 1

    def test_form_versions_are_kept_once_submissions_exist(
        self, site, browser_for, session_for
    ):
        filed = session_for("Anonymous").post(
            "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
        )
        assert filed.status_code == 201
        editor = browser_for("editor")
        add_field(editor, site, "Commune", "town", "label_textline_field")
        publish_form(editor, site)
        transaction.begin()
        procedure = site.demarches.y
        assert procedure.form_schema_version == 2
        assert "town" not in getFieldNames(procedure.get_form_schema(1))

    @pytest.mark.parametrize("who", ["citizen_a", "backoffice_x"])
    def test_others_cannot_change_it(self, site, browser_for, who):
        before = stored_fields()
        browser = browser_for(who)
        with pytest.raises(Exception):  # noqa: B017 - Unauthorized or redirect
            add_field(browser, site, "X", "x", "label_textline_field")
        assert stored_fields() == before


class TestXml:
    def test_export(self, site):
        answer = requests.get(
            f"{site.demarches.x.absolute_url()}/@@form-xml?download=1",
            auth=("editor", PASSWORD),
        )
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith("attachment")
        transaction.begin()
        assert answer.text == site.demarches.x.form_schema

    def test_the_page_links_to_the_editor_the_view_names(self, site, browser_for):
        """One place says where the editor is (the view's editor_url): the
        page's link and the redirect after an import."""
        from imio.guichet.browser import form_editor

        browser = browser_for("editor")
        browser.open(f"{site.demarches.y.absolute_url()}/@@form-xml")
        link = browser.getLink("Edit the fields").url
        assert link.split("?")[0] == editor_url(site)
        moved = "++form++elsewhere"
        original = form_editor.EDITOR_PATH
        form_editor.EDITOR_PATH = moved
        try:
            browser.open(f"{site.demarches.y.absolute_url()}/@@form-xml")
            assert moved in browser.getLink("Edit the fields").url
        finally:
            form_editor.EDITOR_PATH = original

    def upload(self, browser, site, xml: bytes):
        browser.open(f"{site.demarches.y.absolute_url()}/@@form-xml")
        browser.getControl(name="xml").add_file(
            io.BytesIO(xml), "application/xml", "f.xml"
        )
        browser.getControl("Import").click()

    def test_import_replaces_the_form(self, site, browser_for):
        xml = site.demarches.x.form_schema.encode()
        browser = browser_for("editor")
        self.upload(browser, site, xml)
        assert "++form++fields" in browser.url
        assert stored_fields("y") == stored_fields("x")
        publish_form(browser, site)
        filed = requests.post(
            f"{site.demarches.y.absolute_url()}/@submissions",
            json={"data": VALID_DATA},
            headers={"Accept": "application/json"},
        )
        assert filed.status_code == 201

    @pytest.mark.parametrize(
        "xml",
        [
            b"<model>not a form",
            b'<model xmlns="http://namespaces.plone.org/supermodel/schema">'
            b'<schema><field name="x" type="plone.app.textfield.RichText">'
            b"<title>X</title></field></schema></model>",
            "caf\xe9".encode("latin-1"),
        ],
    )
    def test_bad_xml_is_refused_with_why(self, site, browser_for, xml):
        before = stored_fields()
        browser = browser_for("editor")
        browser.raiseHttpErrors = False
        self.upload(browser, site, xml)
        assert browser.headers["status"].startswith("400")
        assert "form-xml-error" in browser.contents
        assert stored_fields() == before


def test_tab_for_who_may_edit(site, browser_for):
    editor = browser_for("editor")
    editor.open(site.demarches.y.absolute_url())
    assert "++form++fields" in editor.contents
    citizen = browser_for("citizen_a")
    citizen.open(site.demarches.y.absolute_url())
    assert "++form++fields" not in citizen.contents


def test_editors_cannot_touch_content_types_schemas(site):
    """The editor's permission is given on the procedure's editor only: an
    Editor still cannot change, say, the Document type's schema (which
    plone.app.dexterity guards with the same permission)."""
    roles = {
        r["name"] for r in site.rolesOfPermission("Manage schemata") if r["selected"]
    }
    assert "Editor" not in roles and "Owner" not in roles
    assert not api.user.has_permission(
        "Manage schemata", username="editor", obj=site.portal_types
    )


def test_owner_of_one_procedure_edits_only_that_form(site, browser_for):
    with api.env.adopt_roles(["Manager"]):
        api.user.grant_roles(
            username="citizen_b", obj=site.demarches.y, roles=["Editor"]
        )
    transaction.commit()
    browser = browser_for("citizen_b")
    add_field(browser, site, "Commune", "town", "label_textline_field")
    assert stored_fields()[-1] == "town"
    with pytest.raises(Exception, match="not authorized|Unauthorized"):
        browser.open(f"{editor_url(site, 'x')}/@@add-field")


#: Every kind the editor offers: its settings as a webmaster types them,
#: what the form's JSON Schema then says, a refused answer (and the code
#: of the refusal) and an accepted one.
TODAY = date.today()
KIND_CASES = {
    "text": (
        "label_textline_field",
        {"min_length": "3", "max_length": "10"},
        {"type": "string", "minLength": 3, "maxLength": 10},
        ("ab", "too_short"),
        "abc",
    ),
    "long_text": (
        "label_text_field",
        {"max_length": "20"},
        {"type": "string", "maxLength": 20},
        ("x" * 21, "too_long"),
        "deux\nlignes",
    ),
    "email": (
        "Email",
        {},
        {"format": "email"},
        ("nope", "invalid_email"),
        "a@example.org",
    ),
    "phone": (
        "label_phone_field",
        {"region": "FR"},
        {"x-guichet-type": "phone"},
        ("12", "invalid_phone"),
        "01 42 68 53 00",
    ),
    "integer": (
        "label_integer_field",
        {"min": "1", "max": "5"},
        {"type": "integer", "minimum": 1, "maximum": 5},
        (6, "too_big"),
        3,
    ),
    "decimal": (
        "label_float_field",
        {"min": "0.5", "max": "2.5"},
        {"type": "number", "minimum": 0.5, "maximum": 2.5},
        (3.0, "too_big"),
        1.5,
    ),
    "date": (
        "label_date_field",
        {"min": "2026-01-01", "max": "2026-12-31"},
        {"formatMinimum": "2026-01-01", "formatMaximum": "2026-12-31"},
        ("2027-01-01", "too_big"),
        "2026-06-01",
    ),
    "relative_date": (
        "label_relative_date_field",
        {"min_days": "10"},
        {"x-guichet-min-days": 10},
        (TODAY.isoformat(), "date_too_early"),
        (TODAY + timedelta(days=20)).isoformat(),
    ),
    "yes_no": (
        "label_boolean_field",
        {},
        {"type": "boolean"},
        ("oui", "wrong_type"),
        True,
    ),
    "choice": (
        "label_choice_field",
        {"values": "b|Bé\na|A"},
        {"enum": ["b", "a"], "x-enum-titles": ["Bé", "A"]},
        ("c", "invalid_choice"),
        "a",
    ),
    "choices": (
        "label_multi_choice_field",
        {"values": "b|Bé\na|A"},
        {"type": "array", "items": {"enum": ["b", "a"], "x-enum-titles": ["Bé", "A"]}},
        (["c"], "invalid_choice"),
        ["a", "b"],
    ),
    "niss": (
        "label_niss_field",
        {},
        {"x-guichet-type": "be-niss"},
        ("85073003329", "invalid_niss"),
        "85.07.30-033.28",
    ),
    "iban": (
        "label_iban_field",
        {},
        {"x-guichet-type": "iban"},
        ("BE71 0961 2345 6760", "invalid_iban"),
        "BE71 0961 2345 6769",
    ),
    "enterprise": (
        "label_enterprise_number_field",
        {},
        {"x-guichet-type": "be-enterprise-number"},
        ("0403.170.702", "invalid_enterprise_number"),
        "0403.170.701",
    ),
    "postal_code": (
        "label_postal_code_field",
        {},
        {"x-guichet-type": "be-postal-code"},
        ("0999", "invalid_postal_code"),
        "5000",
    ),
    "address": (
        "label_address_field",
        {},
        {"x-guichet-type": "be-address"},
        ({"street": "Rue de Fer"}, "incomplete_address"),
        {
            "street": "Rue de Fer",
            "number": "1",
            "postal_code": "5000",
            "locality": "Namur",
        },
    ),
    "file": (
        "File Upload",
        {},
        {"x-guichet-type": "file"},
        ({"filename": "a.txt", "data": "aGVsbG8="}, "file_type"),
        {"filename": "a.pdf", "data": base64.b64encode(PDF).decode()},
    ),
}


@pytest.mark.parametrize("kind", KIND_CASES)
def test_every_kind_round_trip(site, browser_for, session_for, kind):
    """Added and set in the editor, stored, published in the JSON Schema,
    and what citizens send is checked by those settings."""
    factory, settings, expected, (refused, code), accepted = KIND_CASES[kind]
    name = f"new_{kind}"  # the default form has "email" and "phone" already
    browser = browser_for("editor")
    add_field(browser, site, f"Champ {kind}", name, factory)
    assert "statusmessage-error" not in browser.contents
    assert stored_fields()[-1] == name
    browser.open(f"{editor_url(site)}/{name}")
    for setting, value in settings.items():
        browser.getControl(name=f"form.widgets.{setting}").value = value
    browser.getControl(name="form.buttons.save").click()
    assert "not saved" not in browser.contents
    publish_form(browser, site)

    citizen = session_for("Anonymous")
    schema = citizen.get("demarches/y/@form-schema").json()["properties"][name]
    assert schema["title"] == f"Champ {kind}"
    assert schema.items() >= expected.items()
    answer = citizen.post(
        "demarches/y/@submissions",
        json={"data": {**DEFAULT_FORM_DATA, name: refused}},
    )
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["error"]["errors"]] == [
        (name, code)
    ]
    answer = citizen.post(
        "demarches/y/@submissions",
        json={"data": {**DEFAULT_FORM_DATA, name: accepted}},
    )
    assert answer.status_code == 201, answer.text

    # Removed in the editor: gone from the form.
    browser.open(editor_url(site))
    browser.getLink(url=f"++form++fields/{name}/@@delete").click()
    assert name not in stored_fields()
