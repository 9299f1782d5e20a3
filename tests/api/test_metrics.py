"""Health and metrics for operators (issue #11): ``@@guichet-health`` for
load balancers, ``@@guichet-metrics`` for Prometheus, on the test server."""

from fixtures.forms import VALID_DATA
from fixtures.mail import configure_mailhost
from fixtures.mail import free_port
from fixtures.mail import SERVICE
from fixtures.pages import fill_valid
from fixtures.receiver import Receiver
from imio.guichet.caller import Caller
from imio.guichet.caller import SCRIPT
from imio.guichet.metrics.addresses import RECORD
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.usecases.filing import file_submission
from imio.guichet.webhooks.registry import get_registry
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser
from prometheus_client.parser import text_string_to_metric_families

import pytest
import requests
import time
import transaction


def health(site) -> requests.Response:
    return requests.get(f"{site.absolute_url()}/@@guichet-health", timeout=30)


def scrape(site, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD), **headers):
    return requests.get(
        f"{site.absolute_url()}/@@guichet-metrics",
        auth=auth,
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def samples(site) -> dict:
    """(sample name, frozenset of labels) -> value, as Prometheus reads it."""
    answer = scrape(site)
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(read: dict, name: str, **labels) -> float:
    return read.get((name, frozenset(labels.items())), 0.0)


def assert_offered_to_log_in(answer) -> None:
    """Plone's answer to an anonymous visitor refused (Unauthorized): the
    login form, and nothing of the metrics."""
    assert answer.status_code == 302
    assert "/require_login?came_from=" in answer.headers["Location"]
    assert "guichet_" not in answer.text


def wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def allow_addresses(*networks) -> None:
    api.portal.set_registry_record(RECORD, list(networks))
    transaction.commit()


class TestHealth:
    def test_healthy(self, site):
        answer = health(site)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/json")
        assert "no-store" in answer.headers["Cache-Control"]
        assert answer.json() == {
            "status": "ok",
            "database": True,
            "webhooks": {"pending": 0, "oldest_seconds": None},
            "mail": {"pending": 0, "oldest_seconds": None},
        }

    def test_unavailable_when_the_database_cannot_be_read(self, site):
        """The test's own storage is closed under the site: the view reads
        from the storage, not from the objects already in memory, and
        answers 503. (Through the test server the request would fail
        before any view, opening its connection: the balancer would see a
        500 or nothing, which takes the instance out all the same.)"""
        changes = site._p_jar.db().storage.changes  # this test's writes
        view = site.restrictedTraverse("@@guichet-health")
        changes.close()
        try:
            body = view()
            status = view.request.response.getStatus()
        finally:
            changes._opened = True  # the layer closes it after the test
        assert status == 503
        assert view.request.response.getHeader("Cache-Control") == "no-store"
        assert body == (
            '{"status": "unavailable", "database": false, '
            '"webhooks": null, "mail": null}'
        )

    def test_anonymous_and_nothing_personal(self, site, session_for):
        session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        text = health(site).text
        assert "jeanne" not in text.lower() and "Dupont" not in text


class TestAccess:
    def test_anonymous_is_refused(self, site):
        answer = scrape(site, auth=None)
        assert_offered_to_log_in(answer)

    def test_a_member_is_refused(self, site):
        answer = scrape(site, auth=("citizen_a", "secret-Passw0rd"))
        assert answer.status_code == 403
        assert "guichet_" not in answer.text

    def test_a_site_administrator_is_refused(self, site):
        # Managers only (or whoever is given "imio.guichet: Read metrics").
        answer = scrape(site, auth=("siteadmin", "secret-Passw0rd"))
        assert answer.status_code == 403

    def test_manager(self, site):
        answer = scrape(site)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        assert "no-store" in answer.headers["Cache-Control"]
        assert "# TYPE guichet_filings_total counter" in answer.text

    def test_anonymous_from_an_allowed_address(self, site):
        allow_addresses("10.0.0.0/8", "127.0.0.1")
        answer = scrape(site, auth=None)
        assert answer.status_code == 200
        assert "guichet_mail_outbox_pending" in answer.text

    def test_an_allowed_network(self, site):
        allow_addresses("127.0.0.0/24")
        assert scrape(site, auth=None).status_code == 200

    def test_other_addresses_are_refused(self, site):
        allow_addresses("10.0.0.5", "2001:db8::/32")
        assert_offered_to_log_in(scrape(site, auth=None))

    def test_a_forwarded_address_is_not_believed(self, site):
        # No trusted proxy in front of the test server: X-Forwarded-For is
        # anybody's to write, so the client's own address decides.
        allow_addresses("10.0.0.5")
        answer = scrape(site, auth=None, **{"X-Forwarded-For": "10.0.0.5"})
        assert_offered_to_log_in(answer)

    def test_the_control_panel_refuses_what_is_not_an_address(self, site):
        browser = Browser(site.aq_parent)
        browser.addHeader(
            "Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"
        )
        browser.open(f"{site.absolute_url()}/@@guichet-settings")
        control = browser.getControl(name="form.widgets.metrics_allowed_networks")
        control.value = "10.0.0.0/24\nintranet"
        browser.getControl(name="form.buttons.save").click()
        assert "error" in browser.contents
        transaction.begin()
        assert api.portal.get_registry_record(RECORD) == []
        control = browser.getControl(name="form.widgets.metrics_allowed_networks")
        control.value = "10.0.0.0/24\n2001:db8::1"
        browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        assert api.portal.get_registry_record(RECORD) == ["10.0.0.0/24", "2001:db8::1"]


class TestCounters:
    def test_filings_are_counted_by_channel_and_procedure(self, site, session_for):
        uid = api.content.get_uuid(site.demarches.x)
        before = samples(site)
        answer = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        assert answer.status_code == 201
        browser = Browser(site.aq_parent)
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" in browser.url
        after = samples(site)
        for channel in ("rest", "html"):
            labels = {"channel": channel, "procedure": uid}
            assert value(after, "guichet_filings_total", **labels) == (
                value(before, "guichet_filings_total", **labels) + 1
            )
        # Each endpoint's latency, by a fixed name.
        for endpoint, method in (("@submissions", "POST"), ("@@submit", "POST")):
            labels = {"endpoint": endpoint, "method": method}
            name = "guichet_request_duration_seconds_count"
            assert value(after, name, **labels) == value(before, name, **labels) + 1

    def test_a_replayed_filing_is_counted_once(self, site, session_for):
        uid = api.content.get_uuid(site.demarches.x)
        before = samples(site)
        # A replay of the same Idempotency-Key files nothing new.
        session = session_for("Anonymous")
        statuses = [
            session.post(
                "demarches/x/@submissions",
                json={"data": VALID_DATA},
                headers={"Idempotency-Key": "metrics-once"},
            ).status_code
            for _ in range(2)
        ]
        assert statuses == [201, 201]  # the same answer, replayed
        after = samples(site)
        labels = {"channel": "rest", "procedure": uid}
        assert value(after, "guichet_filings_total", **labels) == (
            value(before, "guichet_filings_total", **labels) + 1
        )

    def test_a_filing_counts_once_committed(self, site):
        uid = api.content.get_uuid(site.demarches.x)
        labels = {"channel": "script", "procedure": uid}
        before = value(samples(site), "guichet_filings_total", **labels)
        caller = Caller(user_id=None, channel=SCRIPT, client_address="127.0.0.1")
        transaction.begin()
        file_submission(caller, site.demarches.x, VALID_DATA)
        transaction.abort()  # rolled back: nothing was filed
        assert value(samples(site), "guichet_filings_total", **labels) == before
        file_submission(caller, site.demarches.x, VALID_DATA)
        transaction.commit()
        assert value(samples(site), "guichet_filings_total", **labels) == before + 1

    def test_refusals_are_counted_by_code(self, site, session_for):
        before = samples(site)
        answer = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": {**VALID_DATA, "copies": 9}}
        )
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_data"
        browser = Browser(site.aq_parent)
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl("E-mail").value = "not-an-email"
        browser.getControl(name="form.buttons.send").click()
        assert 'data-error-code="invalid_email"' in browser.contents
        answer = session_for("Anonymous").get("@submissions/nope")
        assert answer.status_code == 401
        after = samples(site)
        for channel, code in (
            ("rest", "invalid_data"),
            ("html", "invalid_data"),
            ("rest", "login_required"),
        ):
            labels = {"channel": channel, "code": code}
            assert value(after, "guichet_refusals_total", **labels) == (
                value(before, "guichet_refusals_total", **labels) + 1
            ), (channel, code)

    def test_endpoints_are_named_without_ids(self, site, session_for):
        filed = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        office = session_for("backoffice_x")
        assert office.get(f"@submissions/{filed.json()['id']}").status_code == 200
        text = scrape(site).text
        assert 'endpoint="@submissions/*",method="GET"' in text
        assert filed.json()["id"] not in text
        assert filed.json()["reference"] not in text


