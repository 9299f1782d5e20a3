"""The online form as a behavior: any content type gets it by enabling
``imio.guichet.online_form`` (here, the plain Document type)."""

from fixtures.accounts import PASSWORD
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.pages import listed
from imio.guichet.content.behaviors import BEHAVIOR_NAME
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import IProcedure
from imio.guichet.submissions.api import get_store
from plone import api
from zope.schema import getFieldNames

import pytest
import transaction


PAGE_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="full_name" type="zope.schema.TextLine">
      <title>Nom complet</title>
    </field>
    <field name="wish" type="zope.schema.Text">
      <title>Votre demande</title>
    </field>
  </schema>
</model>
"""


def enable_behavior(portal_type: str) -> None:
    fti = api.portal.get_tool("portal_types")[portal_type]
    # Through the property manager: the change event refreshes Dexterity's
    # schema cache, as the Content types control panel does.
    fti.manage_changeProperties(behaviors=(*fti.behaviors, BEHAVIOR_NAME))


@pytest.fixture
def page(site):
    """A published Document with the behavior and a two-field form, and a
    back office holding its role on that page only (committed)."""
    with api.env.adopt_roles(["Manager"]):
        enable_behavior("Document")
        item = api.content.create(site, "Document", id="guide", title="Guide")
        IOnlineForm(item).form_schema = PAGE_FORM
        for name, value in PRIVACY_INFORMATION.items():
            setattr(IOnlineForm(item), name, value)
        api.content.transition(item, "publish")
        api.user.create(
            email="office@example.org", username="office_page", password=PASSWORD
        )
        api.user.grant_roles(
            username="office_page", obj=item, roles=["GuichetBackOffice"]
        )
    transaction.commit()
    return item


class TestBehavior:
    def test_the_procedure_type_has_it(self, site):
        procedure = site.demarches.x
        assert IHasOnlineForm.providedBy(procedure)
        assert (
            BEHAVIOR_NAME
            in api.portal.get_tool("portal_types")[procedure.portal_type].behaviors
        )

    def test_a_page_with_it_has_a_form_of_its_own(self, page):
        assert IHasOnlineForm.providedBy(page)
        assert not IProcedure.providedBy(page)
        form = IOnlineForm(page)
        assert form.form_schema_version == 1
        assert getFieldNames(form.get_form_schema()) == ["full_name", "wish"]
        assert form.allow_anonymous  # the field's default
        # Stored on the page itself, under the names procedures use.
        assert page._form_schema_versions == (PAGE_FORM,)

    def test_found_by_the_marker_not_the_type(self, page, site):
        found = {brain.getPath() for brain in find_online_forms()}
        assert "/".join(page.getPhysicalPath()) in found
        assert "/".join(site.demarches.x.getPhysicalPath()) in found

    def test_a_page_without_it_has_no_form(self, page, site):
        with api.env.adopt_roles(["Manager"]):
            plain = api.content.create(site, "Folder", id="plain", title="Plain")
        assert IOnlineForm(plain, None) is None
        assert not IHasOnlineForm.providedBy(plain)
        paths = {brain.getPath() for brain in find_online_forms()}
        assert "/".join(plain.getPhysicalPath()) not in paths


class TestFiling:
    def test_the_page_leads_to_its_form(self, page, browser_for):
        browser = browser_for("Anonymous")
        browser.open(page.absolute_url())
        assert browser.contents.count('class="procedure-apply') == 1
        assert browser.getLink(url="@@submit").url == page.absolute_url() + "/@@submit"

    def test_the_procedure_page_shows_the_card_once(self, site, browser_for):
        browser = browser_for("Anonymous")
        browser.open(site.demarches.x.absolute_url())
        assert browser.contents.count('class="procedure-apply') == 1

    def test_through_the_html_form(self, page, browser_for):
        browser = browser_for("Anonymous")
        browser.open(page.absolute_url() + "/@@submit")
        browser.getControl("Nom complet").value = "Jeanne Dupont"
        browser.getControl("Votre demande").value = "Un rendez-vous"
        browser.getControl(name="form.buttons.send").click()
        assert f"{page.absolute_url()}/@@confirmation" in browser.url
        reference = browser.url.split("reference=")[1]
        transaction.begin()
        submission = get_store().by_reference(reference)
        assert submission.procedure_uid == api.content.get_uuid(page)
        assert submission.data == {
            "full_name": "Jeanne Dupont",
            "wish": "Un rendez-vous",
        }

    def test_through_rest_then_staff_listing_and_feed(
        self, page, session_for, browser_for
    ):
        answer = session_for("Anonymous").post(
            "guide/@submissions",
            json={"data": {"full_name": "Jean Martin", "wish": "Un permis"}},
        )
        assert answer.status_code == 201, answer.text
        reference = answer.json()["reference"]
        transaction.begin()
        assert get_store().by_reference(reference).procedure_uid == (
            api.content.get_uuid(page)
        )

        # The staff pages, on the site and on the page.
        office = browser_for("office_page")
        office.open(api.portal.get().absolute_url() + "/@@guichet-requests")
        assert listed(office) == [reference]
        office.open(page.absolute_url() + "/@@guichet-requests")
        assert listed(office) == [reference]

        # Its export, from the page's listing.
        office.open(page.absolute_url() + "/@@guichet-requests")
        office.getLink(url="format=csv").click()
        assert office.headers["status"].startswith("200")
        assert office.url.startswith(f"{page.absolute_url()}/@@guichet-export?")
        assert reference in office.contents

        # The back office's feed names the page as the submission's procedure.
        feed = session_for("office_page").get("@submissions?since=0").json()
        assert [item["reference"] for item in feed["items"]] == [reference]
        assert feed["items"][0]["procedure"]["title"] == "Guide"
        assert feed["items"][0]["procedure"]["@id"] == page.absolute_url()
        # Others' back offices see nothing of it.
        other = session_for("backoffice_x").get("@submissions?since=0").json()
        assert reference not in [item["reference"] for item in other["items"]]

    def test_json_schema_of_the_page(self, page, session_for):
        answer = session_for("Anonymous").get("guide/@form-schema")
        assert answer.status_code == 200
        assert list(answer.json()["properties"]) == ["full_name", "wish"]

    def test_rest_edits_the_form_through_the_behavior(self, page, session_for):
        manager = session_for("Manager")
        assert manager.get("guide").json()["form_schema"] == PAGE_FORM
        longer = PAGE_FORM.replace("Votre demande", "Votre demande détaillée")
        answer = manager.patch("guide", json={"form_schema": longer})
        assert answer.status_code == 204, answer.text
        transaction.begin()
        form = IOnlineForm(page)
        # The page is published: the change waits in the working copy,
        # which its editors read back; citizens keep the published form.
        assert form.working_copy == longer and form.form_schema == PAGE_FORM
        assert manager.get("guide").json()["form_schema"] == longer
        assert session_for("Anonymous").get("guide").json()["form_schema"] == PAGE_FORM
        published = manager.post("guide/@form-version", json={"action": "publish"})
        assert published.status_code == 200, published.text
        transaction.begin()
        assert form.form_schema == longer
        assert form.form_schema_version == 1  # nothing filed yet: replaced

    def test_form_editor_on_the_page(self, page, browser_for):
        with api.env.adopt_roles(["Manager"]):
            api.user.create(
                email="webmaster@example.org", username="webmaster", password=PASSWORD
            )
            api.user.grant_roles(username="webmaster", obj=page, roles=["Editor"])
        transaction.commit()
        browser = browser_for("webmaster")
        browser.open(page.absolute_url() + "/++form++fields")
        assert "full_name" in browser.contents
        browser.open(page.absolute_url() + "/@@form-xml?download=1")
        assert browser.contents == PAGE_FORM

    def test_staff_actions_on_the_page(self, page):
        actions = api.portal.get_tool("portal_actions")
        with api.env.adopt_user(username="office_page"):
            ids = {a["id"] for a in actions.listFilteredActionsFor(page)["object"]}
        assert "guichet-procedure-requests" in ids


class TestWithoutTheBehavior:
    @pytest.fixture
    def plain(self, site):
        with api.env.adopt_roles(["Manager"]):
            item = api.content.create(site, "Document", id="plain", title="Plain")
            api.content.transition(item, "publish")
        transaction.commit()
        return item

    def test_no_form(self, plain, browser_for):
        assert IOnlineForm(plain, None) is None
        browser = browser_for("Anonymous")
        browser.open(plain.absolute_url())
        assert "procedure-apply" not in browser.contents
        browser.handleErrors = True
        browser.raiseHttpErrors = False
        browser.open(plain.absolute_url() + "/@@submit")
        assert browser.headers["status"].startswith("404")

    def test_rest_answers_404(self, plain, session_for):
        answer = session_for("Anonymous").post(
            "plain/@submissions",
            json={"data": {"full_name": "Jean Martin", "wish": "Un permis"}},
        )
        assert answer.status_code == 404
        transaction.begin()
        assert len(get_store()) == 0

    def test_no_staff_actions(self, plain):
        actions = api.portal.get_tool("portal_actions")
        ids = {a["id"] for a in actions.listFilteredActionsFor(plain)["object"]}
        assert "guichet-procedure-requests" not in ids
        assert "guichet-form-fields" not in ids


class TestUpgrade1002:
    def test_a_site_of_version_1001(self, procedure, setup_tool):
        """As 1001 left a site: the type without the behavior (the fields
        were its own), actions testing the portal type, the catalog
        without the marker."""
        from imio.guichet.upgrades.v1002 import STAFF_ACTIONS

        profile = "imio.guichet:default"
        fti = api.portal.get_tool("portal_types")[procedure.portal_type]
        actions = api.portal.get_tool("portal_actions").object
        old = "python:object.portal_type == 'imio.guichet.Procedure'"
        for action_id in STAFF_ACTIONS:
            actions[action_id].manage_changeProperties(available_expr=old)
        catalog = api.portal.get_tool("portal_catalog")
        assert [brain.getObject() for brain in find_online_forms()] == [procedure]
        rid = catalog.getrid("/".join(procedure.getPhysicalPath()))
        index = catalog._catalog.getIndex("object_provides")
        marker = IHasOnlineForm.__identifier__
        index.removeForwardIndexEntry(marker, rid)
        index._unindex[rid] = [name for name in index._unindex[rid] if name != marker]
        fti.manage_changeProperties(
            behaviors=tuple(b for b in fti.behaviors if b != BEHAVIOR_NAME)
        )
        assert len(find_online_forms()) == 0
        setup_tool.setLastVersionForProfile(profile, "1001")

        with api.env.adopt_roles(["Manager"]):
            setup_tool.upgradeProfile(profile, dest="1002")

        assert setup_tool.getLastVersionForProfile(profile) == ("1002",)
        assert BEHAVIOR_NAME in fti.behaviors
        assert [brain.getObject() for brain in find_online_forms()] == [procedure]
        for action_id in STAFF_ACTIONS:
            assert "IHasOnlineForm" in actions[action_id].available_expr
        # The data stayed where it was: the form and its settings read as before.
        assert IOnlineForm(procedure).form_schema_version == 1
        assert "birth_date" in getFieldNames(IOnlineForm(procedure).get_form_schema())
