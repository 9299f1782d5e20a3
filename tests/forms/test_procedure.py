"""The procedure content type."""

from DateTime import DateTime
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import IProcedure
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import DEFAULT_FORM_SCHEMA
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.submissions.api import submit
from plone import api
from plone.app.textfield.value import RichTextValue
from zope.i18n import translate
from zope.interface import Invalid
from zope.schema import getFieldNames

import pytest


PROCEDURE = "imio.guichet.Procedure"


class TestContent:
    def test_addable_at_root_and_in_folders(self, portal):
        with api.env.adopt_roles(["Manager"]):
            at_root = api.content.create(
                portal, PROCEDURE, title="Déclaration de perte"
            )
            folder = api.content.create(portal, "Folder", title="Services")
            in_folder = api.content.create(folder, PROCEDURE, title="Occupation")
        assert IProcedure.providedBy(at_root)
        assert at_root.id == "declaration-de-perte"
        assert IProcedure.providedBy(in_folder)

    def test_default_form(self, portal):
        with api.env.adopt_roles(["Manager"]):
            item = api.content.create(portal, PROCEDURE, title="Demande")
        assert item.form_schema == DEFAULT_FORM_SCHEMA
        assert item.form_schema_version == 1
        assert getFieldNames(item.get_form_schema())[:2] == ["last_name", "first_name"]

    def test_form_replaced_while_nothing_was_filed(self, procedure):
        procedure.form_schema = DEFAULT_FORM_SCHEMA
        assert procedure.form_schema_version == 1
        assert procedure.form_schema == DEFAULT_FORM_SCHEMA

    def test_form_versions_are_kept_once_filed(self, procedure):
        assert procedure.form_schema_version == 1
        old = procedure.form_schema
        submit(procedure, VALID_DATA, submitter=None)
        procedure.form_schema = DEFAULT_FORM_SCHEMA
        assert procedure.form_schema_version == 2
        procedure.form_schema = DEFAULT_FORM_SCHEMA  # unchanged: no new version
        assert procedure.form_schema_version == 2
        # As a browser sends it back: CRLF line ends are the same form.
        procedure.form_schema = DEFAULT_FORM_SCHEMA.replace("\n", "\r\n")
        assert procedure.form_schema_version == 2
        assert procedure.form_schema_xml(1) == old
        assert "birth_date" in getFieldNames(procedure.get_form_schema(1))
        assert "birth_date" not in getFieldNames(procedure.get_form_schema())

    def test_site_workflow(self, procedure):
        assert api.content.get_state(procedure) == "published"

    def test_contributor_may_add_editor_may_not_read_submissions(self, portal):
        with api.env.adopt_roles(["Manager"]):
            self.create_users()
        assert api.user.has_permission(
            "imio.guichet: Add Procedure", "contrib", obj=portal
        )
        assert not api.user.has_permission(
            "imio.guichet: Read submissions", "editor", obj=portal
        )

    def create_users(self):
        for username, role in (("contrib", "Contributor"), ("editor", "Editor")):
            api.user.create(email=f"{username}@example.org", username=username)
            api.user.grant_roles(username=username, roles=[role])

    def test_searchable(self, procedure):
        procedure.required_documents = RichTextValue(
            "<p>Une copie de la <strong>carte d'identité</strong></p>",
            "text/html",
            "text/x-html-safe",
        )
        procedure.reindexObject()
        catalog = api.portal.get_tool("portal_catalog")
        brains = catalog(SearchableText="identité")
        assert [b.getObject() for b in brains] == [procedure]
        assert catalog(SearchableText="naissance")[0].getObject() == procedure


class TestFormSchemaCheck:
    def test_valid(self):
        assert check_form_schema(DEFAULT_FORM_SCHEMA)

    @pytest.mark.parametrize(
        "xml,problem",
        [
            ("<model", "invalid XML"),
            ("", "invalid XML"),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema">'
                "<schema></schema></model>",
                "no field",
            ),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
                '<field name="f" type="zope.schema.Object"><title>F</title>'
                "<schema>zope.interface.Interface</schema></field></schema></model>",
                "unsupported field type",
            ),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
                '<field name="Bad-Name" type="zope.schema.TextLine"><title>F</title>'
                "</field></schema></model>",
                "field name",
            ),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
                '<field name="tags" type="zope.schema.List"><title>T</title>'
                '<value_type type="zope.schema.TextLine" /></field></schema></model>',
                "multiple choice",
            ),
            (
                # Would publish the site's users in the public form.
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
                '<field name="who" type="zope.schema.Choice"><title>W</title>'
                "<vocabulary>plone.app.vocabularies.Users</vocabulary></field>"
                "</schema></model>",
                "must list its values",
            ),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema '
                'based-on="plone.app.contenttypes.behaviors.richtext.IRichText">'
                '<field name="a" type="zope.schema.TextLine"><title>A</title>'
                "</field></schema></model>",
                "based-on",
            ),
            (
                '<model xmlns="http://namespaces.plone.org/supermodel/schema" '
                'xmlns:form="http://namespaces.plone.org/supermodel/form"><schema>'
                '<field name="a" type="zope.schema.TextLine" form:omitted="true">'
                "<title>A</title></field></schema></model>",
                "form directives",
            ),
        ],
    )
    def test_invalid(self, portal, xml, problem):
        with pytest.raises(InvalidFormSchema) as error:
            check_form_schema(xml)
        assert problem in str(error.value)

    def test_parse_errors_do_not_leak_paths(self, portal):
        with pytest.raises(InvalidFormSchema) as error:
            check_form_schema(
                '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
                '<field name="a" type="no.such.Field"><title>A</title></field>'
                "</schema></model>"
            )
        assert "File " not in str(error.value)
        assert "/" not in str(error.value)

    def test_field_constraint_refuses_bad_form(self, portal):
        with pytest.raises(Invalid):
            IOnlineForm["form_schema"].validate("<model><schema/></model>")


