"""Domain functions on drafts: save, find, list, delete, purge.

A draft keeps what a citizen typed in a procedure's form so that they can
come back to it later: a logged-in citizen finds it in "Mes démarches"; an
anonymous one gets a resume link with a secret (only its hash is stored,
like a password-reset token). Drafts are not validated (they may be
incomplete) but bounded in size, keep only the form's own fields, never
files, expire after the lifetime set in the Guichet control panel, and are
never delivered to back offices. These functions take no request.
"""

from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical_uid
from imio.guichet.drafts.storage import Draft
from imio.guichet.drafts.storage import DraftStore
from imio.guichet.errors import GuichetError
from imio.guichet.forms.fields import Address
from imio.guichet.forms.model import is_file_field
from imio.guichet.forms.validation import is_empty
from imio.guichet.identities import identity_key
from imio.guichet.identities import is_same_account
from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.storage import site_store
from itertools import islice
from plone import api
from zope.schema import getFieldsInOrder
from zope.schema import List
from zope.schema import Set
from zope.schema import Tuple

import hashlib
import hmac
import json
import math
import secrets
import uuid


STORE_KEY = "imio.guichet.drafts"
DEFAULT_LIFETIME_DAYS = 30
#: What a draft may weigh, as JSON characters (a long form is a few KB).
MAX_DRAFT_SIZE = 100_000
#: Drafts a logged-in citizen may keep at once.
MAX_DRAFTS_PER_OWNER = 20
#: Values of one input (a list of checked boxes, say).
MAX_LIST_ITEMS = 200
#: Expired drafts removed by each save (the rest by purge_expired).
PURGE_ON_SAVE = 5


class DraftRefused(GuichetError):
    """A draft cannot be saved; ``message`` says why, for the citizen."""

    code = "draft_refused"


def get_draft_store(create: bool = False) -> DraftStore | None:
    """The site's draft store (created on demand when ``create``)."""
    return site_store(STORE_KEY, DraftStore, create=create)


def draft_lifetime() -> timedelta:
    """How long a draft is kept after its last save (control panel)."""
    days = api.portal.get_registry_record(
        "draft_lifetime_days", interface=IGuichetSettings, default=None
    )
    return timedelta(days=days or DEFAULT_LIFETIME_DAYS)


def hash_secret(secret: str) -> str:
    # surrogatepass: whatever a header or query decoded to hashes (to a
    # hash no real secret has) rather than failing.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _is_scalar(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | bool | int)


def _fits(field, value) -> bool:
    """Whether ``value`` has a JSON shape that ``field`` may hold (checked no
    further: a draft may be incomplete or wrong)."""
    if isinstance(field, Address):
        return isinstance(value, Mapping) and all(
            isinstance(part, str) and isinstance(text, str)
            for part, text in value.items()
        )
    if isinstance(field, List | Set | Tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) <= MAX_LIST_ITEMS
            and all(_is_scalar(item) for item in value)
        )
    return _is_scalar(value)


def clean_draft_data(schema, data: Mapping) -> dict:
    """Keep of ``data`` (answers as JSON, the shape of a submission's
    ``data``, not validated) only the form's fields but files, with values
    of a shape their field may hold, empty ones left out; raise
    :class:`DraftRefused` when it is too large."""
    if not isinstance(data, Mapping):
        return {}
    fields = dict(getFieldsInOrder(schema))
    kept = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or is_file_field(field) or is_empty(value):
            continue
        if _fits(field, value):
            kept[name] = dict(value) if isinstance(value, Mapping) else value
    if len(json.dumps(kept, ensure_ascii=False)) > MAX_DRAFT_SIZE:
        raise DraftRefused(
            _(
                "error_draft_too_large",
                default="This draft is too large to be saved. Shorten your "
                "answers, or send your request.",
            )
        )
    return kept


def is_expired(draft: Draft, now: datetime | None = None) -> bool:
    return draft.expires <= (now or datetime.now(UTC))


