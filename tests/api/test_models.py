"""Procedure models (issue #16): a procedure shared as versioned packages,
read over REST without login, and used by another site with its own local
parameters — in one site, then across two instances on loopback."""

from datetime import date
from datetime import timedelta
from decimal import Decimal
from fixtures.accounts import PASSWORD
from fixtures.forms import PRIVACY_INFORMATION
from imio.guichet.audit.api import iter_records
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import NotFound
from imio.guichet.models import remote
from imio.guichet.models.package import check_package
from imio.guichet.models.package import package_schema
from imio.guichet.models.publication import get_origin
from imio.guichet.models.publication import get_publication
from imio.guichet.models.settings import IModelSettings
from imio.guichet.usecases import models
from jsonschema import Draft202012Validator
from plone import api
from plone.app.textfield.value import RichTextValue

import json
import pytest
import re
import requests
import transaction


def rich(html: str) -> RichTextValue:
    return RichTextValue(html, "text/html", "text/x-html-safe")


def authenticator(html: str) -> str:
    return re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)[1]


def share(session, procedure_url: str, **form) -> requests.Response:
    page = session.get(f"{procedure_url}/@@guichet-share-model")
    assert page.status_code == 200, page.text[-2000:]
    return session.post(
        f"{procedure_url}/@@guichet-share-model",
        data={"_authenticator": authenticator(page.text), **form},
        allow_redirects=False,
    )


def site_session(site, who: str = "siteadmin") -> requests.Session:
    session = requests.Session()
    session.auth = (who, PASSWORD)
    return session


@pytest.fixture
def described(site):
    """Procedure X with texts, a fee, and a service address of its own."""
    x = site.demarches.x
    x.description = "Un extrait de votre acte de naissance."
    x.eligibility = rich("<p>La personne concernée.</p>")
    x.contact = rich("<p>Service population de Namur, 081 24 60 11</p>")
    x.fee = Decimal("5.00")
    IOnlineForm(x).service_emails = ["population@namur.example"]
    IOnlineForm(x).processing_days = 15
    transaction.commit()
    return site


class TestSharing:
    def test_share_then_read_without_login(self, described, request_factory):
        site = described
        x_url = site.demarches.x.absolute_url()
        answer = share(
            site_session(site),
            x_url,
            model_id="extrait-naissance",
            changes="Première version.",
            **{
                "local-contact": "1",
                "required-contact": "1",
                "local-fee": "1",
                "local-service_emails": "1",
                "required-service_emails": "1",
            },
        )
        assert answer.status_code == 303
        listing = request_factory().get("@guichet-models")
        assert listing.status_code == 200
        [item] = listing.json()["items"]
        assert item["model_id"] == "extrait-naissance"
        assert item["title"] == "Extrait"
        assert item["version"] == 1
        package = request_factory().get("@guichet-models/extrait-naissance").json()
        # The package's own schema, and this site's check, accept it.
        Draft202012Validator(package_schema()).validate(package)
        check_package(package)
        assert package["procedure"]["texts"] == {
            "eligibility": "<p>La personne concernée.</p>"
        }
        # Local parameters' values never travel: Namur's contact, fee and
        # service address stay in Namur.
        text = json.dumps(package)
        assert "Namur" not in text
        assert "population@namur.example" not in text
        assert package["procedure"]["fee"] is None
        assert package["procedure"]["settings"]["processing_days"] == 15
        assert package["procedure"]["settings"]["require_verified_identity"] is False
        assert package["parameters"] == [
            {"name": "fee", "required": False},
            {"name": "contact", "required": True},
            {"name": "service_emails", "required": True},
        ]
        assert (
            package["procedure"]["form"]["schema"]
            == IOnlineForm(site.demarches.x).form_schema
        )

    def test_versions_are_frozen(self, described, request_factory):
        site = described
        session = site_session(site)
        x_url = site.demarches.x.absolute_url()
        share(session, x_url, model_id="extrait", changes="v1")
        transaction.begin()  # see what the server committed
        site.demarches.x.title = "Extrait d'acte de naissance"
        transaction.commit()
        share(session, x_url, changes="Titre complet.")
        anonymous = request_factory()
        latest = anonymous.get("@guichet-models/extrait").json()
        first = anonymous.get("@guichet-models/extrait?version=1").json()
        assert (latest["version"], first["version"]) == (2, 1)
        assert latest["procedure"]["title"] == "Extrait d'acte de naissance"
        assert first["procedure"]["title"] == "Extrait"
        [item] = anonymous.get("@guichet-models").json()["items"]
        assert [v["version"] for v in item["versions"]] == [2, 1]
        assert item["changes"] == "Titre complet."

    def test_refusals(self, described, request_factory):
        site = described
        x_url = site.demarches.x.absolute_url()
        answer = share(site_session(site), x_url, model_id="Pas Bon!")
        assert answer.status_code == 200
        assert "is-invalid" in answer.text
        assert request_factory().get("@guichet-models").json()["items"] == []
        # Who may not edit the procedure may not share it.
        citizen = site_session(site, "citizen_a")
        refused = citizen.get(f"{x_url}/@@guichet-share-model")
        assert "insufficient-privileges" in refused.url or refused.status_code == 403
        assert "Publish this version" not in refused.text
        missing = request_factory().get("@guichet-models/nope")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        bad = request_factory().get("@guichet-models/nope?version=x")
        assert bad.status_code == 400


