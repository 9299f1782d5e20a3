"""The online form a citizen fills, rendered by z3c.form from the
procedure's schema, and the confirmation page that follows."""

from functools import cached_property
from functools import lru_cache
from imio.guichet import _
from imio.guichet.browser.a11y import RenderFormWidget
from imio.guichet.browser.chrome import ICitizenPage
from imio.guichet.browser.citizen import MY_REQUESTS_VIEW
from imio.guichet.browser.direct_send import direct_readers
from imio.guichet.browser.direct_send import NotDirect
from imio.guichet.browser.direct_send import read_answers
from imio.guichet.browser.drafts import DraftFormMixin
from imio.guichet.browser.errors import count_widget_refusal
from imio.guichet.browser.errors import set_widget_errors
from imio.guichet.browser.errors import show_on_form
from imio.guichet.browser.honeypot import honeypot_field
from imio.guichet.browser.honeypot import HONEYPOT_NAME
from imio.guichet.browser.honeypot import honeypot_value
from imio.guichet.browser.honeypot import HoneypotFieldWidget
from imio.guichet.browser.honeypot import RenderHoneypot
from imio.guichet.browser.layout import CachedLayoutPage
from imio.guichet.browser.layout import layout_seconds
from imio.guichet.browser.layout import LAYOUTS
from imio.guichet.browser.oidc import identify_url
from imio.guichet.browser.online_form import ApplyOnlineView
from imio.guichet.browser.receipt import receipt_url
from imio.guichet.browser.steps import FormSteps
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.channels.caller import is_anonymous
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical_uid
from imio.guichet.content.translations import reading_language
from imio.guichet.errors import GuichetError
from imio.guichet.errors import IdentityLevelRequired
from imio.guichet.errors import InvalidData
from imio.guichet.forms import kinds
from imio.guichet.forms.display import submission_answers
from imio.guichet.forms.fields import today
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.interfaces import IImioGuichetLayer
from imio.guichet.prefill.widgets import prefill_widgets
from imio.guichet.privacy.notice import concise_notice
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import IdempotencyKeyReused
from imio.guichet.submissions.tracking import check_tracking_secret
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.submissions.tracking import tracking_url
from imio.guichet.usecases.citizen import is_submitter
from imio.guichet.usecases.drafts import keep_for_identification
from imio.guichet.usecases.filing import file_submission
from plone import api
from plone.autoform.form import AutoExtensibleForm
from plone.protect import CheckAuthenticator
from plone.protect.authenticator import createToken
from plone.transformchain.interfaces import DISABLE_TRANSFORM_REQUEST_KEY
from plone.transformchain.interfaces import ITransform
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from z3c.form import button
from z3c.form import form
from z3c.form.field import Fields
from zope.component import adapter
from zope.dottedname.resolve import resolve
from zope.i18n import translate
from zope.interface import implementer
from zope.schema import getFieldsInOrder

import logging
import re
import secrets


logger = logging.getLogger(__name__)

FORM_UNAVAILABLE = _(
    "error_form_unavailable",
    default="The online form of this procedure is unavailable for now. "
    "Please contact the service mentioned on this page.",
)

#: The form token: a hidden input made when the form is first shown, kept
#: from step to step; one token files one submission (see handle_send).
TOKEN_KEY = "guichet.token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}\Z")

#: Where the blank form kept has its tokens (see SubmitForm.kept_blank_form).
_BLANK_TOKEN = "imio-guichet-blank-form-token"
_BLANK_AUTHENTICATOR = "imio-guichet-blank-form-authenticator"
#: The response's own headers, never kept with the blank form.
_HEADERS_NOT_KEPT = {"content-length", "set-cookie", "date", "etag", "last-modified"}

ALREADY_SENT = _(
    "error_form_already_sent",
    default="This form was already sent with other answers. To send another "
    "request, open the form again.",
)


def widget_factory(field):
    """The widget its kind chooses for ``field`` (forms.kinds), or None
    for z3c.form's default one."""
    name = kinds.widget_factory(field)
    return _resolved(name) if name else None


@lru_cache(maxsize=64)
def _resolved(dotted_name: str):
    # A kind names its widget factory by a constant dotted name.
    return resolve(dotted_name)


def form_value(field, value):
    """What the core takes for a value z3c.form extracted: JSON values,
    and files as :class:`Upload` (checked by the core like REST files)."""
    return kinds.from_widget(field, value)


