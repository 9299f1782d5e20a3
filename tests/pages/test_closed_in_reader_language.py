"""Why a procedure takes no more submissions, said to the reader in their
language, its date too (issue #17): a Dutch reader filing on a French
procedure that has translations (the submission's language is then the
procedure's, French) is told "gesloten sinds 14-03-2026 10:30", the Dutch
way, over REST and in the HTML form, not "14/03/2026 10:30", the French
way."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from fixtures.multilingual import translated_procedure
from fixtures.pages import browser_in
from fixtures.pages import fill_valid
from fixtures.pages import negotiate_languages
from plone import api
from zoneinfo import ZoneInfo

import pytest
import requests
import transaction


ZONE = "Europe/Brussels"
#: How each language writes a day and a time.
PATTERNS = {"fr": "%d/%m/%Y %H:%M", "nl": "%d-%m-%Y %H:%M", "de": "%d.%m.%Y %H:%M"}
#: Closed ten days ago.
CLOSES = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=10)


def written(moment: datetime, language: str) -> str:
    return moment.astimezone(ZoneInfo(ZONE)).strftime(PATTERNS[language])


@pytest.fixture
def french_procedure(site):
    """A French procedure with a German translation, in a site whose pages
    are in the language each reader's browser asks."""
    original, _german = translated_procedure(site, allow_anonymous=True)
    negotiate_languages(["fr", "nl", "de", "en"])
    api.portal.set_registry_record("plone.portal_timezone", ZONE)
    transaction.commit()
    return original


def close(procedure, closes: datetime) -> None:
    with api.env.adopt_roles(["Manager"]):
        procedure.closing_date = closes
    transaction.commit()


def test_rest_says_why_closed_in_the_readers_language(french_procedure):
    close(french_procedure, CLOSES)
    refused = requests.post(
        f"{french_procedure.absolute_url()}/@submissions",
        json={"data": VALID_DATA},
        headers={"Accept": "application/json", "Accept-Language": "nl"},
        timeout=30,
    )
    assert refused.status_code == 403, refused.text
    message = refused.json()["error"]["message"]
    assert message == f"Online aanvragen zijn gesloten sinds {written(CLOSES, 'nl')}."
    assert written(CLOSES, "fr") not in message


def test_the_form_says_why_closed_in_the_readers_language(french_procedure):
    """The form opened while submissions were open, sent once closed: the
    page refuses it before filing (as it refuses to show a closed form), in
    the page's language; a guard, the REST case is the one that was wrong."""
    browser = browser_in(french_procedure, "nl")
    browser.open(f"{french_procedure.absolute_url()}/@@submit")
    fill_valid(browser)
    close(french_procedure, CLOSES)
    browser.getControl(name="form.buttons.send").click()
    assert browser.url == french_procedure.absolute_url()
    said = f"Online aanvragen zijn gesloten sinds {written(CLOSES, 'nl')}."
    assert said in browser.contents
    assert written(CLOSES, "fr") not in browser.contents
