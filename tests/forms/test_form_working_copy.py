"""The working copy of a published form: citizens keep filling version N
until the webmaster publishes N+1; submissions keep their version; the
preview tries the working copy and files nothing."""

from AccessControl.PermissionRole import rolesForPermissionOn
from Acquisition import aq_base
from DateTime import DateTime
from datetime import datetime
from fixtures.forms import CONDITIONS_FORM
from fixtures.forms import DEFAULT_FORM_DATA
from imio.guichet.audit.api import iter_records
from imio.guichet.caller import script_caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.errors import Forbidden
from imio.guichet.errors import NotFound
from imio.guichet.forms.display import submission_answers
from imio.guichet.forms.model import DEFAULT_FORM_SCHEMA
from imio.guichet.metrics.counters import of_site
from imio.guichet.submissions.api import get_store
from imio.guichet.usecases.forms import discard_form_changes
from imio.guichet.usecases.forms import publish_form_version
from plone import api
from zope.schema import getFieldNames

import pytest
import re
import transaction


#: The default form with one more field, "Numéro de dossier".
WITH_FILE_NUMBER = DEFAULT_FORM_SCHEMA.replace(
    "  </schema>",
    '    <field name="file_number" type="zope.schema.TextLine">\n'
    "      <title>Numéro de dossier</title>\n"
    "      <required>False</required>\n"
    "    </field>\n"
    "  </schema>",
)


def procedure_y():
    transaction.begin()
    return api.content.get(path="/demarches/y")


def edit(xml: str) -> None:
    """What the editor stores after a change (form_editor.store_edited_form)."""
    IOnlineForm(procedure_y()).edit_form_schema(xml)
    transaction.commit()


def as_user(user_id: str, call, *args):
    with api.env.adopt_user(username=user_id):
        return call(script_caller(user_id), *args)


def file_default(session_for) -> dict:
    response = session_for("citizen_a").post(
        "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
    )
    assert response.status_code == 201, response.text
    return response.json()


def refusals_counted(site) -> float:
    """Every refusal the metrics counted on the site (this process)."""
    return sum(
        sample.value
        for metric in of_site(site).registry.collect()
        if metric.name == "guichet_refusals"
        for sample in metric.samples
        if sample.name == "guichet_refusals_total"
    )


