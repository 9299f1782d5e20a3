"""A language switcher on the pages that Plone leaves without one.

Plone's language selector (plone.app.i18n) is in the site header on every
page of a site in several languages where the visitor may choose
(``portal_languages.showSelector``: cookie negotiation). plone.app.multilingual
hides it and shows its own on translatable content only: the guichet's pages
registered on the site root (*Mes démarches*, the tracking page, drafts, the
staff pages) were left without a switcher.

This viewlet, in the same viewlet manager, fills that gap and nothing more:

- only on a site of more than one language where Plone would show its
  selector (the registry is all it reads first: a one-language site renders
  nothing, with no catalog query and no write);
- never where Plone's or plone.app.multilingual's selector already is in the
  header (a translated procedure's page keeps p.a.m's, which leads to the
  translation);
- each language links to the same page with the same query (a tracking
  link's reference and secret, a request's ``id``; after a refused form
  sent by POST, the query the view says identifies it) and Plone's own way of
  choosing: ``set_language``, which the language negotiator reads and keeps
  in the ``I18N_LANGUAGE`` cookie.
"""

from plone import api
from plone.app.i18n.locales.browser.selector import LanguageSelector
from plone.app.layout.viewlets.common import ViewletBase
from Products.CMFCore.utils import getToolByName
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import parse_qsl
from urllib.parse import urlencode


#: The request parameter of Plone's language negotiator (plone.i18n):
#: the language chosen, kept in the I18N_LANGUAGE cookie.
CHOOSE_LANGUAGE = "set_language"


def supported_languages() -> list[str]:
    """The site's languages (Plone's ``plone.available_languages``)."""
    return list(
        api.portal.get_registry_record("plone.available_languages", default=[]) or []
    )


def chosen_language(request) -> str | None:
    """The language the reader chose for this page with a language switcher
    (``set_language``, one of the site's languages), None otherwise."""
    value = request.form.get(CHOOSE_LANGUAGE)
    if isinstance(value, str) and value in supported_languages():
        return value
    return None


def may_choose_language() -> bool:
    """Whether visitors choose the site's language on its pages: more than
    one language, and Plone's choice by cookie (``set_language``) on."""
    if len(supported_languages()) < 2:
        return False
    return bool(
        api.portal.get_registry_record("plone.use_cookie_negotiation", default=False)
    )


def same_page_in(request, language: str, address: str | None = None) -> str:
    """The page being shown, with its query, in ``language``. ``address``:
    the page's own address with its query, when the request's URL does not
    say which page it is (see :meth:`LanguageSwitcherViewlet.page_address`)."""
    if address is None:
        page = request.get("ACTUAL_URL") or request.getURL()
        query_string = request.get("QUERY_STRING") or ""
    else:
        page, _, query_string = address.partition("?")
    query = [
        (name, value)
        for name, value in parse_qsl(query_string, keep_blank_values=True)
        if name != CHOOSE_LANGUAGE
    ]
    query.append((CHOOSE_LANGUAGE, language))
    return f"{page}?{urlencode(query)}"


class LanguageSwitcherViewlet(ViewletBase):
    """The site's languages by their own names, the page's marked, each a
    link to this page in that language."""

    index = ViewPageTemplateFile("templates/language_switcher.pt")

    def update(self):
        super().update()
        self.shown = False
        if not may_choose_language():
            return
        self.tool = getToolByName(self.context, "portal_languages")
        # Plone's condition (authenticated_users_only, always_show_selector).
        self.shown = bool(self.tool.showSelector())

    def plone_selector_shown(self) -> bool:
        """Whether Plone's or plone.app.multilingual's selector is in the
        header (p.a.m's on translatable content): then it is the page's."""
        return any(
            isinstance(viewlet, LanguageSelector) and viewlet.available()
            for viewlet in getattr(self.manager, "viewlets", ())
        )

    def page_address(self) -> str | None:
        """The page's own address, when the request's URL does not say
        which page it is: a page shown again after its form, sent by POST,
        was refused (what identifies it, a tracking link's reference and
        secret, was in the body). Such a view says it (``self_url``, the
        address it leads to after a form it accepted). None: the URL."""
        self_url = getattr(self.view, "self_url", None)
        if self.request.method != "POST" or not callable(self_url):
            return None
        return self_url()

    def languages(self) -> list[dict]:
        current = self.tool.getPreferredLanguage(self.request)
        information = self.tool.getAvailableLanguageInformation()
        address = self.page_address()
        return [
            {
                "code": code,
                "name": (information.get(code) or {}).get("native") or code,
                "current": code == current,
                "url": same_page_in(self.request, code, address),
            }
            for code in self.tool.getSupportedLanguages()
        ]

    def item_class(self, language: dict) -> str:
        """Plone's classes of a language (its selector's, for themes)."""
        current = " currentLanguage" if language["current"] else ""
        return f"list-inline-item language-{language['code']}{current}"

    def render(self):
        if not self.shown or self.plone_selector_shown():
            return ""
        return self.index()
