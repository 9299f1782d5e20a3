"""Issue #14: a field deleted with its "×" button in the form editor, in
a real browser: the button asks first; confirmed, the field leaves the
editor and the preview (the working copy of a published form)."""

from playwright.sync_api import expect
from test_citizen_journey import log_in
from test_form_editor_in_browser import add_field
from test_form_editor_in_browser import new_procedure
from test_form_editor_in_browser import open_editor
from test_form_editor_in_browser import publish

import re


def preview_has(page, editor: str, name: str) -> bool:
    """Whether the editor's preview (the form as citizens will see it)
    asks the field ``name``."""
    open_editor(page, editor)
    page.locator("#guichet-preview").click()
    page.wait_for_load_state()
    expect(page.locator(".guichet-preview-notice")).to_be_visible()
    expect(page.locator("#form-widgets-last_name")).to_be_visible()
    return page.locator(f"#form-widgets-{name}").count() > 0


def test_a_field_deleted_with_its_button(page, demo_site):
    log_in(page, demo_site, "admin", "admin")
    procedure = new_procedure(page, demo_site)
    publish(page, procedure)  # citizens see it: the editor keeps a working copy
    editor = f"{procedure}/++form++fields"
    add_field(page, editor, "Remarque", "remark", "label_textline_field")
    assert preview_has(page, editor, "remark")

    open_editor(page, editor)
    field = page.locator('.fieldPreview[data-field_id="remark"]')
    delete = page.get_by_role("link", name=re.compile(r"Supprimer .Remarque."))
    asked = []

    # Dismissed: nothing happens.
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    delete.click()
    expect(field).to_have_count(1)
    open_editor(page, editor)
    expect(field).to_have_count(1)
    assert asked == ["confirm"]

    # Confirmed: gone from the editor, then from the preview.
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    delete.click()
    expect(field).to_have_count(0)
    assert asked == ["confirm", "confirm"]
    open_editor(page, editor)  # stored, not only removed from the page
    expect(field).to_have_count(0)
    expect(page.locator('.fieldPreview[data-field_id="email"]')).to_have_count(1)
    expect(page.locator(".statusmessage-error, .portalMessage.error")).to_have_count(0)
    assert not preview_has(page, editor, "remark")
