"""The webmaster's side of a procedure's form beside the editor: the
preview (``@@guichet-preview``), publishing or dropping the working copy
(``@@guichet-form-version``), and what the editor's page says about them
(the version citizens fill, the check before publishing, the dates).

The preview is the citizen's form itself (browser.submit.SubmitForm: the
same steps, conditions, widgets and checks) on the form being edited,
whose last button says "this is a preview, nothing was sent": it files
nothing, keeps no draft and sends no e-mail.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.form_editor import EDITOR_PATH
from imio.guichet.browser.form_translation import may_translate
from imio.guichet.browser.form_translation import translation_languages
from imio.guichet.browser.form_translation import translation_url
from imio.guichet.browser.submit import SubmitForm
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.content.availability import submission_window
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidData
from imio.guichet.forms.checks import check_form
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.validation import clean_data
from imio.guichet.timezones import as_datetime
from imio.guichet.usecases.forms import discard_form_changes
from imio.guichet.usecases.forms import edited_form
from imio.guichet.usecases.forms import form_warnings
from imio.guichet.usecases.forms import publish_form_version
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from z3c.form import button
from zope.globalrequest import getRequest


PREVIEW_VIEW = "@@guichet-preview"
VERSION_VIEW = "@@guichet-form-version"


class PreviewForm(SubmitForm):
    """``@@guichet-preview``: the form being edited, as citizens will fill
    it, for who may edit the procedure (whether it is published or open or
    not). Nothing is filed, no draft kept, no e-mail sent."""

    preview = True
    #: Set once "Send" found every answer right.
    preview_sent = False
    buttons = SubmitForm.buttons.omit("save_draft")
    handlers = SubmitForm.handlers.copy()

    @cached_property
    def schema(self):
        return edited_form(caller_from_request(self.request, HTML), self.context)

    @cached_property
    def can_show(self) -> bool:
        return True  # closed or unpublished: the webmaster still tries it

    @property
    def draft(self):
        return None

    def load_draft(self) -> None:
        """No draft in a preview."""

    def fill_from_draft(self) -> None:
        """No draft in a preview."""

    def kept_blank_form(self):
        return None  # the page kept for anonymous citizens is not this one

    def send_directly(self) -> bool:
        return False  # every Send goes through handle_send below

    @button.handler(SubmitForm.buttons["send"])
    def handle_send(self, action):
        """What sending checks, without sending."""
        data, errors = self.extract()
        errors = self.asked_widget_errors(data, errors)
        if errors:
            # Not counted with the citizens' refusals (metrics): a preview.
            self.show_widget_errors(data, errors)
            return
        try:
            clean_data(
                self.schema,
                data,
                context=self.context,
                language=api.portal.get_current_language(),
            )
        except InvalidData as invalid:
            self.show_errors(invalid)
            return
        self.preview_sent = True

    def editor_url(self) -> str:
        return f"{self.context.absolute_url()}/{EDITOR_PATH}"


class FormVersionView(BrowserView):
    """``@@guichet-form-version`` (POST): publish the working copy
    ("publish") or drop it ("discard"), then back to the editor with what
    happened."""

    def __call__(self):
        request = self.request
        if request.method != "POST":
            request.response.redirect(editor_url(self.context))
            return ""
        CheckAuthenticator(request)
        caller = caller_from_request(request, HTML)
        try:
            if "publish" in request.form:
                published = publish_form_version(caller, self.context)
                self.say_published(published)
            elif "discard" in request.form:
                discard_form_changes(caller, self.context)
                api.portal.show_message(
                    _(
                        "info_form_changes_discarded",
                        default="The changes were discarded: the form is the "
                        "published one again.",
                    ),
                    request,
                )
        except GuichetError as refused:
            api.portal.show_message(refused.message, request, type="error")
        request.response.redirect(editor_url(self.context))
        return ""

    def say_published(self, published) -> None:
        api.portal.show_message(
            _(
                "info_form_version_published",
                default="Version ${version} of the form is published: citizens "
                "fill it from now on.",
                mapping={"version": published.version},
            ),
            self.request,
        )
        for warning in published.warnings:
            api.portal.show_message(warning.message, self.request, type="warning")


def editor_url(context) -> str:
    return f"{context.absolute_url()}/{EDITOR_PATH}"


def _date(value) -> str | None:
    """A Zope DateTime or a datetime, in the site's time, as the page's
    reader writes dates."""
    value = as_datetime(value)
    if value is None:
        return None
    return format_datetime(value, api.portal.get_current_language())


class FormVersionPanel:
    """What the editor's page says above the fields: the version citizens
    fill, whether changes wait, the check before publishing, the dates."""

    def __init__(self, procedure, request):
        self.procedure = procedure
        self.request = request
        self.form = IOnlineForm(procedure)

    def version(self) -> int:
        return self.form.form_schema_version

    def has_changes(self) -> bool:
        return self.form.working_copy is not None

    def seen_by_citizens(self) -> bool:
        return self.form.seen_by_citizens()

    def warnings(self) -> list:
        caller = caller_from_request(self.request, HTML)
        try:
            return form_warnings(caller, self.procedure)
        except GuichetError:
            return []

    def preview_url(self) -> str:
        return f"{self.procedure.absolute_url()}/{PREVIEW_VIEW}"

    def version_url(self) -> str:
        return f"{self.procedure.absolute_url()}/{VERSION_VIEW}"

    def edit_url(self) -> str:
        return f"{self.procedure.absolute_url()}/edit"

    def xml_url(self) -> str:
        # The advanced path: download the form, or import one (working copy).
        return f"{self.procedure.absolute_url()}/@@form-xml"

    def translations(self) -> list[dict]:
        """One link per other site language to the page that translates the
        form's texts (none on a one-language site, nor for those who may
        not use that page)."""
        if not may_translate(self.procedure):
            return []
        names = self.request.locale.displayNames.languages or {}
        return [
            {
                "language": code,
                "url": translation_url(self.procedure, code),
                "label": _(
                    "link_translate_form",
                    default="Translate the form (${language})",
                    mapping={"language": names.get(code) or code},
                ),
            }
            for code in translation_languages(self.procedure)
        ]

    def dates(self) -> list[dict]:
        """The procedure's publication and its submissions' dates, side by
        side (empty: no limit)."""
        procedure = self.procedure
        effective = getattr(procedure, "effective_date", None)
        expires = getattr(procedure, "expiration_date", None)
        opens, closes = submission_window(procedure)
        return [
            {
                "label": _("label_dates_publication", default="Page published"),
                "start": _date(effective),
                "end": _date(expires),
            },
            {
                # Within the page's dates: when citizens can actually file.
                "label": _("label_dates_submissions", default="Online submissions"),
                "start": _date(opens),
                "end": _date(closes),
                "closed": not self.form.submissions_open,
            },
        ]


def warn_on_publish(procedure, event) -> None:
    """The procedure published through its workflow: its editor is told
    what the check before publishing finds in the form citizens will fill,
    and that changes in the editor still wait to be published."""
    if getattr(event.transition, "id", None) != "publish":
        return
    request = getRequest()
    if request is None:
        return
    form = IOnlineForm(procedure)
    if form.working_copy is not None:
        api.portal.show_message(
            _(
                "warning_form_changes_not_published",
                default="The form editor holds changes that citizens do not "
                "see yet: publish them in the form editor.",
            ),
            request,
            type="warning",
        )
    try:
        schema = form.get_form_schema()
    except InvalidFormSchema:
        return
    for warning in check_form(schema, procedure, api.portal.get_current_language()):
        api.portal.show_message(warning.message, request, type="warning")
