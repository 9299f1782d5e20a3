"""The online form a citizen fills, rendered by z3c.form from the
procedure's schema, and the confirmation page that follows."""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.citizen import MY_REQUESTS_VIEW
from imio.guichet.browser.drafts import DraftFormMixin
from imio.guichet.browser.honeypot import honeypot_field
from imio.guichet.browser.honeypot import HONEYPOT_NAME
from imio.guichet.browser.honeypot import HoneypotFieldWidget
from imio.guichet.browser.procedure import ProcedureView
from imio.guichet.browser.receipt import is_submitter
from imio.guichet.browser.receipt import receipt_url
from imio.guichet.browser.widgets import UploadFieldWidget
from imio.guichet.forms.display import submission_answers
from imio.guichet.forms.model import FILE_FIELD_TYPES
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.uploads import Upload
from imio.guichet.forms.validation import to_json
from imio.guichet.prefill.widgets import prefill_widgets
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import InvalidData
from imio.guichet.submissions.api import LoginRequired
from imio.guichet.submissions.api import ProcedureClosed
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.protection import check_anonymous_rate
from imio.guichet.submissions.protection import count_anonymous_submission
from imio.guichet.submissions.protection import LooksLikeARobot
from imio.guichet.submissions.protection import refuse_robots
from imio.guichet.submissions.protection import TooManySubmissions
from imio.guichet.submissions.tracking import check_tracking_secret
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.submissions.tracking import tracking_url
from plone import api
from plone.autoform.form import AutoExtensibleForm
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from z3c.form import button
from z3c.form import form
from z3c.form.browser.checkbox import CheckBoxFieldWidget
from z3c.form.browser.radio import RadioFieldWidget
from z3c.form.field import Fields
from z3c.form.interfaces import IErrorViewSnippet
from zope.component import getMultiAdapter
from zope.interface import Invalid
from zope.schema import Choice
from zope.schema import getFieldsInOrder
from zope.schema import List
from zope.schema import Set
from zope.schema import Tuple

import logging


logger = logging.getLogger(__name__)

FORM_UNAVAILABLE = _(
    "error_form_unavailable",
    default="The online form of this procedure is unavailable for now. "
    "Please contact the service mentioned on this page.",
)

#: Up to this many choices show as radio buttons: all visible at once, one
#: click each, and no preselected value a citizen might send unawares.
MAX_RADIO_CHOICES = 7


def file_widget_factory(field):
    """A file input that keeps nothing (see widgets.UploadWidget)."""
    return UploadFieldWidget if isinstance(field, FILE_FIELD_TYPES) else None


def choice_widget_factory(field):
    """Radio buttons for short choices, checkboxes for multiple choices."""
    if isinstance(field, Choice):
        vocabulary = field.vocabulary
        if vocabulary is not None and len(vocabulary) <= MAX_RADIO_CHOICES:
            return RadioFieldWidget
    elif isinstance(field, List | Set | Tuple) and isinstance(field.value_type, Choice):
        return CheckBoxFieldWidget
    return None


def form_value(field, value):
    """What the core takes for a value z3c.form extracted: JSON values,
    and files as :class:`Upload` (checked by the core like REST files)."""
    if isinstance(field, FILE_FIELD_TYPES):
        return Upload(filename=value.filename or "", data=value.data)
    return to_json(field, value)


