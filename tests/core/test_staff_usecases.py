"""The use cases of staff and back offices, called directly with a Caller:
who is refused and how, what the audit trail records, and the one parser
of listing and export filters (same bounds for the REST listing, the staff
page and the export)."""

from datetime import date
from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.caller import REST
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import MessageRequired
from imio.guichet.errors import NotFound
from imio.guichet.errors import StaleVersion
from imio.guichet.errors import TransitionNotAllowed
from imio.guichet.errors import VersionRequired
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.usecases import audit as audit_usecases
from imio.guichet.usecases import staff
from imio.guichet.usecases.audit import AuditQuery
from plone import api

import io
import pytest
import transaction


ANONYMOUS = Caller(user_id=None, channel=REST)


def as_user(who: str, channel: str = REST) -> Caller:
    return Caller(user_id=who, channel=channel)


def records() -> list[dict]:
    return list(iter_records())


@pytest.fixture
def filed(site):
    """x1 (March 1st), x2 (March 5th) of procedure X; y1 (today) of Y."""
    x, y = site.demarches.x, site.demarches.y
    with api.env.adopt_roles(["Manager"]):
        result = {
            "x1": submit(
                x, VALID_DATA, submitter=None, now=datetime(2026, 3, 1, 10, tzinfo=UTC)
            ),
            "x2": submit(
                x, VALID_DATA, submitter=None, now=datetime(2026, 3, 5, 10, tzinfo=UTC)
            ),
            "y1": submit(y, DEFAULT_FORM_DATA, submitter="citizen_b"),
        }
    transaction.commit()
    return {key: submission.id for key, submission in result.items()}


class TestRefusals:
    def test_anonymous_must_log_in(self, filed):
        with pytest.raises(LoginRequired):
            staff.list_submissions(ANONYMOUS, ListingQuery())
        with pytest.raises(LoginRequired):
            staff.read_submission(ANONYMOUS, filed["x1"])
        with pytest.raises(LoginRequired):
            staff.read_submission(ANONYMOUS, "no-such-id")  # says nothing
        assert records() == []

    @pytest.mark.parametrize("who", ["citizen_a", "editor", "backoffice_y"])
    def test_others_are_forbidden(self, site, filed, who):
        caller = as_user(who)
        with api.env.adopt_user(username=who):
            with pytest.raises(Forbidden):
                staff.read_submission(caller, filed["x1"])
            with pytest.raises(Forbidden):
                staff.change_state(caller, filed["x1"], "received", seen_etag="x")
            with pytest.raises(Forbidden):
                staff.acknowledge(caller, filed["x1"])
            with pytest.raises(Forbidden):
                staff.list_submissions(
                    caller,
                    ListingQuery(),
                    within=api.content.get_uuid(site.demarches.x),
                )
            with pytest.raises(Forbidden):
                staff.check_export(caller, site.demarches.x)
        assert records() == []

    def test_unknown_or_elsewhere_is_not_found(self, site, filed):
        caller = as_user("siteadmin")
        with api.env.adopt_user(username="siteadmin"):
            with pytest.raises(NotFound):
                staff.read_submission(caller, "no-such-id")
            with pytest.raises(NotFound):
                staff.read_submission(
                    caller, filed["y1"], within=api.content.get_uuid(site.demarches.x)
                )
            with pytest.raises(NotFound):
                staff.download_attachment(caller, filed["x1"], "nothing-here")

    def test_a_procedure_not_granted_is_forbidden_on_the_site(self, site, filed):
        uid_y = api.content.get_uuid(site.demarches.y)
        with api.env.adopt_user(username="backoffice_x"), pytest.raises(Forbidden):
            staff.list_submissions(
                as_user("backoffice_x"), ListingQuery(procedure_uid=uid_y)
            )

    def test_audit_trail_is_for_site_administrators(self, site):
        with api.env.adopt_user(username="backoffice_x"), pytest.raises(Forbidden):
            audit_usecases.audit_page(as_user("backoffice_x"), AuditQuery())
        with pytest.raises(LoginRequired):
            audit_usecases.audit_page(ANONYMOUS, AuditQuery())


