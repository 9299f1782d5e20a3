"""Issue #14: a step (fieldset) deleted in the form editor
(``@@delete-fieldset``): only an empty one, in the working copy of a
published form, never in what citizens fill."""

from fixtures.forms import CONDITIONS_FORM
from imio.guichet.content.behaviors import IOnlineForm
from plone import api
from plone.supermodel.interfaces import FIELDSETS_KEY
from zope.schema import getFieldNames

import transaction


#: The conditions form with one more step, still empty.
WITH_EMPTY_STEP = CONDITIONS_FORM.replace(
    "  </schema>",
    '    <fieldset name="annexes" label="Annexes">\n    </fieldset>\n  </schema>',
)


def steps(schema) -> dict[str, list[str]]:
    return {
        fieldset.__name__: list(fieldset.fields)
        for fieldset in schema.queryTaggedValue(FIELDSETS_KEY, [])
    }


def online_form():
    transaction.begin()
    return IOnlineForm(api.content.get(path="/demarches/y"))


def published_with_steps(site):
    site.demarches.y.form_schema = WITH_EMPTY_STEP
    transaction.commit()
    form = online_form()
    assert api.content.get_state(site.demarches.y) == "published"
    assert form.working_copy is None
    assert steps(form.get_form_schema()) == {
        "organisation": ["org_name", "vat", "vat_number"],
        "annexes": [],
    }


def delete_step(site, browser, name: str) -> None:
    """The step's "Supprimer l'étape" link in the editor."""
    browser.open(f"{site.demarches.y.absolute_url()}/++form++fields")
    browser.getLink(url=f"@@delete-fieldset?name={name}").click()


def test_an_empty_step_is_deleted_in_the_working_copy(site, browser_for):
    published_with_steps(site)
    browser = browser_for("editor")
    delete_step(site, browser, "annexes")
    assert browser.url.rstrip("/").endswith("++form++fields")
    assert "Fieldset deleted successfully." in browser.contents
    assert "Annexes" not in browser.contents
    form = online_form()
    # The working copy lost the step, with every field kept.
    edited = form.get_edited_form_schema()
    assert steps(edited) == {"organisation": ["org_name", "vat", "vat_number"]}
    assert getFieldNames(edited) == getFieldNames(form.get_form_schema())
    # Citizens keep the published form until it is published.
    assert "annexes" in steps(form.get_form_schema())
    assert form.form_schema == WITH_EMPTY_STEP


def test_a_step_with_fields_is_not_deleted(site, browser_for):
    """The editor says it: only an empty step can be deleted (its fields
    are moved to another step first, in their settings)."""
    published_with_steps(site)
    browser = browser_for("editor")
    delete_step(site, browser, "organisation")
    assert browser.url.rstrip("/").endswith("++form++fields")
    assert "Only empty fieldsets can be deleted" in browser.contents
    assert "Fieldset deleted successfully." not in browser.contents
    form = online_form()
    assert form.working_copy is None  # nothing changed, nothing pending
    assert steps(form.get_edited_form_schema())["organisation"] == [
        "org_name",
        "vat",
        "vat_number",
    ]