def save_draft(
    procedure,
    answers: Mapping,
    owner: str | None,
    now: datetime | None = None,
    *,
    draft: Draft | None = None,
    language: str | None = None,
) -> tuple[Draft, str | None]:
    """Save ``answers`` (JSON, see :func:`clean_draft_data`) to
    ``procedure``'s form as a draft.

    A new draft unless ``draft`` (found with :func:`get_draft`) is given,
    which is saved again. Returns the draft and the secret of its resume
    link: a new one for a new anonymous draft, None otherwise (a logged-in
    citizen's draft opens for its owner; a draft saved again keeps its
    secret). Raises :class:`DraftRefused`.
    """
    now = now or datetime.now(UTC)
    data = clean_draft_data(IOnlineForm(procedure).get_form_schema(), answers)
    store = get_draft_store(create=True)
    purge_expired(now, limit=PURGE_ON_SAVE)
    expires = now + draft_lifetime()
    if draft is not None:
        store.replace(draft, data, now, expires)
        return draft, None
    if owner is not None and len(store.owned_by(owner)) >= MAX_DRAFTS_PER_OWNER:
        raise DraftRefused(
            _(
                "error_too_many_drafts",
                default="You already keep ${count} drafts: delete some in "
                '"My requests" before saving another one.',
                mapping={"count": MAX_DRAFTS_PER_OWNER},
            )
        )
    secret = None if owner is not None else secrets.token_urlsafe(24)
    draft = Draft(
        draft_id=uuid.uuid4().hex,
        procedure_uid=canonical_uid(procedure),
        data=data,
        owner=owner,
        owner_key=identity_key(owner, create=True),
        secret_hash=None if secret is None else hash_secret(secret),
        saved=now,
        expires=expires,
        language=language,
    )
    store.add(draft)
    return draft, secret


def get_draft(
    draft_id,
    *,
    secret: str | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Draft | None:
    """The draft ``draft_id`` if it opens with ``secret`` (anonymous drafts)
    or belongs to ``owner`` (logged-in citizens), and has not expired.

    None otherwise, whatever the reason: unknown, wrong secret, someone
    else's or expired drafts all look the same.
    """
    store = get_draft_store()
    known = store is not None and isinstance(draft_id, str)
    draft = store.get(draft_id) if known else None
    # Hash even when unknown: the answer takes as long either way.
    given = hash_secret(secret) if isinstance(secret, str) and secret else None
    expected = draft.secret_hash if draft is not None else None
    # Different placeholders: no secret never opens a draft without one.
    opens_with_secret = hmac.compare_digest(given or "-", expected or "+")
    owned = draft is not None and is_same_account(owner, draft.owner, draft.owner_key)
    if draft is None or not (opens_with_secret or owned):
        return None
    if is_expired(draft, now):
        return None
    return draft


def delete_draft(draft: Draft) -> None:
    """Remove ``draft`` (when its form is filed, or its citizen asks)."""
    store = get_draft_store()
    if store is not None:
        store.remove(draft)


def list_drafts(owner: str, now: datetime | None = None) -> list[Draft]:
    """``owner``'s drafts that have not expired, last saved first."""
    store = get_draft_store()
    if store is None or not owner:
        return []
    drafts = (store.get(draft_id) for draft_id in store.owned_by(owner))
    alive = [
        draft
        for draft in drafts
        if draft is not None
        and is_same_account(owner, draft.owner, draft.owner_key)
        and not is_expired(draft, now)
    ]
    return sorted(alive, key=lambda draft: draft.saved, reverse=True)


def purge_expired(now: datetime | None = None, limit: int | None = None) -> int:
    """Remove expired drafts (all, or the ``limit`` oldest); how many.

    Called by every save for a few of them; run it from a script or a cron
    job for the rest (see docs/forms.md).
    """
    store = get_draft_store()
    if store is None:
        return 0
    expired = list(islice(store.expired_before(now or datetime.now(UTC)), limit))
    for draft in expired:
        store.remove(draft)
    return len(expired)