PACKAGE_PARAMETERS = [
    {"name": "fee", "required": False},
    {"name": "contact", "required": True},
    {"name": "service_emails", "required": True},
]


def shared_x(site, model_id: str, parameters: list[dict]) -> dict:
    """The package of the procedure ``x`` shared as ``model_id``."""
    with api.env.adopt_roles(["Manager"]):
        return models.share_version(
            Caller(user_id="admin"),
            site.demarches.x,
            model_id=model_id,
            parameters=parameters,
            changes="",
        )


@pytest.fixture
def package(described):
    return shared_x(described, "extrait", PACKAGE_PARAMETERS)


@pytest.fixture
def package_without_parameters(described):
    return shared_x(described, "x", [])


class TestUsing:
    def test_from_a_file(self, described, package):
        site = described
        session = site_session(site)
        page = session.get(f"{site.absolute_url()}/@@guichet-use-model")
        read = session.post(
            f"{site.absolute_url()}/@@guichet-use-model",
            data={"_authenticator": authenticator(page.text)},
            files={"package_file": ("extrait.json", json.dumps(package))},
        )
        assert read.status_code == 200
        assert "value-contact" in read.text
        hidden = re.search(r'name="package_json"[^>]*value="([^"]*)"', read.text)
        assert hidden
        # A required local parameter missing: said next to it, nothing made.
        form = {
            "_authenticator": authenticator(read.text),
            "package_json": json.dumps(package),
            "folder": "demarches",
            "value-fee": "2,50",
            "value-service_emails": "etat-civil@liege.example",
        }
        refused = session.post(f"{site.absolute_url()}/@@guichet-use-model", data=form)
        assert refused.status_code == 200
        assert re.search(
            r'id="value-contact"[^>]*is-invalid|is-invalid[^>]*id="value-contact"',
            refused.text,
        )
        transaction.begin()
        assert len(site.demarches.objectIds()) == 2
        form["value-contact"] = "<p>Service état civil de Liège</p>"
        made = session.post(
            f"{site.absolute_url()}/@@guichet-use-model",
            data=form,
            allow_redirects=False,
        )
        assert made.status_code == 303
        transaction.begin()
        [new_id] = set(site.demarches.objectIds()) - {"x", "y"}
        procedure = site.demarches[new_id]
        assert made.headers["Location"] == f"{procedure.absolute_url()}/edit"
        assert api.content.get_state(procedure) == "private"
        assert procedure.title == "Extrait"
        assert procedure.fee == Decimal("2.50")
        assert "Liège" in procedure.contact.raw
        assert procedure.eligibility.raw == "<p>La personne concernée.</p>"
        form_settings = IOnlineForm(procedure)
        assert form_settings.service_emails == ["etat-civil@liege.example"]
        assert form_settings.form_schema == IOnlineForm(site.demarches.x).form_schema
        origin = get_origin(procedure)
        assert (origin.model_id, origin.version, origin.catalogue) == ("extrait", 1, "")
        actions = [r["action"] for r in iter_records()]
        assert "create_from_model" in actions
        # Its editors are shown how to apply a newer file (no catalogue will
        # tell them of one).
        shown = session.get(procedure.absolute_url()).text
        assert "Fait à partir du modèle" in shown or "Made from the model" in shown
        assert f"{procedure.absolute_url()}/@@guichet-model-update" in shown

    def test_a_broken_package_is_refused(self, described, package_without_parameters):
        with pytest.raises(InvalidInput) as refused:
            check_package({"format": "imio.guichet.model", "format_version": 1})
        assert {e.field for e in refused.value.fields} == {"(package)"}
        good = package_without_parameters
        good["procedure"]["form"]["schema"] = "<model>not a form"
        with pytest.raises(InvalidInput) as refused:
            check_package(good)
        assert refused.value.fields[0].field == "procedure/form/schema"

    def test_privacy_and_retention_travel_with_the_model(self, described):
        x = described.demarches.x
        for name, value in PRIVACY_INFORMATION.items():
            setattr(IOnlineForm(x), name, value)
        x.retention_days, x.retention_action = 730, "delete"
        x.retention_kept_fields = ["delivery"]
        package = check_package(shared_x(described, "avec-vie-privee", []))
        settings = package["procedure"]["settings"]
        assert settings["privacy_purpose"] == PRIVACY_INFORMATION["privacy_purpose"]
        assert settings["privacy_recipients"] == ["Service État civil"]
        assert settings["retention_action"] == "delete"
        with api.env.adopt_roles(["Manager"]):
            made = models.create_from_model(
                Caller(user_id="admin"), described.demarches, package, {}
            )
        assert IOnlineForm(made).privacy_legal_basis == "c"
        assert IOnlineForm(made).privacy_data_subjects == ["Demandeurs"]
        assert (made.retention_days, made.retention_kept_fields) == (730, ["delivery"])

    def test_settings_the_edit_form_refuses_are_refused(
        self, package_without_parameters
    ):
        good = package_without_parameters
        check_package(good)
        # A value the field refuses: a day kind that does not exist.
        wrong = json.loads(json.dumps(good))
        wrong["procedure"]["settings"]["processing_day_kind"] = "lunar"
        with pytest.raises(InvalidInput) as refused:
            check_package(wrong)
        assert [e.field for e in refused.value.fields] == [
            "procedure/settings/processing_day_kind"
        ]
        # Each value right, together wrong: a column the form does not have.
        wrong = json.loads(json.dumps(good))
        wrong["procedure"]["settings"]["list_columns"] = ["no_such_field"]
        with pytest.raises(InvalidInput) as refused:
            check_package(wrong)
        [problem] = refused.value.fields
        assert problem.field == "procedure/settings"
        assert "no_such_field" in problem.message