#: Plone's page around the parts of the form and of the confirmation.
LAYOUT_PAGE = ViewPageTemplateFile("templates/layout_page.pt")


#: The buttons that move the citizen forward, shown as the main action.
MAIN_ACTIONS = ("next", "send")


@implementer(ICitizenPage)
class SubmitForm(
    CachedLayoutPage, DraftFormMixin, FormSteps, AutoExtensibleForm, form.Form
):
    """Fill and send a procedure's form (in steps when it has fieldsets:
    see browser.steps)."""

    page_template = LAYOUT_PAGE
    parts_template = ViewPageTemplateFile("templates/submit.pt")
    # The form's inputs, its token, step and files, the CSRF token, a draft.
    own_parameters = ("form.", "guichet.", "_authenticator", "draft", "secret")
    ignoreContext = True
    enableCSRFProtection = True
    # Let the browser keep what was typed when a citizen goes back.
    enable_unload_protection = False

    @cached_property
    def schema(self):
        # Read many times by z3c.form, the steps and the conditions: once
        # a request (the form's current version), in the page's language.
        asked = caller_from_request(self.request, HTML).language
        language = reading_language(self.context, asked)
        return IOnlineForm(self.context).get_form_schema(language=language)

    @cached_property
    def schema_fields(self):
        return getFieldsInOrder(self.schema)

    @property
    def label(self):
        return self.context.title

    @property
    def description(self):
        return _(
            "help_submit_form",
            default="Fields marked as required must be filled in.",
        )

    def privacy_notice(self):
        """The privacy notice, on the form's first step and on its review
        step (on a form of one page, on that page); None on other steps."""
        if self.steps and not (self.current == 0 or self.on_review):
            return None
        return concise_notice(
            self.context,
            self.context.absolute_url(),
            api.portal.get_current_language(),
        )

    def updateFields(self):
        super().updateFields()
        if is_anonymous():
            self.fields += Fields(honeypot_field)
            self.fields[HONEYPOT_NAME].widgetFactory = HoneypotFieldWidget
        if self.steps:
            self.flatten_groups()
        for fields in [self.fields] + [group.fields for group in self.groups]:
            for form_field in fields.values():
                factory = widget_factory(form_field.field)
                if factory is not None:
                    form_field.widgetFactory = factory
        if self.steps:
            self.apply_step_modes()

    def all_widgets(self) -> dict:
        widgets = dict(self.widgets.items())
        for group in self.groups:
            if hasattr(group, "widgets"):
                widgets.update(group.widgets.items())
        return widgets

    @cached_property
    def can_show(self) -> bool:
        """Whether the form is shown; if not, the citizen is sent back to
        the procedure (or to the login page) with why."""
        view = ApplyOnlineView(self.context, self.request)
        if not view.availability.is_open:
            api.portal.show_message(view.availability.reason, self.request, "warning")
            self.request.response.redirect(self.context.absolute_url())
            return False
        if view.login_required:
            self.request.response.redirect(view.login_url())
            return False
        try:
            IOnlineForm(self.context).get_form_schema()
        except InvalidFormSchema:
            logger.exception("Unreadable form on %s", self.context.absolute_url())
            api.portal.show_message(FORM_UNAVAILABLE, self.request, "error")
            self.request.response.redirect(self.context.absolute_url())
            return False
        return True

    def __call__(self):
        if self.can_show:
            page = self.kept_blank_form()
            if page is not None:
                return page
            if self.send_directly():
                return ""
        return super().__call__()

    def update(self):
        if not self.can_show:
            return
        self.load_draft()
        self.current = self.requested_step()
        super().update()
        prefill_widgets(self)
        self.fill_from_draft()

    def render(self):
        if self.request.response.getStatus() in (301, 302, 303):
            return ""
        return self.render_page()

    def render_widget(self, widget) -> str:
        """A widget in the page: the honeypot in its hidden wrapper, every
        other in the accessible one (a11y.py). Called directly, not looked
        up as ``@@ploneform-render-widget`` on a marked widget: marking
        each widget of each request (``alsoProvides``) costs more than
        rendering it."""
        if widget.__name__ == HONEYPOT_NAME:
            return RenderHoneypot(widget, self.request)()
        return RenderFormWidget(widget, self.request)()

    #: The CSRF token of the page (see :meth:`authenticator`).
    csrf_token = None

    def authenticator(self) -> str:
        """plone.protect's hidden CSRF input, as its ``@@authenticator``
        view writes it."""
        self.csrf_token = createToken()
        return f'<input type="hidden" name="_authenticator" value="{self.csrf_token}"/>'

    # -- the blank form, kept

    #: The key of the blank form to keep once the transforms have run
    #: (see KeepBlankForm).
    keeping = None

    def blank_form_key(self) -> tuple | None:
        """The key of the blank form in :data:`LAYOUTS`: the form as an
        anonymous visitor opens it, without any parameter (no draft, no
        step, nothing sent). It is the same page for every such visitor
        but for its two tokens (the form's, plone.protect's), given the
        page around it (:meth:`layout_key`), the form's version (its XML)
        and the day (a date field's bounds count from today). None when
        the form must be rendered for this request."""
        request = self.request
        if request.method != "GET" or request.form or request.get("QUERY_STRING"):
            return None
        layout = self.layout_key()
        if layout is None:
            return None
        form_xml = IOnlineForm(self.context).form_schema
        return ("blank form", layout, form_xml, today())

    def kept_blank_form(self) -> str | None:
        """The blank form kept, with this request's own tokens; None when it
        must be rendered (then :class:`KeepBlankForm` keeps it, if it
        may)."""
        key = self.blank_form_key()
        if key is None:
            return None
        kept = LAYOUTS.get(key, layout_seconds())
        if kept is None:
            self.keeping = key
            return None
        page, headers = kept
        # Kept as the transforms (plone.app.theming's Diazo theme,
        # plone.protect's…) left it, with the headers set until then: they
        # do not run again.
        self.request.environ[DISABLE_TRANSFORM_REQUEST_KEY] = True
        response = self.request.response
        for name, value in headers:
            if not response.getHeader(name):
                response.setHeader(name, value)
        return page.replace(_BLANK_TOKEN, self.form_token).replace(
            _BLANK_AUTHENTICATOR, createToken()
        )

    def keep_blank_form(self, page: str) -> None:
        """Keep ``page``, this request's blank form once transformed, with
        its two tokens left out; unless each is not there exactly once."""
        token, csrf_token = self.form_token, self.csrf_token
        if csrf_token is None or not page.count(token) == page.count(csrf_token) == 1:
            logger.warning("Blank form not kept: its tokens are not where expected")
            return
        kept = page.replace(token, _BLANK_TOKEN).replace(
            csrf_token, _BLANK_AUTHENTICATOR
        )
        headers = tuple(
            (name, value)
            for name, value in self.request.response.headers.items()
            if name.lower() not in _HEADERS_NOT_KEPT
        )
        LAYOUTS.put(self.keeping, (kept, headers))

    def script_url(self) -> str:
        return f"{api.portal.get().absolute_url()}/++resource++imio.guichet/form.js"

    @cached_property
    def form_token(self) -> str:
        """The token of this filling of the form (see TOKEN_KEY)."""
        token = self.request.form.get(TOKEN_KEY)
        if isinstance(token, str) and _TOKEN.match(token):
            return token
        return secrets.token_urlsafe(24)

    # -- Send, without z3c.form's widgets

    #: (answers, exception) when the core refused the answers read
    #: directly: z3c.form shows that verdict without asking again.
    refused_directly = None

    def send_directly(self) -> bool:
        """*Send* pressed on a one-page form whose answers are all read
        without z3c.form (browser.direct_send): file them, and redirect to
        the confirmation. False when z3c.form must handle the request: any
        other button, a draft, a form or value not read directly, or answers
        the core refused (then z3c.form shows the page with the errors)."""
        request = self.request
        form = request.form
        if (
            request.method != "POST"
            or f"{self.prefix}buttons.send" not in form
            or self.DRAFT_PARAMETER in form
            or self.steps
        ):
            return False
        readers = direct_readers(self.schema)
        if readers is None:
            return False
        try:
            data = read_answers(readers, self.prefix, form)
        except NotDirect:
            return False
        # What z3c.form's actions check first (plone.app.z3cform.csrf).
        CheckAuthenticator(request)
        try:
            filed = self.file(data)
        except (IdempotencyKeyReused, GuichetError) as refused:
            self.refused_directly = (data, refused)
            return False
        self.redirect_to_confirmation(filed.submission)
        return True

    def file(self, data: dict):
        """Hand the answers to the core (see ``usecases.filing``)."""
        draft = self.draft
        return file_submission(
            caller_from_request(self.request, HTML),
            self.context,
            data,
            idempotency_key=f"html-form:{self.form_token}",
            honeypot=honeypot_value(self),
            draft_id=None if draft is None else draft.id,
            draft_secret=self.draft_secret,
        )

    # -- what was typed

    def extract(self) -> tuple[dict, tuple]:
        """(JSON data, z3c.form error snippets) of the request, honeypot
        left out; no error is shown yet."""
        data, errors = self.extractData(setErrors=False)
        fields = dict(self.schema_fields)
        json_data = {
            name: form_value(fields[name], value)
            for name, value in data.items()
            if value is not None and name in fields
        }
        # Files chosen on this page or received with an earlier one.
        json_data.update(self.uploads)
        return json_data, errors

    @cached_property
    def _answers(self) -> dict:
        return self.extract()[0]

    def answers_json(self) -> dict:
        """What the request holds, as the JSON data the core takes."""
        return dict(self._answers)

    # -- buttons (in this order in the page: the first is Enter's)

    def updateActions(self):
        super().updateActions()
        # The page's main action looks like it (Plone makes every button
        # but "save" and a few others secondary, like "Previous").
        for name in MAIN_ACTIONS:
            action = self.actions.get(name)
            if action is not None:
                action.klass = action.klass.replace("btn-secondary", "btn-primary")

    def _next_shown(self):
        return bool(self.steps) and not self.on_review

    def _send_shown(self):
        return not self.steps or self.on_review

    def _previous_shown(self):
        return bool(self.steps) and self.current > 0

    @button.buttonAndHandler(
        _("button_next", default="Next"),
        name="next",
        condition=lambda form: form._next_shown(),
    )
    def handle_next(self, action):
        data, widget_errors = self.extract()
        snippets, core = self.step_errors(data, widget_errors)
        if snippets or core:
            self.set_errors(snippets, core)
            return
        self.show_step(self.next_step(data, self.current))

    @button.buttonAndHandler(
        _("button_send", default="Send my request"),
        name="send",
        condition=lambda form: form._send_shown(),
    )
    def handle_send(self, action):
        data, errors = self.extract()
        errors = self.asked_widget_errors(data, errors)
        if errors:
            count_widget_refusal()
            self.show_widget_errors(data, errors)
            return
        refused_directly = self.refused_directly
        try:
            if refused_directly is not None and refused_directly[0] == data:
                # The core's verdict on these very answers (send_directly):
                # one Send goes through the core's checks once.
                raise refused_directly[1]
            filed = self.file(data)
        except IdempotencyKeyReused:
            self.status = ALREADY_SENT
            return
        except IdentityLevelRequired:
            self.send_to_identification()
            return
        except GuichetError as refused:
            show_on_form(self, refused)
            return
        self.redirect_to_confirmation(filed.submission)

    @button.buttonAndHandler(
        _("button_previous", default="Previous"),
        name="previous",
        condition=lambda form: form._previous_shown(),
    )
    def handle_previous(self, action):
        self.show_step(self.previous_step(self.answers_json(), self.current))

    def send_to_identification(self) -> None:
        """Below the procedure's level: keep what was typed (a draft that
        its secret opens) and send the citizen to the identity provider,
        who brings them back to the form with it."""
        caller = caller_from_request(self.request, HTML)
        try:
            kept = keep_for_identification(
                caller,
                self.context,
                self.draft_answers,
                honeypot=honeypot_value(self),
            )
        except GuichetError as refused:
            show_on_form(self, refused)
            return
        query = urlencode(
            {self.DRAFT_PARAMETER: kept.draft.id, self.SECRET_PARAMETER: kept.secret}
        )
        back_to = f"{self.context.absolute_url()}/@@submit?{query}"
        self.request.response.redirect(identify_url(back_to))

    def redirect_to_confirmation(self, submission) -> None:
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

    # -- errors

    def show_errors(self, invalid: InvalidData) -> None:
        """Show the core's verdict next to each field (on the first step
        with an error), as z3c.form does."""
        if self.steps:
            faulty = [error.field for error in invalid.errors]
            self.show_step(self.first_step_of(faulty, self.answers_json()))
            asked = set(self.step_fields())
            errors = [error for error in invalid.errors if error.field in asked]
        else:
            errors = invalid.errors
        self.set_errors([], errors)

    def show_widget_errors(self, data: dict, snippets) -> None:
        """Show z3c.form's errors (on the first step with one)."""
        if self.steps:
            names = [snippet.widget.__name__ for snippet in snippets]
            self.show_step(self.first_step_of(names, data))
            _data, snippets = self.extractData(setErrors=False)  # new widgets
            snippets = self.asked_widget_errors(data, snippets, self.step_fields())
        self.set_errors(snippets, [])

    def set_errors(self, snippets, field_errors) -> None:
        """Show z3c.form's error snippets and the core's FieldErrors next
        to their fields, and in the error summary."""
        set_widget_errors(self, self.all_widgets(), snippets, field_errors)

    def error_summary(self) -> list[dict]:
        """The faulty fields, in the form's order, for the summary."""
        faulty = {
            snippet.widget.__name__: snippet
            for snippet in self.widgets.errors
            if getattr(snippet, "widget", None) is not None
        }
        return [
            {
                "anchor": f"formfield-{widget.id}",
                "text": _(
                    "label_error_summary_item",
                    default="${field}: ${message}",
                    mapping={
                        "field": translate(widget.label, context=self.request),
                        "message": translate(
                            faulty[name].message, context=self.request
                        ),
                    },
                ),
            }
            for name, widget in self.all_widgets().items()
            if name in faulty
        ]


