"""Site Administrators' use cases: API tokens, webhook subscriptions and
the e-mail outbox.

Each takes the explicit :class:`~imio.guichet.caller.Caller` first and does,
in one place, the permission check ("imio.guichet: Manage integrations",
asked of Zope's security for the current user, who is the caller), the
domain call (:mod:`imio.guichet.tokens.api`, :mod:`imio.guichet.webhooks.api`)
and the audit record of what changed. Refusals are
:class:`~imio.guichet.errors.GuichetError` subclasses only.
"""

from dataclasses import dataclass
from datetime import datetime
from imio.guichet.audit import record_as
from imio.guichet.caller import Caller
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import NotFound
from imio.guichet.notifications import outbox as mail_outbox
from imio.guichet.permissions import ManageIntegrations
from imio.guichet.tokens import api as tokens
from imio.guichet.webhooks import api as webhooks
from imio.guichet.webhooks.registry import EVENT_TYPES
from imio.guichet.webhooks.registry import Subscription
from plone import api


NO_SUCH_TOKEN = "No such token."
NO_SUCH_WEBHOOK = "No such webhook subscription."


@dataclass(frozen=True)
class WebhookState:
    """A subscription with what it still has to deliver and its log."""

    subscription: Subscription
    #: Deliveries waiting in the outbox.
    pending: int
    #: Logged attempts, newest first.
    deliveries: list[dict]


def _check_may_manage(caller: Caller) -> None:
    if api.user.has_permission(ManageIntegrations, obj=api.portal.get()):
        return
    raise LoginRequired() if caller.is_anonymous else Forbidden()


def _audit(caller: Caller, action: str, details: dict) -> None:
    record_as(caller.user_id, action, (), details)


# -- API tokens ---------------------------------------------------------------


def create_token(
    caller: Caller, user_id, label, *, expires: datetime | None = None
) -> tuple[dict, str]:
    """Make a token for a back-office account: its record and the token
    itself, which the caller is shown once."""
    _check_may_manage(caller)
    record, token = tokens.create_token(
        user_id, label, created_by=caller.user_id, expires=expires
    )
    _audit(
        caller,
        "create_token",
        {"token": record["id"], "user": record["user_id"], "label": label},
    )
    return record, token


def list_tokens(caller: Caller) -> list[dict]:
    """Every token's record (never the tokens), oldest first."""
    _check_may_manage(caller)
    return tokens.list_tokens()


def revoke_token(caller: Caller, token_id) -> None:
    """Revoke a token at once (NotFound when there is no such token)."""
    _check_may_manage(caller)
    record = tokens.revoke_token(token_id) if isinstance(token_id, str) else None
    if record is None:
        raise NotFound(NO_SUCH_TOKEN)
    _audit(caller, "revoke_token", tokens.revocation_details(record))


def account_deleted(caller: Caller, user_id: str) -> int:
    """An account was deleted by ``caller``: revoke its tokens (a new
    account given the same id must not inherit them), each recorded in the
    audit trail as revoked by ``caller``. No permission is checked here:
    PAS already let ``caller`` delete the account, and its tokens must die
    with it whoever did. Returns how many tokens were revoked."""
    revoked = tokens.revoke_tokens_of(user_id)
    for record in revoked:
        _audit(caller, "revoke_token", tokens.revocation_details(record))
    return len(revoked)


# -- webhook subscriptions ----------------------------------------------------


def _subscription_details(subscription: Subscription) -> dict:
    return {
        "webhook": subscription.id,
        "procedure": subscription.procedure_uid,
        "url": subscription.url,
    }


def create_webhook(
    caller: Caller, procedure_uid, url, event_types=EVENT_TYPES, *, site_url: str
) -> Subscription:
    """Subscribe ``url`` to a procedure's submissions; the subscription's
    secret is shown to the caller once. ``site_url``: the site's address as
    the caller reached it (the events' links are built from it)."""
    _check_may_manage(caller)
    subscription = webhooks.subscribe(
        procedure_uid,
        url,
        event_types,
        created_by=caller.user_id,
        site_url=site_url,
    )
    _audit(caller, "subscribe_webhook", _subscription_details(subscription))
    return subscription


def list_webhooks(caller: Caller) -> list[Subscription]:
    _check_may_manage(caller)
    return webhooks.list_subscriptions()


def read_webhook(caller: Caller, subscription_id) -> WebhookState:
    """A subscription, its pending deliveries and its delivery log."""
    _check_may_manage(caller)
    subscription = (
        webhooks.get_subscription(subscription_id)
        if isinstance(subscription_id, str)
        else None
    )
    if subscription is None:
        raise NotFound(NO_SUCH_WEBHOOK)
    return WebhookState(
        subscription,
        webhooks.pending_count(subscription.id),
        webhooks.delivery_log(subscription.id),
    )


def update_webhook(
    caller: Caller, subscription_id, *, url=None, event_types=None
) -> Subscription:
    """Change a subscription's URL or events (what is not given stays)."""
    _check_may_manage(caller)
    subscription = (
        webhooks.update_subscription(subscription_id, url=url, event_types=event_types)
        if isinstance(subscription_id, str)
        else None
    )
    if subscription is None:
        raise NotFound(NO_SUCH_WEBHOOK)
    _audit(
        caller,
        "update_webhook",
        {
            **_subscription_details(subscription),
            "events": list(subscription.event_types),
        },
    )
    return subscription


def delete_webhook(caller: Caller, subscription_id) -> None:
    """Stop pushing to a subscription; its pending deliveries are dropped."""
    _check_may_manage(caller)
    removed = (
        webhooks.unsubscribe(subscription_id)
        if isinstance(subscription_id, str)
        else None
    )
    if removed is None:
        raise NotFound(NO_SUCH_WEBHOOK)
    _audit(caller, "unsubscribe_webhook", _subscription_details(removed))


# -- e-mail outbox --------------------------------------------------------------

#: Attempts of the e-mail outbox shown (REST and the integrations page).
MAIL_ATTEMPTS_SHOWN = 50


def read_mail_outbox(caller: Caller) -> mail_outbox.OutboxState:
    """How many e-mails wait or were given up, and the last attempts to
    send them (recipients masked, no message bodies)."""
    _check_may_manage(caller)
    return mail_outbox.state(api.portal.get(), MAIL_ATTEMPTS_SHOWN)


def retry_failed_mail(caller: Caller) -> int:
    """Send the e-mails that were given up again, now (once the SMTP
    server is fixed); returns how many."""
    _check_may_manage(caller)
    retried = mail_outbox.retry_failed(api.portal.get())
    _audit(caller, "retry_failed_mail", {"count": retried})
    return retried
