"""Fixtures of the imio.guichet tests (pytest-plone over our layers)."""

from datetime import datetime
from datetime import UTC
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.testing import FUNCTIONAL_TESTING
from imio.guichet.testing import INTEGRATION_TESTING
from imio.guichet.urls import PUBLIC_URL_RECORD
from plone import api
from plone.testing.zope import Browser
from pytest_plone import fixtures_factory
from ZODB.DB import DB
from ZODB.FileStorage import FileStorage

import os
import pytest
import re
import transaction
import uuid


# Compile the .po catalogs so that French messages are testable.
os.environ.setdefault("zope_i18n_compile_mo_files", "true")

pytest_plugins = ["pytest_plone", "live_site"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)


RICH_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
      <max_length>50</max_length>
    </field>
    <field name="email" type="plone.schema.email.Email">
      <title>E-mail</title>
    </field>
    <field name="birth_date" type="zope.schema.Date">
      <title>Date de naissance</title>
      <required>False</required>
    </field>
    <field name="copies" type="zope.schema.Int">
      <title>Nombre d'exemplaires</title>
      <min>1</min>
      <max>5</max>
      <default>1</default>
    </field>
    <field name="delivery" type="zope.schema.Choice">
      <title>Envoi</title>
      <values>
        <element>post</element>
        <element>email</element>
        <element>counter</element>
      </values>
    </field>
    <field name="purposes" type="zope.schema.Set">
      <title>Motifs</title>
      <required>False</required>
      <value_type type="zope.schema.Choice">
        <values>
          <element>school</element>
          <element>work</element>
          <element>other</element>
        </values>
      </value_type>
    </field>
    <field name="consent" type="zope.schema.Bool">
      <title>J'accepte</title>
      <required>False</required>
    </field>
    <field name="comment" type="zope.schema.Text">
      <title>Commentaire</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""

VALID_DATA = {
    "name": "Jeanne Dupont",
    "email": "jeanne@example.org",
    "birth_date": "1990-05-17",
    "copies": 2,
    "delivery": "post",
    "purposes": ["work", "school"],
    "consent": True,
    "comment": "Merci",
}


@pytest.fixture(autouse=True)
def fresh_rate_limit(monkeypatch):
    """Every test starts with no anonymous submission counted (all of
    them come from 127.0.0.1)."""
    from imio.guichet.submissions import protection

    monkeypatch.setattr(protection, "_limiter", protection.SlidingWindowLimiter())


@pytest.fixture
def no_rate_limit(monkeypatch):
    """For tests that file more anonymous submissions than the limit."""
    from imio.guichet.submissions import protection

    monkeypatch.setattr(protection, "anonymous_limit", lambda: 0)


@pytest.fixture
def procedure(portal):
    """A published procedure with the rich test form, in a folder."""
    with api.env.adopt_roles(["Manager"]):
        folder = api.content.create(portal, "Folder", id="demarches", title="Démarches")
        item = api.content.create(
            folder,
            "imio.guichet.Procedure",
            id="extrait",
            title="Extrait d'acte de naissance",
            form_schema=RICH_FORM,
        )
        api.content.transition(folder, "publish")
        api.content.transition(item, "publish")
    return item


#: Valid data for the default form (procedure Y of the `site` fixture).
DEFAULT_FORM_DATA = {
    "last_name": "Dupont",
    "first_name": "Jeanne",
    "email": "jeanne@example.org",
    "message": "Bonjour",
}

#: Who must be refused on back-office endpoints of procedure X, and how.
REFUSED_ON_X = [
    ("Anonymous", 401),
    ("citizen_a", 403),
    ("editor", 403),
    ("backoffice_y", 403),
]

#: username -> (global roles, local roles on procedure X, on procedure Y)
ACCOUNTS = {
    "citizen_a": ((), (), ()),
    "citizen_b": ((), (), ()),
    "backoffice_x": ((), ("GuichetBackOffice",), ()),
    "backoffice_y": ((), (), ("GuichetBackOffice",)),
    "editor": (("Editor",), (), ()),
    "siteadmin": (("Site Administrator",), (), ()),
}
PASSWORD = "secret-Passw0rd"


@pytest.fixture
def site(functional_portal):
    """A site with two published procedures and one account per profile,
    committed so that the test HTTP server sees them."""
    portal = functional_portal
    # The test server's address is the site's public URL (links in e-mails),
    # as a deployment sets it in the Guichet control panel.
    api.portal.set_registry_record(PUBLIC_URL_RECORD, portal.absolute_url())
    with api.env.adopt_roles(["Manager"]):
        folder = api.content.create(portal, "Folder", id="demarches", title="Démarches")
        api.content.transition(folder, "publish")
        procedure_x = api.content.create(
            folder,
            "imio.guichet.Procedure",
            id="x",
            title="Extrait",
            form_schema=RICH_FORM,
        )
        procedure_y = api.content.create(
            folder, "imio.guichet.Procedure", id="y", title="Occupation"
        )
        for item in (procedure_x, procedure_y):
            api.content.transition(item, "publish")
        for username, (roles, on_x, on_y) in ACCOUNTS.items():
            api.user.create(
                email=f"{username}@example.org", username=username, password=PASSWORD
            )
            if roles:
                api.user.grant_roles(username=username, roles=list(roles))
            if on_x:
                api.user.grant_roles(
                    username=username, obj=procedure_x, roles=list(on_x)
                )
            if on_y:
                api.user.grant_roles(
                    username=username, obj=procedure_y, roles=list(on_y)
                )
    transaction.commit()
    return portal


