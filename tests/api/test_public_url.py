"""Links that leave the site start with its public URL, never with the
Host header of the request that made them (issue #10, item 3)."""

from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.mail import body
from fixtures.mail import flush_mail_outbox
from fixtures.mail import SERVICE
from imio.guichet.setuphandlers import post_install
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.urls import public_site_url
from imio.guichet.urls import public_url_of
from imio.guichet.urls import PUBLIC_URL_RECORD
from io import BytesIO
from plone import api
from pypdf import PdfReader

import pytest
import re
import requests
import transaction


PUBLIC = "https://guichet.commune.example/plone"
#: A forged Host header, and one a misconfigured proxy would pass on.
FORGED = [
    {"Host": "evil.example"},
    {"X-Forwarded-Host": "evil.example", "Host": "evil.example"},
]
URL = re.compile(r"https?://[^\s<>\"']+")


@pytest.fixture
def public(site):
    """The site's public URL differs from the test server's address."""
    api.portal.set_registry_record(PUBLIC_URL_RECORD, PUBLIC)
    transaction.commit()
    return PUBLIC


def links_in(message) -> list[str]:
    """Every URL of an e-mail, plain text and HTML alternative."""
    html = message.get_body(preferencelist=("html",)).get_content()
    return URL.findall(body(message)) + URL.findall(html)


def assert_public(links: list[str]) -> None:
    assert links
    for link in links:
        assert link.startswith(f"{PUBLIC}/"), link
        assert "evil.example" not in link


def server(site, path: str = "") -> str:
    """The test server's address of the site (requests go there, whatever
    their Host header says)."""
    return f"{site.absolute_url()}{path}"


