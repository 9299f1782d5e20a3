"""What a webmaster does: edit a procedure's form, set the site's settings,
find procedures with the site search; and the demo site of `make start`."""

from fixtures.accounts import PASSWORD
from fixtures.forms import DEFAULT_FORM_DATA
from imio.guichet import demo
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.model import check_form_schema
from imio.guichet.submissions.api import get_store
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser

import pytest
import transaction


@pytest.fixture
def manager_browser(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    return browser


def test_edit_form_refuses_an_unusable_form(site, manager_browser):
    procedure = site.demarches.x
    manager_browser.open(procedure.absolute_url() + "/edit")
    manager_browser.getControl(name="form.widgets.IOnlineForm.form_schema").value = (
        '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
        '<field name="f" type="zope.schema.Object"><title>F</title>'
        "<schema>zope.interface.Interface</schema></field></schema></model>"
    )
    manager_browser.getControl(name="form.buttons.save").click()
    assert "unsupported field type" in manager_browser.contents
    transaction.begin()
    assert procedure.form_schema_version == 1


def rename_field(browser, procedure, old, new):
    browser.open(procedure.absolute_url() + "/edit")
    control = browser.getControl(name="form.widgets.IOnlineForm.form_schema")
    control.value = control.value.replace(
        f"<title>{old}</title>", f"<title>{new}</title>"
    )
    browser.getControl(name="form.buttons.save").click()


def test_edit_form_versions_the_form_once_used(site, manager_browser, session_for):
    """The XML box of the editing page changes what the form editor does:
    the working copy of a form citizens see, a new version once published."""
    procedure = site.demarches.y
    citizen = session_for("citizen_a")
    filed = citizen.post(
        "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
    ).json()
    rename_field(manager_browser, procedure, "Nom", "Nom d'usage")
    seen = citizen.get("demarches/y/@form-schema").json()
    assert seen["properties"]["last_name"]["title"] == "Nom"
    manager_browser.open(procedure.absolute_url() + "/edit")
    control = manager_browser.getControl(name="form.widgets.IOnlineForm.form_schema")
    assert "<title>Nom d'usage</title>" in control.value  # the working copy

    manager = session_for("Manager")
    published = manager.post("demarches/y/@form-version", json={"action": "publish"})
    assert published.json()["version"] == 2
    old = citizen.get("demarches/y/@form-schema?version=1").json()
    assert old["properties"]["last_name"]["title"] == "Nom"
    new = citizen.get("demarches/y/@form-schema").json()
    assert new["properties"]["last_name"]["title"] == "Nom d'usage"
    assert get_store().get(filed["id"]).schema_version == 1


def test_edit_form_replaces_the_form_nobody_sees_yet(site, manager_browser):
    procedure = site.demarches.y
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(procedure, "retract")
    transaction.commit()
    rename_field(manager_browser, procedure, "Nom", "Nom de famille")
    transaction.begin()
    assert procedure.form_schema_version == 1
    assert "<title>Nom de famille</title>" in procedure.form_schema
    assert IOnlineForm(procedure).working_copy is None


def test_patch_of_the_form_goes_to_the_working_copy(site, session_for):
    """Over REST as on the editing page: citizens keep the published form."""
    manager = session_for("Manager")
    xml = IOnlineForm(site.demarches.y).form_schema
    changed = xml.replace("<title>Nom</title>", "<title>Nom d'usage</title>")
    assert (
        manager.patch("demarches/y", json={"form_schema": changed}).status_code == 204
    )
    status = manager.get("demarches/y/@form-version").json()
    assert status["changes_waiting"] is True
    seen = session_for("citizen_a").get("demarches/y/@form-schema").json()
    assert seen["properties"]["last_name"]["title"] == "Nom"


def test_site_search_finds_procedures(site):
    browser = Browser(site.aq_parent)
    browser.open(site.absolute_url() + "/@@search?SearchableText=Extrait")
    assert site.demarches.x.absolute_url() in browser.contents


def test_control_panel_sets_the_reference_prefix(site, manager_browser, session_for):
    manager_browser.open(site.absolute_url() + "/@@overview-controlpanel")
    manager_browser.getLink(url="guichet-settings").click()
    control = manager_browser.getControl(name="form.widgets.reference_prefix")
    control.value = "bad prefix!"
    manager_browser.getControl(name="form.buttons.save").click()
    assert "Constraint not satisfied" in manager_browser.contents or (
        "invalid-feedback" in manager_browser.contents
    )
    manager_browser.getControl(name="form.widgets.reference_prefix").value = "GV-"
    manager_browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    assert (
        api.portal.get_registry_record(
            "imio.guichet.interfaces.IGuichetSettings.reference_prefix"
        )
        == "GV-"
    )
    response = session_for("citizen_a").post(
        "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
    )
    assert response.json()["reference"].startswith("GV-")


def test_control_panel_is_for_managers_only(site):
    browser = Browser(site.aq_parent)
    browser.addHeader("Authorization", f"Basic editor:{PASSWORD}")
    browser.raiseHttpErrors = False
    browser.open(site.absolute_url() + "/@@guichet-settings")
    assert "form.widgets.reference_prefix" not in browser.contents


def test_procedure_page_in_french(site):
    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    transaction.commit()
    browser = Browser(site.aq_parent)
    browser.addHeader("Accept-Language", "fr")
    browser.open(site.demarches.x.absolute_url())
    assert "Faire la demande en ligne" in browser.contents
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    assert "Envoyer ma demande" in browser.contents


class TestDemo:
    def test_demo_forms_are_valid(self, portal):
        # As `make start` sets it first: the demo forms name the keys of
        # the demo population register.
        demo.ensure_prefill_source(portal, None)
        for spec in demo.PROCEDURES:
            check_form_schema((demo.FORMS / spec["form"]).read_text(encoding="utf-8"))

    def test_demo_content_and_accounts(self, portal):
        portal.portal_workflow.setDefaultChain("simple_publication_workflow")
        with api.env.adopt_roles(["Manager"]):
            demo.ensure_content(portal)
            demo.ensure_accounts(portal)
            demo.ensure_content(portal)  # idempotent
        procedures = api.content.find(portal_type="imio.guichet.Procedure")
        assert len(procedures) == len(demo.PROCEDURES) >= 3
        assert all(b.review_state == "published" for b in procedures)
        folder = demo.procedures_folder(portal)
        assert api.user.has_permission(
            "imio.guichet: Read submissions", username="backoffice", obj=folder
        )
        assert not api.user.has_permission(
            "imio.guichet: Read submissions", username="backoffice", obj=portal
        )
        assert not api.user.has_permission(
            "imio.guichet: Read submissions", username="citoyen", obj=folder
        )
        assert get_store() is not None


def test_webmaster_adds_a_procedure_through_the_web(site, manager_browser):
    manager_browser.open(site.demarches.absolute_url())
    manager_browser.open(
        site.demarches.absolute_url() + "/++add++imio.guichet.Procedure"
    )
    manager_browser.getControl(
        name="form.widgets.IDublinCore.title"
    ).value = "Demande de composition de ménage"
    manager_browser.getControl(name="form.widgets.cost").value = "<p>Gratuit</p>"
    # Open by default: with its privacy information, or refused.
    privacy = "form.widgets.IOnlineForm.privacy_"
    manager_browser.getControl(
        name=privacy + "purpose"
    ).value = "Délivrer le certificat."
    manager_browser.getControl(name=privacy + "legal_basis:list").value = ["c"]
    manager_browser.getControl(name=privacy + "legal_reference").value = "AR 16/07/1992"
    manager_browser.getControl(name=privacy + "recipients").value = "Service Population"
    manager_browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    procedure = site.demarches["demande-de-composition-de-menage"]
    assert procedure.form_schema_version == 1
    assert "last_name" in procedure.form_schema  # the default form
    assert "Gratuit" in procedure.cost.output
    assert api.content.get_state(procedure) == "private"
