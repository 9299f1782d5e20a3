"""Drafts on the HTML form: save what was typed, resume it later.

:class:`DraftFormMixin` gives the procedure's form (submit.SubmitForm) its
"Save as draft" behaviour: it keeps what the widgets sent, as sent (not
validated), and when the form is opened with ``?draft=&secret=`` it shows
that again. The views here, on the site root, open a resume link
(``@@resume-draft``), say that a draft was saved (``@@draft-saved``) and
delete one (``@@delete-draft``, POST with the CSRF token). The domain
rules are in :mod:`imio.guichet.drafts.api`.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.display import single
from imio.guichet.browser.honeypot import HONEYPOT_NAME
from imio.guichet.browser.honeypot import honeypot_value
from imio.guichet.browser.honeypot import show_refusal
from imio.guichet.drafts.api import delete_draft
from imio.guichet.drafts.api import DraftRefused
from imio.guichet.drafts.api import get_draft
from imio.guichet.drafts.api import list_drafts
from imio.guichet.drafts.api import save_draft
from imio.guichet.drafts.storage import Draft
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.model import is_file_field
from imio.guichet.notifications.delivery import send_after_commit
from imio.guichet.notifications.messages import draft_address
from imio.guichet.notifications.messages import draft_message
from imio.guichet.notifications.messages import MY_REQUESTS_VIEW
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.protection import check_anonymous_rate
from imio.guichet.submissions.protection import count_anonymous_submission
from imio.guichet.submissions.protection import LooksLikeARobot
from imio.guichet.submissions.protection import refuse_robots
from imio.guichet.submissions.protection import TooManySubmissions
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import Forbidden


RESUME_VIEW = "@@resume-draft"
SAVED_VIEW = "@@draft-saved"
DELETE_VIEW = "@@delete-draft"

DRAFT_NOT_FOUND = _(
    "error_draft_not_found",
    default="We cannot find this draft: the link is wrong, or the draft "
    "expired or was deleted.",
)


def _portal_url() -> str:
    return api.portal.get().absolute_url()


def draft_query(draft: Draft, secret: str | None) -> dict:
    """The parameters that open ``draft`` (its secret for anonymous ones)."""
    return {"id": draft.id, **({"secret": secret} if secret else {})}


def resume_url(draft: Draft, secret: str | None = None) -> str:
    """The link that opens the form with ``draft``'s answers."""
    return f"{_portal_url()}/{RESUME_VIEW}?{urlencode(draft_query(draft, secret))}"


def find_draft(form) -> tuple[Draft | None, str | None]:
    """The draft (and secret) a request names with ``id`` and ``secret``,
    for whoever may open it."""
    secret = single(form, "secret") or None
    draft = get_draft(single(form, "id"), secret=secret, owner=current_submitter())
    return draft, (secret if draft is not None else None)


class DraftFormMixin:
    """For the procedure's z3c.form: save and resume drafts."""

    #: Request parameters of a resumed draft (kept in the form's action).
    DRAFT_PARAMETER = "draft"
    SECRET_PARAMETER = "secret"

    @cached_property
    def draft_secret(self) -> str | None:
        return single(self.request.form, self.SECRET_PARAMETER) or None

    @cached_property
    def draft(self) -> Draft | None:
        """The draft this form was opened with, when it opens for this
        user and belongs to this procedure."""
        draft_id = single(self.request.form, self.DRAFT_PARAMETER)
        if not draft_id:
            return None
        draft = get_draft(draft_id, secret=self.draft_secret, owner=current_submitter())
        if draft is None or draft.procedure_uid != api.content.get_uuid(self.context):
            return None
        return draft

    @property
    def action(self) -> str:
        """The form posts back to itself, with the draft it resumes."""
        url = self.request.getURL()
        if self.draft is None:
            return url
        query = {self.DRAFT_PARAMETER: self.draft.id}
        if self.draft_secret:
            query[self.SECRET_PARAMETER] = self.draft_secret
        return f"{url}?{urlencode(query)}"

    def _field_widgets(self):
        widgets = dict(self.widgets.items())
        for group in self.groups:
            widgets.update(group.widgets.items())
        return {
            name: widget
            for name, widget in widgets.items()
            if name != HONEYPOT_NAME and not is_file_field(widget.field)
        }

    def typed_values(self) -> dict:
        """What each widget sent, as sent: field name -> {suffix: value}
        (suffix "" for the input named like the widget, ".street" for a
        part, "-empty-marker" for the markers of checkboxes)."""
        typed = {}
        for name, widget in self._field_widgets().items():
            inputs = {}
            for key, value in self.request.form.items():
                if key == widget.name:
                    inputs[""] = value
                elif key.startswith((widget.name + ".", widget.name + "-")):
                    inputs[key[len(widget.name) :]] = value
            if inputs:
                typed[name] = inputs
        return typed

    def load_draft(self) -> None:
        """Before the widgets update: put a resumed draft's answers where
        the widgets read what was sent, unless the form itself was sent."""
        form = self.request.form
        if not single(form, self.DRAFT_PARAMETER):
            return
        keep_secret_in_site(self.request)
        if self.draft is None:
            api.portal.show_message(DRAFT_NOT_FOUND, self.request, "warning")
            return
        if any(key.startswith(f"{self.prefix}buttons.") for key in form):
            return
        # Plone ignores what a GET request says to widgets (a link must not
        # fill a form in): allowed here for the draft's answers only.
        prefix = f"{self.prefix}widgets."
        for key in [key for key in form if key.startswith(prefix)]:
            del form[key]
            self.request.other.pop(key, None)
        for name, inputs in self.draft.data.items():
            for suffix, value in inputs.items():
                form[prefix + name + suffix] = value
                self.request.other[prefix + name + suffix] = value
        self.allow_prefill_from_GET_request = True
        self.status = _(
            "info_draft_resumed",
            default="Your draft of ${date} is back. Files are not kept in "
            "drafts: add them again before sending.",
            mapping={"date": format_datetime(self.draft.saved)},
        )

    def forget_draft(self) -> None:
        """The form was filed: its draft has served."""
        if self.draft is not None:
            delete_draft(self.draft)

    def save_as_draft(self) -> None:
        """The "Save as draft" button: keep what was typed, not validated."""
        owner = current_submitter()
        client = self.request.getClientAddr() or "unknown"
        new_anonymous = owner is None and self.draft is None
        try:
            if owner is None:
                refuse_robots(honeypot_value(self))
            if new_anonymous:
                check_anonymous_rate(client)
            draft, secret = save_draft(
                self.context,
                self.typed_values(),
                owner,
                draft=self.draft,
                language=api.portal.get_current_language(),
            )
        except (TooManySubmissions, LooksLikeARobot) as refused:
            show_refusal(self, refused)
            return
        except DraftRefused as refused:
            self.status = refused.message
            return
        if new_anonymous:
            count_anonymous_submission(client)
            self.mail_resume_link(draft, secret)
        secret = secret or self.draft_secret
        self.request.response.redirect(
            f"{_portal_url()}/{SAVED_VIEW}?{urlencode(draft_query(draft, secret))}"
        )

    def mail_resume_link(self, draft: Draft, secret: str) -> None:
        """E-mail an anonymous citizen the resume link, when they typed a
        valid address in the form's e-mail field."""
        address = draft_address(draft, self.context)
        if address is not None:
            link = resume_url(draft, secret)
            message = draft_message(
                address, self.context, link, draft.expires, draft.language
            )
            send_after_commit([message])