class TestWorkingCopy:
    def test_citizens_keep_the_published_form(self, site, session_for, browser_for):
        edit(WITH_FILE_NUMBER)
        form = IOnlineForm(procedure_y())
        assert form.working_copy == WITH_FILE_NUMBER
        assert "file_number" not in getFieldNames(form.get_form_schema())
        assert "file_number" in getFieldNames(form.get_edited_form_schema())
        # The citizen's page and @form-schema: version 1, as published.
        citizen = browser_for("Anonymous")
        citizen.open(f"{site.demarches.y.absolute_url()}/@@submit")
        assert "Numéro de dossier" not in citizen.contents
        schema = session_for("Anonymous").get("demarches/y/@form-schema").json()
        assert "file_number" not in schema["properties"]
        # The editor shows the working copy.
        editor = browser_for("editor")
        editor.open(f"{site.demarches.y.absolute_url()}/++form++fields")
        assert "++form++fields/file_number" in editor.contents
        assert "guichet-publish-form" in editor.contents

    def test_publishing_makes_it_the_next_version(self, site, session_for):
        filed = file_default(session_for)
        edit(WITH_FILE_NUMBER)
        published = as_user("editor", publish_form_version, procedure_y())
        transaction.commit()
        form = IOnlineForm(procedure_y())
        assert published.version == form.form_schema_version == 2
        assert form.working_copy is None
        schema = session_for("Anonymous").get("demarches/y/@form-schema").json()
        assert "file_number" in schema["properties"]
        # The submission filed before keeps version 1, and still displays.
        submission = get_store().get(filed["id"])
        assert submission.schema_version == 1
        shown = submission_answers(submission, procedure_y(), "fr")
        titles = [row["title"] for section in shown for row in section["rows"]]
        assert "Nom" in titles and "Numéro de dossier" not in titles
        # One filed now carries version 2.
        later = file_default(session_for)
        transaction.begin()
        assert get_store().get(later["id"]).schema_version == 2
        [entry] = [e for e in iter_records() if e["action"] == "publish_form"]
        assert entry["actor"] == "editor"
        assert entry["details"]["version"] == 2

    def test_discarding_drops_the_changes(self, site):
        edit(WITH_FILE_NUMBER)
        as_user("editor", discard_form_changes, procedure_y())
        transaction.commit()
        form = IOnlineForm(procedure_y())
        assert form.working_copy is None
        assert form.edited_form_schema == form.form_schema == DEFAULT_FORM_SCHEMA
        assert [e["action"] for e in iter_records()] == ["discard_form_changes"]
        with pytest.raises(NotFound):
            as_user("editor", discard_form_changes, procedure_y())

    def test_editing_back_to_the_published_form_leaves_nothing_pending(self, site):
        edit(WITH_FILE_NUMBER)
        edit(DEFAULT_FORM_SCHEMA)
        assert IOnlineForm(procedure_y()).working_copy is None

    def test_an_unpublished_procedure_changes_at_once(self, site):
        procedure = procedure_y()
        with api.env.adopt_roles(["Manager"]):
            api.content.transition(procedure, "retract")
        IOnlineForm(procedure).edit_form_schema(WITH_FILE_NUMBER)
        assert IOnlineForm(procedure).working_copy is None
        assert IOnlineForm(procedure).form_schema == WITH_FILE_NUMBER

    def test_only_editors_publish(self, site):
        edit(WITH_FILE_NUMBER)
        with pytest.raises(Forbidden):
            as_user("citizen_a", publish_form_version, procedure_y())
        assert IOnlineForm(procedure_y()).working_copy == WITH_FILE_NUMBER

    def test_publish_button_of_the_editor(self, site, browser_for, session_for):
        edit(WITH_FILE_NUMBER)
        editor = browser_for("editor")
        editor.open(f"{site.demarches.y.absolute_url()}/++form++fields")
        editor.getControl(name="publish").click()
        assert "Version 1 of the form is published" in editor.contents
        schema = session_for("Anonymous").get("demarches/y/@form-schema").json()
        assert "file_number" in schema["properties"]
        assert IOnlineForm(procedure_y()).working_copy is None

    def test_the_editor_shows_when_citizens_can_file(self, site, browser_for):
        """The page's dates bound the submissions' (content.availability):
        the table shows the window citizens actually get."""
        procedure = procedure_y()  # the test site's time zone is UTC
        procedure.setEffectiveDate(DateTime("2027/02/01 10:00 UTC"))
        procedure.setExpirationDate(DateTime("2027/02/20 17:00 UTC"))
        procedure.opening_date = datetime(2027, 1, 1, 9, 0)
        procedure.closing_date = datetime(2027, 3, 1, 9, 0)
        transaction.commit()
        editor = browser_for("editor")
        editor.open(f"{procedure.absolute_url()}/++form++fields")
        table = editor.contents.split("guichet-form-dates")[1].split("</table>")[0]
        rows = [" ".join(row.split()) for row in table.split("<tr")[2:]]
        page, submissions = (re.sub("<[^>]+>", " ", row) for row in rows)
        assert "01/02/2027 10:00" in page and "20/02/2027 17:00" in page
        assert "01/02/2027 10:00" in submissions  # not 01/01, the page's date
        assert "20/02/2027 17:00" in submissions  # not 01/03
        # The advanced path is one link away.
        editor.getLink(url=f"{procedure.absolute_url()}/@@form-xml").click()
        assert "++form++fields" not in editor.url

    def test_the_editor_warns_before_publishing(self, site, browser_for):
        edit(WITH_FILE_NUMBER.replace("<title>Numéro de dossier</title>", ""))
        editor = browser_for("editor")
        editor.open(f"{site.demarches.y.absolute_url()}/++form++fields")
        assert 'data-field="file_number"' in editor.contents


class TestOverRest:
    """The same outcome over REST (``@form-version``) as with the editor's
    buttons."""

    def test_state_publish_and_discard(self, site, session_for):
        editor = session_for("editor")
        edit(WITH_FILE_NUMBER.replace("<title>Numéro de dossier</title>", ""))
        state = editor.get("demarches/y/@form-version").json()
        assert state["version"] == 1 and state["changes_waiting"] is True
        assert [(w["code"], w["field"]) for w in state["warnings"]] == [
            ("no_title", "file_number")
        ]
        published = editor.post("demarches/y/@form-version", json={"action": "publish"})
        assert published.status_code == 200, published.text
        assert published.json()["changes_waiting"] is False
        assert published.json()["warnings"][0]["code"] == "no_title"
        schema = session_for("Anonymous").get("demarches/y/@form-schema").json()
        assert "file_number" in schema["properties"]
        again = editor.post("demarches/y/@form-version", json={"action": "publish"})
        assert again.status_code == 404  # nothing waits
        edit(DEFAULT_FORM_SCHEMA)
        dropped = editor.post("demarches/y/@form-version", json={"action": "discard"})
        assert dropped.status_code == 200 and not dropped.json()["changes_waiting"]
        transaction.begin()
        actions = [e["action"] for e in iter_records()]
        assert actions == ["publish_form", "discard_form_changes"]

    def test_a_bad_action(self, site, session_for):
        answer = session_for("editor").post(
            "demarches/y/@form-version", json={"action": "merge"}
        )
        assert answer.status_code == 400
        assert answer.json()["error"]["errors"][0]["field"] == "action"


