"""Drafts on the HTML form: save what was typed, resume it later.

:class:`DraftFormMixin` gives the procedure's form (submit.SubmitForm) its
"Save as draft" behaviour: it keeps the answers as JSON, the shape of a
submission's data (converted as the form does, not validated), and when
the form is opened with ``?draft=&secret=`` it shows them again. The views
here, on the site root, open a resume link (``@@resume-draft``), say that
a draft was saved (``@@draft-saved``) and delete one (``@@delete-draft``,
POST with the CSRF token). Who may open,
save and delete a draft is decided by :mod:`imio.guichet.usecases.drafts`.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.chrome import ICitizenPage
from imio.guichet.browser.display import single
from imio.guichet.browser.errors import show_on_form
from imio.guichet.browser.honeypot import HONEYPOT_NAME
from imio.guichet.browser.honeypot import honeypot_value
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.drafts.storage import Draft
from imio.guichet.errors import GuichetError
from imio.guichet.errors import NotFound
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.model import is_file_field
from imio.guichet.forms.validation import unvalidated_json
from imio.guichet.forms.validation import unvalidated_value
from imio.guichet.notifications.delivery import queue_messages
from imio.guichet.notifications.messages import draft_address
from imio.guichet.notifications.messages import draft_message
from imio.guichet.notifications.messages import MY_REQUESTS_VIEW
from imio.guichet.submissions.access import find_procedure
from imio.guichet.urls import public_site_url
from imio.guichet.usecases.drafts import delete_draft
from imio.guichet.usecases.drafts import DRAFT_NOT_FOUND
from imio.guichet.usecases.drafts import my_drafts
from imio.guichet.usecases.drafts import open_draft
from imio.guichet.usecases.drafts import save_draft
from imio.guichet.usecases.drafts import update_draft
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from z3c.form.interfaces import IDataConverter
from z3c.form.interfaces import NO_VALUE
from zExceptions import Forbidden
from zope.globalrequest import getRequest
from zope.interface import implementer
from zope.interface import Invalid


RESUME_VIEW = "@@resume-draft"
SAVED_VIEW = "@@draft-saved"
DELETE_VIEW = "@@delete-draft"


def _portal_url() -> str:
    return api.portal.get().absolute_url()


def draft_query(draft: Draft, secret: str | None) -> dict:
    """The parameters that open ``draft`` (its secret for anonymous ones)."""
    return {"id": draft.id, **({"secret": secret} if secret else {})}


def resume_url(draft: Draft, secret: str | None = None) -> str:
    """The link that opens the form with ``draft``'s answers (e-mailed:
    from the site's public URL)."""
    query = urlencode(draft_query(draft, secret))
    return f"{public_site_url()}/{RESUME_VIEW}?{query}"


def find_draft(form) -> tuple[Draft | None, str | None]:
    """The draft (and secret) a request names with ``id`` and ``secret``,
    for whoever may open it."""
    secret = single(form, "secret") or None
    caller = caller_from_request(getRequest(), HTML)
    try:
        draft = open_draft(caller, single(form, "id"), secret=secret)
    except NotFound:
        return None, None
    return draft, secret


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
        caller = caller_from_request(self.request, HTML)
        try:
            return open_draft(
                caller, draft_id, secret=self.draft_secret, procedure=self.context
            )
        except NotFound:
            return None

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

    def draft_answers(self) -> dict:
        """What the widgets sent, as JSON (the shape of a submission's
        data): through the conversion the form makes before validating,
        not validated. A text that does not convert (a date such as
        "31/02") is kept as typed, so that the citizen finds it again."""
        answers = {}
        for name, widget in self._field_widgets().items():
            raw = widget.extract()
            if raw is NO_VALUE:
                continue
            try:
                value = IDataConverter(widget).toFieldValue(raw)
            except (Invalid, ValueError):  # what z3c.form's extraction catches
                value = raw if isinstance(raw, str) else None
            if value is not None and value != widget.field.missing_value:
                answers[name] = unvalidated_json(widget.field, value)
        return answers

    def load_draft(self) -> None:
        """Before the form updates: say when the draft cannot be found. (The
        page's URL holds the draft's secret: headers.py's Referrer-Policy,
        set on every guichet page, keeps it in the site.)"""
        if not single(self.request.form, self.DRAFT_PARAMETER):
            return
        if self.draft is None:
            api.portal.show_message(DRAFT_NOT_FOUND, self.request, "warning")

    def fill_from_draft(self) -> None:
        """After the widgets update (and prefill): show a resumed draft's
        answers, unless the form itself was sent."""
        form = self.request.form
        if self.draft is None or any(
            key.startswith(f"{self.prefix}buttons.") for key in form
        ):
            return
        widgets = self._field_widgets()
        for name, answer in self.draft.data.items():
            widget = widgets.get(name)
            if widget is None or widget.readonly:
                continue  # a source's value (once only) wins over the draft
            value = unvalidated_value(widget.field, answer)
            if value is not None:
                widget.value = IDataConverter(widget).toWidgetValue(value)
            elif isinstance(answer, str):
                widget.value = answer  # kept as typed: it did not convert
        self.status = _(
            "info_draft_resumed",
            default="Your draft of ${date} is back. Files are not kept in "
            "drafts: add them again before sending.",
            mapping={
                "date": format_datetime(
                    self.draft.saved, api.portal.get_current_language()
                )
            },
        )

    def save_as_draft(self) -> None:
        """The "Save as draft" button: keep what was typed, not validated."""
        caller = caller_from_request(self.request, HTML)
        honeypot = honeypot_value(self)
        try:
            if self.draft is None:
                saved = save_draft(
                    caller, self.context, self.draft_answers(), honeypot=honeypot
                )
                draft, secret = saved.draft, saved.secret
            else:
                draft = update_draft(
                    caller,
                    self.draft.id,
                    self.draft_answers(),
                    secret=self.draft_secret,
                    honeypot=honeypot,
                    procedure=self.context,
                )
                secret = self.draft_secret
        except GuichetError as refused:
            show_on_form(self, refused)
            return
        if self.draft is None and secret is not None:
            self.mail_resume_link(draft, secret)
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
            queue_messages([message])


def draft_rows(caller: Caller) -> list[dict]:
    """The drafts of "Mes démarches": one row per draft, newest first,
    dated as the caller (the page's reader) writes dates."""
    rows = []
    for draft in my_drafts(caller):
        procedure = find_procedure(draft.procedure_uid)
        rows.append(
            {
                "id": draft.id,
                "procedure": procedure.Title() if procedure is not None else "",
                "saved": format_datetime(draft.saved, caller.language),
                "expires": format_datetime(draft.expires, caller.language),
                "resume_url": resume_url(draft),
            }
        )
    return rows


@implementer(ICitizenPage)
class DraftPage(BrowserView):
    """A draft named by ``?id=&secret=`` (the secret for anonymous ones)."""

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
        return format_datetime(self.draft.expires, api.portal.get_current_language())

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
        caller = caller_from_request(self.request, HTML)
        owner = delete_draft(caller, self.draft.id, secret=self.found[1])
        api.portal.show_message(
            _("info_draft_deleted", default="Your draft was deleted."), self.request
        )
        target = f"{_portal_url()}/{MY_REQUESTS_VIEW}" if owner else _portal_url()
        self.request.response.redirect(target, status=303)
        return ""