def draft_rows(owner: str) -> list[dict]:
    """The drafts of "Mes démarches": one row per draft, newest first."""
    rows = []
    for draft in list_drafts(owner):
        procedure = find_procedure(draft.procedure_uid)
        rows.append(
            {
                "id": draft.id,
                "procedure": procedure.Title() if procedure is not None else "",
                "saved": format_datetime(draft.saved),
                "expires": format_datetime(draft.expires),
                "resume_url": resume_url(draft),
            }
        )
    return rows


def keep_secret_in_site(request) -> None:
    """The page's URL holds a secret: no other site may read it in the
    Referer header of a link followed from the page."""
    request.response.setHeader("Referrer-Policy", "same-origin")


class DraftPage(BrowserView):
    """A draft named by ``?id=&secret=`` (the secret for anonymous ones)."""

    def __init__(self, context, request):
        super().__init__(context, request)
        keep_secret_in_site(request)

    @cached_property
    def found(self) -> tuple[Draft | None, str | None]:
        return find_draft(self.request.form)

    @property
    def draft(self) -> Draft | None:
        return self.found[0]

    @cached_property
    def procedure(self):
        return None if self.draft is None else find_procedure(self.draft.procedure_uid)

    def not_found(self):
        # The same answer for an unknown id, a wrong secret, someone
        # else's draft and an expired one.
        self.request.response.setStatus(404)
        self.missing = DRAFT_NOT_FOUND
        return self.index()


class DraftSavedView(DraftPage):
    """ "Your draft was saved": until when, and how to come back to it."""

    missing = None

    def __call__(self):
        if self.draft is None or self.procedure is None:
            return self.not_found()
        return self.index()

    def procedure_title(self) -> str:
        return self.procedure.Title()

    def procedure_url(self) -> str:
        return self.procedure.absolute_url()

    def expires(self) -> str:
        return format_datetime(self.draft.expires)

    def resume_link(self) -> str:
        return resume_url(self.draft, self.found[1])

    def anonymous(self) -> bool:
        return self.draft.owner is None

    def my_requests_url(self) -> str:
        return f"{_portal_url()}/{MY_REQUESTS_VIEW}"

    def delete_url(self) -> str:
        return f"{_portal_url()}/{DELETE_VIEW}"

    def secret(self) -> str:
        return self.found[1] or ""


class ResumeDraftView(DraftPage):
    """A resume link: open the procedure's form with the draft's answers."""

    missing = None

    def __call__(self):
        if self.draft is None or self.procedure is None:
            return self.not_found()
        draft, secret = self.found
        query = {DraftFormMixin.DRAFT_PARAMETER: draft.id}
        if secret:
            query[DraftFormMixin.SECRET_PARAMETER] = secret
        self.request.response.redirect(
            f"{self.procedure.absolute_url()}/@@submit?{urlencode(query)}", status=303
        )
        return ""


class DeleteDraftView(DraftPage):
    """Delete a draft (POST, with the CSRF token)."""

    missing = None

    def __call__(self):
        if self.request.method != "POST":
            raise Forbidden("Drafts are deleted with a POST.")
        CheckAuthenticator(self.request)
        if self.draft is None:
            return self.not_found()
        owner = self.draft.owner
        delete_draft(self.draft)
        api.portal.show_message(
            _("info_draft_deleted", default="Your draft was deleted."), self.request
        )
        target = f"{_portal_url()}/{MY_REQUESTS_VIEW}" if owner else _portal_url()
        self.request.response.redirect(target, status=303)
        return ""