#: A request of the demo's "Déclaration de perte".
LOSS = {
    "object_type": "keys",
    "description": "Un trousseau de trois clés",
    "loss_date": (date.today() - timedelta(days=1)).isoformat(),
    "name": "Jeanne Dupont",
    "email": "jeanne@example.org",
}
MOBILE_FIELD = """    <field name="mobile" type="zope.schema.TextLine">
      <title>Numéro de GSM</title>
      <required>False</required>
    </field>
"""


def open_and_file(session, procedure) -> dict:
    """Publish ``procedure`` and file a loss on it; the request's JSON."""
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(procedure, "publish")
    transaction.commit()
    filed = session.post(
        f"{procedure.absolute_url()}/@submissions",
        json={"data": LOSS},
        headers={"Accept": "application/json"},
    )
    assert filed.status_code == 201, filed.text
    return filed.json()


def change_the_model(publisher, procedure_url: str) -> None:
    """On the publishing site: a field added, who may apply reworded."""
    given = publisher.get(procedure_url, headers={"Accept": "application/json"})
    changed = publisher.patch(
        procedure_url,
        json={
            "form_schema": given.json()["form_schema"].replace(
                "  </schema>", MOBILE_FIELD + "  </schema>"
            ),
            "eligibility": {
                "data": "<p>Toute personne ayant perdu un objet sur le territoire.</p>",
                "content-type": "text/html",
                "encoding": "utf-8",
            },
        },
        headers={"Accept": "application/json"},
    )
    assert changed.status_code == 204, changed.text
    # The procedure is published: its new form waits in the working copy.
    publish_working_copy(publisher, procedure_url)


