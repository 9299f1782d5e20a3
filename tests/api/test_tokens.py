"""Revocable API tokens for back-office machines."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from plone import api

import pytest
import requests
import time
import transaction


@pytest.fixture
def admin(site, session_for):
    return session_for("siteadmin")


def bearer(site, token):
    session = requests.Session()
    session.headers.update({"Accept": "application/json"})
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return lambda path, **kw: session.request(
        kw.pop("method", "GET"), f"{site.absolute_url()}/{path}", **kw
    )


@pytest.fixture
def filed(site, session_for):
    return (
        session_for("Anonymous")
        .post("demarches/x/@submissions", json={"data": VALID_DATA})
        .json()["id"]
    )


def make_token(admin, user="backoffice_x", **body):
    response = admin.post(
        "@guichet-tokens", json={"user": user, "label": "ERP", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestTokens:
    def test_token_reads_what_its_account_may_read(self, site, admin, filed):
        call = bearer(site, make_token(admin)["token"])
        assert call(f"@submissions/{filed}").status_code == 200
        # Its account handles procedure X only.
        assert call("demarches/y/@submissions").status_code == 403

    def test_revoked_token_is_refused_at_once(self, site, admin, filed):
        made = make_token(admin)
        call = bearer(site, made["token"])
        assert call(f"@submissions/{filed}").status_code == 200
        assert admin.delete(f"@guichet-tokens/{made['id']}").status_code == 204
        assert call(f"@submissions/{filed}").status_code == 401
        assert admin.delete(f"@guichet-tokens/{made['id']}").status_code == 404

    def test_unknown_or_expired_token_is_anonymous(self, site, admin, filed):
        assert (
            bearer(site, "gt_" + "x" * 43)(f"@submissions/{filed}").status_code == 401
        )
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        call = bearer(site, make_token(admin, expires=soon)["token"])
        assert call(f"@submissions/{filed}").status_code == 200
        time.sleep(2.1)
        assert call(f"@submissions/{filed}").status_code == 401

    def test_listing_shows_records_never_tokens(self, admin):
        made = make_token(admin)
        listed = admin.get("@guichet-tokens").json()
        assert listed["items_total"] == 1
        item = listed["items"][0]
        assert item["id"] == made["id"]
        assert item["user_id"] == "backoffice_x"
        assert item["created_by"] == "siteadmin"
        assert item["hint"] == made["token"][:7]
        assert "token" not in item
        assert made["token"] not in admin.get("@guichet-tokens").text

    def test_last_used_is_recorded(self, site, admin, filed):
        made = make_token(admin)
        assert admin.get("@guichet-tokens").json()["items"][0]["last_used"] is None
        bearer(site, made["token"])(f"@submissions/{filed}")
        assert admin.get("@guichet-tokens").json()["items"][0]["last_used"]

    @pytest.mark.parametrize(
        "body, message",
        [
            ({"user": "nobody", "label": "x"}, "existing account"),
            ({"user": "siteadmin", "label": "x"}, "not administrators"),
            ({"user": "backoffice_x", "label": ""}, "label"),
            (
                {"user": "backoffice_x", "label": "x", "expires": "2020-01-01T00:00Z"},
                "future",
            ),
            ({"user": "backoffice_x", "label": "x", "expires": "2027-01-01"}, "offset"),
            ({"user": "backoffice_x", "label": "x", "expires": "soon"}, "ISO 8601"),
            ({"user": "backoffice_x", "label": "x", "scope": "all"}, "Unknown keys"),
        ],
    )
    def test_bad_requests(self, admin, body, message):
        response = admin.post("@guichet-tokens", json=body)
        assert response.status_code == 400
        assert message in response.json()["error"]["message"]
        assert admin.get("@guichet-tokens").json()["items_total"] == 0

    @pytest.mark.parametrize(
        "who, status",
        [
            ("Anonymous", 401),
            ("citizen_a", 401),
            ("backoffice_x", 401),
            ("editor", 401),
            ("siteadmin", 200),
            ("Manager", 200),
        ],
    )
    def test_only_administrators_manage_tokens(self, site, session_for, who, status):
        session = session_for(who)
        assert session.get("@guichet-tokens").status_code == status
        created = session.post(
            "@guichet-tokens", json={"user": "backoffice_x", "label": "x"}
        )
        assert created.status_code == (201 if status == 200 else status)


class TestAccountChanges:
    def test_token_of_an_account_made_administrator_stops_working(
        self, site, admin, filed
    ):
        call = bearer(site, make_token(admin)["token"])
        assert call(f"@submissions/{filed}").status_code == 200
        transaction.begin()
        with api.env.adopt_roles(["Manager"]):
            api.user.grant_roles(username="backoffice_x", roles=["Manager"])
        transaction.commit()
        assert call("@users").status_code == 401
        assert call("@guichet-tokens").status_code == 401

    def test_tokens_of_a_deleted_account_are_revoked(self, site, admin, filed):
        made = make_token(admin)
        call = bearer(site, made["token"])
        transaction.begin()  # see the token the server committed
        with api.env.adopt_roles(["Manager"]):
            api.user.delete(username="backoffice_x")
        transaction.commit()
        assert call(f"@submissions/{filed}").status_code == 401
        assert admin.get("@guichet-tokens").json()["items_total"] == 0
        # A new account with the same id does not inherit the token.
        with api.env.adopt_roles(["Manager"]):
            api.user.create(
                email="new@example.org", username="backoffice_x", password="secret123"
            )
        transaction.commit()
        assert call("@users/backoffice_x").status_code == 401


def test_concurrent_uses_of_a_token_do_not_conflict(tmp_path):
    """Two transactions noting a use of the same token both commit."""
    from datetime import datetime
    from datetime import UTC
    from imio.guichet.tokens.plugin import LastUse
    from ZODB.DB import DB
    from ZODB.FileStorage import FileStorage

    db = DB(FileStorage(str(tmp_path / "Data.fs")))
    with db.transaction() as connection:
        connection.root()["use"] = LastUse()
    first, second = transaction.TransactionManager(), transaction.TransactionManager()
    one, two = db.open(first), db.open(second)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    one.root()["use"].when = late
    two.root()["use"].when = early
    first.commit()
    second.commit()  # resolved, not a ConflictError
    with db.transaction() as connection:
        assert connection.root()["use"].when == late
    one.close()
    two.close()
    db.close()


def test_giving_and_taking_machine_access_is_audited(site, admin):
    made = make_token(admin)
    admin.delete(f"@guichet-tokens/{made['id']}")
    records = admin.get("@guichet-audit").json()["items"]
    actions = [(r["action"], r["actor"], r["details"].get("user")) for r in records]
    assert ("create_token", "siteadmin", "backoffice_x") in actions
    assert ("revoke_token", "siteadmin", "backoffice_x") in actions
    assert made["token"] not in str(records)