class TestAvailability:
    def test_open_by_default(self, procedure):
        assert get_availability(procedure).is_open

    def test_closed_by_switch(self, procedure):
        procedure.submissions_open = False
        availability = get_availability(procedure)
        assert not availability.is_open
        assert "closed" in availability.reason.default

    def test_dates(self, procedure):
        now = datetime.now()
        procedure.opening_date = now + timedelta(days=2)
        assert not get_availability(procedure).is_open
        procedure.opening_date = now - timedelta(days=2)
        assert get_availability(procedure).is_open
        procedure.closing_date = now - timedelta(days=1)
        assert not get_availability(procedure).is_open
        procedure.closing_date = now + timedelta(days=1)
        assert get_availability(procedure).is_open

    def test_the_pages_publication_dates_bound_the_submissions(self, procedure):
        """A page not published yet or expired takes no submission, whatever
        its own opening and closing dates say; the reason gives the date."""
        api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
        procedure.opening_date = datetime(2027, 1, 1, 9, 0)
        procedure.closing_date = datetime(2027, 3, 1, 9, 0)
        procedure.effective_date = DateTime("2027/02/01 10:00 Europe/Brussels")
        early = get_availability(procedure, datetime(2027, 1, 15, tzinfo=UTC))
        assert early.reason.mapping["date"] == "01/02/2027 10:00"
        within = datetime(2027, 2, 10, tzinfo=UTC)
        assert get_availability(procedure, within).is_open
        procedure.expiration_date = DateTime("2027/02/20 18:00 Europe/Brussels")
        late = get_availability(procedure, datetime(2027, 2, 25, tzinfo=UTC))
        assert not late.is_open
        assert late.reason.mapping["date"] == "20/02/2027 18:00"

    def test_dates_from_rest_are_utc_and_shown_in_local_time(self, procedure):
        api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
        procedure.opening_date = datetime(2999, 7, 1, 6, 0, tzinfo=UTC)
        reason = get_availability(procedure).reason
        assert reason.mapping["date"] == "01/07/2999 08:00"

    def test_mixed_naive_and_aware_dates_compare(self, procedure):
        class Data:
            opening_date = datetime(2027, 1, 1, 9, 0)  # edit form: local time
            closing_date = datetime(2027, 1, 1, 7, 30, tzinfo=UTC)  # REST: UTC

        api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
        with pytest.raises(Invalid):  # 07:30 UTC is 08:30 in Brussels
            IOnlineForm.validateInvariants(Data())

    def test_closing_must_follow_opening(self, procedure):
        class Data:
            opening_date = datetime(2027, 1, 2)
            closing_date = datetime(2027, 1, 1)

        with pytest.raises(Invalid):
            IOnlineForm.validateInvariants(Data())


class TestUploadLimitsFitTheServer:
    """A procedure's upload limits must fit in the largest request body
    the server reads, as the instance states it (GUICHET_MAX_BODY)."""

    @staticmethod
    def limits(size_mb, files):
        return type("Data", (), {"max_file_size": size_mb, "max_files": files})()

    def test_the_defaults_fit_the_default_server(self, monkeypatch):
        from imio.guichet.forms.uploads import default_max_body_size

        monkeypatch.setenv("GUICHET_MAX_BODY", str(default_max_body_size()))
        IOnlineForm.validateInvariants(self.limits(10, 5))

    def test_too_many_files_say_how_many_fit(self, monkeypatch):
        from imio.guichet.forms.uploads import default_max_body_size

        monkeypatch.setenv("GUICHET_MAX_BODY", str(default_max_body_size()))
        with pytest.raises(Invalid) as error:
            IOnlineForm.validateInvariants(self.limits(10, 6))
        message = error.value.args[0]
        assert message.default.startswith("Files per request")
        assert message == "error_max_files_over_server_other"
        assert message.mapping == {"size": 10, "count": 5}
        with pytest.raises(Invalid) as error:
            IOnlineForm.validateInvariants(self.limits(50, 20))
        message = error.value.args[0]
        # One file, never "1 files".
        assert message == "error_max_files_over_server_one"
        assert message.mapping == {"size": 50, "count": 1}
        assert translate(message) == (
            "Files per request: with files of up to 50 MB, this server reads "
            "at most 1 file per request."
        )

    def test_a_file_larger_than_the_server_reads_says_the_largest(self, monkeypatch):
        # A body for one file of 4 MB in base64, and the fields.
        monkeypatch.setenv("GUICHET_MAX_BODY", str(1_000_000 + 5_592_408))
        with pytest.raises(Invalid) as error:
            IOnlineForm.validateInvariants(self.limits(5, 1))
        message = error.value.args[0]
        assert message.default.startswith("Largest file")
        assert message.mapping == {"largest": 4}
        IOnlineForm.validateInvariants(self.limits(4, 1))

    def test_no_files_always_fit(self, monkeypatch):
        monkeypatch.setenv("GUICHET_MAX_BODY", "1000")
        IOnlineForm.validateInvariants(self.limits(50, 0))

    def test_unchecked_when_the_instance_does_not_say(self, monkeypatch):
        monkeypatch.delenv("GUICHET_MAX_BODY", raising=False)
        IOnlineForm.validateInvariants(self.limits(50, 20))
        monkeypatch.setenv("GUICHET_MAX_BODY", "lots")
        IOnlineForm.validateInvariants(self.limits(50, 20))
