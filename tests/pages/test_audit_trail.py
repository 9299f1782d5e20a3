"""The audit trail as people read it (the Site Administrators' page and its
CSV file) and its filters, over the page and the REST API."""

from datetime import datetime
from datetime import UTC
from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from imio.guichet import audit
from imio.guichet.audit import get_audit_log
from imio.guichet.submissions.api import get_submission
from plone import api

import csv
import html
import io
import pytest
import re
import requests
import transaction


def client(site, who="siteadmin", language=None):
    session = requests.Session()
    session.auth = (who, PASSWORD)
    if language:
        session.headers["Accept-Language"] = language
    session.base = site.absolute_url()
    return session


def get(session, path, **params):
    return session.get(f"{session.base}/{path}", params=params)


def file_request(session_for) -> dict:
    answer = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def trail(site, session_for):
    """Two requests and records at known times (UTC), in the journal and
    in the database, by two people, one with a full name; Brussels time."""
    first, second = file_request(session_for), file_request(session_for)
    api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
    api.user.get(username="backoffice_x").setMemberProperties(
        {"fullname": "Élodie Lambert"}
    )
    transaction.commit()
    one = get_submission(first["id"])
    two = get_submission(second["id"])

    def at(day, hour, minute=0):
        return datetime(2026, 3, day, hour, minute, 30, 123456, tzinfo=UTC)

    # March 2026: Brussels is UTC+1 (before the change to summer time).
    audit.record_as(
        "backoffice_x", "read", [one.id], now=at(2, 9, 5), references=[one.reference]
    )
    audit.record_as(
        "backoffice_x",
        "list",
        [one.id, two.id],
        {"query": {"state": "submitted"}},
        now=at(3, 23, 30),  # 4 March, 00:30 in Brussels
        references=[one.reference, two.reference],
    )
    audit.record_as("backoffice_y", "read", [two.id], now=at(5, 14))  # no references
    audit.record_as(
        "backoffice_x",
        "export",
        [],
        {"count": 2, "format": "csv"},
        now=at(6, 8),
        references=[one.reference, two.reference],
    )
    get_audit_log(create=True).add(
        {
            "date": at(4, 10).isoformat(),
            "actor": "backoffice_x",
            "action": "change_state",
            "submissions": [two.id],
            "details": {"from": "submitted", "to": "received"},
            "references": [two.reference],
        },
        at(4, 10),
    )
    transaction.commit()
    return {
        "one": (one.id, one.reference),
        "two": (two.id, two.reference),
    }


def actions_of(page_html: str) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', page_html)


