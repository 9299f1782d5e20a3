"""What the staff and citizens' pages show of submissions."""

from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.worklist import principal_title
from imio.guichet.content.translations import title_in
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.display import format_size
from imio.guichet.forms.display import submission_answers
from imio.guichet.i18n import base_language
from imio.guichet.i18n import catalog_language
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission
from imio.guichet.urls import procedure_summaries
from imio.guichet.urls import titles_in_their_language
from plone import api
from urllib.parse import quote

import logging


logger = logging.getLogger(__name__)

ACTION_LABELS = {
    "submit": _("history_submit", default="Request sent"),
    "acknowledge": _("history_acknowledge", default="Taken by a back office"),
    "transition": _("history_transition", default="State changed"),
    "assign": _("history_assign", default="Assigned to"),
    "unassign": _("history_unassign", default="No longer assigned"),
    "anonymise": _("history_anonymise", default="Personal data removed"),
    "legal_hold": _("history_legal_hold", default="Put on legal hold"),
    "release_hold": _("history_release_hold", default="Legal hold lifted"),
}
#: Events of the service's own organisation: staff only.
STAFF_ONLY_ACTIONS = ("assign", "unassign", "legal_hold", "release_hold")
CITIZEN_REPLY = _("history_citizen_reply", default="Answer from the citizen")
CITIZEN_MESSAGE = _("history_citizen_message", default="Message from the citizen")
SERVICE_MESSAGE = _("history_service_message", default="Message from the service")
WITHDRAWN = _("history_withdrawn", default="Withdrawn by the citizen")
THE_CITIZEN = _("actor_citizen", default="The citizen")
THE_SERVICE = _("actor_service", default="The service")


def state_label(state: str | None):
    """The translatable label of a state (the id if unknown)."""
    return STATES.get(state, state) if state else ""


def _what(event: dict):
    if event.get("action") == "message":
        return CITIZEN_MESSAGE if event.get("by") == CITIZEN else SERVICE_MESSAGE
    if event.get("by") == CITIZEN:
        return WITHDRAWN if event.get("to_state") == "withdrawn" else CITIZEN_REPLY
    return ACTION_LABELS.get(event.get("action"), event.get("action"))


def history_rows(
    submission: Submission, *, staff: bool, language: str | None
) -> list[dict]:
    """The history, newest first, dated as ``language`` writes dates.
    Internal notes and staff names are for staff only: citizens see "the
    service" and the public messages."""
    rows = []
    for event in reversed(submission.history):
        if not staff and event.get("action") in STAFF_ONLY_ACTIONS:
            continue
        by_citizen = event.get("by") == CITIZEN or event.get("action") == "submit"
        if staff:
            who = event.get("actor") or (THE_CITIZEN if by_citizen else "")
        else:
            who = THE_CITIZEN if by_citizen else THE_SERVICE
        rows.append(
            {
                "date": format_datetime(
                    datetime.fromisoformat(event["date"]), language
                ),
                "what": _what(event),
                "who": who,
                "from_state": state_label(event.get("from_state")),
                "to_state": state_label(event.get("to_state")),
                "public_message": event.get("public_message") or "",
                # A legal hold's reason is staff's, like a note.
                "internal_note": (
                    (event.get("internal_note") or event.get("reason") or "")
                    if staff
                    else ""
                ),
                "external_reference": event.get("external_reference") or "",
                "assignee": principal_title(event.get("to_assignee")),
                "files": [
                    {
                        "attachment": file["attachment"],
                        "label": f"{file['filename']} "
                        f"({format_size(file['size'], language)})",
                    }
                    for file in event.get("files") or ()
                ],
            }
        )
    return rows


def single(form, name: str) -> str:
    """A query parameter given once, as text ("" otherwise)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def summary_rows(
    submissions: Iterable[Submission],
    url_of: Callable[[Submission], str],
    *,
    in_their_language: bool = False,
    language: str | None,
) -> list[dict]:
    """One row per submission of a listing page (one catalog query), dated
    as ``language`` (the page's) writes dates.
    ``in_their_language``: each procedure's title in the language its
    request was filed in (its translation's, for the citizen who filed
    it), with that language (``language``, for the row's ``lang``)."""
    submissions = list(submissions)
    summaries = procedure_summaries(s.procedure_uid for s in submissions)

    def title(submission) -> str:
        own = summaries.get(submission.procedure_uid, {}).get("title", "")
        if not in_their_language:
            return own
        key = (submission.procedure_uid, base_language(submission.language))
        return titles.get(key, own)

    titles = titles_in_their_language(submissions) if in_their_language else {}
    return [
        {
            "reference": submission.reference,
            "url": url_of(submission),
            "procedure": title(submission),
            "language": (
                base_language(submission.language) if in_their_language else ""
            ),
            "created": format_datetime(submission.created, language),
            "modified": format_datetime(submission.modified, language),
            "state": submission.state,
            "state_label": state_label(submission.state),
            "submitter": submission.submitter or "",
        }
        for submission in submissions
    ]


def read_in(request, language: str | None) -> None:
    """Render the rest of ``request``'s page in ``language`` (one of our
    catalogs' languages, as e-mails and the receipt are: ``i18n.
    catalog_language``), whatever the reader's browser or cookie asks: the
    templates, the messages and the page's ``lang`` follow. Nothing when
    ``language`` is None."""
    if not language:
        return
    language = catalog_language(language)
    request["LANGUAGE"] = language
    binding = request.get("LANGUAGE_TOOL", None)
    if binding is not None and hasattr(binding, "LANGUAGE"):
        # Plone's templates and zope.i18n negotiate from this binding.
        binding.LANGUAGE = language


class SubmissionPage:
    """What the pages of one submission (staff, citizens) show; the view
    sets ``submission`` and ``errors``. Internal notes only when ``staff``."""

    staff = False
    submission: Submission
    errors: dict
    #: The core's code of each error shown (field or "form" -> code), in
    #: the page for machines as the API gives it.
    error_codes: dict = {}

    @cached_property
    def procedure(self):
        return find_procedure(self.submission.procedure_uid)

    def procedure_title(self) -> str:
        """The procedure's title in the page's language (its translation's)."""
        if self.procedure is None:
            return ""
        return title_in(self.procedure, self.page_language())

    def state_label(self):
        return state_label(self.submission.state)

    def created(self) -> str:
        return format_datetime(self.submission.created, self.page_language())

    def page_language(self) -> str:
        """The language the page is read in: the reader's (staff), the
        request's (citizens: see :func:`read_in`)."""
        return api.portal.get_current_language()

    def answers(self) -> list[dict]:
        # The form's labels in the page's language, where translated.
        return submission_answers(self.submission, self.procedure, self.page_language())

    def history(self) -> list[dict]:
        return history_rows(
            self.submission, staff=self.staff, language=self.page_language()
        )

    def attachment_url(self, name: str) -> str | None:
        """Where staff download a file (audited); citizens get no link."""
        if not self.staff:
            return None
        return (
            f"{api.portal.get().absolute_url()}/++api++/@submissions/"
            f"{self.submission.id}/@attachments/{quote(name)}"
        )

    def etag(self) -> str:
        return etag(self.submission)

    def form_value(self, name: str) -> str:
        """What was typed, kept when the change was refused."""
        return single(self.request.form, name) if self.errors else ""
