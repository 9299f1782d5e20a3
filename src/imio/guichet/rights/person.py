"""Everything held about one person, found by their national register
number or their e-mail address: what the data protection officer answers
a citizen's request of access or erasure with.

The lookup is exact (a number however it is written, through
python-stdnum; an e-mail address whatever its letter case) and reads the
submission store only: nothing submitted is ever in ``portal_catalog``.
There is no index by person yet, so it reads the requests of the
procedures the caller may read, one procedure index after the other
(O(requests of those procedures)); the staff search index, when it
exists, is to replace :func:`find_requests`. An e-mail address also finds
the requests of the accounts that have it (the store's index by
submitter: no scan).
"""

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.identities import identity_key
from imio.guichet.rights.fields import FormFields
from imio.guichet.rights.nrn import mask
from imio.guichet.rights.nrn import normalize
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.storage import Submission
from plone import api

import re


INVALID_NRN = _(
    "error_person_nrn",
    default="This is not a valid national register number (or BIS number).",
)
INVALID_EMAIL = _("error_person_email", default="This is not an e-mail address.")
PERSON_REQUIRED = _(
    "error_person_required",
    default="Give a national register number or an e-mail address.",
)
#: An e-mail address as far as looking one up goes (exact match after).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\Z")
#: Most requests a lookup lists (a person with more is an anomaly).
MAX_FOUND = 1000


def mask_email(email: str) -> str:
    """``jeanne@example.org`` -> ``j***@example.org``."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class PersonQuery:
    """Who is looked for: a national register number (11 digits) and/or
    an e-mail address (lower case)."""

    nrn: str | None = None
    email: str | None = None

    @classmethod
    def parse(cls, form: Mapping) -> "PersonQuery":
        """From the page's or the API's ``nrn`` and ``email``; raises
        :class:`InvalidQuery` with the faulty field(s)."""
        nrn_text = _text(form.get("nrn"))
        email_text = _text(form.get("email"))
        errors = []
        nrn = normalize(nrn_text) if nrn_text else None
        if nrn_text and nrn is None:
            errors.append(FieldError("nrn", "invalid_niss", INVALID_NRN))
        email = email_text.lower() if email_text else None
        if email and not _EMAIL.match(email):
            errors.append(FieldError("email", "invalid_email", INVALID_EMAIL))
            email = None
        if errors:
            raise InvalidQuery(errors[0].message, fields=errors)
        if not nrn and not email:
            raise InvalidQuery(
                PERSON_REQUIRED,
                fields=[FieldError("nrn", "required", PERSON_REQUIRED)],
            )
        return cls(nrn=nrn, email=email)

    def audited(self) -> dict:
        """Who was looked for, as the audit trail keeps it: masked, never
        the value. No hash of it either: with the birth date the mask
        keeps, a number has about a thousand candidates, and a hash of it
        would give it away at once; the references found say whom."""
        details = {}
        if self.nrn:
            details["nrn"] = mask(self.nrn)
        if self.email:
            details["email"] = mask_email(self.email)
        return details


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def accounts_with_email(email: str) -> list[str]:
    """User ids of the accounts whose e-mail address is ``email`` (any
    letter case)."""
    found = []
    acl_users = api.portal.get_tool("acl_users")
    for user in acl_users.searchUsers(email=email, exact_match=True):
        user_id = user.get("userid") or user.get("id")
        member = api.user.get(userid=user_id)
        address = member.getProperty("email", "") if member is not None else ""
        if user_id and (address or "").strip().lower() == email:
            found.append(user_id)
    return found


def matches(submission: Submission, query: PersonQuery, fields: FormFields) -> bool:
    """Whether ``submission`` holds the number or the address looked for."""
    data = submission.data or {}
    if query.nrn:
        verified = submission.verified_identity or {}
        if verified.get("national_number") == query.nrn:
            return True
        names = fields.nrn_fields(submission)
        candidates = data if names is None else {n: data.get(n) for n in names}
        for value in candidates.values():
            if isinstance(value, str) and normalize(value) == query.nrn:
                return True
    if query.email:
        names = fields.email_fields(submission)
        candidates = data if names is None else {n: data.get(n) for n in names}
        for value in candidates.values():
            if isinstance(value, str) and value.strip().lower() == query.email:
                return True
    return False


def find_requests(
    query: PersonQuery, procedure_uids: Iterable[str] | None
) -> list[Submission]:
    """The requests of ``procedure_uids`` (None: every procedure) that hold
    the person's number or address, or that an account with the address
    filed; oldest first, at most :data:`MAX_FOUND`."""
    store = get_store()
    if store is None:
        return []
    uids = None if procedure_uids is None else set(procedure_uids)
    fields = FormFields()
    found = {}

    def take(keys: Iterator[int], check: bool) -> None:
        for key in keys:
            if len(found) >= MAX_FOUND:
                return
            submission = store.by_key(key)
            if submission is None or key in found:
                continue
            if uids is not None and submission.procedure_uid not in uids:
                continue
            if not check or matches(submission, query, fields):
                found[key] = submission

    if query.email:
        for user_id in accounts_with_email(query.email):
            owner = identity_key(user_id)
            if owner:
                take(store.submitted_by(owner, None, False), check=False)
    take(candidate_keys(store, query, uids), True)
    return [found[key] for key in sorted(found)]


def candidate_keys(store, query: PersonQuery, uids: set[str] | None) -> Iterable[int]:
    """The keys of the requests that may hold the person's number or
    address: those the staff search index finds by their exact value (each
    still checked by :func:`matches`), else, on a store not indexed yet
    (before upgrade 1016 ran), every request of the procedures."""
    procedures = None if uids is None else sorted(uids)
    if store._search is None:
        return store.iter_keys(procedures, None, None)
    keys = set()
    for value in (query.nrn, query.email):
        if value:
            keys.update(search.search(store, search.parse_search(value), procedures))
    return sorted(keys)
