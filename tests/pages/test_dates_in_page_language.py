"""Dates on the guichet's pages as people write them in the page's language
(issue #17): French 31/12/2026, Dutch 31-12-2026, German 31.12.2026, in
the site's time zone. A citizen's request is read in the language it was
filed in (its tracking page, like its e-mails); the other pages, and the
citizen's data as a PDF, in the reader's. Before, every date was written
the French way, the site's default language."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from fixtures.pages import browser_in
from fixtures.rights import identity
from fixtures.rights import NRN_A
from imio.guichet.drafts.api import get_draft
from imio.guichet.drafts.api import save_draft
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.tokens.api import create_token
from imio.guichet.tokens.api import list_tokens
from io import BytesIO
from plone import api
from pypdf import PdfReader
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import re
import requests
import transaction


ZONE = "Europe/Brussels"
#: How each language writes a day (the site's default language is French).
DAY_PATTERNS = {"fr": "%d/%m/%Y", "nl": "%d-%m-%Y", "de": "%d.%m.%Y"}
LANGUAGES = pytest.mark.parametrize("language", ["nl", "de", "fr"])
#: Filed a while ago, at 10:00 UTC (11:00 or 12:00 in Brussels).
FILED = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - (
    timedelta(days=40)
)


def day(moment, language: str) -> str:
    """How a reader of ``language`` writes the day of ``moment`` (a datetime
    in the site's time, or a date)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(ZONE))
    return moment.strftime(DAY_PATTERNS[language])


def day_and_time(moment: datetime, language: str) -> str:
    return f"{day(moment, language)} {moment.astimezone(ZoneInfo(ZONE)):%H:%M}"


@pytest.fixture
def site_in_languages(site):
    """The test site in French (default), Dutch, German and English, the
    reader's language negotiated from Accept-Language, in Brussels' time."""
    api.portal.set_registry_record(
        "plone.available_languages", ["fr", "nl", "de", "en"]
    )
    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.use_request_negotiation", True)
    api.portal.set_registry_record("plone.use_content_negotiation", False)
    api.portal.set_registry_record("plone.portal_timezone", ZONE)
    transaction.commit()
    return site


def file_request(site, language: str, submitter: str | None = "citizen_a"):
    with api.env.adopt_roles(["Manager"]):
        filed = submit(
            site.demarches.x,
            VALID_DATA,
            submitter=submitter,
            language=language,
            now=FILED,
        )
    transaction.commit()
    return filed


@LANGUAGES
def test_my_requests(site_in_languages, language):
    """ "Mes démarches": each request's dates and each draft's."""
    site = site_in_languages
    filed = file_request(site, "fr")
    saved_at = datetime.now(UTC) - timedelta(days=2)
    draft, _ = save_draft(site.demarches.x, {"name": "Jeanne"}, "citizen_a", saved_at)
    transaction.commit()
    browser = browser_in(site, language, "citizen_a")
    browser.open(f"{site.absolute_url()}/@@my-requests")
    assert filed.reference in browser.contents
    assert day_and_time(filed.created, language) in browser.contents
    assert day_and_time(draft.saved, language) in browser.contents
    assert day_and_time(draft.expires, language) in browser.contents


@LANGUAGES
def test_tracking_page_in_the_request_language(site_in_languages, language):
    """Read in the language the request was filed in, whatever the
    reader's browser asks (English here): "filed on" and the history."""
    site = site_in_languages
    filed = file_request(site, language, submitter=None)
    secret = tracking_secret(get_store(), get_store().get(filed.id))
    transaction.commit()
    browser = browser_in(site, "en")
    query = urlencode({"reference": filed.reference, "secret": secret})
    browser.open(f"{site.absolute_url()}/@@track-request?{query}")
    assert f'lang="{language}"' in browser.contents
    assert browser.contents.count(day_and_time(filed.created, language)) >= 2


def save_draft_in(site, language: str):
    """An anonymous draft saved in the form: the page that says so, and
    the draft."""
    browser = browser_in(site, language)
    browser.open(f"{site.demarches.x.absolute_url()}/@@submit")
    browser.getControl(name="form.widgets.name").value = "Jeanne"
    browser.getControl(name="form.buttons.save_draft").click()
    assert "@@draft-saved" in browser.url
    query = parse_qs(urlparse(browser.url).query)
    return browser, get_draft(query["id"][0], secret=query["secret"][0])


@LANGUAGES
def test_draft_saved_page(site_in_languages, language):
    """ "Your draft was saved": until when."""
    browser, draft = save_draft_in(site_in_languages, language)
    assert day_and_time(draft.expires, language) in browser.contents


@LANGUAGES
def test_resumed_draft(site_in_languages, language):
    """The form opened from the resume link: "your draft of (when)"."""
    browser, draft = save_draft_in(site_in_languages, language)
    browser.getLink(url="@@resume-draft").click()
    assert "Jeanne" in browser.contents
    assert day_and_time(draft.saved, language) in browser.contents


@LANGUAGES
def test_my_data_pdf(site_in_languages, language):
    """The citizen's data as a PDF, in their language: its dates too."""
    site = site_in_languages
    filed = file_request(site, "fr")
    browser = browser_in(site, language, "citizen_a")
    browser.open(f"{site.absolute_url()}/@@my-data?format=pdf")
    reader = PdfReader(BytesIO(browser.contents))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert filed.reference in text
    assert day_and_time(filed.created, language) in text


@LANGUAGES
def test_procedure_not_open_yet(site_in_languages, language):
    """The procedure's page says from when it takes submissions."""
    site = site_in_languages
    opens = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.opening_date = opens
    transaction.commit()
    browser = browser_in(site, language)
    browser.open(site.demarches.x.absolute_url())
    assert day_and_time(opens, language) in browser.contents


@pytest.fixture
def filed_with_due(site_in_languages):
    """A request filed in French, due 60 days after."""
    filed = file_request(site_in_languages, "fr")
    due = (FILED + timedelta(days=60)).date()
    transaction.begin()
    store = get_store()
    store.set_due(store.get(filed.id), due)
    transaction.commit()
    return filed, due


@LANGUAGES
def test_staff_requests_list(site_in_languages, filed_with_due, language):
    """The staff's list of requests: when each was filed, when it is due."""
    site = site_in_languages
    filed, due = filed_with_due
    staff = browser_in(site, language, "backoffice_x")
    staff.open(f"{site.absolute_url()}/@@guichet-requests")
    assert day_and_time(filed.created, language) in staff.contents
    assert f'class="requests-due">{day(due, language)}' in staff.contents


@LANGUAGES
def test_staff_request_page(site_in_languages, filed_with_due, language):
    """A request for staff: when it is due, its history."""
    site = site_in_languages
    filed, due = filed_with_due
    staff = browser_in(site, language, "backoffice_x")
    staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed.id}")
    assert day(due, language) in staff.contents
    assert day_and_time(filed.created, language) in staff.contents


