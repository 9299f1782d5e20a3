"""Translation helpers for texts made without a request (e-mails, PDF
receipts): the language is the submission's, not the browser's."""

from babel import Locale
from collections.abc import Mapping
from pathlib import Path
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility
from zope.i18n import translate
from zope.i18nmessageid import Message


#: The language of e-mails to staff, and of what a catalog lacks.
FALLBACK_LANGUAGE = "fr"
_MISSING = "\x00missing"
#: The languages the guichet has a catalog for (locales/<language>/).
CATALOG_LANGUAGES = frozenset(
    path.parent.parent.name
    for path in (Path(__file__).parent / "locales").glob(
        "*/LC_MESSAGES/imio.guichet.po"
    )
)


def catalog_language(language: str | None) -> str:
    """The language of our catalogs for ``language``: itself, its base
    language ("fr" for "fr-be"), or French. zope.i18n would answer a
    language it has no catalog for from its own fallback, English."""
    if language in CATALOG_LANGUAGES:
        return language
    base = (language or "").split("-")[0].lower()
    return base if base in CATALOG_LANGUAGES else FALLBACK_LANGUAGE


def base_language(language: str | None) -> str:
    """The base of ``language`` ("fr" for "fr-BE"), lower case: how texts
    written per language are keyed (a site's languages, a submission's)."""
    return (language or "").split("-")[0].lower()


def default_language() -> str:
    """The language of a reader who was not named: the site's default
    language (French without a site). Never the current request's: what is
    shown (an e-mail, an export) must not depend on who triggered it, so
    callers name the reader's language (``Caller.language``, the
    submission's language)."""
    registry = queryUtility(IRegistry)
    default = registry.get("plone.default_language") if registry is not None else None
    return default or "fr"


def site_languages() -> tuple[str, ...]:
    """The site's languages (Plone's available languages), as base
    languages, its default language first, each once."""
    default = api.portal.get_registry_record("plone.default_language", default="fr")
    available = api.portal.get_registry_record(
        "plone.available_languages", default=None
    ) or [default]
    languages = [default, *available]
    return tuple(dict.fromkeys(base_language(code) for code in languages if code))


def plural_form(count: int, language: str | None) -> str:
    """How readers of ``language`` (None: the site's default language)
    count ``count``: ``"one"`` where they write the singular (1 in English,
    German and Dutch; 0 and 1 in French), else ``"other"`` (CLDR's rules,
    through Babel)."""
    language = language or default_language()
    form = Locale.parse(catalog_language(language)).plural_form(count)
    return "one" if form == "one" else "other"


def counted(
    forms: Mapping[str, Message], count: int, language: str | None, **mapping
) -> Message:
    """Of ``forms`` (``{"one": ..., "other": ...}``: two whole messages,
    never "request(s)"), the one that counts ``count`` as readers of
    ``language`` do (:func:`plural_form`), with ``count`` and ``mapping``
    in it: "1 request", "2 requests"; "0 demande" in French."""
    message = forms[plural_form(count, language)]
    return Message(
        message, mapping={**(message.mapping or {}), **mapping, "count": count}
    )


def translate_for(message: Message, language: str | None) -> str:
    """``message`` in ``language``; in French when its catalog lacks it."""
    language = catalog_language(language)
    if language != "en":
        marked = Message(message, default=_MISSING)
        text = translate(marked, target_language=language)
        if text != _MISSING:
            return text
        language = FALLBACK_LANGUAGE
    return translate(message, target_language=language)