def form_fields(page: str) -> dict:
    """The hidden inputs of the submission form (CSRF and anti-replay)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="(_authenticator|guichet\.token)"', tag)
        if name:
            fields[name[1]] = re.search(r'value="([^"]*)"', tag)[1]
    return fields


RICH_FORM_ANSWERS = {
    "form.widgets.name": "Jeanne Dupont",
    "form.widgets.email": "jeanne.html@example.org",
    "form.widgets.copies": "2",
    "form.widgets.delivery": "email",
    "form.widgets.delivery-empty-marker": "1",
}


class TestEmails:
    @pytest.mark.parametrize("headers", FORGED)
    def test_filing_over_rest(self, site, public, inbox, session_for, headers):  # noqa: F811
        session = session_for("Anonymous")
        session.headers.update(headers)
        response = session.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert response.status_code == 201, response.text
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        (notice,) = inbox.to(SERVICE)
        assert_public(links_in(confirmation))
        assert_public(links_in(notice))
        assert f"{PUBLIC}/@@track-request?reference=" in body(confirmation)
        assert f"{PUBLIC}/@submissions/{response.json()['id']}" in body(notice)

    @pytest.mark.parametrize("headers", FORGED)
    def test_logged_in_citizen(self, site, public, inbox, session_for, headers):  # noqa: F811
        session = session_for("citizen_a")
        session.headers.update(headers)
        response = session.post(
            "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
        )
        assert response.status_code == 201, response.text
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        assert_public(links_in(confirmation))
        assert f"{PUBLIC}/@@my-requests" in body(confirmation)

    @pytest.mark.parametrize("headers", FORGED)
    def test_filing_through_the_html_form(self, site, public, inbox, headers):  # noqa: F811
        session = requests.Session()
        session.headers.update(headers)
        form = server(site, "/demarches/x/@@submit")
        page = session.get(form, timeout=60).text
        sent = session.post(
            form,
            data={
                **RICH_FORM_ANSWERS,
                **form_fields(page),
                "form.buttons.send": "Envoyer",
            },
            allow_redirects=False,
            timeout=60,
        )
        assert sent.status_code in (302, 303), sent.text[-2000:]
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne.html@example.org")
        (notice,) = inbox.to(SERVICE)
        assert_public(links_in(confirmation))
        assert_public(links_in(notice))

    def test_state_change(self, site, public, inbox, session_for):  # noqa: F811
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        office = session_for("backoffice_x")
        office.headers["Host"] = "evil.example"
        url = f"@submissions/{filed.json()['id']}"
        etag = office.get(url).headers["ETag"]
        moved = office.patch(
            url,
            json={"state": "received", "message": "Bien reçu"},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text
        flush_mail_outbox(site)
        # The confirmation and the notice may arrive in either order (the
        # outbox sends by arrival, from more than one thread).
        [notice] = [m for m in inbox.to("jeanne@example.org") if "Bien reçu" in body(m)]
        assert_public(links_in(notice))

    def test_draft_resume_link(self, site, public, inbox):  # noqa: F811
        session = requests.Session()
        session.headers["Host"] = "evil.example"
        form = server(site, "/demarches/x/@@submit")
        page = session.get(form, timeout=60).text
        saved = session.post(
            form,
            data={
                **RICH_FORM_ANSWERS,
                **form_fields(page),
                "form.buttons.save_draft": "x",
            },
            allow_redirects=False,
            timeout=60,
        )
        assert saved.status_code in (302, 303), saved.text[-2000:]
        flush_mail_outbox(site)
        (mail,) = inbox.to("jeanne.html@example.org")
        assert_public(links_in(mail))
        assert f"{PUBLIC}/@@resume-draft?id=" in body(mail)


def pdf_links(pdf: bytes) -> list[str]:
    links = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or ():
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                links.append(str(action["/URI"]))
    return links


class TestReceipt:
    @pytest.mark.parametrize("headers", FORGED)
    def test_tracking_link_in_the_pdf(self, site, public, session_for, headers):
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        reference = filed.json()["reference"]
        transaction.begin()
        secret = tracking_secret(get_store(), get_store().by_reference(reference))
        response = requests.get(
            server(site, "/@@receipt"),
            params={"reference": reference, "secret": secret},
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 200
        links = set(pdf_links(response.content))
        # The tracking link and the full privacy information, both at the
        # configured address, whatever the Host header said.
        assert links == {
            f"{PUBLIC}/@@track-request?reference={reference}&secret={secret}",
            f"{PUBLIC}/demarches/x/@@guichet-privacy",
        }


class TestSetting:
    def test_recorded_at_install(self, portal):
        # From the request that installs the add-on.
        api.portal.set_registry_record(PUBLIC_URL_RECORD, "")
        post_install(None)
        assert api.portal.get_registry_record(PUBLIC_URL_RECORD) == (
            portal.absolute_url()
        )

    def test_installing_again_keeps_it(self, portal):
        api.portal.set_registry_record(PUBLIC_URL_RECORD, PUBLIC)
        post_install(None)
        assert api.portal.get_registry_record(PUBLIC_URL_RECORD) == PUBLIC

    def test_public_url_of_content(self, portal, procedure):
        api.portal.set_registry_record(PUBLIC_URL_RECORD, PUBLIC + "/")
        assert public_site_url() == PUBLIC
        assert public_url_of(procedure) == f"{PUBLIC}/demarches/extrait"

    def test_control_panel_saved_empty_records_its_address(self, site):
        api.portal.set_registry_record(PUBLIC_URL_RECORD, "")
        transaction.commit()
        browser = admin_browser(site)
        browser.open(server(site, "/@@guichet-settings"))
        assert browser.getControl(name="form.widgets.public_url").value == ""
        browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        recorded = api.portal.get_registry_record(PUBLIC_URL_RECORD)
        assert recorded == site.absolute_url()

    def test_control_panel_keeps_a_set_url(self, site):
        browser = admin_browser(site)
        browser.open(server(site, "/@@guichet-settings"))
        browser.getControl(
            name="form.widgets.public_url"
        ).value = "https://www.commune.example"
        browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        recorded = api.portal.get_registry_record(PUBLIC_URL_RECORD)
        assert recorded == "https://www.commune.example"

    @pytest.mark.parametrize(
        "wrong", ["www.commune.example", "ftp://x.example", "https://x.example/?a=1"]
    )
    def test_control_panel_refuses_what_is_not_a_site_address(self, site, wrong):
        browser = admin_browser(site)
        browser.open(server(site, "/@@guichet-settings"))
        browser.getControl(name="form.widgets.public_url").value = wrong
        browser.getControl(name="form.buttons.save").click()
        assert "error" in browser.contents
        transaction.begin()
        assert api.portal.get_registry_record(PUBLIC_URL_RECORD) != wrong


def admin_browser(site):
    from plone.app.testing import SITE_OWNER_NAME
    from plone.app.testing import SITE_OWNER_PASSWORD
    from plone.testing.zope import Browser

    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    return browser
