"""The guichet's REST writes take JSON only, and refuse a browser's cookie
sent from another site (issue #10, item 7)."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.handling import etag
from imio.guichet.urls import PUBLIC_URL_RECORD
from plone import api
from urllib.parse import urlsplit

import json
import pytest
import requests
import transaction


EVIL = "http://evil.example"


def origin(site) -> str:
    parts = urlsplit(site.absolute_url())
    return f"{parts.scheme}://{parts.netloc}"


def stored_count() -> int:
    transaction.begin()
    return len(get_store())


class Client:
    """A browser-like session: logged in through the login form (the
    ``__ac`` cookie), or anonymous; calls the REST API."""

    def __init__(self, site, who: str | None = None):
        self.site = site
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if who is not None:
            self.log_in(who)

    def log_in(self, who: str) -> None:
        sent = self.session.post(
            f"{self.site.absolute_url()}/login",
            data={
                "__ac_name": who,
                "__ac_password": PASSWORD,
                "came_from": "",
                "buttons.login": "Log in",
            },
            headers={"Accept": "text/html"},
            timeout=60,
        )
        assert sent.status_code == 200
        assert "__ac" in self.session.cookies

    def call(self, method: str, path: str, **kw):
        url = f"{self.site.absolute_url()}/++api++/{path}"
        return self.session.request(method, url, timeout=60, **kw)


def etag_of(filed) -> str:
    transaction.begin()
    return etag(get_store().get(filed.json()["id"]))


def json_body(data) -> dict:
    return {"data": json.dumps(data), "headers": {"Content-Type": "application/json"}}


def text_plain(data) -> dict:
    return {"data": json.dumps(data), "headers": {"Content-Type": "text/plain"}}


def error_code(response) -> str:
    return response.json()["error"]["code"]


class TestJsonOnly:
    @pytest.mark.parametrize("who", [None, "citizen_a"])
    def test_filing_as_text_plain(self, site, who):
        before = stored_count()
        response = Client(site, who).call(
            "POST", "demarches/x/@submissions", **text_plain({"data": VALID_DATA})
        )
        assert response.status_code == 415
        assert response.headers["Content-Type"].startswith("application/json")
        assert error_code(response) == "unsupported_media_type"
        assert stored_count() == before

    def test_filing_as_a_html_form_would(self, site, session_for):
        before = stored_count()
        response = session_for("citizen_a").post(
            "demarches/x/@submissions", data={"data": "x"}
        )
        assert response.status_code == 415
        assert stored_count() == before

    def test_json_with_a_charset(self, site, session_for):
        response = session_for("citizen_a").post(
            "demarches/x/@submissions",
            data=json.dumps({"data": VALID_DATA}),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert response.status_code == 201, response.text

    def test_every_write_of_the_guichet(self, site, session_for):
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        office = session_for("backoffice_x")
        admin = session_for("siteadmin")
        uid = api.content.get_uuid(site.demarches.x)
        for session, method, path, body in [
            (office, "POST", f"@submissions/{filed.json()['id']}/@ack", {}),
            (office, "PATCH", f"@submissions/{filed.json()['id']}", {"state": "x"}),
            (session_for("citizen_a"), "POST", "demarches/x/@drafts", {"data": {}}),
            (admin, "POST", "@guichet-tokens", {"user": "backoffice_x"}),
            (
                admin,
                "POST",
                "@guichet-webhooks",
                {"procedure": uid, "url": "https://erp.example/hook"},
            ),
        ]:
            response = session.request(method, path, **text_plain(body))
            assert response.status_code == 415, (path, response.text)
        transaction.begin()
        assert get_store().get(filed.json()["id"]).acknowledgement is None

    def test_an_empty_body_where_none_is_needed(self, site, session_for):
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        office = session_for("backoffice_x")
        response = office.post(
            f"@submissions/{filed.json()['id']}/@ack",
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 200, response.text


class TestCookieFromAnotherSite:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": EVIL},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
        ],
    )
    def test_citizen_filing_refused(self, site, headers):
        before = stored_count()
        citizen = Client(site, "citizen_a")
        body = json_body({"data": VALID_DATA})
        body["headers"].update(headers)
        response = citizen.call("POST", "demarches/x/@submissions", **body)
        assert response.status_code == 403
        assert error_code(response) == "forbidden"
        assert stored_count() == before

    def test_citizen_filing_from_the_site(self, site):
        citizen = Client(site, "citizen_a")
        body = json_body({"data": VALID_DATA})
        body["headers"].update(
            {"Origin": origin(site), "Sec-Fetch-Site": "same-origin"}
        )
        response = citizen.call("POST", "demarches/x/@submissions", **body)
        assert response.status_code == 201, response.text
        # Without an Origin header (not a cross-site browser request) too.
        response = citizen.call(
            "POST", "demarches/x/@submissions", **json_body({"data": VALID_DATA})
        )
        assert response.status_code == 201, response.text

    def test_from_the_public_url(self, site):
        """Behind a proxy, the browser's origin is the site's public URL."""
        api.portal.set_registry_record(
            PUBLIC_URL_RECORD, "https://guichet.commune.example/plone"
        )
        transaction.commit()
        citizen = Client(site, "citizen_a")
        body = json_body({"data": VALID_DATA})
        body["headers"]["Origin"] = "https://guichet.commune.example"
        response = citizen.call("POST", "demarches/x/@submissions", **body)
        assert response.status_code == 201, response.text

    def test_staff_acknowledgement(self, site, session_for):
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        path = f"@submissions/{filed.json()['id']}/@ack"
        office = Client(site, "backoffice_x")
        body = json_body({})
        body["headers"]["Origin"] = EVIL
        assert office.call("POST", path, **body).status_code == 403
        transaction.begin()
        assert get_store().get(filed.json()["id"]).acknowledgement is None
        body["headers"]["Origin"] = origin(site)
        assert office.call("POST", path, **body).status_code == 200

    def test_citizen_withdrawal(self, site, session_for):
        filed = session_for("citizen_a").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        path = f"@submissions/{filed.json()['id']}"
        citizen = Client(site, "citizen_a")
        version = citizen.call("GET", path).headers.get("ETag") or etag_of(filed)
        body = json_body({})
        body["headers"].update({"Origin": EVIL, "If-Match": version})
        assert citizen.call("POST", f"{path}/@withdraw", **body).status_code == 403
        transaction.begin()
        assert get_store().get(filed.json()["id"]).state == "submitted"
        body["headers"]["Origin"] = origin(site)
        response = citizen.call("POST", f"{path}/@withdraw", **body)
        assert response.status_code == 200, response.text

    def test_administrator_making_a_token(self, site):
        admin = Client(site, "siteadmin")
        body = json_body({"user": "backoffice_x", "label": "ERP"})
        body["headers"]["Origin"] = EVIL
        assert admin.call("POST", "@guichet-tokens", **body).status_code == 403
        assert admin.call("GET", "@guichet-tokens").json()["items_total"] == 0


class TestOtherAuthentication:
    def test_basic_from_any_origin(self, site, session_for):
        citizen = session_for("citizen_a")
        citizen.headers.update({"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
        response = citizen.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert response.status_code == 201, response.text

    def test_bearer_token_from_any_origin(self, site, session_for):
        made = session_for("siteadmin").post(
            "@guichet-tokens", json={"user": "backoffice_x", "label": "ERP"}
        )
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        response = requests.post(
            f"{site.absolute_url()}/++api++/@submissions/{filed.json()['id']}/@ack",
            json={},
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {made.json()['token']}",
                "Origin": EVIL,
            },
            timeout=60,
        )
        assert response.status_code == 200, response.text

    def test_anonymous_filing_from_any_origin(self, site, session_for):
        """Nobody's session to abuse: the same as filing from anywhere."""
        anonymous = session_for("Anonymous")
        anonymous.headers["Origin"] = EVIL
        response = anonymous.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert response.status_code == 201, response.text