def publish_working_copy(session, procedure_url):
    published = session.post(
        f"{procedure_url}/@form-version",
        json={"action": "publish"},
        headers={"Accept": "application/json"},
    )
    assert published.status_code == 200, published.text


def test_two_instances(site, live_instance):
    """The demo instance publishes a model; this site (another Zope on
    loopback) lists its catalogue, creates a procedure from it with its own
    parameters, and sees the next version when it is published."""
    publisher = requests.Session()
    publisher.auth = ("admin", "admin")
    # A form prefilled from the register (guichet:prefill="rest:…") needs
    # the same mapping on the site that uses it: this one prefills nothing.
    demo_procedure = f"{live_instance.url}/{PROCEDURES_PATH}/declaration-de-perte"
    answer = share(
        publisher,
        demo_procedure,
        model_id="demo-model",
        changes="v1",
        **{"local-contact": "1", "required-contact": "1"},
    )
    assert answer.status_code == 303, answer.text[-2000:]

    api.portal.set_registry_record(
        "catalogues", [live_instance.url], interface=IModelSettings
    )
    transaction.commit()
    session = site_session(site)
    page = session.get(f"{site.absolute_url()}/@@guichet-models-catalogues?q=")
    assert page.status_code == 200
    assert "demo-model" in page.text
    use = re.search(
        r'href="([^"]*@@guichet-use-model\?[^"]*demo-model[^"]*)"', page.text
    )
    form_page = session.get(use[1].replace("&amp;", "&"))
    assert form_page.status_code == 200
    made = session.post(
        f"{site.absolute_url()}/@@guichet-use-model",
        data={
            "_authenticator": authenticator(form_page.text),
            "catalogue": live_instance.url,
            "model": "demo-model",
            "folder": "demarches",
            "value-contact": "<p>Guichet de Liège</p>",
        },
        allow_redirects=False,
    )
    assert made.status_code == 303, made.text[-3000:]
    transaction.begin()
    [new_id] = set(site.demarches.objectIds()) - {"x", "y"}
    origin = get_origin(site.demarches[new_id])
    assert (origin.catalogue, origin.model_id, origin.version) == (
        live_instance.url,
        "demo-model",
        1,
    )
    # Opened here, and a request filed on version 1 of its form.
    filed = open_and_file(session, site.demarches[new_id])
    # The model's author changes a text and adds a field, then publishes v2.
    change_the_model(publisher, demo_procedure)
    share(publisher, demo_procedure, changes="v2")
    page = session.get(f"{site.absolute_url()}/@@guichet-models-catalogues")
    assert ">v2<" in page.text

    # The procedure's editors are told, and apply it from the catalogue.
    remote._latest.clear()
    made_url = site.demarches[new_id].absolute_url()
    notice = session.get(made_url)
    assert "@@guichet-model-update" in notice.text
    assert re.search(r"<strong>\s*2\s*</strong>", notice.text)
    update = session.get(f"{made_url}/@@guichet-model-update")
    assert update.status_code == 200
    # The diff, before anything changes: the new field, the text word by word.
    assert "Numéro de GSM" in update.text and "mobile" in update.text
    assert '<ins class="text-success">sur le territoire.</ins>' in update.text
    applied = session.post(
        f"{made_url}/@@guichet-model-update",
        data={"_authenticator": authenticator(update.text), "apply": "1"},
        allow_redirects=False,
    )
    # Applied; the form waits in the editor's working copy.
    assert applied.headers["Location"].endswith("/++form++fields"), applied.text
    transaction.begin()
    assert get_origin(site.demarches[new_id]).version == 2
    assert "Guichet de Liège" in site.demarches[new_id].contact.raw  # local
    assert "sur le territoire" in site.demarches[new_id].eligibility.raw
    form = IOnlineForm(site.demarches[new_id])
    assert 'name="mobile"' in form.working_copy  # until the webmaster publishes
    publish_working_copy(session, made_url)
    transaction.begin()
    assert 'name="mobile"' in form.form_schema and form.form_schema_version == 2
    # The request filed before keeps its form version, and reads as filed.
    read_back = session.get(
        f"{site.absolute_url()}/@submissions/{filed['id']}",
        headers={"Accept": "application/json"},
    )
    assert read_back.status_code == 200, read_back.text
    assert read_back.json()["schema_version"] == 1
    assert read_back.json()["data"]["description"] == LOSS["description"]


