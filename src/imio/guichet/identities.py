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

A citizen who logged in with OpenID Connect (itsme, eID... through a
broker) is a person, not a login: their key is derived from the provider
and its stable subject (:func:`subject_identity_key`), the same at every
login, and what the provider verified (national register number, names,
level of assurance) is kept per account in the
:class:`VerifiedIdentityStore`, bound to the login session that proved it
(:func:`verified_identity_of`).
"""

from dataclasses import asdict
from dataclasses import dataclass
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import site_store
from persistent import Persistent

import hashlib
import hmac
import logging
import secrets


logger = logging.getLogger(__name__)


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

    def bind(self, user_id: str, key: str) -> str:
        """Give ``user_id`` the key ``key`` (a verified person's), unless it
        already has one: a key never changes, else the account's earlier
        requests would stop being its own. Returns the account's key."""
        current = self._keys.get(user_id)
        if current is None:
            current = self._keys[user_id] = key
        elif current != key:
            logger.warning("Account %s keeps its identity key", user_id)
        return current

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


# -- verified identities (OpenID Connect) -------------------------------

VERIFIED_ANNOTATION_KEY = "imio.guichet.verified_identities"

#: eIDAS levels of assurance, weakest first.
LEVELS = ("low", "substantial", "high")


def level_reaches(level: str | None, required: str) -> bool:
    """Whether ``level`` (None: unknown) is at least ``required``."""
    if level not in LEVELS:
        return False
    return LEVELS.index(level) >= LEVELS.index(required)


def subject_identity_key(issuer: str, subject: str) -> str:
    """The identity key of the person ``subject`` of the provider
    ``issuer``: the same at every login, so that their requests stay
    theirs; never the key of a local account (those are random)."""
    digest = hashlib.sha256(f"oidc\0{issuer}\0{subject}".encode()).hexdigest()
    return f"oidc-{digest[:32]}"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What an identity provider asserted about the person who logged in."""

    #: The provider (its issuer URL) and the name it is shown with.
    issuer: str
    provider: str
    #: The provider's stable, never reassigned identifier of the person.
    subject: str
    #: The eIDAS level (low, substantial, high) and the raw ``acr`` value.
    level: str | None
    acr: str | None
    national_number: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    #: ISO 8601 UTC time of the login.
    verified_at: str
    #: Random id of the login session that proved it (its cookie).
    login_id: str

    def authentic_values(self) -> dict[str, str]:
        """What a submission records as authentic (never typed by the
        citizen): the national register number and the names."""
        values = {
            "national_number": self.national_number,
            "given_name": self.given_name,
            "family_name": self.family_name,
        }
        return {key: value for key, value in values.items() if value}

    def record(self) -> dict:
        """What a submission keeps of it."""
        return {
            "provider": self.provider,
            "issuer": self.issuer,
            "level": self.level,
            "verified_at": self.verified_at,
            **self.authentic_values(),
        }


class VerifiedIdentityStore(Persistent):
    """User id -> the identity its last OpenID login verified."""

    def __init__(self):
        self._identities = ShardedMap()

    def get(self, user_id: str) -> VerifiedIdentity | None:
        found = self._identities.get(user_id)
        return None if found is None else VerifiedIdentity(**found)

    def set(self, user_id: str, identity: VerifiedIdentity) -> None:
        # A plain dict: the store never depends on the class's pickle.
        self._identities[user_id] = asdict(identity)

    def forget(self, user_id: str) -> None:
        self._identities.pop(user_id)


def get_verified_store(create: bool = False) -> VerifiedIdentityStore | None:
    return site_store(VERIFIED_ANNOTATION_KEY, VerifiedIdentityStore, create=create)


def remember_verified_identity(user_id: str, identity: VerifiedIdentity) -> str:
    """Keep what the provider verified for the account ``user_id``, and
    bind the account to the person; returns the account's identity key."""
    get_verified_store(create=True).set(user_id, identity)
    store = get_identity_store(create=True)
    return store.bind(user_id, subject_identity_key(identity.issuer, identity.subject))


def stored_identity(user_id: str | None) -> VerifiedIdentity | None:
    """The identity last verified for the account ``user_id`` (whatever
    session asks: for the authentic values a form shows)."""
    store = get_verified_store() if user_id else None
    return None if store is None else store.get(user_id)


def verified_identity_of(
    user_id: str | None, login_id: str | None
) -> VerifiedIdentity | None:
    """The verified identity of ``user_id`` *in this session*: only when
    the session is the OpenID login that verified it (``login_id``, from
    its cookie). A password login to the same account, or an older
    session, is not verified."""
    identity = stored_identity(user_id)
    if identity is None or not login_id:
        return None
    if not hmac.compare_digest(identity.login_id, login_id):
        return None
    return identity


def forget_verified_identity(user_id: str) -> None:
    store = get_verified_store()
    if store is not None:
        store.forget(user_id)