class SubmitForm(DraftFormMixin, AutoExtensibleForm, form.Form):
    """Fill and send a procedure's form."""

    ignoreContext = True
    enableCSRFProtection = True
    # Let the browser keep what was typed when a citizen goes back.
    enable_unload_protection = False

    @property
    def schema(self):
        return self.context.get_form_schema()

    @property
    def label(self):
        return self.context.title

    @property
    def description(self):
        return _(
            "help_submit_form",
            default="Fields marked as required must be filled in.",
        )

    def updateFields(self):
        super().updateFields()
        if api.user.is_anonymous():
            self.fields += Fields(honeypot_field)
            self.fields[HONEYPOT_NAME].widgetFactory = HoneypotFieldWidget
        for fields in [self.fields] + [group.fields for group in self.groups]:
            for form_field in fields.values():
                factory = file_widget_factory(form_field.field) or (
                    choice_widget_factory(form_field.field)
                )
                if factory is not None:
                    form_field.widgetFactory = factory

    def update(self):
        view = ProcedureView(self.context, self.request)
        if not view.availability.is_open:
            api.portal.show_message(view.availability.reason, self.request, "warning")
            self.request.response.redirect(self.context.absolute_url())
            return
        if view.login_required:
            self.request.response.redirect(view.login_url())
            return
        try:
            self.context.get_form_schema()
        except InvalidFormSchema:
            logger.exception("Unreadable form on %s", self.context.absolute_url())
            api.portal.show_message(FORM_UNAVAILABLE, self.request, "error")
            self.request.response.redirect(self.context.absolute_url())
            return
        self.load_draft()
        super().update()
        prefill_widgets(self)

    def render(self):
        if self.request.response.getStatus() in (301, 302, 303):
            return ""
        return super().render()

    @button.buttonAndHandler(_("button_send", default="Send my request"), name="send")
    def handle_send(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        submitter = current_submitter()
        client = self.request.getClientAddr() or "unknown"
        try:
            if submitter is None:
                refuse_robots(data.pop(HONEYPOT_NAME, None))
                check_anonymous_rate(client)
        except (TooManySubmissions, LooksLikeARobot) as refused:
            self.request.response.setStatus(refused.status)
            self.status = refused.message
            return
        fields = dict(getFieldsInOrder(self.schema))
        json_data = {
            name: form_value(fields[name], value)
            for name, value in data.items()
            if value is not None and name in fields
        }
        try:
            submission = submit(
                self.context,
                json_data,
                submitter=submitter,
                language=api.portal.get_current_language(),
            )
        except InvalidData as invalid:
            self.show_errors(invalid)
            return
        except (ProcedureClosed, LoginRequired) as refused:
            api.portal.show_message(refused.message, self.request, "warning")
            self.request.response.redirect(self.context.absolute_url())
            return
        if submitter is None:
            count_anonymous_submission(client)
        self.forget_draft()
        # The secret of the tracking link goes to the confirmation page
        # only: the reference alone reveals nothing.
        query = urlencode(
            {
                "secret": tracking_secret(get_store(), submission),
                "reference": submission.reference,
            }
        )
        self.request.response.redirect(
            f"{self.context.absolute_url()}/@@confirmation?{query}"
        )

    @button.buttonAndHandler(
        _("button_save_draft", default="Save as draft"), name="save_draft"
    )
    def handle_save_draft(self, action):
        self.save_as_draft()

    def show_errors(self, invalid: InvalidData) -> None:
        """Show the core's verdict next to each field, as z3c.form does."""
        widgets = {}
        for widget_manager in [self.widgets] + [g.widgets for g in self.groups]:
            widgets.update(widget_manager.items())
        snippets = []
        for field_error in invalid.errors:
            widget = widgets.get(field_error.field)
            if widget is None:
                continue
            snippet = getMultiAdapter(
                (
                    Invalid(field_error.message),
                    self.request,
                    widget,
                    widget.field,
                    self,
                    self.getContent(),
                ),
                IErrorViewSnippet,
            )
            snippet.update()
            widget.error = snippet
            snippets.append(snippet)
        self.widgets.errors = tuple(snippets)
        self.status = self.formErrorsMessage


class ConfirmationView(BrowserView):
    """ "Your request was sent": the reference to keep."""

    @cached_property
    def submission(self):
        submission = find_by_reference(self.request.form.get("reference", ""))
        # The page shows the reference only: confirm it belongs here, and
        # reveal nothing else about it.
        if submission is None or submission.procedure_uid != api.content.get_uuid(
            self.context
        ):
            return None
        return submission

    def reference(self) -> str | None:
        return self.submission.reference if self.submission else None

    @cached_property
    def secret(self) -> str | None:
        """The tracking secret the page was given, if it is the right one."""
        secret = self.request.form.get("secret")
        if self.submission is None or not isinstance(secret, str):
            return None
        if not check_tracking_secret(get_store(), self.submission, secret):
            return None
        return secret

    def tracking_url(self) -> str | None:
        """The link to follow the request, when the page got its secret."""
        return tracking_url(get_store(), self.submission) if self.secret else None

    def is_citizen(self) -> bool:
        """Whether this is the citizen who sent it (secret, or logged in)."""
        return self.submission is not None and (
            self.secret is not None or is_submitter(self.submission)
        )

    def answers(self) -> list[dict]:
        """What was sent, for the citizen who sent it only."""
        return (
            submission_answers(self.submission, self.context)
            if self.is_citizen()
            else []
        )

    def receipt_url(self) -> str | None:
        return receipt_url(self.submission, self.secret) if self.is_citizen() else None

    def my_requests_url(self) -> str | None:
        """ "Mes démarches", for a citizen who applied logged in."""
        if self.submission is None or not is_submitter(self.submission):
            return None
        return f"{api.portal.get().absolute_url()}/{MY_REQUESTS_VIEW}"
