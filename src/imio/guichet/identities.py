"""Which account a request or a draft belongs to, beyond its login.

A login (user id) can be reused: delete the account ``jdupont``, create
another ``jdupont``, and a check by user id alone would hand the newcomer
the first one's requests. So every account that files or keeps a draft
gets an *identity key*, a random id made the first time and kept in the
site's :class:`IdentityStore` (annotation ``imio.guichet.identities``);
submissions and drafts keep the user id **and** this key, and belong to
the caller only when both match. Deleting the account forgets its key
(:mod:`imio.guichet.subscribers`), so a new account with the same login
gets a new one and matches nothing of the old account.
"""

from imio.guichet.storage import ShardedMap
from imio.guichet.storage import site_store
from persistent import Persistent

import secrets


ANNOTATION_KEY = "imio.guichet.identities"


class IdentityStore(Persistent):
    """User id -> identity key, for the accounts that filed or kept a draft."""

    def __init__(self):
        # Sharded by user id: a citizen's first filing writes one shard.
        self._keys = ShardedMap()

    def get(self, user_id: str) -> str | None:
        return self._keys.get(user_id)

    def make(self, user_id: str) -> str:
        key = self._keys.get(user_id)
        if key is None:
            key = self._keys[user_id] = secrets.token_hex(16)
        return key

    def forget(self, user_id: str) -> str | None:
        """Drop ``user_id``'s key (its account is gone); the key it had."""
        return self._keys.pop(user_id)


def get_identity_store(create: bool = False) -> IdentityStore | None:
    return site_store(ANNOTATION_KEY, IdentityStore, create=create)


def identity_key(user_id: str | None, *, create: bool = False) -> str | None:
    """The identity key of the account ``user_id`` (None: anonymous, or an
    account that never filed, unless ``create``)."""
    if not user_id:
        return None
    store = get_identity_store(create=create)
    if store is None:
        return None
    return store.make(user_id) if create else store.get(user_id)


def is_same_account(
    user_id: str | None, stored_user_id: str | None, stored_key: str | None
) -> bool:
    """Whether the account ``user_id`` is the one that a submission or a
    draft recorded (login and identity key)."""
    if not user_id or stored_user_id != user_id or not stored_key:
        return False
    return identity_key(user_id) == stored_key