@LANGUAGES
def test_staff_request_page_identity(site_in_languages, language):
    """A request filed with an identity a provider verified: when it did."""
    site = site_in_languages
    with api.env.adopt_roles(["Manager"]):
        filed = submit(
            site.demarches.x,
            VALID_DATA,
            submitter="citizen_b",
            now=FILED,
            identity=identity(NRN_A),
        )
    transaction.commit()
    verified_at = datetime.fromisoformat(identity(NRN_A).verified_at)
    staff = browser_in(site, language, "backoffice_x")
    staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed.id}")
    assert day_and_time(verified_at, language) in staff.contents


@LANGUAGES
def test_staff_dashboard(site_in_languages, language):
    """The dashboard's requests per week, each week by its Monday."""
    site = site_in_languages
    staff = browser_in(site, language, "backoffice_x")
    staff.open(f"{site.absolute_url()}/@@guichet-dashboard")
    today = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date()
    monday = today - timedelta(days=today.weekday())
    assert day(monday, language) in staff.contents


@LANGUAGES
def test_person_page(site_in_languages, language):
    """A person's requests, found by their e-mail address for a data
    protection request: when each was filed."""
    site = site_in_languages
    filed = file_request(site, "fr")
    browser = browser_in(site, language, "siteadmin")
    browser.open(f"{site.absolute_url()}/@@guichet-person")
    browser.getControl(name="email").value = VALID_DATA["email"]
    browser.getControl(name="search").click()
    assert filed.reference in browser.contents
    assert day_and_time(filed.created, language) in browser.contents


