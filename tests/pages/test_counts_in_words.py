"""Counts said as each language counts (issue #17): "1 request", "2
requests", never "request(s)" or "Antrag/Anträge". One message per plural
form, chosen by the count with CLDR's rules (French counts 0 as one)."""

from fixtures.forms import VALID_DATA
from fixtures.pages import browser_in
from imio.guichet import audit
from imio.guichet.browser.requests import BULK_ASSIGNED
from imio.guichet.browser.requests import REQUESTS_TOTAL
from imio.guichet.controlpanels.integrations import MAIL_RETRIED
from imio.guichet.forms.kinds.dates import days_from_today
from imio.guichet.i18n import counted
from imio.guichet.i18n import plural_form
from imio.guichet.submissions.api import submit
from imio.guichet.usecases.audit import SHOWN_REQUESTS
from plone import api
from zope.i18n import translate

import pytest
import re
import transaction


@pytest.mark.parametrize(
    "language,forms",
    [
        ("fr", ["one", "one", "other", "other"]),
        ("fr-be", ["one", "one", "other", "other"]),
        ("de", ["other", "one", "other", "other"]),
        ("nl", ["other", "one", "other", "other"]),
        ("en", ["other", "one", "other", "other"]),
        (None, ["one", "one", "other", "other"]),  # the catalogs' fallback
    ],
)
def test_plural_forms(language, forms):
    assert [plural_form(count, language) for count in (0, 1, 2, 21)] == forms


def test_counted_keeps_the_other_values():
    one = counted(BULK_ASSIGNED, 1, "en", assignee="Service")
    other = counted(BULK_ASSIGNED, 3, "en", assignee="Service")
    assert translate(one) == "1 request assigned to Service."
    assert translate(other) == "3 requests assigned to Service."
    assert one.mapping == {"count": 1, "assignee": "Service"}
    # The forms themselves are not changed.
    assert REQUESTS_TOTAL["one"].mapping is None


def total_said(site) -> str:
    browser = browser_in(site, "en", "backoffice_x")
    browser.open(f"{site.demarches.x.absolute_url()}/@@guichet-requests")
    [said] = re.findall(r'class="requests-total"[^>]*>([^<]*)<', browser.contents)
    return " ".join(said.split())


def test_the_listing_counts_its_requests(site):
    for expected in ("1 request", "2 requests"):
        with api.env.adopt_roles(["Manager"]):
            submit(site.demarches.x, VALID_DATA, submitter="citizen_a")
        transaction.commit()
        assert total_said(site) == expected


def test_the_audit_log_counts_the_requests_left_out(site):
    """An entry names its first requests (SHOWN_REQUESTS), then how many
    more it concerns (in French: English says "more" for both forms)."""
    api.portal.set_registry_record("plone.available_languages", ["fr", "en"])
    api.portal.set_registry_record("plone.use_request_negotiation", True)
    for more, expected in ((1, "et 1 autre"), (2, "et 2 autres")):
        references = [f"REF-{index}" for index in range(SHOWN_REQUESTS + more)]
        audit.record_as(
            "backoffice_x",
            "list",
            [f"id-{index}" for index in range(len(references))],
            references=references,
        )
        transaction.commit()
        browser = browser_in(site, "fr", "siteadmin")
        browser.open(f"{site.absolute_url()}/@@guichet-audit-log")
        cell = browser.contents.split('class="audit-requests"')[1].split("</td>")[0]
        said = re.findall(r'class="text-muted"[^>]*>([^<]*)<', cell)
        assert [" ".join(text.split()) for text in said] == [expected]


def files_help_said(site, max_files: int) -> str:
    """The help under the files of a citizen's answer, for a procedure
    that takes ``max_files`` files (a request filed in English)."""
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.max_files = max_files
        filed = submit(
            site.demarches.x, VALID_DATA, submitter="citizen_a", language="en"
        )
    transaction.commit()
    browser = browser_in(site, "en", "citizen_a")
    browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed.reference}")
    [said] = re.findall(r'id="citizen-files-help"[^>]*>([^<]*)<', browser.contents)
    return " ".join(said.split())


def test_the_answer_files_are_counted(site):
    assert files_help_said(site, 1).startswith("Up to 1 file of ")
    assert files_help_said(site, 2).startswith("Up to 2 files of ")


def test_the_retried_mails_are_counted():
    """None retried: "0 failed e-mails" in English, but the singular in
    French (the page itself: tests/pages/test_mail_outbox.py)."""
    assert translate(counted(MAIL_RETRIED, 0, "en")) == (
        "0 failed e-mails will be sent again now."
    )
    assert translate(counted(MAIL_RETRIED, 1, "en")) == (
        "1 failed e-mail will be sent again now."
    )
    assert counted(MAIL_RETRIED, 0, "fr") == "help_mail_retried_one"


def test_days_from_today_are_counted():
    """1 is "tomorrow" (or "yesterday"); the others as the language
    counts them, the site's default language's way unless told."""
    assert translate(days_from_today(10, "en")) == "10 days from today"
    assert translate(days_from_today(-30, "en")) == "30 days before today"
    assert days_from_today(2, "fr") == "text_days_after_today_other"
    assert days_from_today(-2) == "text_days_before_today_other"
    assert translate(days_from_today(1, "fr"), target_language="en") == "tomorrow"
