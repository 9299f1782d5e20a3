"""Dates on the guichet's pages as people write them in the page's language
(issue #17): French 31/12/2026, Dutch 31-12-2026, German 31.12.2026, in
the site's time zone. A citizen's request is read in the language it was
filed in (its tracking page, like its e-mails); the other pages, and the
citizen's data as a PDF, in the reader's. Before, every date was written
the French way, the site's default language; and so were file sizes
(1,2 Mo), which are 1,2 MB in Dutch and German, 1.2 MB in English."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.files import PDF
from fixtures.forms import VALID_DATA
from fixtures.pages import browser_in
from fixtures.pages import negotiate_languages
from fixtures.rights import identity
from fixtures.rights import NRN_A
from imio.guichet.caller import Caller
from imio.guichet.drafts.api import get_draft
from imio.guichet.drafts.api import save_draft
from imio.guichet.models.publication import get_publication
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.tokens.api import create_token
from imio.guichet.tokens.api import list_tokens
from imio.guichet.usecases.citizen import write
from imio.guichet.usecases.models import share_version
from io import BytesIO
from plone import api
from pypdf import PdfReader
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import base64
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
    negotiate_languages(["fr", "nl", "de", "en"])
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


@LANGUAGES
def test_share_as_model_page(site_in_languages, language):
    """The share-as-model page: when each version of the model was
    published, not its ISO 8601 timestamp (the package's, for machines)."""
    site = site_in_languages
    with api.env.adopt_roles(["Manager"]):
        share_version(
            Caller(user_id="siteadmin"),
            site.demarches.x,
            model_id="extrait",
            parameters=[],
            changes="",
        )
    transaction.commit()
    [version] = get_publication(site.demarches.x).history()
    published = datetime.fromisoformat(version["published"])
    browser = browser_in(site, language, "siteadmin")
    browser.open(f"{site.demarches.x.absolute_url()}/@@guichet-share-model")
    assert f"v1</strong>\n              <span>{day_and_time(published, language)}" in (
        browser.contents
    )
    assert version["published"] not in browser.contents


# -- file sizes

SIZE_LANGUAGES = pytest.mark.parametrize("language", ["nl", "de", "en", "fr"])
#: A real PDF of 1.2 MB, and how each language writes its size.
LARGE_PDF = PDF.ljust(int(1.2 * 1024 * 1024), b"%")
LARGE_PDF_SIZE = {"fr": "1,2 Mo", "nl": "1,2 MB", "de": "1,2 MB", "en": "1.2 MB"}
#: A size in French units (12 Ko, 1,2 Mo).
FRENCH_UNITS = re.compile(r"\d (?:Ko|Mo)\b")

FILE_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
    </field>
    <fieldset name="documents" label="Documents">
      <field name="plan" type="plone.namedfile.field.NamedBlobFile">
        <title>Plan</title>
        <required>False</required>
      </field>
    </fieldset>
  </schema>
</model>
"""


@pytest.fixture
def file_form(site_in_languages):
    """Procedure X's form asks for a name, then for a plan (a file), then
    shows what will be sent."""
    with api.env.adopt_roles(["Manager"]):
        site_in_languages.demarches.x.form_schema = FILE_FORM
    transaction.commit()
    return site_in_languages


def form_at_plan(site, language: str):
    """A citizen's browser at the form's step that asks for the plan."""
    browser = browser_in(site, language)
    browser.open(f"{site.demarches.x.absolute_url()}/@@submit")
    browser.getControl(name="form.widgets.name").value = "Jeanne"
    browser.getControl(name="form.buttons.next").click()
    return browser


def file_request_with(site, data: dict, language: str, submitter=None):
    with api.env.adopt_roles(["Manager"]):
        filed = submit(site.demarches.x, data, submitter=submitter, language=language)
    transaction.commit()
    transaction.begin()
    return filed


def units_as(language: str, page: str) -> None:
    """A page in French writes sizes in Ko and Mo; in another, never."""
    assert bool(FRENCH_UNITS.search(page)) == (language == "fr")


@SIZE_LANGUAGES
def test_tracking_page_and_receipt_file_size(file_form, language):
    """A request filed with a file, read on its tracking page and in its
    receipt, in the language it was filed in."""
    site = file_form
    sent = {"filename": "plan.pdf", "data": base64.b64encode(LARGE_PDF).decode()}
    filed = file_request_with(site, {"name": "Jeanne", "plan": sent}, language)
    secret = tracking_secret(get_store(), get_store().get(filed.id))
    transaction.commit()
    browser = browser_in(site, "en")
    query = urlencode({"reference": filed.reference, "secret": secret})
    browser.open(f"{site.absolute_url()}/@@track-request?{query}")
    assert f"plan.pdf ({LARGE_PDF_SIZE[language]})" in browser.contents
    units_as(language, browser.contents)
    browser.open(f"{site.absolute_url()}/@@receipt?{query}")
    reader = PdfReader(BytesIO(browser.contents))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert f"plan.pdf ({LARGE_PDF_SIZE[language]})" in text
    units_as(language, text)


@SIZE_LANGUAGES
def test_staff_request_page_file_sizes(file_form, language):
    """A request for staff: the file of its answers and the one the
    citizen sent later with a message (its history)."""
    site = file_form
    sent = {"filename": "plan.pdf", "data": base64.b64encode(LARGE_PDF).decode()}
    filed = file_request_with(
        site, {"name": "Jeanne", "plan": sent}, "fr", submitter="citizen_a"
    )
    submission = get_store().get(filed.id)
    later = {"filename": "annexe.pdf", "data": base64.b64encode(PDF * 40).decode()}
    write(
        Caller(user_id="citizen_a"),
        filed.reference,
        "Voici l'annexe",
        seen_etag=etag(submission),
        files=[later],
    )
    transaction.commit()
    staff = browser_in(site, language, "backoffice_x")
    staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed.id}")
    assert f"plan.pdf ({LARGE_PDF_SIZE[language]})" in staff.contents
    kilobytes = "3 Ko" if language == "fr" else "3 KB"
    assert f"annexe.pdf ({kilobytes})" in staff.contents
    units_as(language, staff.contents)


#: How each language writes a limit of 1.5 MB in its messages.
LIMIT = {"fr": "1,5 Mo", "nl": "1,5 MB", "de": "1,5 MB", "en": "1.5 MB"}


@SIZE_LANGUAGES
def test_upload_limits(file_form, language):
    """A procedure accepting files of 1.5 MB: the form says so next to the
    file input, and again when a larger file is refused."""
    site = file_form
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.max_file_size = 1.5
    transaction.commit()
    browser = form_at_plan(site, language)
    [help_text] = re.findall(
        r'class="form-text upload-limits"[^>]*>([^<]*)<', browser.contents
    )
    assert LIMIT[language] in " ".join(help_text.split())
    browser.getControl(name="form.widgets.plan").add_file(
        BytesIO(PDF.ljust(2 * 1024 * 1024, b"%")), "application/pdf", "plan.pdf"
    )
    browser.getControl(name="form.buttons.next").click()
    [error] = re.findall(
        r'id="form-widgets-plan-error"[^>]*>(.*?)</', browser.contents, re.S
    )
    assert LIMIT[language] in " ".join(error.split())


@SIZE_LANGUAGES
def test_answer_files_limit(file_form, language):
    """When the service asks the citizen something, the tracking page says
    which files the answer may bring: files of 1.5 MB at most."""
    site = file_form
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.max_file_size = 1.5
    filed = file_request_with(site, {"name": "Jeanne"}, language)
    submission = get_store().get(filed.id)
    for state in ("in_progress", "waiting_citizen"):
        update_state(
            submission,
            state,
            seen_etag=etag(submission),
            user_id="backoffice_x",
            public_message="Le plan, s'il vous plaît."
            if state == "waiting_citizen"
            else "",
        )
    secret = tracking_secret(get_store(), submission)
    transaction.commit()
    browser = browser_in(site, "en")
    query = urlencode({"reference": filed.reference, "secret": secret})
    browser.open(f"{site.absolute_url()}/@@track-request?{query}")
    [help_text] = re.findall(
        r'id="citizen-files-help"[^>]*>(.*?)</div>', browser.contents, re.S
    )
    number = LIMIT[language].split()[0]
    assert f" {number} " in " ".join(help_text.split())
