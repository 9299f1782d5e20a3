"""Event subscribers: build the e-mails in the transaction (they read its
data) and queue them in the outbox (see :mod:`.outbox`)."""

from functools import wraps
from imio.guichet.notifications.delivery import queue_messages
from imio.guichet.notifications.messages import confirmation_message
from imio.guichet.notifications.messages import service_message
from imio.guichet.notifications.messages import service_note_message
from imio.guichet.notifications.messages import state_change_message
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.urls import public_submission_url
from ZODB.POSException import ConflictError

import logging


logger = logging.getLogger(__name__)


def never_failing(handler):
    """Log what goes wrong in ``handler``: never lose a submission or a
    state change for an e-mail. Conflicts still go up: Zope retries the
    request as a whole."""

    @wraps(handler)
    def guarded(event) -> None:
        try:
            handler(event)
        except ConflictError:
            raise
        except Exception:
            logger.exception(
                "No e-mail for %s (%s)", event.submission.reference, handler.__name__
            )

    return guarded


@never_failing
def submission_created(event) -> None:
    """Confirm to the citizen and tell the service."""
    submission, procedure = event.submission, event.procedure
    store = get_store(create=True)
    queue_messages(
        [
            confirmation_message(store, submission, procedure),
            service_message(submission, procedure, public_submission_url(submission)),
        ]
    )


@never_failing
def submission_state_changed(event) -> None:
    """Tell the citizen the new state and the service's public message."""
    submission = event.submission
    procedure = find_procedure(submission.procedure_uid)
    if procedure is not None:
        queue_messages(
            [state_change_message(get_store(), submission, procedure, event.event)]
        )


@never_failing
def message_posted(event) -> None:
    """Tell the citizen the service wrote to them (their own messages
    are not sent back to them)."""
    submission = event.submission
    if event.event.get("by") != STAFF:
        return
    procedure = find_procedure(submission.procedure_uid)
    if procedure is not None:
        queue_messages(
            [service_note_message(get_store(), submission, procedure, event.event)]
        )