@implementer(ITransform)
@adapter(SubmitForm, IImioGuichetLayer)
class KeepBlankForm:
    """The last of plone.transformchain's transforms on the form: keeps the
    blank form as the others (the theme) left it, when the form asked
    (``SubmitForm.keeping``)."""

    order = 100_000

    def __init__(self, published, request):
        self.published = published
        self.request = request

    def transformBytes(self, result, encoding):
        return self.transformIterable([result], encoding)

    def transformUnicode(self, result, encoding):
        return self.transformIterable([result], encoding)

    def transformIterable(self, result, encoding):
        form = self.published
        if form.keeping is None or self.request.response.getStatus() != 200:
            return None
        page = "".join(
            chunk.decode(encoding) if isinstance(chunk, bytes) else chunk
            for chunk in result
        )
        form.keep_blank_form(page)
        return page


@implementer(ICitizenPage)
class ConfirmationView(CachedLayoutPage, CallerOfRequest, BrowserView):
    """ "Your request was sent": the reference to keep."""

    page_template = LAYOUT_PAGE
    parts_template = ViewPageTemplateFile("templates/confirmation.pt")
    own_parameters = ("secret", "reference")
    # A language selector links to this page with both (see layout.py).
    reflected_parameters = ("secret", "reference")

    def __call__(self):
        return self.render_page()

    def reflectable(self) -> bool:
        # The reference and secret of a request filed here, checked: never
        # values a visitor chose.
        return self.secret is not None

    @cached_property
    def _found(self):
        """The submission of this procedure with the reference asked for."""
        submission = find_by_reference(self.request.form.get("reference", ""))
        if submission is None:
            return None
        if submission.procedure_uid != canonical_uid(self.context):
            return None
        return submission

    @cached_property
    def secret(self) -> str | None:
        """The tracking secret the page was given, if it is the right one."""
        secret = self.request.form.get("secret")
        if self._found is None or not isinstance(secret, str):
            return None
        if not check_tracking_secret(get_store(), self._found, secret):
            return None
        return secret

    @cached_property
    def submission(self):
        """The submission, for the citizen who sent it only (its secret, or
        logged in as its submitter). To anyone else the page is the same
        whether the reference exists or not (in this procedure or another):
        it must not tell which references are in use."""
        found = self._found
        if found is None:
            return None
        if self.secret is None and not is_submitter(self.caller, found):
            return None
        return found

    def reference(self) -> str | None:
        return self.submission.reference if self.submission else None

    def tracking_url(self) -> str | None:
        """The link to follow the request, when the page got its secret."""
        return tracking_url(get_store(), self.submission) if self.secret else None

    def is_citizen(self) -> bool:
        """Whether this is the citizen who sent it (secret, or logged in)."""
        return self.submission is not None

    def answers(self) -> list[dict]:
        """What was sent, for the citizen who sent it only."""
        return (
            submission_answers(
                self.submission,
                self.context,
                reading_language(self.context, self.caller.language),
            )
            if self.is_citizen()
            else []
        )

    def receipt_url(self) -> str | None:
        return receipt_url(self.submission, self.secret) if self.is_citizen() else None

    def my_requests_url(self) -> str | None:
        """ "Mes démarches", for a citizen who applied logged in."""
        if self.submission is None or not is_submitter(self.caller, self.submission):
            return None
        return f"{api.portal.get().absolute_url()}/{MY_REQUESTS_VIEW}"
