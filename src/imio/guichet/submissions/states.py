"""States of a submission, in one place for the UI, the API and the indexes."""

from imio.guichet import _


INITIAL_STATE = "submitted"

#: State id -> label (French labels come from the message catalogs).
STATES = {
    "submitted": _("state_submitted", default="Submitted"),
    "received": _("state_received", default="Received"),
    "in_progress": _("state_in_progress", default="In progress"),
    "waiting_citizen": _("state_waiting_citizen", default="Waiting for the citizen"),
    "accepted": _("state_accepted", default="Accepted"),
    "rejected": _("state_rejected", default="Rejected"),
    "closed": _("state_closed", default="Closed"),
    "withdrawn": _("state_withdrawn", default="Withdrawn"),
}