class TestOutboxes:
    def test_a_waiting_email_shows(self, site, session_for):
        configure_mailhost(free_port())  # nobody listens: the e-mails wait
        site.demarches.x.service_emails = [SERVICE]
        transaction.commit()
        before = samples(site)
        answer = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        assert answer.status_code == 201
        transaction.begin()
        assert get_outbox(site).backlog().pending == 2  # citizen and service
        read = {}

        def tried():
            read.update(samples(site))
            return value(read, "guichet_mail_attempts_total", outcome="retrying") > (
                value(before, "guichet_mail_attempts_total", outcome="retrying")
            )

        wait_for(tried)  # the worker found the server down
        assert value(read, "guichet_mail_outbox_pending") == 2
        assert value(read, "guichet_mail_outbox_oldest_seconds") > 0
        assert value(read, "guichet_mail_outbox_failed") == 0
        waiting = health(site).json()["mail"]
        assert waiting["pending"] == 2
        assert waiting["oldest_seconds"] >= 0
        assert health(site).status_code == 200  # a mail server down is no 503

    def test_a_waiting_webhook_delivery_shows(self, site, session_for):
        with Receiver() as receiver:
            receiver.answers = [503]  # the back office is down
            uid = api.content.get_uuid(site.demarches.x)
            created = session_for("siteadmin").post(
                "@guichet-webhooks", json={"procedure": uid, "url": receiver.url}
            )
            assert created.status_code == 201
            before = samples(site)
            session_for("Anonymous").post(
                "demarches/x/@submissions", json={"data": VALID_DATA}
            )
            receiver.wait_for(1)
            read = {}

            def recorded():
                read.update(samples(site))
                name = "guichet_webhook_attempts_total"
                return value(read, name, outcome="retrying") > value(
                    before, name, outcome="retrying"
                )

            wait_for(recorded)
        assert value(read, "guichet_webhook_outbox_pending") == 1
        assert value(read, "guichet_webhook_outbox_oldest_seconds") > 0
        assert health(site).json()["webhooks"]["pending"] == 1
        transaction.begin()
        registry = get_registry(site)
        [delivery] = registry.pending()
        registry.remove_delivery(delivery)  # delivered, as another instance would
        assert registry.backlog().pending == 0
        transaction.commit()
        assert health(site).json()["webhooks"] == {"pending": 0, "oldest_seconds": None}

    def test_the_feed_lag(self, site, session_for):
        session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        read = samples(site)
        # Filed just now: in an open slot until the settling step closes it.
        assert value(read, "guichet_feed_pending_changes") >= 1
        assert value(read, "guichet_feed_oldest_pending_seconds") >= 0


@pytest.fixture(autouse=True)
def no_listed_address(site):
    allow_addresses()
