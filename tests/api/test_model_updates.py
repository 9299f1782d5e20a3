"""Updating a procedure made from a model (issue #16): the readable diff,
the three-way merge (local parameters and the authority's own changes
kept, the model's other changes applied), the form's new version, and old
submissions intact."""

from fixtures.accounts import PASSWORD
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.forms import RICH_FORM
from fixtures.forms import VALID_DATA
from imio.guichet.audit.api import iter_records
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.models import remote
from imio.guichet.models.diff import form_changes
from imio.guichet.models.diff import form_fields
from imio.guichet.models.diff import three_way
from imio.guichet.models.diff import word_diff
from imio.guichet.models.form_merge import merge_forms
from imio.guichet.models.publication import get_origin
from imio.guichet.models.update import merge_update
from imio.guichet.models.update import procedure_parts
from imio.guichet.usecases import models
from imio.guichet.usecases.forms import publish_form_version
from plone import api
from plone.app.textfield.value import RichTextValue

import json
import pytest
import re
import requests
import transaction


ADMIN = Caller(user_id="admin")
NEW_FIELD = """    <field name="phone" type="zope.schema.TextLine">
      <title>Téléphone</title>
      <required>False</required>
    </field>
"""


def rich(html: str) -> RichTextValue:
    return RichTextValue(html, "text/html", "text/x-html-safe")


def with_new_field(xml: str) -> str:
    return xml.replace("  </schema>", NEW_FIELD + "  </schema>")


class TestDiff:
    def test_form_changes(self):
        changed = with_new_field(RICH_FORM).replace(
            "<title>Envoi</title>", "<title>Mode d'envoi</title>"
        )
        changed = re.sub(
            r'\s*<field name="purposes".*?</field>', "", changed, flags=re.DOTALL
        )
        changes = form_changes(RICH_FORM, changed)
        assert changes["added"] == [{"name": "phone", "title": "Téléphone"}]
        assert changes["removed"] == [{"name": "purposes", "title": "Motifs"}]
        assert changes["changed"] == [
            {"name": "delivery", "title": "Mode d'envoi", "aspects": ["title"]}
        ]
        assert not changes["steps_changed"]

    def test_word_diff(self):
        assert word_diff(
            "<p>Une copie de la carte</p>", "<p>Une copie recto verso de la carte</p>"
        ) == [
            {"same": "Une copie"},
            {"added": "recto verso"},
            {"same": "de la carte"},
        ]

    def test_three_way(self):
        merged = three_way(
            base={"a": 1, "b": 1, "c": 1},
            theirs={"a": 2, "b": 2, "c": 1},
            mine={"a": 1, "b": 3, "c": 3},
        )
        # a: only the model changed it; b: both (mine kept, said); c: only me.
        assert merged.values == {"a": 2, "b": 3, "c": 3}
        assert merged.kept_local_changes == ("b",)


STEPPED = RICH_FORM.replace(
    '    <field name="consent"',
    '    <fieldset name="end" label="Fin">\n    <field name="consent"',
).replace("    </field>\n  </schema>", "    </field>\n    </fieldset>\n  </schema>")


def retitled(xml: str, old: str, new: str) -> str:
    assert f"<title>{old}</title>" in xml
    return xml.replace(f"<title>{old}</title>", f"<title>{new}</title>")


