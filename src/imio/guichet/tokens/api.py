"""Making, listing and revoking API tokens (no request needed)."""

from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import UTC
from imio.guichet.errors import InvalidInput
from imio.guichet.submissions.api import audit_access
from imio.guichet.tokens.plugin import GuichetTokenPlugin
from imio.guichet.tokens.plugin import LastUse
from imio.guichet.tokens.plugin import PLUGIN_ID
from imio.guichet.tokens.plugin import PRIVILEGED_ROLES
from imio.guichet.tokens.plugin import token_hash
from imio.guichet.tokens.plugin import TOKEN_PREFIX
from plone import api
from plone.api.exc import CannotGetPortalError

import secrets
import uuid


#: A token that is not given an expiry date lasts this long.
DEFAULT_LIFETIME = timedelta(days=365)
MAX_LIFETIME = timedelta(days=2 * 365)


class InvalidToken(InvalidInput):
    """The token asked for cannot be made (message says why)."""

    code = "invalid_token"


def expiry_from_iso(text: str) -> datetime:
    """The expiry date of a token given as ISO 8601 text (REST);
    :class:`InvalidToken` with our message, never Python's."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidToken(
            "expires must be an ISO 8601 date and time with an offset, such as "
            "2027-01-31T12:00:00+01:00"
        ) from None


def expiry_from_day(day: str, zone) -> datetime:
    """The end of ``day`` (``YYYY-MM-DD``, a date field) in ``zone``."""
    try:
        date = datetime.strptime(day, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        raise InvalidToken("expires must be a day as YYYY-MM-DD") from None
    return datetime.combine(date, time(23, 59), zone)


def install_plugin(site) -> GuichetTokenPlugin:
    """Add and activate the plugin in the site's user folder (idempotent)."""
    acl_users = site.acl_users
    if PLUGIN_ID not in acl_users.objectIds():
        acl_users._setObject(PLUGIN_ID, GuichetTokenPlugin())
        acl_users[PLUGIN_ID].manage_activateInterfaces(
            ["IExtractionPlugin", "IAuthenticationPlugin"]
        )
    return acl_users[PLUGIN_ID]


def remove_plugin(site) -> None:
    if PLUGIN_ID in site.acl_users.objectIds():
        site.acl_users.manage_delObjects([PLUGIN_ID])


def _plugin() -> GuichetTokenPlugin:
    return install_plugin(api.portal.get())


TOO_FAR = "expires must be in the future, at most two years ahead"


def create_token(
    user_id: str,
    label: str,
    *,
    created_by: str | None,
    expires: datetime | None = None,
    now: datetime | None = None,
) -> tuple[dict, str]:
    """Make a token for a back-office account; return its record and the
    token itself (shown once: only its hash is kept)."""
    now = now or datetime.now(UTC)
    user = api.user.get(userid=user_id) if isinstance(user_id, str) else None
    if user is None:
        raise InvalidToken("user must be the id of an existing account")
    if PRIVILEGED_ROLES & set(api.user.get_roles(user=user)):
        raise InvalidToken(
            "tokens are for back-office accounts, not administrators: "
            "grant the account the procedures it handles instead"
        )
    if not isinstance(label, str) or not label.strip() or len(label) > 200:
        raise InvalidToken("label must be a text of 1 to 200 characters")
    if expires is None:
        expires = now + DEFAULT_LIFETIME
    if expires.tzinfo is None:
        raise InvalidToken("expires must carry a time zone offset")
    try:
        # Stored in UTC: any zone object the caller used need not be picklable.
        expires = expires.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is after year 9999 in UTC
        raise InvalidToken(TOO_FAR) from None
    if not now < expires <= now + MAX_LIFETIME:
        raise InvalidToken(TOO_FAR)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = {
        "id": uuid.uuid4().hex,
        "user_id": user_id,
        "login": user.getUserName(),
        "label": label.strip(),
        "created": now,
        "created_by": created_by,
        "expires": expires,
        "last_used": None,
        # Enough to recognise a token in a configuration file, not to use it.
        "hint": token[: len(TOKEN_PREFIX) + 4],
    }
    plugin = _plugin()
    plugin.tokens[token_hash(token)] = record
    plugin.hashes[record["id"]] = token_hash(token)
    plugin.uses[token_hash(token)] = LastUse()
    return dict(record), token


def list_tokens() -> list[dict]:
    plugin = _plugin()
    records = []
    for hashed in plugin.hashes.values():
        records.append({**plugin.tokens[hashed], "last_used": plugin.uses[hashed].when})
    return sorted(records, key=lambda record: record["created"])


def revoke_token(token_id: str) -> dict | None:
    """Revoke at once: the next request with the token is anonymous.
    Returns the revoked token's record, None when there is no such token."""
    plugin = _plugin()
    hashed = plugin.hashes.pop(token_id, None)
    if hashed is None:
        return None
    record = plugin.tokens.pop(hashed)
    plugin.uses.pop(hashed, None)
    return dict(record)


def revocation_details(record: dict) -> dict:
    """What the audit trail keeps of a revoked token (never the token)."""
    return {"token": record["id"], "user": record["user_id"], "label": record["label"]}


def revoke_tokens_of(user_id: str) -> int:
    """Revoke every token of an account (when it is deleted: a new account
    given the same id must not inherit them). Returns how many."""
    plugin = _plugin()
    ids = [
        token_id
        for token_id, hashed in plugin.hashes.items()
        if plugin.tokens[hashed]["user_id"] == user_id
    ]
    for token_id in ids:
        # No caller asked for this: the account's deletion did, by whoever
        # deleted it (the current user), so it is recorded here.
        audit_access("revoke_token", (), revocation_details(revoke_token(token_id)))
    return len(ids)


def account_deleted(event) -> None:
    """Subscriber of PAS's IPrincipalDeletedEvent."""
    try:
        site = api.portal.get()
    except CannotGetPortalError:  # deleted outside a site (a Zope root user)
        return
    principal = event.principal
    user_id = principal if isinstance(principal, str) else principal.getId()
    if PLUGIN_ID in site.acl_users.objectIds():
        revoke_tokens_of(user_id)