class TestPage:
    def test_readable_newest_first(self, trail, site):
        answer = get(client(site), "@@guichet-audit-log")
        assert answer.status_code == 200
        page = answer.text
        assert actions_of(page) == ["export", "read", "change_state", "list", "read"]
        # Local time, as Belgians write it: no UTC, no seconds.
        assert "06/03/2026 09:00" in page
        assert "04/03/2026 00:30" in page  # the day after in UTC+1
        assert "2026-03-03T23:30" not in html.unescape(page).split("data-date")[0]
        # The person's full name, and the login beside it.
        assert "Élodie Lambert" in html.unescape(page)
        assert "(backoffice_x)" in page
        # Which requests, with a link to their staff page (references kept
        # by the record, or found again for an older record without them).
        one_id, one_reference = trail["one"]
        two_id, two_reference = trail["two"]
        links = re.findall(
            r'class="audit-request"\s+href="([^"]+)"[^>]*>([^<]+)<', page
        )
        assert (
            f"{site.absolute_url()}/@@guichet-request?id={two_id}",
            two_reference,
        ) in links
        assert len(links) == 2 + 1 + 1 + 2 + 1  # export, read, change, list, read
        # A change of state in words.
        assert "Submitted" in page and "Received" in page

    def test_in_the_sites_language(self, trail, site):
        api.portal.set_registry_record("plone.default_language", "fr")
        transaction.commit()
        page = html.unescape(
            get(client(site, language="fr"), "@@guichet-audit-log").text
        )
        assert "A consulté une demande" in page
        assert "A listé des demandes" in page
        assert "A exporté des demandes" in page
        assert "Déposée" in page and "Reçue" in page
        assert ">read<" not in page

    @pytest.mark.parametrize(
        "params,expected",
        [
            ({"actor": "backoffice_y"}, ["read"]),
            ({"action": "read"}, ["read", "read"]),
            (
                {"from": "2026-03-04", "to": "2026-03-05"},
                ["read", "change_state", "list"],
            ),
            ({"to": "2026-03-03"}, ["read"]),  # 4 March 00:30 local is not the 3rd
            ({"actor": "backoffice_x", "action": "list"}, ["list"]),
        ],
    )
    def test_filters(self, trail, site, params, expected):
        page = get(client(site), "@@guichet-audit-log", **params).text
        assert actions_of(page) == expected

    def test_filter_by_request(self, trail, site):
        _one_id, one_reference = trail["one"]
        typed = one_reference.lower()  # as a person types it
        page = get(client(site), "@@guichet-audit-log", reference=typed).text
        # The export names its rows by reference: it is found too.
        assert actions_of(page) == ["export", "list", "read"]
        two_id, _ = trail["two"]
        page = get(client(site), "@@guichet-audit-log", reference=two_id).text
        assert actions_of(page) == ["export", "read", "change_state", "list"]

    def test_faulty_filter_is_explained_next_to_it(self, trail, site):
        answer = get(client(site), "@@guichet-audit-log", **{"from": "2026-13-01"})
        assert answer.status_code == 200
        assert 'data-error-field="from"' in answer.text
        assert 'data-error-code="invalid_day"' in answer.text
        assert len(actions_of(answer.text)) == 5  # the rest still applies

    def test_pages_keep_the_filters(self, trail, site):
        session = client(site)
        answer = get(session, "@@guichet-audit-log", action="read", limit="1")
        assert actions_of(answer.text) == ["read"]
        following = re.search(r'href="([^"]+)"\s*>\s*Next page', answer.text)
        assert following is not None
        url = html.unescape(following[1])
        assert "action=read" in url and "sort_order=descending" in url
        rest = session.get(url).text
        assert actions_of(rest) == ["read"]
        assert "backoffice_x" in rest  # the older read, after backoffice_y's

    def test_csv_of_the_filtered_view(self, trail, site):
        session = client(site)
        page = get(session, "@@guichet-audit-log", actor="backoffice_x").text
        link = html.unescape(re.search(r'class="audit-csv"\s+href="([^"]+)"', page)[1])
        answer = session.get(link)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[0] == ["Date", "Who", "Login", "Action", "Requests", "Details"]
        assert [row[3] for row in rows[1:]] == [
            "Exported requests",
            "Changed the state",
            "Listed requests",
            "Read a request",
        ]
        assert rows[1][0] == "06/03/2026 09:00"
        assert {row[1] for row in rows[1:]} == {"Élodie Lambert"}
        _, one_reference = trail["one"]
        _, two_reference = trail["two"]
        assert rows[1][4] == f"{one_reference} {two_reference}"
        assert rows[2][5] == "Submitted → Received"

    def test_csv_cells_cannot_be_formulas(self, trail, site):
        # A login is chosen by whoever registers: it may start a formula.
        audit.record_as("=HYPERLINK(1)", "read", ["abc"], now=datetime.now(UTC))
        transaction.commit()
        answer = get(client(site), "@@guichet-audit-log", format="csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[1][1:3] == ["'=HYPERLINK(1)", "'=HYPERLINK(1)"]

    def test_others_cannot_read_it(self, trail, site):
        for who in ("backoffice_x", "editor"):
            session = client(site, who)
            answer = session.get(
                f"{session.base}/@@guichet-audit-log?format=csv",
                allow_redirects=False,
            )
            assert answer.status_code in (302, 401, 403)
            assert "Élodie" not in answer.text


class TestRest:
    def test_same_filters_over_rest(self, trail, session_for):
        admin = session_for("siteadmin")
        items = admin.get("@guichet-audit", params={"action": "read"}).json()["items"]
        assert [item["actor"] for item in items] == ["backoffice_x", "backoffice_y"]
        newest = admin.get(
            "@guichet-audit", params={"sort_order": "descending", "limit": "2"}
        ).json()
        assert [item["action"] for item in newest["items"]] == ["export", "read"]
        following = admin.get(newest["next"]).json()
        assert [item["action"] for item in following["items"]] == [
            "change_state",
            "list",
        ]
        one_id, one_reference = trail["one"]
        by_request = admin.get(
            "@guichet-audit", params={"reference": one_reference}
        ).json()["items"]
        assert [item["action"] for item in by_request] == ["read", "list", "export"]
        assert by_request[0]["references"] == [one_reference]
        period = admin.get(
            "@guichet-audit", params={"from": "2026-03-04", "to": "2026-03-04"}
        ).json()["items"]
        assert [item["action"] for item in period] == ["list", "change_state"]

    def test_csv_with_filters(self, trail, session_for):
        answer = session_for("siteadmin").get(
            "@guichet-audit", params={"format": "csv", "actor": "backoffice_y"}
        )
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert [row[1:3] for row in rows[1:]] == [["backoffice_y", "read"]]

    @pytest.mark.parametrize(
        "params,field,code",
        [
            ({"action": "dance"}, "action", "unknown_action"),
            ({"from": "yesterday"}, "from", "invalid_day"),
            ({"from": "2026-03-05", "to": "2026-03-01"}, "to", "period_reversed"),
            ({"sort_order": "sideways"}, "sort_order", "invalid_sort_order"),
            ({"format": "xml"}, "format", "unknown_format"),
            ({"colour": "red"}, "colour", "unknown_parameter"),
        ],
    )
    def test_faulty_filters_are_refused(self, trail, session_for, params, field, code):
        answer = session_for("siteadmin").get("@guichet-audit", params=params)
        assert answer.status_code == 400
        errors = answer.json()["error"]["errors"]
        assert [(error["field"], error["code"]) for error in errors] == [(field, code)]