class TestFormMerge:
    """Both the model and the authority changed the form: merged field by
    field, as the other parts are."""

    def test_each_sides_changes_are_kept(self):
        theirs = retitled(with_new_field(STEPPED), "Nom", "Nom de famille")
        mine = retitled(STEPPED, "Envoi", "Mode d'envoi")
        mine = re.sub(r'\s*<field name="purposes".*?</field>', "", mine, flags=re.S)
        form, kept = merge_forms(STEPPED, theirs, mine)
        fields = form_fields(form)
        assert fields["name"].title == "Nom de famille"  # the model's change
        assert fields["phone"].step == ""  # the model's new field, after the step
        assert fields["delivery"].title == "Mode d'envoi"  # the authority's
        assert "purposes" not in fields  # removed by the authority
        assert kept == ()
        # The model's order, the authority's field where it had it.
        assert list(fields) == [
            "name", "email", "birth_date", "copies", "delivery",
            "consent", "comment", "phone",
        ]  # fmt: skip

    def test_a_field_both_changed_is_the_authoritys_and_said(self):
        theirs = retitled(STEPPED, "Envoi", "Envoi du document")
        mine = retitled(STEPPED, "Envoi", "Mode d'envoi").replace(
            '<fieldset name="end" label="Fin">', '<fieldset name="end" label="Fini">'
        )
        theirs = theirs.replace('label="Fin"', 'label="Pour finir"')
        form, kept = merge_forms(STEPPED, theirs, mine)
        assert form_fields(form)["delivery"].title == "Mode d'envoi"
        assert 'label="Fini"' in form
        assert kept == ("field:delivery", "step:end")

    def test_a_field_the_authority_added_goes_where_it_put_it(self):
        theirs = with_new_field(STEPPED)
        mine = STEPPED.replace(
            '    <field name="copies"',
            NEW_FIELD.replace('"phone"', '"mobile"') + '    <field name="copies"',
        )
        form, kept = merge_forms(STEPPED, theirs, mine)
        names = list(form_fields(form))
        assert names.index("mobile") == names.index("birth_date") + 1
        assert "phone" in names and kept == ()

    def test_no_valid_form_no_merge(self):
        # The model adds a condition on a field the authority removed.
        theirs = STEPPED.replace(
            '<field name="comment"',
            '<field name="comment" xmlns:guichet="http://namespaces.imio.be/guichet"'
            ' guichet:show-if="delivery=post"',
        )
        mine = re.sub(r'\s*<field name="delivery".*?</field>', "", STEPPED, flags=re.S)
        assert merge_forms(STEPPED, theirs, mine) is None


@pytest.fixture
def made(site):
    """Version 1 of X's model (contact local), and P made from it in Y's
    folder; P published, with one submission filed on form version 1."""
    x = site.demarches.x
    x.eligibility = rich("<p>La personne concernée.</p>")
    x.required_documents = rich("<p>Une copie de la carte d'identité.</p>")
    with api.env.adopt_roles(["Manager"]):
        v1 = models.share_version(
            ADMIN,
            x,
            model_id="extrait",
            parameters=[{"name": "contact", "required": True}],
            changes="",
        )
        procedure = models.create_from_model(
            ADMIN, site.demarches, v1, {"contact": "<p>Guichet de Liège</p>"}
        )
        # The model carried X's privacy information: it may open.
        assert procedure.privacy_purpose == PRIVACY_INFORMATION["privacy_purpose"]
        api.content.transition(procedure, "publish")
    transaction.commit()
    return procedure


def file_on(site, procedure) -> str:
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    answer = session.post(
        f"{procedure.absolute_url()}/@submissions", json={"data": VALID_DATA}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def publish_v2(site) -> dict:
    """The model's author changes X: title, both texts, a new field."""
    x = site.demarches.x
    x.title = "Extrait d'acte de naissance"
    x.eligibility = rich("<p>La personne concernée ou son représentant.</p>")
    x.required_documents = rich("<p>Une copie recto verso de la carte d'identité.</p>")
    IOnlineForm(x).form_schema = with_new_field(IOnlineForm(x).form_schema)
    with api.env.adopt_roles(["Manager"]):
        v2 = models.share_version(
            ADMIN,
            x,
            model_id="",
            parameters=[{"name": "contact", "required": True}],
            changes="Représentant; recto verso; téléphone.",
        )
    transaction.commit()
    return v2


def authenticator(html: str) -> str:
    return re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)[1]