def test_the_packages_schema_knows_the_sites_words():
    """The package's JSON Schema names exactly the local parameters, the
    form settings and the file types the site has."""
    from imio.guichet.forms.uploads import FILE_TYPES
    from imio.guichet.models.package import FORM_SETTINGS
    from imio.guichet.models.package import LOCAL_PARAMETERS

    schema = package_schema()
    parameter = schema["properties"]["parameters"]["items"]["properties"]["name"]
    assert set(parameter["enum"]) == set(LOCAL_PARAMETERS)
    settings = schema["properties"]["procedure"]["properties"]["settings"]
    assert set(settings["properties"]) == set(FORM_SETTINGS)
    types = settings["properties"]["allowed_file_types"]["items"]["enum"]
    assert set(types) == set(FILE_TYPES)


class TestWhoShares:
    def test_an_editor_may_not_share(self, described):
        editor = site_session(described, "editor")
        x_url = described.demarches.x.absolute_url()
        refused = editor.get(f"{x_url}/@@guichet-share-model")
        assert "Publish this version" not in refused.text
        with api.env.adopt_roles(["Editor"]), pytest.raises(Forbidden):
            models.share_version(
                Caller(user_id="editor"),
                described.demarches.x,
                model_id="extrait",
                parameters=[],
                changes="",
            )

    def test_withdraw_and_copies(self, described, request_factory):
        site = described
        with api.env.adopt_roles(["Manager"]):
            models.share_version(
                Caller(user_id="admin"),
                site.demarches.x,
                model_id="extrait",
                parameters=[],
                changes="",
            )
            copy = api.content.copy(site.demarches.x, site.demarches, id="x-copy")
        # The copy is not the model.
        assert get_publication(copy) is None
        transaction.commit()
        assert [
            m["model_id"]
            for m in request_factory().get("@guichet-models").json()["items"]
        ] == ["extrait"]
        with api.env.adopt_roles(["Manager"]):
            models.withdraw_model(Caller(user_id="admin"), site.demarches.x)
        transaction.commit()
        assert request_factory().get("@guichet-models").json()["items"] == []
        assert request_factory().get("@guichet-models/extrait").status_code == 404
        assert "withdraw_model" in [r["action"] for r in iter_records()]

    def test_only_the_sites_catalogues(self, described, package):
        with api.env.adopt_roles(["Manager"]), pytest.raises(NotFound):
            models.create_from_model(
                Caller(user_id="admin"),
                described.demarches,
                package,
                {"contact": "<p>x</p>", "service_emails": "a@b.example"},
                catalogue="http://elsewhere.example",
            )
