"""What a logged-in citizen downloads of their own requests (GDPR art. 15
and 20): every request their account filed, with its answers, its history
as they see it (the service's public messages and theirs, never internal
notes or staff names), its files (described, with their download link)
and its verified identity; their drafts; their account as the guichet
knows it. As JSON (:func:`own_data`) and as a PDF (:func:`own_data_pdf`,
made of the receipt's parts).

Exactly their requests: those of the store's index by submitter under
their account's identity key (see :mod:`imio.guichet.identities`), each
checked again (login and key). Their own national register number is
never masked for them.
"""

from copy import deepcopy
from datetime import datetime
from imio.guichet import _
from imio.guichet.drafts.api import list_drafts
from imio.guichet.forms.display import format_datetime
from imio.guichet.i18n import translate_for
from imio.guichet.identities import identity_key
from imio.guichet.identities import is_same_account
from imio.guichet.identities import stored_identity
from imio.guichet.rights.fields import FormFields
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.receipt import answers_flowables
from imio.guichet.submissions.receipt import build_pdf
from imio.guichet.submissions.receipt import issuer_flowables
from imio.guichet.submissions.receipt import issuer_of
from imio.guichet.submissions.receipt import paragraph_text
from imio.guichet.submissions.receipt import pdf_styles
from imio.guichet.submissions.representation import attachment_links
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission
from plone import api
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph
from reportlab.platypus import Spacer
from urllib.parse import urlencode
from zope.i18nmessageid import Message


#: The citizen's space, where each request opens.
MY_REQUESTS_PAGE = "@@my-requests"
#: History events only staff see (who a request was assigned to).
STAFF_ONLY_ACTIONS = ("assign", "unassign")
#: What an event of the history keeps for the citizen.
CITIZEN_EVENT_KEYS = (
    "date",
    "action",
    "by",
    "from_state",
    "to_state",
    "public_message",
    "files",
)

PDF_TITLE = _("my_data_title", default="Your data held by the online services")
PDF_INTRO = _(
    "my_data_intro",
    default="Everything we hold about the requests you filed while logged "
    "in on ${date}: your answers, their history and the files' names.",
)
PDF_ACCOUNT = _("my_data_account", default="Your account")
PDF_REQUESTS = _("my_data_requests", default="Your requests")
PDF_NO_REQUEST = _("my_data_no_request", default="You have filed no request.")
PDF_DRAFTS = _("my_data_drafts", default="Your drafts")
PDF_HISTORY = _("my_data_history", default="History")
PDF_STATE = _("my_data_state", default="State: ${state}")


def own_requests(user_id: str) -> list[Submission]:
    """Every request the account ``user_id`` filed, oldest first."""
    store = get_store()
    owner = identity_key(user_id)
    if store is None or not owner:
        return []
    found = []
    for key in store.submitted_by(owner):
        submission = store.by_key(key)
        if submission is not None and is_same_account(
            user_id, submission.submitter, submission.submitter_key
        ):
            found.append(submission)
    return found


def citizen_history(submission: Submission) -> list[dict]:
    """The history of ``submission`` as its citizen sees it, oldest first."""
    events = []
    for event in submission.history:
        if event.get("action") in STAFF_ONLY_ACTIONS:
            continue
        kept = {key: deepcopy(event[key]) for key in CITIZEN_EVENT_KEYS if key in event}
        if "by" not in kept:
            kept["by"] = "citizen" if event.get("action") == "submit" else "service"
        events.append(kept)
    return events


def request_json(submission: Submission, fields: FormFields, site_url: str) -> dict:
    """One request of the citizen, as their download holds it."""
    procedure = fields.procedure(submission.procedure_uid)
    query = urlencode({"reference": submission.reference})
    return {
        "url": f"{site_url}/{MY_REQUESTS_PAGE}?{query}",
        "id": submission.id,
        "reference": submission.reference,
        "procedure": {
            "UID": submission.procedure_uid,
            "title": procedure.Title() if procedure is not None else None,
        },
        "state": submission.state,
        "created": submission.created.isoformat(),
        "modified": submission.modified.isoformat(),
        "language": submission.language,
        "data": deepcopy(submission.data),
        "verified_identity": deepcopy(submission.verified_identity),
        "history": citizen_history(submission),
        "attachments": attachment_links(submission, site_url),
    }


