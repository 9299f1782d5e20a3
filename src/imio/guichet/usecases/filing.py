"""A citizen files a submission: the one way, for the HTML form and REST.

Anonymous filing is protected here, once: the honeypot (HTML forms only
have one), the per-client rate limit checked before anything is stored,
and the submission counted once its transaction committed (a replay of
the same Idempotency-Key files nothing and counts nothing), for the rate
limit and for the metrics.
"""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import groups_unchanged
from imio.guichet.content.translations import reading_language
from imio.guichet.drafts.api import delete_draft
from imio.guichet.errors import IdentityLevelRequired
from imio.guichet.errors import Unavailable
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.identities import level_reaches
from imio.guichet.metrics.counters import count_filing
from imio.guichet.submissions.api import replay_of
from imio.guichet.submissions.api import submit_once
from imio.guichet.submissions.protection import check_anonymous_rate
from imio.guichet.submissions.protection import count_anonymous_submission
from imio.guichet.submissions.protection import refuse_robots
from imio.guichet.submissions.storage import Submission
from imio.guichet.usecases.drafts import open_draft
from typing import Any

import logging


logger = logging.getLogger(__name__)

FORM_UNAVAILABLE = _(
    "error_form_unavailable_api", default="This procedure's form is unavailable."
)


@dataclass(frozen=True)
class Filed:
    submission: Submission
    #: Filed earlier by the same Idempotency-Key (a retry whose answer was
    #: lost): nothing new was stored.
    replayed: bool


def protect_anonymous(caller: Caller, honeypot: str | None, *, rate: bool) -> None:
    """The anti-abuse checks of an anonymous form: the honeypot (HTML only
    sends one) and, when ``rate``, the per-client limit."""
    if not caller.is_anonymous:
        return
    refuse_robots(honeypot)
    if rate:
        check_anonymous_rate(
            caller.client_address or "unknown", language=caller.language
        )


def count_anonymous(caller: Caller) -> None:
    """Count what an anonymous caller made, once it is committed."""
    if caller.is_anonymous:
        count_anonymous_submission(caller.client_address or "unknown")


#: The level of assurance (eIDAS) of procedures that require a verified
#: identity: eID and itsme reach it; civil status and residence need it.
VERIFIED_LEVEL = "substantial"


def required_level(procedure) -> str | None:
    """The level of assurance ``procedure`` requires (None: any caller its
    login setting lets in)."""
    return VERIFIED_LEVEL if IOnlineForm(procedure).require_verified_identity else None


def check_identity_level(caller: Caller, procedure) -> None:
    """Refuse a caller below the procedure's level: anonymous (401), or
    logged in with a password or a weaker means (403)."""
    level = required_level(procedure)
    if level is None:
        return
    identity = caller.identity
    if identity is None or not level_reaches(identity.level, level):
        raise IdentityLevelRequired(level, anonymous=caller.is_anonymous)


@dataclass(frozen=True)
class Answers:
    """What a citizen sends to file: the form's answers and/or a draft."""

    #: The form's fields; None files the draft's answers as saved.
    data: Mapping[str, Any] | None
    draft_id: str | None = None


def file_submission(
    caller: Caller,
    procedure,
    data: Mapping[str, Any] | None,
    *,
    idempotency_key: str | None = None,
    honeypot: str | None = None,
    draft_id: str | None = None,
    draft_secret: str | None = None,
) -> Filed:
    """File ``data`` as ``caller``'s submission of ``procedure``
    (:func:`file_answers` for answers already read)."""
    return file_answers(
        caller,
        procedure,
        lambda: Answers(data, draft_id),
        idempotency_key=idempotency_key,
        honeypot=honeypot,
        draft_secret=draft_secret,
    )


# Filing translates nothing: the procedure's translations, asked for by
# every step after the submission is stored, are read once.
@groups_unchanged()
def file_answers(
    caller: Caller,
    procedure,
    read_answers: Callable[[], Answers],
    *,
    idempotency_key: str | None = None,
    honeypot: str | None = None,
    draft_secret: str | None = None,
) -> Filed:
    """File what ``read_answers()`` gives as ``caller``'s submission of
    ``procedure``.

    The answers are read only once the anonymous protection let the caller
    in: a client over its limit is told so (429) whatever it sent, and its
    body costs nothing to parse. With a ``draft_id`` (opened by its owner
    or with ``draft_secret``), the draft is deleted once filed; ``data``
    None files the draft's answers as saved, else ``data`` replaces them
    (as the HTML form sends all its fields; drafts keep no files). A retry
    with the same Idempotency-Key answers the first filing, even once its
    draft is gone.

    Raises :class:`~imio.guichet.errors.InvalidData` (every faulty field),
    ``ProcedureClosed``, ``LoginRequired``, ``TooManyRequests``, a robot's
    ``InvalidInput``, whatever ``read_answers`` raises, ``NotFound`` (the
    draft), the Idempotency-Key's ``InvalidInput`` / ``Conflict``, or
    ``Unavailable`` (an unreadable form), ``IdentityLevelRequired`` (the
    procedure needs a verified identity the caller has not shown). What a
    verified caller's provider asserted is recorded with the submission.
    """
    # Filed on a translation: into its canonical procedure's submissions,
    # in the translation's language (content.translations).
    language = reading_language(procedure, caller.language)
    procedure = canonical(procedure)
    check_identity_level(caller, procedure)
    protect_anonymous(caller, honeypot, rate=True)
    answers = read_answers()
    data, draft_id = answers.data, answers.draft_id
    if idempotency_key is not None and draft_id is not None:
        # Before the draft is opened: the first filing deleted it.
        earlier = replay_of(
            procedure,
            idempotency_key,
            submitter=caller.user_id,
            data=data,
            draft_id=draft_id,
        )
        if earlier is not None:
            return Filed(earlier, replayed=True)
    draft = None
    if draft_id is not None:
        draft = open_draft(caller, draft_id, secret=draft_secret, procedure=procedure)
        if data is None:
            data = draft.data
    try:
        submission, replayed = submit_once(
            procedure,
            data,
            idempotency_key=idempotency_key,
            submitter=caller.user_id,
            language=language,
            draft_id=draft_id,
            identity=caller.identity,
            # Refusals are translated into the caller's language: their
            # limits are written as it writes them (page and REST alike).
            reader_language=caller.language,
        )
    except InvalidFormSchema as unreadable:
        logger.exception("Unreadable form on %s", procedure.absolute_url())
        raise Unavailable(FORM_UNAVAILABLE) from unreadable
    if not replayed:
        count_anonymous(caller)
        count_filing(caller.channel, submission.procedure_uid)
    if draft is not None:
        delete_draft(draft)
    return Filed(submission, replayed)