class TestChanges:
    def test_version_rules(self, site, filed):
        caller = as_user("backoffice_x")
        with api.env.adopt_user(username="backoffice_x"):
            submission = get_store().get(filed["x1"])
            with pytest.raises(VersionRequired):
                staff.change_state(caller, filed["x1"], "received", seen_etag=None)
            with pytest.raises(StaleVersion):
                staff.change_state(caller, filed["x1"], "received", seen_etag='"old"')
            with pytest.raises(TransitionNotAllowed) as refused:
                staff.change_state(
                    caller, filed["x1"], "closed", seen_etag=etag(submission)
                )
            assert refused.value.message.mapping == {"allowed": "received, in_progress"}
            assert submission.state == "submitted"
            staff.change_state(
                caller, filed["x1"], "in_progress", seen_etag=etag(submission)
            )
            with pytest.raises(MessageRequired) as refused:
                staff.change_state(
                    caller, filed["x1"], "waiting_citizen", seen_etag=etag(submission)
                )
            assert [f.field for f in refused.value.fields] == ["message"]
        assert [(r["action"], r["details"]) for r in records()] == [
            ("change_state", {"from": "submitted", "to": "in_progress"})
        ]

    def test_acknowledge_is_recorded_once_as_first(self, site, filed):
        caller = as_user("backoffice_x")
        with api.env.adopt_user(username="backoffice_x"):
            with pytest.raises(InvalidInput):
                staff.acknowledge(caller, filed["x1"], external_reference=12)
            _, first = staff.acknowledge(caller, filed["x1"], external_reference="B-1")
            _, again = staff.acknowledge(caller, filed["x1"], external_reference="B-2")
        assert first == again
        assert [r["details"] for r in records()] == [{"first": True}, {"first": False}]


