"""Fixtures of the imio.guichet tests (pytest-plone over our layers)."""

from aiosmtpd.controller import Controller
from fixtures.accounts import ACCOUNTS
from fixtures.accounts import PASSWORD
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.forms import RICH_FORM
from fixtures.mail import configure_mailhost
from fixtures.mail import free_port
from fixtures.mail import Inbox
from fixtures.mail import SERVICE
from fixtures.stored import POSTGRESQL_DSN
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
import transaction


# Compile the .po catalogs so that French messages are testable.
os.environ.setdefault("zope_i18n_compile_mo_files", "true")

pytest_plugins = ["pytest_plone", "fixtures.live_site"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)


@pytest.fixture(autouse=True)
def fresh_rate_limit(monkeypatch):
    """Every test starts with no anonymous submission counted (all of
    them come from 127.0.0.1)."""
    from imio.guichet.submissions import protection

    monkeypatch.setattr(protection, "_limiter", protection.SlidingWindowLimiter())


@pytest.fixture(autouse=True)
def audit_journal(tmp_path, monkeypatch):
    """Every test has its own journal of reads (files outside the database,
    which the layers' rollback does not undo): its folder is returned."""
    from imio.guichet.audit import store

    folder = tmp_path / "audit-journal"
    monkeypatch.setattr(
        store,
        "journal_settings",
        lambda: (folder, store.DEFAULT_RETENTION_DAYS),
    )
    yield folder
    store.close_journals()


@pytest.fixture(autouse=True)
def fresh_layouts():
    """Every test starts with no page layout kept (browser/layout.py): a
    test's site is not the previous test's."""
    from imio.guichet.browser.layout import LAYOUTS

    LAYOUTS.clear()
    yield
    LAYOUTS.clear()


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
            **PRIVACY_INFORMATION,
        )
        api.content.transition(folder, "publish")
        api.content.transition(item, "publish")
    return item


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
            **PRIVACY_INFORMATION,
        )
        procedure_y = api.content.create(
            folder,
            "imio.guichet.Procedure",
            id="y",
            title="Occupation",
            **PRIVACY_INFORMATION,
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


# Storage-level fixtures: a real database, FileStorage or RelStorage.


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


@pytest.fixture
def inbox(site):
    """A real SMTP server on 127.0.0.1, the site's MailHost pointing to it,
    and the service address set on procedure X."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    configure_mailhost(controller.port)
    site.demarches.x.service_emails = [SERVICE]
    transaction.commit()
    yield handler
    controller.stop()
