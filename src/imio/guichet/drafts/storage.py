"""Persistent structures that hold the drafts of a site.

A draft is not a submission: it lives in its own store (an annotation of
the site, ``imio.guichet.drafts``), never in the submission store's
indexes, the change feed, listings, exports, webhooks or the audit trail.
Like the submission store, every tree written when a citizen saves is
sharded by a hash of a random id, so that concurrent saves rarely conflict.
"""

from BTrees.OOBTree import OOTreeSet
from datetime import datetime
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import sort_key
from persistent import Persistent


class Draft(Persistent):
    """What a citizen typed in a procedure's form, not validated.

    ``data`` holds the answers as JSON, the shape of a submission's
    ``data`` (field name -> value), converted but not validated: the same
    for a draft saved by the HTML form and one saved through ``@drafts``.
    Replaced as a whole, never mutated. Files are never kept. ``owner`` is
    the user id of a logged-in citizen; an anonymous draft has no owner and opens with a
    secret, of which only a hash is kept (``secret_hash``).
    """

    def __init__(
        self,
        *,
        draft_id: str,
        procedure_uid: str,
        data: dict,
        owner: str | None,
        secret_hash: str | None,
        saved: datetime,
        expires: datetime,
        language: str | None = None,
        owner_key: str | None = None,
    ):
        if saved.tzinfo is None or expires.tzinfo is None:
            raise ValueError("dates must be aware datetimes")
        self.id = draft_id
        self.procedure_uid = procedure_uid
        self.data = data
        self.owner = owner
        #: The identity key of the owner's account (imio.guichet.identities).
        self.owner_key = owner_key
        self.secret_hash = secret_hash
        self.created = saved
        self.saved = saved
        self.expires = expires
        self.language = language

    @property
    def expiry_key(self) -> str:
        return sort_key(self.expires, self.id)

    def __repr__(self) -> str:
        return f"<Draft {self.id} of {self.procedure_uid}>"


class DraftStore(Persistent):
    """All drafts of one site: by id, by owner, and by expiry date."""

    def __init__(self):
        self._drafts = ShardedMap()  # id -> Draft
        self._by_owner = ShardedMap()  # owner's user id -> OOTreeSet of ids
        self._expiry = OrderedIndex()  # sort keys "<expires µs>:<id>"

    def __len__(self) -> int:
        return len(self._expiry)

    def get(self, draft_id: str) -> Draft | None:
        return self._drafts.get(draft_id)

    def add(self, draft: Draft) -> None:
        if draft.id in self._drafts:
            raise KeyError(f"Duplicate draft id {draft.id}")
        self._drafts[draft.id] = draft
        self._expiry.insert(draft.expiry_key)
        if draft.owner is not None:
            ids = self._by_owner.get(draft.owner)
            if ids is None:
                ids = self._by_owner[draft.owner] = OOTreeSet()
            ids.insert(draft.id)

    def replace(self, draft: Draft, data: dict, saved: datetime, expires: datetime):
        """Save ``draft`` again: new data, new expiry date."""
        self._expiry.remove(draft.expiry_key)
        draft.data = data
        draft.saved = saved
        draft.expires = expires
        self._expiry.insert(draft.expiry_key)

    def remove(self, draft: Draft) -> None:
        if self._drafts.pop(draft.id) is None:
            return
        self._expiry.remove(draft.expiry_key)
        if draft.owner is not None:
            ids = self._by_owner.get(draft.owner)
            if ids is not None and draft.id in ids:
                ids.remove(draft.id)

    def detach_owner(self, owner: str) -> list[Draft]:
        """The account ``owner`` is gone: its drafts lose their owner (so
        they open for nobody, and expire) and leave its index."""
        ids = self._by_owner.pop(owner) if owner else None
        detached = []
        for draft_id in ids or ():
            draft = self._drafts.get(draft_id)
            if draft is not None:
                draft.owner = None
                detached.append(draft)
        return detached

    def owned_by(self, owner: str) -> list[str]:
        """Ids of ``owner``'s drafts."""
        ids = self._by_owner.get(owner) if owner else None
        return [] if ids is None else list(ids)

    def expired_before(self, when: datetime):
        """Drafts expired at ``when`` (expiry date at or before it), oldest
        first, lazily."""
        stop = sort_key(when, "~")  # after every id of that microsecond
        for key in self._expiry.keys(after=None):
            if key >= stop:
                return
            draft = self._drafts.get(key.split(":", 1)[1])
            if draft is not None:
                yield draft