class TestPreview:
    def preview(self, site, browser_for):
        editor = browser_for("editor")
        editor.open(f"{site.demarches.y.absolute_url()}/@@guichet-preview")
        return editor

    def test_shows_the_working_copy(self, site, browser_for):
        edit(WITH_FILE_NUMBER)
        editor = self.preview(site, browser_for)
        assert "Numéro de dossier" in editor.contents
        assert "guichet-preview-notice" in editor.contents
        assert "form.buttons.save_draft" not in editor.contents

    def test_sending_files_nothing(self, site, browser_for):
        uid = api.content.get_uuid(site.demarches.y)
        editor = self.preview(site, browser_for)
        for name, value in DEFAULT_FORM_DATA.items():
            editor.getControl(name=f"form.widgets.{name}").value = value
        editor.getControl(name="form.buttons.send").click()
        assert 'id="guichet-preview-sent"' in editor.contents
        transaction.begin()
        assert get_store().count(uid) == 0
        assert get_store().count() == 0
        drafts = get_draft_store()
        assert drafts is None or len(drafts) == 0

    def test_errors_as_citizens_see_them(self, site, browser_for):
        before = refusals_counted(site)
        editor = self.preview(site, browser_for)
        editor.getControl(name="form.buttons.send").click()
        assert "guichet-error-summary" in editor.contents
        assert 'id="guichet-preview-sent"' not in editor.contents
        assert refusals_counted(site) == before  # not a citizen's refusal

    def test_steps_and_conditions(self, site, browser_for):
        edit(CONDITIONS_FORM)
        editor = self.preview(site, browser_for)
        editor.getControl(name="form.widgets.applicant").value = ["company"]
        editor.getControl(name="form.buttons.next").click()
        assert "Raison sociale" in editor.contents  # the step shown on "company"
        editor.getControl(name="form.widgets.org_name").value = "ACME"
        editor.getControl(name="form.widgets.vat").value = ["no"]
        editor.getControl(name="form.buttons.next").click()
        editor.getControl(name="form.buttons.send").click()
        assert 'id="guichet-preview-sent"' in editor.contents
        transaction.begin()
        assert get_store().count() == 0

    def test_before_publishing_and_while_closed(self, site, browser_for):
        """A procedure being prepared (private, submissions closed): the
        preview still opens, and citizens' form does not."""
        procedure = procedure_y()
        with api.env.adopt_roles(["Manager"]):
            api.content.transition(procedure, "retract")
        procedure.submissions_open = False
        IOnlineForm(procedure).edit_form_schema(WITH_FILE_NUMBER)
        transaction.commit()
        editor = self.preview(site, browser_for)
        assert "Numéro de dossier" in editor.contents
        editor.getControl(name="form.buttons.send").click()
        assert "guichet-error-summary" in editor.contents  # checked, not closed

    def test_citizens_may_not_preview(self, site, browser_for):
        edit(WITH_FILE_NUMBER)
        citizen = browser_for("citizen_a")
        citizen.handleErrors = True
        citizen.raiseHttpErrors = False
        citizen.open(f"{site.demarches.y.absolute_url()}/@@guichet-preview")
        assert "Numéro de dossier" not in citizen.contents
        assert "guichet-preview-notice" not in citizen.contents


def test_the_workflow_publish_warns(site, browser_for):
    """Publishing the procedure itself (its workflow) says what the check
    finds and that changes in the editor still wait."""
    procedure = procedure_y()
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(procedure, "retract")
        procedure.allowed_file_types = []
        IOnlineForm(procedure).form_schema = DEFAULT_FORM_SCHEMA.replace(
            "  </schema>",
            '    <field name="plan" type="plone.namedfile.field.NamedBlobFile">\n'
            "      <title>Plan</title>\n"
            "    </field>\n"
            "  </schema>",
        )
        procedure._form_schema_working_copy = WITH_FILE_NUMBER
    transaction.commit()
    editor = browser_for("siteadmin")
    editor.open(site.demarches.y.absolute_url())
    editor.getLink(url="workflow_action=publish").click()
    assert "accepts no type of file" in editor.contents
    assert "holds changes that citizens do not see yet" in editor.contents


def test_a_procedure_being_created_in_a_published_folder(portal):
    """The add form (and a REST POST) builds the procedure, wrapped in its
    folder, and sets its form before adding it: nothing is stored yet and
    no citizen has seen it, though the folder it acquires its roles from is
    published. The form is written directly, not kept as a working copy
    that nobody would publish."""
    from plone.dexterity.utils import createContent

    assert "Anonymous" in rolesForPermissionOn("View", portal)  # a public folder
    procedure = createContent("imio.guichet.Procedure", title="Nouvelle démarche")
    procedure = procedure.__of__(portal)  # as the add form does
    assert getattr(procedure, "_p_jar", None) is None  # not stored yet
    IOnlineForm(procedure).edit_form_schema(WITH_FILE_NUMBER)
    form = IOnlineForm(procedure)
    assert form.working_copy is None
    assert form.form_schema == WITH_FILE_NUMBER
    # Once stored (and published), changes wait in a working copy.
    with api.env.adopt_roles(["Manager"]):
        portal._setObject("nouvelle-demarche", aq_base(procedure))
        stored = portal["nouvelle-demarche"]
        api.content.transition(stored, "publish")
    transaction.savepoint(optimistic=True)
    with api.env.adopt_roles(["Manager"]):
        IOnlineForm(stored).edit_form_schema(DEFAULT_FORM_SCHEMA)
    assert IOnlineForm(stored).working_copy == DEFAULT_FORM_SCHEMA
    assert IOnlineForm(stored).form_schema == WITH_FILE_NUMBER
