"""1003: the site's public URL, and requests bound to accounts, not logins.

- The Guichet control panel gets ``public_url``, filled with the address
  the upgrade is run from (a Site Administrator's request), since links in
  e-mails and receipts no longer come from the requests' ``Host``.
- Accounts that filed or keep drafts get an identity key (the new
  ``imio.guichet.identities`` store); their submissions and drafts record
  it, and "My requests" is indexed by it. What belongs to a login whose
  account no longer exists is detached, as deleting an account now does.
"""

from imio.guichet.accounts import detach_account
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.identities import get_identity_store
from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.submissions.api import get_store
from imio.guichet.upgrades.v1004 import rebuild_store
from imio.guichet.urls import remember_public_url
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import logging
import transaction


logger = logging.getLogger(__name__)

BATCH = 1000


def public_url_and_identities(setup_tool=None) -> None:
    getUtility(IRegistry).registerInterface(IGuichetSettings)
    remember_public_url(api.portal.get().absolute_url())
    get_identity_store(create=True)
    bind_submissions()
    bind_drafts()


def _account_exists(user_id: str) -> bool:
    return api.user.get(userid=user_id) is not None


def bind_submissions() -> int:
    """Index each login's submissions under its account's identity key (or
    detach them when the account is gone); return how many were bound."""
    # The code below knows the store with integer keys only.
    rebuild_store()
    store = get_store()
    if store is None:
        return 0
    identities = get_identity_store()
    logins = [key for key in store._by_submitter if identities.get(key) is None]
    bound = 0
    for user_id in logins:
        if not _account_exists(user_id):
            detach_account(user_id)
            continue
        key = identities.make(user_id)
        index = store._by_submitter.pop(user_id)
        for submission_key in index:
            submission = store.by_key(submission_key)
            if submission is None:
                continue
            submission.submitter_key = key
            store.index_submitter(submission, submission_key)
            bound += 1
            if bound % BATCH == 0:
                transaction.savepoint(optimistic=True)
    logger.info("Bound %d submissions to their accounts", bound)
    return bound


def bind_drafts() -> int:
    """Record the identity key of each owned draft's account (detach the
    drafts of accounts that are gone)."""
    drafts = get_draft_store()
    if drafts is None:
        return 0
    identities = get_identity_store()
    bound = 0
    for owner in list(drafts._by_owner):
        if not _account_exists(owner):
            drafts.detach_owner(owner)
            continue
        key = identities.make(owner)
        for draft_id in drafts.owned_by(owner):
            draft = drafts.get(draft_id)
            if draft is not None and getattr(draft, "owner_key", None) is None:
                draft.owner_key = key
                bound += 1
    logger.info("Bound %d drafts to their accounts", bound)
    return bound
