"""``@@guichet-emails``: a procedure's e-mails, as its webmasters write them.

One z3c.form per e-mail and language (``?mail=confirmation|service|state``
and ``&language=fr|nl|de|en``, one of the site's languages): subject,
body, the confirmation that answers may travel by e-mail; *Save*,
*Preview* and *Reset to the default*, for that language only. The rules
(who may, which languages and placeholders, the audit) are the use
cases' (:mod:`imio.guichet.usecases.emails`).

Post/Redirect/Get (:mod:`.prg`): a save or a reset redirects to the page
of its e-mail; a refused save too, with what was typed and the errors
next to their fields (a text too large for the cookie is shown at once).
A preview changes nothing: it is shown in the answer to its POST.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.browser.errors import set_answer_status
from imio.guichet.browser.errors import set_widget_errors
from imio.guichet.browser.errors import show_refusal
from imio.guichet.browser.prg import keep_refusal
from imio.guichet.browser.prg import take_refusal
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.errors import FieldError
from imio.guichet.errors import GuichetError
from imio.guichet.notifications.templates import ANSWER
from imio.guichet.notifications.templates import KINDS
from imio.guichet.usecases import emails
from plone import api
from plone.i18n.locales.languages import ContentLanguageAvailability
from plone.z3cform.layout import FormWrapper
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from z3c.form import button
from z3c.form import field
from z3c.form import form
from z3c.form.browser.checkbox import SingleCheckBoxFieldWidget
from zExceptions import NotFound
from zope.interface import Interface
from zope.schema import Bool
from zope.schema import Text
from zope.schema import TextLine


VIEW = "@@guichet-emails"
TITLES = {
    "confirmation": _("title_mail_confirmation", default="Confirmation to the citizen"),
    "service": _("title_mail_service", default="Notice to the service"),
    "state": _("title_mail_state", default="Change of state, to the citizen"),
}
TYPED = ("subject", "body", "allow_answers")


def language_title(language: str) -> str:
    """The name of ``language`` in itself ("Deutsch"), as the citizens
    who apply in it read it."""
    names = ContentLanguageAvailability().getLanguages()
    return names.get(language, {}).get("native", language)


class IMailTemplateForm(Interface):
    subject = TextLine(title=_("label_mail_subject", default="Subject"), required=False)
    body = Text(
        title=_("label_mail_body", default="Text of the e-mail"),
        description=_(
            "help_mail_body",
            default="Plain text: an empty line starts a paragraph, links "
            "become clickable. Placeholders such as ${reference} are replaced "
            "when the e-mail is sent (see the list below).",
        ),
        required=False,
    )
    allow_answers = Bool(
        title=_(
            "label_mail_allow_answers",
            default="I confirm that the citizen's answers named in this "
            "e-mail may travel by e-mail",
        ),
        description=_(
            "help_mail_allow_answers",
            default="E-mail is not a secure channel: it crosses servers the "
            "authority does not control and is kept for years. Put an answer "
            "in an e-mail only when the citizen needs it there.",
        ),
        required=False,
    )


class MailTemplateForm(CallerOfRequest, form.Form):
    """The template of one e-mail of the procedure."""

    fields = field.Fields(IMailTemplateForm)
    fields["allow_answers"].widgetFactory = SingleCheckBoxFieldWidget
    ignoreContext = False
    #: Every button checks Plone's authenticator (plone.app.z3cform).
    enableCSRFProtection = True
    preview = None

    @cached_property
    def kind(self) -> str:
        kind = self.request.form.get("mail") or KINDS[0]
        if kind not in KINDS:
            raise NotFound(kind)
        return kind

    @cached_property
    def languages(self) -> list[str]:
        try:
            return emails.mail_languages(self.caller, self.context)
        except GuichetError as exc:
            raise_for_page(exc)
            raise

    @cached_property
    def language(self) -> str:
        language = self.request.form.get("language")
        if not language:
            return emails.first_language(self.caller, self.context)
        if language not in self.languages:
            raise NotFound(language)
        return language

    @cached_property
    def mails(self) -> list:
        return emails.read_mail_templates(self.caller, self.context, self.language)

    @property
    def mail(self):
        return next(mail for mail in self.mails if mail.kind == self.kind)

    def page_url(self, kind: str | None = None, language: str | None = None) -> str:
        query = urlencode(
            {"mail": kind or self.kind, "language": language or self.language}
        )
        return f"{self.context.absolute_url()}/{VIEW}?{query}"

    @property
    def action(self) -> str:
        return self.page_url()

    def getContent(self) -> dict:
        kept = getattr(self, "kept", None)
        if kept is not None:  # what was typed, refused
            typed = kept.get("typed") or {}
            return {
                "subject": typed.get("subject", ""),
                "body": typed.get("body", ""),
                "allow_answers": bool(typed.get("allow_answers")),
            }
        template = self.mail.template
        return {
            "subject": template.subject,
            "body": template.body,
            "allow_answers": template.allow_answers,
        }

    def update(self):
        self.kept = None
        if self.request.method == "GET":
            self.kept = take_refusal(self.request, self.page_url())
        super().update()
        if self.kept is not None:
            self.show_kept(self.kept)

    def show_kept(self, kept: dict) -> None:
        fields = [
            FieldError(name, code, message) for name, code, message in kept["fields"]
        ]
        self.request.response.setStatus(kept["status"])
        if fields:
            set_widget_errors(self, dict(self.widgets.items()), [], fields)
        else:
            self.status = kept["message"]

    def typed(self) -> dict:
        data, _errors = self.extractData()
        return {
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
            "allow_answers": bool(data.get("allow_answers")),
        }

    def refused(self, exc: GuichetError, typed: dict) -> None:
        """Back to the page with ``exc`` next to its fields."""
        raise_for_page(exc)
        kept = {**typed, "allow_answers": "1" if typed["allow_answers"] else ""}
        if keep_refusal(self.request, self.page_url(), exc, kept):
            self.request.response.redirect(self.page_url(), status=303)
            return
        # Too large to keep: shown now.
        if exc.fields:
            set_answer_status(self.request, exc)
            set_widget_errors(self, dict(self.widgets.items()), [], exc.fields)
        else:
            show_refusal(self, exc)

    @button.buttonAndHandler(_("button_save", default="Save"), name="save")
    def handle_save(self, action):
        typed = self.typed()
        try:
            emails.save_mail_template(
                self.caller, self.context, self.kind, language=self.language, **typed
            )
        except GuichetError as exc:
            self.refused(exc, typed)
            return
        api.portal.show_message(
            _("info_mail_template_saved", default="The e-mail was saved."),
            self.request,
        )
        self.request.response.redirect(self.page_url(), status=303)

    @button.buttonAndHandler(_("button_preview", default="Preview"), name="preview")
    def handle_preview(self, action):
        typed = self.typed()
        try:
            self.preview = emails.preview_mail(
                self.caller, self.context, self.kind, language=self.language, **typed
            )
        except GuichetError as exc:
            raise_for_page(exc)
            set_answer_status(self.request, exc)
            if exc.fields:
                set_widget_errors(self, dict(self.widgets.items()), [], exc.fields)
            else:
                self.status = exc.message

    @button.buttonAndHandler(
        _("button_mail_reset", default="Reset to the default"), name="reset"
    )
    def handle_reset(self, action):
        try:
            emails.reset_mail_template(
                self.caller, self.context, self.kind, language=self.language
            )
        except GuichetError as exc:
            self.refused(exc, dict.fromkeys(TYPED, "") | {"allow_answers": False})
            return
        api.portal.show_message(
            _(
                "info_mail_template_reset",
                default="The e-mail is the default one again.",
            ),
            self.request,
        )
        self.request.response.redirect(self.page_url(), status=303)


class MailTemplatesPage(FormWrapper):
    """The page around the form: the procedure's e-mails, the placeholders
    and the preview."""

    form = MailTemplateForm
    index = ViewPageTemplateFile("templates/emails.pt")

    @property
    def label(self):
        return _("title_mail_templates", default="E-mails of the procedure")

    def tabs(self) -> list[dict]:
        current = self.form_instance
        return [
            {
                "kind": mail.kind,
                "title": TITLES[mail.kind],
                "url": current.page_url(kind=mail.kind),
                "current": mail.kind == current.kind,
                "customized": mail.customized,
            }
            for mail in current.mails
        ]

    def language_tabs(self) -> list[dict]:
        """The languages this e-mail may be written in, each with whether
        the webmaster wrote it in that language."""
        current = self.form_instance
        written = emails.customized_languages(current.caller, self.context).get(
            current.kind, []
        )
        return [
            {
                "language": language,
                "title": language_title(language),
                "url": current.page_url(language=language),
                "current": language == current.language,
                "customized": language in written,
            }
            for language in current.languages
        ]

    def placeholders(self) -> list[dict]:
        return [
            {"name": f"${{{name}}}", "title": title}
            for name, title in self.form_instance.mail.placeholders.items()
        ]

    def answer_placeholders(self) -> list[dict]:
        return [
            {"name": f"${{{ANSWER}{name}}}", "title": title}
            for name, title in emails.answer_fields(
                self.form_instance.caller, self.context
            )
        ]

    def answer_example(self) -> str:
        return f"${{{ANSWER}...}}"

    def current_title(self):
        return TITLES[self.form_instance.kind]

    def customized(self) -> bool:
        return self.form_instance.mail.customized

    def current_language_title(self) -> str:
        return language_title(self.form_instance.language)
