"""Anonymous forms: a per-client rate limit and a honeypot."""

from fixtures.forms import VALID_DATA
from fixtures.pages import fill_valid
from imio.guichet.browser.honeypot import HONEYPOT_NAME
from imio.guichet.submissions import protection
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.protection import SlidingWindowLimiter
from imio.guichet.submissions.protection import TooManySubmissions
from plone import api
from zope.i18n import translate

import pytest
import transaction


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class TestSlidingWindow:
    def test_allows_the_limit_then_says_when_to_retry(self):
        clock = Clock()
        limiter = SlidingWindowLimiter(clock=clock)
        for _ in range(3):
            assert limiter.retry_after("1.2.3.4", 3) == 0
            limiter.record("1.2.3.4")
            clock.now += 60
        wait = limiter.retry_after("1.2.3.4", 3)
        assert 3400 < wait <= 3421  # the first one leaves the window then
        assert limiter.retry_after("5.6.7.8", 3) == 0  # per client
        clock.now += wait
        assert limiter.retry_after("1.2.3.4", 3) == 0

    def test_forgets_quiet_clients(self):
        clock = Clock()
        limiter = SlidingWindowLimiter(clock=clock)
        limiter.record("1.2.3.4")
        clock.now += 3601
        assert limiter.retry_after("1.2.3.4", 1) == 0
        assert limiter._events == {}


def count(procedure_id="x"):
    transaction.begin()
    store = get_store()
    uid = api.content.get_uuid(api.content.get(path=f"/demarches/{procedure_id}"))
    return store.count(procedure_uid=uid)


@pytest.fixture
def limit_of_two(site):
    api.portal.set_registry_record(protection.SETTING, 2)
    transaction.commit()


class TestRateLimitOverRest:
    def test_over_the_limit_is_429_with_retry_after(
        self, site, limit_of_two, session_for
    ):
        anonymous = session_for("Anonymous")
        for _ in range(2):
            filed = anonymous.post(
                "demarches/x/@submissions", json={"data": VALID_DATA}
            )
            assert filed.status_code == 201
        refused = anonymous.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert refused.status_code == 429
        assert refused.json()["error"]["type"] == "TooManyRequests"
        assert 3000 < int(refused.headers["Retry-After"]) <= 3601
        assert count() == 2

    def test_one_minute_left_is_one_minute(
        self, site, limit_of_two, session_for, monkeypatch
    ):
        """The wait is said in minutes: "1 minute", never "1 minutes"."""
        clock = Clock()
        monkeypatch.setattr(protection, "_limiter", SlidingWindowLimiter(clock=clock))
        anonymous = session_for("Anonymous")
        for _ in range(2):
            filed = anonymous.post(
                "demarches/x/@submissions", json={"data": VALID_DATA}
            )
            assert filed.status_code == 201
        clock.now += 59 * 60  # the first leaves the window in 61 seconds
        refused = anonymous.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "61"
        assert refused.json()["error"]["message"] == (
            "Too many requests were sent from your connection in the last "
            "hour. Please try again in 1 minute."
        )

    def test_refused_attempts_do_not_count(self, site, limit_of_two, session_for):
        anonymous = session_for("Anonymous")
        for _ in range(3):
            bad = anonymous.post("demarches/x/@submissions", json={"data": {}})
            assert bad.status_code == 400
        for _ in range(2):
            ok = anonymous.post("demarches/x/@submissions", json={"data": VALID_DATA})
            assert ok.status_code == 201

    def test_replays_do_not_count(self, site, limit_of_two, session_for):
        anonymous = session_for("Anonymous")
        for _ in range(3):
            again = anonymous.post(
                "demarches/x/@submissions",
                json={"data": VALID_DATA},
                headers={"Idempotency-Key": "same"},
            )
            assert again.status_code == 201
        assert count() == 1

    def test_logged_in_citizens_are_not_limited(self, site, limit_of_two, session_for):
        citizen = session_for("citizen_a")
        for _ in range(3):
            filed = citizen.post("demarches/x/@submissions", json={"data": VALID_DATA})
            assert filed.status_code == 201

    def test_zero_disables(self, site, session_for):
        api.portal.set_registry_record(protection.SETTING, 0)
        transaction.commit()
        anonymous = session_for("Anonymous")
        for _ in range(25):
            filed = anonymous.post(
                "demarches/x/@submissions", json={"data": VALID_DATA}
            )
            assert filed.status_code == 201


class TestHtmlForm:
    def open_form(self, site, browser_for, who="Anonymous"):
        browser = browser_for(who)
        browser.raiseHttpErrors = False
        browser.open(f"{site.demarches.x.absolute_url()}/@@submit")
        return browser

    def test_honeypot_is_hidden_from_people(self, site, browser_for):
        browser = self.open_form(site, browser_for)
        html = browser.contents
        start = html.index('class="imio-guichet-hp"')
        wrapper = html[html.rindex("<div", 0, start) : html.index("</div>", start)]
        assert 'aria-hidden="true"' in wrapper
        assert 'tabindex="-1"' in wrapper
        assert 'autocomplete="off"' in wrapper

    def test_logged_in_forms_have_no_honeypot(self, site, browser_for):
        browser = self.open_form(site, browser_for, "citizen_a")
        assert "imio-guichet-hp" not in browser.contents

    def test_filled_honeypot_stores_nothing(self, site, browser_for):
        browser = self.open_form(site, browser_for)
        fill_valid(browser)
        browser.getControl(name=f"form.widgets.{HONEYPOT_NAME}").value = "http://spam"
        browser.getControl(name="form.buttons.send").click()
        assert browser.headers["status"].startswith("400")
        assert "could not be sent" in browser.contents
        assert count() == 0

    def test_over_the_limit_is_explained(self, site, limit_of_two, browser_for):
        for _ in range(2):
            browser = self.open_form(site, browser_for)
            fill_valid(browser)
            browser.getControl(name="form.buttons.send").click()
            assert "@@confirmation" in browser.url
        browser = self.open_form(site, browser_for)
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert browser.headers["status"].startswith("429")
        assert int(browser.headers["Retry-After"]) > 0
        assert "Too many requests" in browser.contents
        assert count() == 2


class TestTryAgainIn:
    """How long to wait, counted as the reader counts (two whole messages,
    never "minute(s)")."""

    @pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
    def test_one_minute_or_more(self, language):
        one = TooManySubmissions(61, language).message
        assert one == "reason_too_many_submissions_one"
        assert one.mapping == {"count": 1}
        # Less than half a minute left: still 1 minute, never 0.
        assert TooManySubmissions(20, language).message.mapping == {"count": 1}
        other = TooManySubmissions(3600, language).message
        assert other == "reason_too_many_submissions_other"
        assert other.mapping == {"count": 60}

    def test_in_english(self):
        assert translate(TooManySubmissions(90, "en").message).endswith(
            "Please try again in 2 minutes."
        )
        assert translate(TooManySubmissions(61, "en").message).endswith(
            "Please try again in 1 minute."
        )


def test_quiet_clients_are_swept_when_the_table_grows():
    clock = Clock()
    limiter = SlidingWindowLimiter(clock=clock)
    limiter.max_clients = 3
    for client in ("a", "b", "c"):
        limiter.record(client)
    clock.now += 3601
    limiter.record("d")  # the table grew beyond 3: a, b and c are gone
    assert set(limiter._events) == {"d"}
