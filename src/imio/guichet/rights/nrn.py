"""National register numbers: read however they are written, masked for
whoever may not see them.

A national register number (or a BIS number) is stored as its 11 digits
(the ``be-niss`` field kind, and ``national_number`` of a verified
identity). Staff who lack *imio.guichet: View national register numbers*
on a request's procedure read it masked, ``85.07.30-***.**``: the birth
date stays (staff recognise a person by it and it is in the request
anyway), the serial number and the check digits, which make the number an
identifier, are hidden.

Masking is done once, where the staff's use cases hand a request out
(:class:`Disclosure`): every page, listing, export, receipt and REST answer
built from what they return reads the masked value, so no view or service
can forget it. Nothing stored changes: a :class:`MaskedSubmission` is a
read-only view of the request.
"""

from imio.guichet.permissions import ViewNationalRegisterNumbers
from imio.guichet.rights.fields import FormFields
from imio.guichet.submissions.storage import Tombstone
from plone import api
from stdnum.be import bis
from stdnum.be import nn
from stdnum.exceptions import ValidationError

import re


#: What replaces the serial number and the check digits.
HIDDEN = "***.**"
#: A value too short to keep its birth date is hidden whole.
HIDDEN_WHOLE = "**.**.**-***.**"


def normalize(text) -> str | None:
    """The 11 digits of a valid national register number or BIS number,
    however it was typed (``85.07.30-033.28``, ``85073003328``, spaces);
    None for anything else."""
    if not isinstance(text, str):
        return None
    for module in (nn, bis):
        try:
            return module.validate(text)
        except ValidationError:
            continue
    return None


def mask(value) -> str:
    """``value`` (a stored number) masked: ``85.07.30-***.**``."""
    digits = re.sub(r"[^0-9]", "", str(value or ""))
    if len(digits) != 11:
        return HIDDEN_WHOLE
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{HIDDEN}"


def may_view_numbers(procedure) -> bool:
    """Whether the current user sees national register numbers in full
    on the requests of ``procedure`` (None: a deleted one, site-wide)."""
    obj = api.portal.get() if procedure is None else procedure
    return api.user.has_permission(ViewNationalRegisterNumbers, obj=obj)


def masked_data(data: dict, fields: frozenset[str] | None) -> dict:
    """A copy of the answers ``data`` with the numbers of ``fields``
    masked (``fields`` None: the form is unknown, every answer that is a
    valid number is)."""
    masked = {}
    for name, value in (data or {}).items():
        hidden = isinstance(value, str) and (
            (fields is not None and name in fields)
            or (fields is None and normalize(value) is not None)
        )
        masked[name] = mask(value) if hidden else value
    return masked


def masked_identity(identity: dict | None) -> dict | None:
    """A copy of a submission's verified identity, its number masked."""
    if not identity or not identity.get("national_number"):
        return identity
    return {**identity, "national_number": mask(identity["national_number"])}


class MaskedSubmission:
    """A request as someone who may not see national register numbers
    reads it: its answers and its verified identity with the numbers
    masked, everything else the request's own. Read-only: nothing can be
    written through it (writes go through the use cases, which open the
    stored request themselves)."""

    #: Whether its national register numbers are masked.
    masks_numbers = True

    def __init__(self, submission, fields: frozenset[str] | None):
        object.__setattr__(self, "_submission", submission)
        object.__setattr__(self, "_fields", fields)

    @property
    def data(self) -> dict:
        return masked_data(self._submission.data, self._fields)

    @property
    def verified_identity(self) -> dict | None:
        return masked_identity(self._submission.verified_identity)

    @property
    def stored(self):
        """The request itself."""
        return self._submission

    def __getattr__(self, name):
        return getattr(self._submission, name)

    def __setattr__(self, name, value):
        raise AttributeError(f"{name}: a masked request is read-only")

    def __repr__(self) -> str:
        return f"<MaskedSubmission {self._submission!r}>"


def stored(submission):
    """The stored request behind ``submission`` (masked or not)."""
    return getattr(submission, "stored", submission)


class Disclosure:
    """What one caller sees of the national register numbers of the
    requests an operation hands out: the permission is asked once per
    procedure, each form version is read once (:class:`FormFields`)."""

    def __init__(self, fields: FormFields | None = None):
        self.fields = fields or FormFields()
        self._reveals = {}

    def reveals(self, procedure_uid: str) -> bool:
        if procedure_uid not in self._reveals:
            procedure = self.fields.procedure(procedure_uid)
            self._reveals[procedure_uid] = may_view_numbers(procedure)
        return self._reveals[procedure_uid]

    def __call__(self, submission):
        """``submission`` as the caller may see it (a deleted one's
        tombstone holds no number)."""
        if submission is None or isinstance(submission, Tombstone):
            return submission
        if self.reveals(submission.procedure_uid):
            return submission
        fields = self.fields.nrn_fields(submission)
        identity = submission.verified_identity or {}
        if fields == frozenset() and not identity.get("national_number"):
            return submission  # no number to mask: the request itself
        return MaskedSubmission(submission, fields)

    def all(self, submissions):
        """Lazily, each of ``submissions`` as the caller may see it."""
        for submission in submissions:
            yield self(submission)


def as_seen(submission):
    """One request as the current user may see it (see :class:`Disclosure`)."""
    return Disclosure()(submission)