@pytest.fixture
def session_for(request_factory):
    """An API session for one of ACCOUNTS, "Manager" or "Anonymous"."""

    def factory(who: str):
        if who in ("Manager", "Anonymous"):
            return request_factory(role=who)
        return request_factory(basic_auth=(who, PASSWORD))

    return factory


@pytest.fixture
def browser_for(site):
    """A zope.testbrowser logged in as one of ACCOUNTS (or "Anonymous"),
    raising the publisher's exceptions (Unauthorized, Forbidden...)."""

    def factory(who: str):
        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        if who != "Anonymous":
            browser.addHeader("Authorization", f"Basic {who}:{PASSWORD}")
        return browser

    return factory


def listed(browser) -> list[str]:
    """The references a listing page links to, in order."""
    return re.findall(r'class="request-link"[^>]*>([^<]+)<', browser.contents)


def fill_valid(form_browser):
    """Fill the RICH_FORM in a browser with valid answers."""
    form_browser.getControl("Nom").value = "Jeanne Dupont"
    form_browser.getControl("E-mail").value = "jeanne@example.org"
    form_browser.getControl("Nombre d'exemplaires").value = "2"
    form_browser.getControl(name="form.widgets.delivery").value = ["email"]


# Storage-level fixtures: a real database, FileStorage or RelStorage.

START = datetime(2026, 1, 1, tzinfo=UTC)


def make_submission(created, procedure_uid="p1", **kw):
    return Submission(
        submission_id=uuid.uuid4().hex,
        reference=kw.pop("reference", None) or new_reference(),
        procedure_uid=procedure_uid,
        schema_version=1,
        data={"name": "x"},
        created=created,
        submitter=None,
        **kw,
    )


POSTGRESQL_DSN = os.environ.get(
    "GUICHET_TEST_POSTGRESQL_DSN", "dbname=test host=127.0.0.1 user=postgres"
)


def relstorage(tmp_path):
    """RelStorage on PostgreSQL, as in a scaled-out deployment."""
    import psycopg2

    try:
        psycopg2.connect(POSTGRESQL_DSN, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        if os.environ.get("CI"):
            raise  # .ci/run starts PostgreSQL: it must be there
        pytest.skip(f"PostgreSQL not reachable ({POSTGRESQL_DSN}): {error}")
    from relstorage.adapters.postgresql import PostgreSQLAdapter
    from relstorage.options import Options
    from relstorage.storage import RelStorage

    options = Options(
        keep_history=False,
        create_schema=True,
        shared_blob_dir=False,
        blob_dir=str(tmp_path / "blobs"),
        cache_local_mb=0,
    )
    storage = RelStorage(
        PostgreSQLAdapter(dsn=POSTGRESQL_DSN, options=options), options=options
    )
    storage.zap_all()
    return storage


@pytest.fixture(params=["filestorage", "relstorage"])
def db(request, tmp_path):
    if request.param == "filestorage":
        storage = FileStorage(str(tmp_path / "Data.fs"))
    else:
        storage = relstorage(tmp_path)
    database = DB(storage)
    with database.transaction() as conn:
        conn.root()["store"] = SubmissionStore()
    yield database
    database.close()


#: A form with every field type of issue #3 (forms/fields.py and files).
FIELDS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="niss" type="imio.guichet.forms.fields.NISS">
      <title>Numéro de registre national</title>
    </field>
    <field name="iban" type="imio.guichet.forms.fields.IBAN">
      <title>Compte bancaire</title>
      <required>False</required>
    </field>
    <field name="company" type="imio.guichet.forms.fields.EnterpriseNumber">
      <title>Numéro d'entreprise</title>
      <required>False</required>
    </field>
    <field name="zip" type="imio.guichet.forms.fields.PostalCode">
      <title>Code postal</title>
      <required>False</required>
    </field>
    <field name="phone" type="imio.guichet.forms.fields.Phone">
      <title>Téléphone</title>
      <required>False</required>
    </field>
    <field name="address" type="imio.guichet.forms.fields.Address">
      <title>Adresse</title>
      <required>False</required>
    </field>
    <field name="event_date" type="imio.guichet.forms.fields.RelativeDate">
      <title>Date de l'événement</title>
      <required>False</required>
      <max_days>0</max_days>
    </field>
    <field name="amount" type="zope.schema.Float">
      <title>Montant</title>
      <required>False</required>
      <min>0.0</min>
      <max>1000.0</max>
    </field>
    <field name="document" type="plone.namedfile.field.NamedBlobFile">
      <title>Document</title>
      <required>False</required>
    </field>
    <field name="photo" type="plone.namedfile.field.NamedBlobFile">
      <title>Photo</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""

#: Real valid values for FIELDS_FORM, and what is stored of them.
FIELDS_VALID = {
    "niss": "85.07.30-033.28",
    "iban": "be71 0961 2345 6769",
    "company": "BE 0403.170.701",
    "zip": "5000",
    "phone": "081 12 34 56",
    "address": {
        "street": "Rue de Fer",
        "number": "42",
        "postal_code": "5000",
        "locality": "Namur",
    },
    "event_date": "2020-02-29",
    "amount": 12.5,
}
FIELDS_STORED = {
    **FIELDS_VALID,
    "niss": "85073003328",
    "iban": "BE71096123456769",
    "company": "0403170701",
    "phone": "+3281123456",
}

#: A tiny but real PDF, PNG and an executable.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48


def flush_mail_outbox(site) -> None:
    """Send the site's queued e-mails now and wait for those a worker is
    sending: the outbox's thread does it in the background, tests do not
    sleep for it. Commit first what should be sent."""
    from imio.guichet.notifications.outbox import flush

    flush(site)