def draft_json(draft, fields: FormFields) -> dict:
    procedure = fields.procedure(draft.procedure_uid)
    return {
        "id": draft.id,
        "procedure": {
            "UID": draft.procedure_uid,
            "title": procedure.Title() if procedure is not None else None,
        },
        "saved": draft.saved.isoformat(),
        "expires": draft.expires.isoformat(),
        "data": deepcopy(draft.data),
    }


def account_json(user_id: str) -> dict:
    """The account as the guichet knows it, and the identity a provider
    last verified for it."""
    user = api.user.get(userid=user_id)
    identity = stored_identity(user_id)
    return {
        "user_id": user_id,
        "fullname": user.getProperty("fullname", "") if user is not None else "",
        "email": user.getProperty("email", "") if user is not None else "",
        "verified_identity": identity.record() if identity is not None else None,
    }


def own_data(user_id: str, site_url: str, now: datetime) -> dict:
    """Everything held about the requests and drafts of ``user_id``."""
    fields = FormFields()
    return {
        "@type": "PersonalData",
        "generated": now.isoformat(),
        "account": account_json(user_id),
        "requests": [
            request_json(submission, fields, site_url)
            for submission in own_requests(user_id)
        ],
        "drafts": [draft_json(draft, fields) for draft in list_drafts(user_id, now)],
    }


def own_data_pdf(user_id: str, now: datetime, language: str | None) -> bytes:
    """:func:`own_data` for people: the account, then each request (its
    answers as on its receipt, its history), then the drafts; in
    ``language``, its dates too."""
    styles = pdf_styles()

    def tr(message) -> str:
        if isinstance(message, Message):
            return translate_for(message, language)
        return str(message)

    def para(text, style="base"):
        return Paragraph(paragraph_text(tr(text)), styles[style])

    issuer = issuer_of(None)
    fields = FormFields()
    account = account_json(user_id)
    story = issuer_flowables(issuer, styles)
    story += [
        Spacer(1, 6 * mm),
        para(PDF_TITLE, "title"),
        para(Message(PDF_INTRO, mapping={"date": format_datetime(now, language)})),
        para(PDF_ACCOUNT, "heading"),
        para(" · ".join(v for v in (account["fullname"], account["email"]) if v)),
        para(PDF_REQUESTS, "heading"),
    ]
    requests = own_requests(user_id)
    if not requests:
        story.append(para(PDF_NO_REQUEST))
    for submission in requests:
        procedure = fields.procedure(submission.procedure_uid)
        title = procedure.Title() if procedure is not None else ""
        label = tr(STATES.get(submission.state, submission.state))
        state = Message(PDF_STATE, mapping={"state": label})
        story += [
            Spacer(1, 4 * mm),
            para(f"{submission.reference} — {title}", "heading"),
            para(
                f"{format_datetime(submission.created, language)} · {tr(state)}",
                "small",
            ),
        ]
        story += answers_flowables(submission, procedure, tr, styles, language)
        story.append(para(PDF_HISTORY, "cell_title"))
        for event in citizen_history(submission):
            when = format_datetime(datetime.fromisoformat(event["date"]), language)
            said = event.get("public_message") or ""
            moved = event.get("to_state")
            text = " · ".join(
                part
                for part in (when, tr(STATES.get(moved, moved)) if moved else "", said)
                if part
            )
            story.append(para(text, "small"))
    drafts = list_drafts(user_id, now)
    if drafts:
        story.append(para(PDF_DRAFTS, "heading"))
        for draft in drafts:
            procedure = fields.procedure(draft.procedure_uid)
            title = procedure.Title() if procedure is not None else ""
            saved = format_datetime(draft.saved, language)
            story.append(para(f"{title} · {saved}", "small"))
    return build_pdf(story, title=tr(PDF_TITLE), author=issuer.name)
