"""The receipt's file name is in the submission's language (ASCII only);
a one-language site shows no language switcher on the guichet's pages."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from fixtures.multilingual import install_multilingual
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.receipt import ascii_name
from imio.guichet.submissions.tracking import tracking_secret
from plone import api

import pytest
import transaction


@pytest.mark.parametrize(
    "language, name",
    [
        ("fr", "accuse-de-reception"),
        ("nl", "ontvangstbewijs"),
        ("de", "empfangsbestatigung"),
        ("en", "acknowledgement-of-receipt"),
    ],
)
def test_the_receipt_is_named_in_the_submission_language(
    site, session_for, language, name
):
    with api.env.adopt_roles(["Manager"]):
        submission = submit(
            site.demarches.x, VALID_DATA, submitter=None, language=language
        )
    secret = tracking_secret(get_store(), submission)
    transaction.commit()
    response = session_for("Anonymous").get(
        "@@receipt", params={"reference": submission.reference, "secret": secret}
    )
    assert response.status_code == 200, response.text
    disposition = response.headers["Content-Disposition"]
    assert f"{name}-{submission.reference}.pdf" in disposition
    assert disposition.isascii()


def test_ascii_names():
    assert ascii_name("Empfangsbestätigung") == "empfangsbestatigung"
    assert ascii_name(" Accusé de réception ") == "accuse-de-reception"
    assert ascii_name("«»") == ""


SWITCHER = 'id="portal-languageselector"'
PAGES = ["demarches/x", "demarches/x/@@submit", "@@guichet-requests"]


def pages_with_switcher(session) -> list[str]:
    found = []
    for page in PAGES:
        response = session.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert response.text.count(SWITCHER) <= 1, page  # never two
        if SWITCHER in response.text:
            found.append(page)
    return found


@pytest.mark.parametrize(
    "multilingual, languages",
    [(False, ["fr"]), (True, ["fr"]), (True, ["fr", "de"])],
)
def test_a_language_switcher_only_with_more_than_one_language(
    site, request_factory, multilingual, languages
):
    if multilingual:
        install_multilingual(site)  # plone.app.multilingual's switcher
    api.portal.set_registry_record("plone.available_languages", languages)
    api.portal.set_registry_record("plone.default_language", "fr")
    transaction.commit()
    # The pages as a browser reads them (not the REST API's JSON).
    session = request_factory(basic_auth=("backoffice_x", PASSWORD), api=False)
    session.headers["Accept"] = "text/html"
    found = pages_with_switcher(session)
    if len(languages) == 1:
        assert found == []
    else:
        # p.a.m's on the procedure and its form, the guichet's on the
        # staff's listing (the site root).
        assert found == PAGES
