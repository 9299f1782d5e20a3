"""The administration use cases, called directly with a Caller (no request):
the permission check, the domain call and the audit record in one place."""

from imio.guichet.audit import page as audit_page
from imio.guichet.caller import Caller
from imio.guichet.caller import SCRIPT
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import NotFound
from imio.guichet.tokens.api import InvalidToken
from imio.guichet.usecases import admin
from imio.guichet.webhooks.api import InvalidSubscription
from imio.guichet.webhooks.registry import EVENT_TYPES
from imio.guichet.webhooks.registry import SUBMISSION_CREATED
from plone import api

import pytest


SITE_URL = "https://www.commune.example"


@pytest.fixture
def accounts(procedure):
    with api.env.adopt_roles(["Manager"]):
        for username, roles in (
            ("siteadmin", ["Site Administrator"]),
            ("office", []),
        ):
            api.user.create(
                email=f"{username}@example.org",
                username=username,
                password="secret-Passw0rd",
            )
            if roles:
                api.user.grant_roles(username=username, roles=roles)
        api.user.grant_roles(
            username="office", obj=procedure, roles=["GuichetBackOffice"]
        )
    return procedure


def as_user(username: str):
    """Zope's security runs as the caller, as the channels arrange it."""
    return api.env.adopt_user(username=username)


def caller(username: str | None) -> Caller:
    roles = (
        frozenset(api.user.get_roles(username=username)) if username else frozenset()
    )
    return Caller(user_id=username, roles=roles, channel=SCRIPT)


def audited() -> list[tuple]:
    records, _next = audit_page(None, 100)
    return [(r["actor"], r["action"], r["details"]) for r in records]


def every_operation(who: Caller, procedure_uid: str):
    return [
        lambda: admin.create_token(who, "office", "ERP"),
        lambda: admin.list_tokens(who),
        lambda: admin.revoke_token(who, "0" * 32),
        lambda: admin.create_webhook(
            who, procedure_uid, "https://bo.example/in", site_url=SITE_URL
        ),
        lambda: admin.list_webhooks(who),
        lambda: admin.read_webhook(who, "0" * 32),
        lambda: admin.update_webhook(who, "0" * 32, url="https://bo.example/x"),
        lambda: admin.delete_webhook(who, "0" * 32),
    ]


def test_a_non_administrator_is_refused_everything(accounts):
    with as_user("office"):
        for operation in every_operation(caller("office"), accounts.UID()):
            with pytest.raises(Forbidden):
                operation()
    assert audited() == []


def test_an_anonymous_caller_must_log_in(accounts):
    with api.env.adopt_roles(["Anonymous"]):
        for operation in every_operation(caller(None), accounts.UID()):
            with pytest.raises(LoginRequired):
                operation()


def test_tokens_made_and_revoked_are_audited(accounts):
    who = caller("siteadmin")
    with as_user("siteadmin"):
        record, token = admin.create_token(who, "office", "ERP")
        assert record["created_by"] == "siteadmin"
        assert [t["id"] for t in admin.list_tokens(who)] == [record["id"]]
        admin.revoke_token(who, record["id"])
        assert admin.list_tokens(who) == []
        with pytest.raises(NotFound):
            admin.revoke_token(who, record["id"])
    details = {"token": record["id"], "user": "office", "label": "ERP"}
    assert audited() == [
        ("siteadmin", "create_token", details),
        ("siteadmin", "revoke_token", details),
    ]
    assert token not in str(audited())


def test_a_deleted_accounts_tokens_are_revoked_in_the_deleters_name(accounts):
    """Deleting an account through Plone (whoever may) revokes its tokens
    by the use case, recorded as done by the one who deleted it."""
    with as_user("siteadmin"):
        record, _token = admin.create_token(caller("siteadmin"), "office", "ERP")
    with api.env.adopt_user(username="admin"):
        api.user.delete(username="office")
    with as_user("siteadmin"):
        assert admin.list_tokens(caller("siteadmin")) == []
    details = {"token": record["id"], "user": "office", "label": "ERP"}
    assert audited()[-1] == ("admin", "revoke_token", details)


def test_deleting_an_account_without_tokens_records_nothing(accounts):
    assert admin.account_deleted(caller("siteadmin"), "office") == 0
    assert audited() == []


def test_refused_tokens_are_invalid_input_with_their_message(accounts):
    with as_user("siteadmin"), pytest.raises(InvalidToken) as refused:
        admin.create_token(caller("siteadmin"), "siteadmin", "x")
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.status == 400
    assert "not administrators" in str(refused.value.message)
    assert audited() == []


def test_webhook_lifecycle_is_audited(accounts):
    who = caller("siteadmin")
    uid = accounts.UID()
    with as_user("siteadmin"):
        made = admin.create_webhook(
            who, uid, "https://bo.example/in", site_url=SITE_URL
        )
        assert made.created_by == "siteadmin"
        assert made.site_url == SITE_URL
        assert [s.id for s in admin.list_webhooks(who)] == [made.id]
        changed = admin.update_webhook(
            who, made.id, url="https://bo.example/v2", event_types=[SUBMISSION_CREATED]
        )
        assert changed.url == "https://bo.example/v2"
        assert changed.event_types == (SUBMISSION_CREATED,)
        state = admin.read_webhook(who, made.id)
        assert (state.subscription, state.pending, state.deliveries) == (made, 0, [])
        admin.delete_webhook(who, made.id)
        with pytest.raises(NotFound):
            admin.read_webhook(who, made.id)
    common = {"webhook": made.id, "procedure": uid}
    assert audited() == [
        (
            "siteadmin",
            "subscribe_webhook",
            {**common, "url": "https://bo.example/in"},
        ),
        (
            "siteadmin",
            "update_webhook",
            {**common, "url": "https://bo.example/v2", "events": [SUBMISSION_CREATED]},
        ),
        (
            "siteadmin",
            "unsubscribe_webhook",
            {**common, "url": "https://bo.example/v2"},
        ),
    ]


def test_a_refused_update_changes_nothing(accounts):
    who = caller("siteadmin")
    with as_user("siteadmin"):
        made = admin.create_webhook(
            who, accounts.UID(), "https://bo.example/in", site_url=SITE_URL
        )
        with pytest.raises(InvalidSubscription):
            admin.update_webhook(
                who, made.id, url="https://bo.example/v2", event_types=["nope"]
            )
        with pytest.raises(InvalidSubscription):
            admin.update_webhook(who, made.id, url="ftp://bo.example/in")
    assert made.url == "https://bo.example/in"
    # Made without a choice of events: all of them, unchanged by the refusals.
    assert made.event_types == EVENT_TYPES
    assert [action for _actor, action, _details in audited()] == ["subscribe_webhook"]
