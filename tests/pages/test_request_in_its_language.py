"""A request is read by its citizen in the language it was filed in, as
its e-mails and receipt are: the tracking page and *Mes démarches* (the
page, its messages, the form's labels, the procedure's title), whatever
the language the citizen's browser asks."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from fixtures.multilingual import translated_procedure
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.tracking import tracking_secret
from plone import api

import pytest
import re
import requests
import transaction


GERMAN_LABELS = {"fields": {"name": {"title": "Name der Person"}}}


@pytest.fixture
def filed_in_german(site):
    """A request filed in German on the translated procedure, by a citizen
    logged in, and one filed in French: (reference, tracking secret) each."""
    original, _german = translated_procedure(site, allow_anonymous=True)
    IOnlineForm(original).set_form_labels("de", GERMAN_LABELS)
    filed = {}
    with api.env.adopt_roles(["Manager"]):
        for language in ("de", "fr"):
            submission = submit(
                original, VALID_DATA, submitter="citizen_a", language=language
            )
            filed[language] = (
                submission.reference,
                tracking_secret(get_store(), submission),
            )
    transaction.commit()
    return filed


def content_of(page: str) -> str:
    return page.split('id="content"', 1)[1]


def test_the_tracking_page_follows_the_requests_language(site, filed_in_german):
    reference, secret = filed_in_german["de"]
    page = requests.get(
        f"{site.absolute_url()}/@@track-request",
        params={"reference": reference, "secret": secret},
        headers={"Accept-Language": "fr", "Cookie": "I18N_LANGUAGE=fr"},
        timeout=30,
    )
    assert page.status_code == 200
    shown = content_of(page.text)
    # The page's own messages, the form's labels, the procedure's title.
    assert "Aktenzeichen" in shown
    assert "Référence" not in shown
    assert "Name der Person" in shown
    assert "Geburtsurkunde" in shown
    assert re.search(r'<html[^>]* lang="de"', page.text)


def test_the_tracking_page_of_a_french_request_stays_french(site, filed_in_german):
    reference, secret = filed_in_german["fr"]
    page = requests.get(
        f"{site.absolute_url()}/@@track-request",
        params={"reference": reference, "secret": secret},
        headers={"Accept-Language": "de", "Cookie": "I18N_LANGUAGE=de"},
        timeout=30,
    )
    shown = content_of(page.text)
    assert "Référence" in shown
    assert "Nom" in shown
    assert "Name der Person" not in shown


def test_my_requests_show_each_request_in_its_language(site, filed_in_german):
    session = requests.Session()
    session.auth = ("citizen_a", PASSWORD)
    session.headers["Accept-Language"] = "fr"
    listing = content_of(
        session.get(f"{site.absolute_url()}/@@my-requests", timeout=30).text
    )
    # The page in the reader's language, each title in its request's.
    assert "Mes démarches" in listing
    assert 'lang="de">Geburtsurkunde</h2>' in listing
    assert "Extrait d'acte de naissance</h2>" in listing
    reference, _secret = filed_in_german["de"]
    one = content_of(
        session.get(
            f"{site.absolute_url()}/@@my-requests",
            params={"reference": reference},
            timeout=30,
        ).text
    )
    assert "Aktenzeichen" in one
    assert "Name der Person" in one


def test_the_confirmation_names_the_procedure_in_the_requests_language(site):
    from imio.guichet.notifications.messages import confirmation_message

    original, _german = translated_procedure(site, allow_anonymous=True)
    api.portal.set_registry_record("plone.email_from_address", "guichet@example.org")
    with api.env.adopt_roles(["Manager"]):
        german_filing = submit(original, VALID_DATA, submitter=None, language="de")
        french_filing = submit(original, VALID_DATA, submitter=None, language="fr")
    store = get_store()
    german = confirmation_message(store, german_filing, original).parsed()
    assert german["Subject"].startswith("Ihr Antrag")
    body = german.get_body(preferencelist=("plain",)).get_content()
    assert '"Geburtsurkunde"' in body
    french = confirmation_message(store, french_filing, original).parsed()
    body = french.get_body(preferencelist=("plain",)).get_content()
    assert '"Extrait d\'acte de naissance"' in body