@pytest.fixture
def never_open(site_in_languages):
    """Procedure X's online submissions closing before they open."""
    opens = datetime(2027, 3, 20, 9, 30, tzinfo=UTC)
    closes = datetime(2027, 3, 14, 9, 30, tzinfo=UTC)
    with api.env.adopt_roles(["Manager"]):
        site_in_languages.demarches.x.opening_date = opens
        site_in_languages.demarches.x.closing_date = closes
    transaction.commit()
    return opens, closes


def form_editor(site, language: str) -> tuple[str, list[str]]:
    """The form editor's page in ``language``: before its warnings, and
    each warning."""
    browser = browser_in(site, language, "siteadmin")
    browser.open(f"{site.demarches.x.absolute_url()}/++form++fields")
    before, *warnings = browser.contents.split('class="guichet-form-warning"')
    return before, [warning.split("</li>")[0] for warning in warnings]


@LANGUAGES
def test_form_editor_dates(site_in_languages, never_open, language):
    """The form editor's dates of online submissions."""
    opens, closes = never_open
    before, _ = form_editor(site_in_languages, language)
    assert day_and_time(opens, language) in before
    assert day_and_time(closes, language) in before


@LANGUAGES
def test_form_editor_warning(site_in_languages, never_open, language):
    """The check before publishing: submissions would close before they
    open, on dates written in the editor's language."""
    opens, closes = never_open
    _, warnings = form_editor(site_in_languages, language)
    assert [
        warning
        for warning in warnings
        if day_and_time(opens, language) in warning
        and day_and_time(closes, language) in warning
    ]


@LANGUAGES
def test_audit_log_page(site_in_languages, language):
    """The audit log's page, in the reader's language (its exports keep
    their own shape)."""
    site = site_in_languages
    filed = file_request(site, "fr")
    browser_in(site, "fr", "backoffice_x").open(
        f"{site.absolute_url()}/@@guichet-request?id={filed.id}"
    )
    read_on = datetime.now(UTC)
    browser = browser_in(site, language, "siteadmin")
    browser.open(f"{site.absolute_url()}/@@guichet-audit-log")
    assert filed.reference in browser.contents
    written = rf"{re.escape(day(read_on, language))} \d\d:\d\d"
    assert re.search(written, browser.contents)


@LANGUAGES
def test_integrations_page_tokens(site_in_languages, language):
    """The API tokens on the integrations page: until when each is valid,
    when it was last used."""
    site = site_in_languages
    expires = datetime.now(UTC).replace(hour=21, minute=59, microsecond=0) + (
        timedelta(days=100)
    )
    _, token = create_token(
        "backoffice_x", "Back office", created_by="siteadmin", expires=expires
    )
    transaction.commit()
    used = requests.get(
        f"{site.absolute_url()}/@guichet-dashboard",
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert used.status_code == 200
    transaction.begin()
    [record] = list_tokens()
    browser = browser_in(site, language, "siteadmin")
    browser.open(f"{site.absolute_url()}/@@guichet-integrations")
    assert f"<td>{day(expires, language)}</td>" in browser.contents
    assert day_and_time(record["last_used"], language) in browser.contents