class TestAudit:
    def test_reads_are_recorded_with_their_channel(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"):
            staff.read_submission(as_user("backoffice_x"), filed["x1"])
            staff.read_submission(as_user("backoffice_x", HTML), filed["x2"])
        assert [
            (r["actor"], r["action"], r["submissions"], r["details"]) for r in records()
        ] == [
            ("backoffice_x", "read", [filed["x1"]], {}),
            ("backoffice_x", "read", [filed["x2"]], {"ui": True}),
        ]

    def test_listing_records_what_it_showed(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"):
            page = staff.list_submissions(
                as_user("backoffice_x"), ListingQuery(), audited_query={"a": "b"}
            )
            # An empty page showed nothing: nothing to record.
            staff.list_submissions(
                as_user("backoffice_x"), ListingQuery(state="closed")
            )
        assert {s.id for s in page.items} == {filed["x1"], filed["x2"]}
        [record] = records()
        assert record["action"] == "list"
        assert set(record["submissions"]) == {filed["x1"], filed["x2"]}
        assert record["details"] == {"query": {"a": "b"}}

    def test_export_records_the_count(self, site, filed):
        out = io.BytesIO()
        with api.env.adopt_user(username="backoffice_x"):
            count = staff.export_submissions(
                as_user("backoffice_x"),
                site.demarches.x,
                ExportQuery(kind="jsonl", created_from=date(2026, 3, 2)),
                out.write,
            )
        assert count == 1 and len(out.getvalue().splitlines()) == 1
        assert [(r["action"], r["details"]) for r in records()] == [
            (
                "export",
                {
                    "count": 1,
                    "procedure": api.content.get_uuid(site.demarches.x),
                    "format": "jsonl",
                    "from": "2026-03-02",
                },
            )
        ]

    def test_audit_page_and_csv(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"):
            for key in ("x1", "x2"):
                staff.read_submission(as_user("backoffice_x"), filed[key])
        with api.env.adopt_user(username="siteadmin"):
            admin = as_user("siteadmin")
            first, cursor = audit_usecases.audit_page(admin, AuditQuery(limit=1))
            assert cursor
            second, last = audit_usecases.audit_page(
                admin, AuditQuery.parse({"after": cursor, "limit": "1"})
            )
            assert [r["submissions"] for r in first + second] == [
                [filed["x1"]],
                [filed["x2"]],
            ]
            assert last is None
            with pytest.raises(InvalidQuery):
                AuditQuery.parse({"after": "forged"})
            newest, _ = audit_usecases.audit_page(admin, AuditQuery(descending=True))
            assert [r["submissions"] for r in newest] == [[filed["x2"]], [filed["x1"]]]
            out = io.BytesIO()
            audit_usecases.export_audit(as_user("siteadmin"), out.write)
        assert len(out.getvalue().splitlines()) == 3


class TestBulk:
    def test_each_request_alone(self, site, filed):
        """One refused (another procedure's), one stale, one moved: each
        outcome on its own, only the moved one changed and audited."""
        caller = as_user("backoffice_x")
        with api.env.adopt_user(username="backoffice_x"):
            store = get_store()
            outcomes = staff.change_states(
                caller,
                [
                    (filed["x1"], etag(store.get(filed["x1"]))),
                    (filed["x2"], '"stale"'),
                    (filed["y1"], etag(store.get(filed["y1"]))),
                    (filed["x1"], etag(store.get(filed["x1"]))),  # twice: once
                ],
                "received",
                message="Bien reçu",
            )
        assert [(o.submission_id, o.moved) for o in outcomes] == [
            (filed["x1"], True),
            (filed["x2"], False),
            (filed["y1"], False),
        ]
        assert isinstance(outcomes[1].refused, StaleVersion)
        assert isinstance(outcomes[2].refused, Forbidden)
        assert outcomes[2].reference is None  # not the caller's to know
        assert outcomes[1].reference == get_store().get(filed["x2"]).reference
        changes = [r for r in records() if r["action"] == "change_state"]
        assert [r["submissions"] for r in changes] == [[filed["x1"]]]
        assert get_store().get(filed["x2"]).state == "submitted"

    @pytest.mark.parametrize(
        "seen,state,code",
        [
            ([], "received", "none_chosen"),
            ([("a", "b")], "", "state_required"),
            ([("a", "b")], "elsewhere", "unknown_state"),
            ([(str(n), "b") for n in range(101)], "received", "too_many"),
        ],
    )
    def test_refused_whole(self, site, seen, state, code):
        with (
            api.env.adopt_user(username="backoffice_x"),
            pytest.raises(InvalidInput) as refused,
        ):
            staff.change_states(as_user("backoffice_x"), seen, state)
        assert [field.code for field in refused.value.fields] == [code]
        with pytest.raises(LoginRequired):
            staff.change_states(ANONYMOUS, [("a", "b")], "received")


BAD_DAYS = ["31/31/2026", "0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"]


class TestOneParser:
    @pytest.mark.parametrize("day", BAD_DAYS)
    @pytest.mark.parametrize("name", ["from", "to"])
    def test_same_day_bounds_for_listing_page_and_export(self, name, day):
        with pytest.raises(InvalidQuery) as listing:
            ListingQuery.parse({name: day})
        with pytest.raises(InvalidQuery) as export:
            ExportQuery.parse({name: day})
        query, page_errors = ListingQuery.read({name: day})
        expected = [(name, "invalid_day")]
        assert [(f.field, f.code) for f in listing.value.fields] == expected
        assert [(f.field, f.code) for f in export.value.fields] == expected
        assert [(f.field, f.code) for f in page_errors] == expected
        assert query == ListingQuery()  # the page lists without that filter

    @pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31", "2026-03-02"])
    def test_days_within_the_bounds(self, day):
        parsed = date.fromisoformat(day)
        assert ListingQuery.parse({"from": day}).created_from == parsed
        assert ExportQuery.parse({"to": day}).created_to == parsed

    @pytest.mark.parametrize(
        "params",
        [
            {"state": "lost"},
            {"limit": "0"},
            {"limit": "101"},
            {"cursor": "forged"},
            {"since": "garbage"},
            {"since": "0", "state": "received"},
            {"since": "0", "from": "2026-01-01"},
            {"acknowledged": "true"},
            {"acknowledged": "false", "state": "received"},
            {"colour": "red"},
            {"state": ["received", "closed"]},
        ],
    )
    def test_listing_refusals(self, params):
        with pytest.raises(InvalidQuery):
            ListingQuery.parse(params)

    def test_listing_query(self):
        query = ListingQuery.parse(
            {
                "state": "received",
                "from": "2026-03-01",
                "to": "2026-03-31",
                "limit": "5",
            }
        )
        assert query == ListingQuery(
            state="received",
            created_from=date(2026, 3, 1),
            created_to=date(2026, 3, 31),
            limit=5,
        )
        assert ListingQuery.parse({"since": "0", "limit": "2"}).is_feed


class TestRestListingByDay:
    def test_from_and_to(self, site, filed, session_for):
        office = session_for("backoffice_x")
        page = office.get("@submissions?from=2026-03-02&to=2026-03-31").json()
        assert [item["id"] for item in page["items"]] == [filed["x2"]]
        assert page["items_total"] is None  # counting a range would read it all
        page = office.get("@submissions?to=2026-03-01").json()
        assert [item["id"] for item in page["items"]] == [filed["x1"]]
        page = office.get("demarches/x/@submissions?from=2026-03-01").json()
        assert [item["id"] for item in page["items"]] == [filed["x1"], filed["x2"]]

    def test_the_next_page_keeps_the_days(self, site, filed, session_for):
        office = session_for("siteadmin")
        page = office.get("@submissions?from=2026-03-01&to=2026-03-31&limit=1").json()
        assert "from=2026-03-01" in page["next"] and "to=2026-03-31" in page["next"]
        following = office.get(page["next"]).json()
        assert [item["id"] for item in following["items"]] == [filed["x2"]]

    @pytest.mark.parametrize("query", ["from=0001-01-01", "to=2026-13-01", "from=x"])
    def test_bad_days_are_refused_like_the_staff_page(self, site, session_for, query):
        response = session_for("backoffice_x").get(f"@submissions?{query}")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid_query"
        assert error["errors"][0]["code"] == "invalid_day"
