"""When an account is deleted, what it filed is no longer anyone's.

Its submissions lose their submitter (their identity key stays, for the
record) and leave "My requests"; its drafts lose their owner (they open for
nobody and expire); its identity key (and what an identity provider verified
for it) is forgotten, so that a new account with the same login starts
with nothing (see :mod:`imio.guichet.identities`).
The tracking link of a request, with its secret, keeps opening it, and the
back offices keep handling it.
"""

from imio.guichet.drafts.api import get_draft_store
from imio.guichet.identities import forget_verified_identity
from imio.guichet.identities import get_identity_store
from imio.guichet.submissions.api import get_store
from plone import api
from plone.api.exc import CannotGetPortalError

import logging


logger = logging.getLogger(__name__)


def detach_account(user_id: str) -> int:
    """Detach the submissions and drafts of the account ``user_id``;
    return how many submissions were detached."""
    identities = get_identity_store()
    key = identities.forget(user_id) if identities is not None else None
    forget_verified_identity(user_id)
    store = get_store()
    # By key; and by login, for what a script filed without a key.
    detached = []
    if store is not None:
        for owner in {key, user_id} - {None}:
            detached.extend(store.detach_submitter(owner))
    drafts = get_draft_store()
    if drafts is not None:
        drafts.detach_owner(user_id)
    if detached:
        logger.info("Account %s deleted: %d requests detached", user_id, len(detached))
    return len(detached)


def account_deleted(event) -> None:
    """Subscriber of PAS's ``IPrincipalDeletedEvent``."""
    try:
        api.portal.get()
    except CannotGetPortalError:
        return  # an account of the Zope root: nothing of ours
    detach_account(event.principal)
