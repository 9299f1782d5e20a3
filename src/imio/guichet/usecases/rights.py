"""The citizens' rights (GDPR art. 15 to 17), whatever the channel.

- A logged-in citizen downloads what is held about their own requests
  (:func:`my_data`, :func:`my_data_pdf`): theirs only, never masked.
- Staff with *imio.guichet: Answer data subject requests* find everything
  about one person by national register number or e-mail address
  (:func:`find_person`) among the requests of the procedures they may
  read, and export it (:func:`export_person`). Both are written to the
  audit trail with who was looked for masked (never the value), and
  national register numbers are masked for them as everywhere else
  (:class:`~imio.guichet.rights.nrn.Disclosure`).

Erasing a person's requests is not here: the page's place for it is left
to the anonymise / delete use case.
"""

from collections.abc import Callable
from datetime import datetime
from datetime import UTC
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import LoginRequired
from imio.guichet.permissions import AnswerDataSubjectRequests
from imio.guichet.rights import own
from imio.guichet.rights.nrn import Disclosure
from imio.guichet.rights.person import find_requests
from imio.guichet.rights.person import PersonQuery
from imio.guichet.rights.person_export import write_person_csv
from imio.guichet.rights.person_export import write_person_json
from imio.guichet.submissions.access import readable_procedure_uids
from imio.guichet.submissions.storage import Submission
from plone import api


#: What a person's requests are exported as.
EXPORT_KINDS = ("json", "csv")


def _citizen(caller: Caller) -> str:
    if caller.is_anonymous:
        raise LoginRequired()
    return caller.user_id


def my_data(caller: Caller, *, site_url: str, now: datetime | None = None) -> dict:
    """Everything held about ``caller``'s requests and drafts (JSON)."""
    return own.own_data(_citizen(caller), site_url, now or datetime.now(UTC))


def my_data_pdf(caller: Caller, *, now: datetime | None = None) -> bytes:
    """The same, as a PDF in the caller's language."""
    return own.own_data_pdf(_citizen(caller), now or datetime.now(UTC), caller.language)


def may_answer_data_requests(caller: Caller) -> bool:
    """Whether ``caller`` may look people up (the staff's way to the page)."""
    return not caller.is_anonymous and api.user.has_permission(
        AnswerDataSubjectRequests, obj=api.portal.get()
    )


def _check(caller: Caller) -> None:
    if caller.is_anonymous:
        raise LoginRequired()
    if not may_answer_data_requests(caller):
        raise Forbidden()


def _found(caller: Caller, query: PersonQuery) -> list[Submission]:
    # Among the procedures the caller may read only: the permission to
    # answer data requests opens no procedure.
    return find_requests(query, readable_procedure_uids())


def find_person(caller: Caller, query: PersonQuery) -> list:
    """The requests that hold the person of ``query``, as ``caller`` may
    see them (national register numbers masked without the permission);
    the lookup is written to the trail, even when it found nothing."""
    _check(caller)
    found = _found(caller, query)
    audit.record(
        caller, "lookup_person", found, {**query.audited(), "count": len(found)}
    )
    return list(Disclosure().all(found))


def export_person(
    caller: Caller,
    query: PersonQuery,
    kind: str,
    write: Callable[[bytes], object],
    *,
    site_url: str,
    now: datetime | None = None,
) -> int:
    """Write the requests of the person of ``query`` as ``kind`` (json or
    csv, every cell formula-safe) to ``write``; return how many. Written to
    the trail before anything is written out."""
    if kind not in EXPORT_KINDS:
        raise InvalidQuery(
            "format is json or csv.",
            fields=[FieldError("format", "unknown_format", "format is json or csv.")],
        )
    _check(caller)
    found = _found(caller, query)
    audit.record(
        caller,
        "export_person",
        found,
        {**query.audited(), "count": len(found), "format": kind},
    )
    seen = list(Disclosure().all(found))
    if kind == "csv":
        write_person_csv(write, seen, language=caller.language)
    else:
        write_person_json(
            write, seen, query, site_url=site_url, now=now or datetime.now(UTC)
        )
    return len(seen)
