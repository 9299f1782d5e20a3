"""``@@guichet-translate-form``: a procedure's form in another language.

A table with, for each field's title and help, each choice and each step,
the form's own text and an input for the language (``?language=de``; by
default the page's own translation's language, else the site's first other
language). Saving keeps the texts of that language for every translation of
the procedure (forms.translations); the fields do not change. The rules (who
may, which languages, the audit) are the use case's
(:func:`imio.guichet.usecases.forms.translate_form`). A POST checks Plone's
authenticator and answers with a redirect to the page (Post/Redirect/Get).
"""

from AccessControl import getSecurityManager
from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import language_of
from imio.guichet.content.translations import translation_language
from imio.guichet.errors import GuichetError
from imio.guichet.i18n import site_languages
from imio.guichet.usecases import forms
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode


VIEW = "@@guichet-translate-form"
KIND_TITLES = {
    "title": _("label_text_kind_title", default="Field"),
    "description": _("label_text_kind_description", default="Help text"),
    "choice": _("label_text_kind_choice", default="Choice"),
    "step": _("label_text_kind_step", default="Step"),
}
#: Inputs of the page: a text's key after this prefix.
PREFIX = "text."


def translation_languages(procedure) -> list[str]:
    """The site's languages the form of ``procedure`` can be translated
    into: all but the language of its own texts (its canonical
    procedure's). None on a one-language site."""
    default = api.portal.get_registry_record("plone.default_language", default="")
    # The form's own texts are in its canonical procedure's language.
    original = language_of(canonical(procedure)) or default
    return [code for code in site_languages() if code != original]


def translation_url(procedure, language: str) -> str:
    """The translation page of ``procedure``'s form into ``language``."""
    query = urlencode({"language": language})
    return f"{procedure.absolute_url()}/{VIEW}?{query}"


def may_translate(procedure) -> bool:
    """Whether the current user may use the translation page (its
    permission, in configure.zcml)."""
    return bool(
        getSecurityManager().checkPermission("Modify portal content", procedure)
    )


class FormTranslationPage(CallerOfRequest, BrowserView):
    index = ViewPageTemplateFile("templates/form_translation.pt")

    def other_languages(self) -> list[str]:
        return translation_languages(self.context)

    @cached_property
    def language(self) -> str:
        asked = self.request.form.get("language")
        if isinstance(asked, str) and asked:
            return asked
        own = translation_language(self.context)
        others = self.other_languages()
        if own and own in others:
            return own
        return others[0] if others else ""

    def page_url(self, language: str | None = None) -> str:
        return translation_url(self.context, language or self.language)

    @cached_property
    def translation(self) -> forms.FormTranslation:
        try:
            return forms.form_translation(self.caller, self.context, self.language)
        except GuichetError as exc:
            raise_for_page(exc)
            raise

    def rows(self) -> list[dict]:
        return [
            {
                "kind": KIND_TITLES[text.kind],
                "name": text.name,
                "value": text.value,
                "original": text.original,
                "input": f"{PREFIX}{text.key}",
                "translated": translated,
            }
            for text, translated in self.translation.rows
        ]

    def tabs(self) -> list[dict]:
        return [
            {
                "language": code,
                "url": self.page_url(code),
                "current": code == self.language,
            }
            for code in self.other_languages()
        ]

    def __call__(self):
        if self.request.method == "POST":
            return self.save()
        return self.index()

    def save(self):
        # A forged request from another site is refused (403).
        CheckAuthenticator(self.request)
        given = {
            name[len(PREFIX) :]: value
            for name, value in self.request.form.items()
            if name.startswith(PREFIX)
        }
        try:
            forms.translate_form(self.caller, self.context, self.language, given)
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        api.portal.show_message(
            _("info_form_translation_saved", default="The translation was saved."),
            self.request,
        )
        self.request.response.redirect(self.page_url(), status=303)
        return ""
