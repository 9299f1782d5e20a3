"""A citizen's drafts: save, open, save again, delete; the same rules for
the HTML form's "Save as draft" and for ``@drafts``.

A draft opens for its owner (a logged-in citizen) or with its secret (an
anonymous one); anyone else gets :class:`~imio.guichet.errors.NotFound`,
the same for an unknown id, a wrong secret, someone else's draft and an
expired one. A new anonymous draft is protected like a submission
(honeypot, per-client rate limit, counted once committed). Drafts are
never audited, listed, exported or delivered to back offices: they are
not requests yet.
"""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.caller import Caller
from imio.guichet.content.translations import canonical_uid
from imio.guichet.drafts import api as drafts
from imio.guichet.drafts.storage import Draft
from imio.guichet.errors import NotFound
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import check_open
from imio.guichet.submissions.protection import check_anonymous_rate
from imio.guichet.submissions.protection import count_anonymous_submission
from imio.guichet.submissions.protection import refuse_robots
from typing import Any


DRAFT_NOT_FOUND = _(
    "error_draft_not_found",
    default="We cannot find this draft: the link is wrong, or the draft "
    "expired or was deleted.",
)


@dataclass(frozen=True)
class SavedDraft:
    draft: Draft
    #: The secret that opens a new anonymous draft, given once (None for
    #: a logged-in citizen's draft, and when a draft is saved again).
    secret: str | None


def _protect(caller: Caller, honeypot: str | None, *, new: bool) -> None:
    # Robots are refused at every save; the rate limit counts new drafts
    # only (saving again costs no new entry).
    if caller.is_anonymous:
        refuse_robots(honeypot)
        if new:
            check_anonymous_rate(
                caller.client_address or "unknown", language=caller.language
            )


def open_draft(
    caller: Caller, draft_id: Any, *, secret: str | None = None, procedure=None
) -> Draft:
    """The draft ``draft_id`` if it opens for ``caller`` (owner or
    ``secret``) and, when given, belongs to ``procedure``; else NotFound."""
    draft = drafts.get_draft(
        draft_id if isinstance(draft_id, str) else None,
        secret=secret,
        owner=caller.user_id,
    )
    if draft is None:
        raise NotFound(DRAFT_NOT_FOUND)
    if procedure is not None and draft.procedure_uid != canonical_uid(procedure):
        raise NotFound(DRAFT_NOT_FOUND)
    return draft


def procedure_of(draft: Draft):
    """The procedure of an opened draft; NotFound once it was deleted."""
    procedure = find_procedure(draft.procedure_uid)
    if procedure is None:
        raise NotFound(DRAFT_NOT_FOUND)
    return procedure


def save_draft(
    caller: Caller,
    procedure,
    answers: Mapping[str, Any],
    *,
    honeypot: str | None = None,
) -> SavedDraft:
    """Keep ``answers`` (JSON, not validated) as a new draft of
    ``procedure`` (:func:`save_answers` for answers already read)."""
    return save_answers(caller, procedure, lambda: answers, honeypot=honeypot)


def save_answers(
    caller: Caller,
    procedure,
    read_answers: Callable[[], Mapping[str, Any]],
    *,
    honeypot: str | None = None,
) -> SavedDraft:
    """Keep what ``read_answers()`` gives (JSON, not validated) as a new
    draft of ``procedure``, read only once the procedure is open to
    ``caller`` and the anonymous protection let it in (a client over its
    limit is told so whatever it sent). Raises ProcedureClosed,
    LoginRequired, TooManyRequests, a robot's InvalidInput, whatever
    ``read_answers`` raises, or DraftRefused (too large, too many)."""
    check_open(procedure, caller.user_id, language=caller.language)
    _protect(caller, honeypot, new=True)
    draft, secret = drafts.save_draft(
        procedure, read_answers(), caller.user_id, language=caller.language
    )
    if caller.is_anonymous:
        count_anonymous_submission(caller.client_address or "unknown")
    return SavedDraft(draft, secret)


def keep_for_identification(
    caller: Caller,
    procedure,
    read_answers: Callable[[], Mapping[str, Any]],
    *,
    honeypot: str | None = None,
) -> SavedDraft:
    """Keep what a citizen below the procedure's level of identity typed,
    while they identify: a draft of no account, opened by its secret (the
    identification logs them in as another account than a password login
    or none). Protected as an anonymous draft."""
    check_open(procedure, caller.user_id, language=caller.language)
    if caller.is_anonymous:
        refuse_robots(honeypot)
    # Counted as an anonymous draft, whoever asks: it opens for anyone with
    # its secret.
    check_anonymous_rate(caller.client_address or "unknown", language=caller.language)
    draft, secret = drafts.save_draft(
        procedure, read_answers(), None, language=caller.language
    )
    count_anonymous_submission(caller.client_address or "unknown")
    return SavedDraft(draft, secret)


def update_draft(
    caller: Caller,
    draft_id: Any,
    answers: Mapping[str, Any],
    *,
    secret: str | None = None,
    honeypot: str | None = None,
    procedure=None,
) -> Draft:
    """Replace the answers of a draft that opens for ``caller``; it keeps
    its secret and lives a full lifetime again. Refused as a new draft
    would be (ProcedureClosed, LoginRequired) once its procedure closed or
    requires a login."""
    draft = open_draft(caller, draft_id, secret=secret, procedure=procedure)
    procedure = procedure_of(draft)
    check_open(procedure, caller.user_id, language=caller.language)
    _protect(caller, honeypot, new=False)
    drafts.save_draft(procedure, answers, draft.owner, draft=draft)
    return draft


def delete_draft(caller: Caller, draft_id: Any, *, secret: str | None = None):
    """Delete a draft that opens for ``caller``; its owner when it had one."""
    draft = open_draft(caller, draft_id, secret=secret)
    drafts.delete_draft(draft)
    return draft.owner


def my_drafts(caller: Caller) -> list[Draft]:
    """A logged-in citizen's drafts, last saved first (none when anonymous)."""
    return [] if caller.is_anonymous else drafts.list_drafts(caller.user_id)
