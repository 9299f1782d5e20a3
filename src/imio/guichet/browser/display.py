"""What the staff and the citizens' pages show of one submission."""

from datetime import datetime
from imio.guichet import _
from imio.guichet.forms.display import answers
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission

import logging


logger = logging.getLogger(__name__)

ACTION_LABELS = {
    "submit": _("history_submit", default="Request sent"),
    "acknowledge": _("history_acknowledge", default="Taken by a back office"),
    "transition": _("history_transition", default="State changed"),
}
CITIZEN_REPLY = _("history_citizen_reply", default="Answer from the citizen")
WITHDRAWN = _("history_withdrawn", default="Withdrawn by the citizen")
THE_CITIZEN = _("actor_citizen", default="The citizen")
THE_SERVICE = _("actor_service", default="The service")


def state_label(state: str | None):
    """The translatable label of a state (the id if unknown)."""
    return STATES.get(state, state) if state else ""


def form_answers(submission: Submission, procedure) -> list[dict]:
    """The answers laid out like the form version the submission was filed
    against (see forms.display.answers)."""
    schema = None
    if procedure is not None:
        try:
            schema = procedure.get_form_schema(submission.schema_version)
        except (KeyError, InvalidFormSchema):
            logger.warning("No readable form for %r", submission)
    return answers(schema, submission.data)


def _what(event: dict):
    if event.get("by") == CITIZEN:
        return WITHDRAWN if event.get("to_state") == "withdrawn" else CITIZEN_REPLY
    return ACTION_LABELS.get(event.get("action"), event.get("action"))


def history_rows(submission: Submission, *, staff: bool) -> list[dict]:
    """The history, newest first. Internal notes and staff names are for
    staff only: citizens see "the service" and the public messages."""
    rows = []
    for event in reversed(submission.history):
        by_citizen = event.get("by") == CITIZEN or event.get("action") == "submit"
        if staff:
            who = event.get("actor") or (THE_CITIZEN if by_citizen else "")
        else:
            who = THE_CITIZEN if by_citizen else THE_SERVICE
        rows.append(
            {
                "date": format_datetime(datetime.fromisoformat(event["date"])),
                "what": _what(event),
                "who": who,
                "from_state": state_label(event.get("from_state")),
                "to_state": state_label(event.get("to_state")),
                "public_message": event.get("public_message") or "",
                "internal_note": (event.get("internal_note") or "") if staff else "",
                "external_reference": event.get("external_reference") or "",
            }
        )
    return rows
