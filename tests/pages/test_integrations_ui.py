"""The Site Administrators' pages: integrations and the audit trail."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from imio.guichet.tokens.api import list_tokens
from imio.guichet.webhooks.api import list_subscriptions
from plone import api

import pytest
import re
import requests
import transaction


def browser(site, who=None):
    client = requests.Session()
    if who:
        client.auth = (who, PASSWORD)
    client.base = site.absolute_url()
    return client


def page(client, path, **kw):
    return client.get(f"{client.base}/{path}", **kw)


def authenticator(html: str) -> str:
    return re.search(r'name="_authenticator"\s+type="hidden"\s+value="([^"]+)"', html)[
        1
    ]


def post_form(client, path, **fields):
    html = page(client, path).text
    return client.post(
        f"{client.base}/{path}",
        data={"_authenticator": authenticator(html), **fields},
    )


class TestIntegrationsPage:
    def test_subscribe_shows_the_secret_once(self, site):
        admin = browser(site, "siteadmin")
        uid = api.content.get_uuid(site.demarches.x)
        made = post_form(
            admin,
            "@@guichet-integrations",
            action="add-webhook",
            procedure=uid,
            url="https://bo.example/hook",
            **{"events:list": "be.imio.guichet.submission.created"},
        )
        assert made.status_code == 200
        secret = re.search(r"whsec_[A-Za-z0-9+/=]+", made.text)[0]
        transaction.begin()
        [subscription] = list_subscriptions()
        assert subscription.secret == secret
        assert subscription.event_types == ("be.imio.guichet.submission.created",)
        again = page(admin, "@@guichet-integrations").text
        assert "https://bo.example/hook" in again
        assert secret not in again

    def test_bad_url_is_explained_and_nothing_stored(self, site):
        admin = browser(site, "siteadmin")
        answer = post_form(
            admin,
            "@@guichet-integrations",
            action="add-webhook",
            procedure=api.content.get_uuid(site.demarches.x),
            url="ftp://bo.example",
        )
        assert "alert-danger" in answer.text
        assert "http or https" in answer.text
        transaction.begin()
        assert list_subscriptions() == []

    def test_make_and_revoke_a_token(self, site):
        admin = browser(site, "siteadmin")
        made = post_form(
            admin,
            "@@guichet-integrations",
            action="add-token",
            user="backoffice_x",
            label="Serveur état civil",
            expires="2027-06-30",
        )
        token = re.search(r"gt_[\w-]{40,}", made.text)[0]
        transaction.begin()
        [record] = list_tokens()
        assert record["expires"].date().isoformat() == "2027-06-30"
        machine = requests.get(
            f"{site.absolute_url()}/@submissions",
            headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
        )
        assert machine.status_code == 200
        post_form(
            admin, "@@guichet-integrations", action="revoke-token", id=record["id"]
        )
        transaction.begin()
        assert list_tokens() == []

    def test_posting_without_the_authenticator_is_refused(self, site):
        admin = browser(site, "siteadmin")
        answer = admin.post(
            f"{admin.base}/@@guichet-integrations",
            data={"action": "add-token", "user": "backoffice_x", "label": "x"},
        )
        assert answer.status_code == 403
        transaction.begin()
        assert list_tokens() == []

    @pytest.mark.parametrize("who", [None, "citizen_a", "backoffice_x", "editor"])
    def test_others_cannot_open_it(self, site, who):
        for path in ("@@guichet-integrations", "@@guichet-audit-log"):
            answer = page(browser(site, who), path, allow_redirects=False)
            assert answer.status_code in (302, 401, 403)
            assert "Webhooks" not in answer.text


class TestAuditLogPage:
    def test_lists_back_office_reads(self, site, session_for):
        filed = (
            session_for("Anonymous")
            .post("demarches/x/@submissions", json={"data": VALID_DATA})
            .json()["id"]
        )
        session_for("backoffice_x").get(f"@submissions/{filed}")
        html = page(browser(site, "siteadmin"), "@@guichet-audit-log").text
        assert "backoffice_x" in html
        assert 'data-action="read"' in html
        assert "Read a request" in html  # in words, not the code
        assert "Jeanne" not in html  # who and what, not the personal data