class TestUpdate:
    def test_diff_then_apply(self, site, made):
        procedure = made
        submission = file_on(site, procedure)
        # The authority rewrote who may apply, deliberately, and renamed a
        # field of its form (a second version of it).
        procedure.eligibility = rich("<p>Les habitants de Liège.</p>")
        form = IOnlineForm(procedure)
        form.form_schema = retitled(form.form_schema, "Envoi", "Mode d'envoi")
        transaction.commit()
        v2 = publish_v2(site)

        session = requests.Session()
        session.auth = ("siteadmin", PASSWORD)
        page = session.get(f"{procedure.absolute_url()}/@@guichet-model-update")
        read = session.post(
            f"{procedure.absolute_url()}/@@guichet-model-update",
            data={"_authenticator": authenticator(page.text)},
            files={"package_file": ("v2.json", json.dumps(v2))},
        )
        assert read.status_code == 200
        text = read.text
        assert "Téléphone" in text and "phone" in text  # the field added
        assert '<ins class="text-success">recto verso</ins>' in text
        # Both changed who may apply: the authority's version is kept, and said.
        assert re.search(r"alert-warning[\s\S]*Who may apply|Qui peut", text)
        applied = session.post(
            f"{procedure.absolute_url()}/@@guichet-model-update",
            data={
                "_authenticator": authenticator(text),
                "package_json": json.dumps(v2),
                "apply": "1",
            },
            allow_redirects=False,
        )
        assert applied.status_code == 303, applied.text[-2000:]

        transaction.begin()
        assert procedure.title == "Extrait d'acte de naissance"
        assert "recto verso" in procedure.required_documents.raw
        assert procedure.eligibility.raw == "<p>Les habitants de Liège.</p>"
        assert procedure.contact.raw == "<p>Guichet de Liège</p>"
        form = IOnlineForm(procedure)
        # The model's new field and the authority's renamed one, together,
        # in the working copy: citizens keep the published form until the
        # webmaster publishes it (after a preview).
        assert 'name="phone"' in form.working_copy
        assert 'name="phone"' not in form.form_schema
        assert form_fields(form.working_copy)["delivery"].title == "Mode d'envoi"
        with api.env.adopt_roles(["Manager"]):
            publish_form_version(ADMIN, procedure)
        assert 'name="phone"' in form.form_schema
        # Version 2 (the authority's) had no submission: changed in place.
        assert form.form_schema_version == 2
        assert get_origin(procedure).version == 2
        [record] = [r for r in iter_records() if r["action"] == "update_from_model"]
        assert record["details"]["kept"] == ["text:eligibility"]
        # The submission filed before keeps its form version.
        office = requests.Session()
        office.auth = ("siteadmin", PASSWORD)
        office.headers["Accept"] = "application/json"
        read_back = office.get(f"{site.absolute_url()}/@submissions/{submission}")
        assert read_back.status_code == 200, read_back.text
        assert read_back.json()["schema_version"] == 1

    def test_an_older_or_other_package_is_refused(self, site, made):
        v1 = get_origin(made).package
        with api.env.adopt_roles(["Manager"]), pytest.raises(Exception) as refused:
            models.apply_update(ADMIN, made, v1, {})
        assert "newer" in str(refused.value.args[0])

    def test_a_blank_text_is_no_change_of_the_authority(self, site, made):
        # The editor left only spaces in a text the model does not give: as
        # a package of the procedure would, the comparison reads no text.
        made.delay = rich("  \n ")
        merged = merge_update(made, get_origin(made).package, publish_v2(site))
        assert merged.values["text:delay"] == ""
        assert procedure_parts(made, set())["text:delay"] == ""

    def test_editors_only(self, site, made):
        citizen = requests.Session()
        citizen.auth = ("citizen_a", PASSWORD)
        answer = citizen.get(f"{made.absolute_url()}/@@guichet-model-update")
        assert "insufficient-privileges" in answer.url or answer.status_code == 403


def test_notice_asks_the_catalogue_at_most_hourly(site, made):
    """The notice's check is remembered per process for an hour: the
    procedure page does not call the catalogue (here, the test site itself
    over HTTP) on every view."""
    catalogue = site.absolute_url()
    remote._latest.clear()
    assert remote.latest_version(catalogue, "extrait", now=0) == 1
    publish_v2(site)
    assert remote.latest_version(catalogue, "extrait", now=10) == 1
    assert remote.latest_version(catalogue, "extrait", now=4000) == 2
    assert remote.latest_version(catalogue, "nope", now=0) is None


def test_a_malformed_catalogue_entry_is_left_out():
    """Another site's catalogue is not trusted: an entry of the wrong shape
    is dropped, the others kept with the types the pages expect."""
    from imio.guichet.models.remote import listed_model

    assert listed_model({"model_id": "a", "version": 2, "title": 5}) == {
        "model_id": "a",
        "version": 2,
        "title": "",
        "description": "",
        "published": "",
        "changes": "",
    }
    for broken in (5, [], {"model_id": "a"}, {"model_id": 1, "version": 1}):
        assert listed_model(broken) is None
    assert listed_model({"model_id": "a", "version": True}) is None
    assert listed_model({"model_id": "a", "version": 0}) is None
