"""Translation helpers for texts made without a request (e-mails, PDF
receipts): the language is the submission's, not the browser's."""

from zope.i18n import translate
from zope.i18nmessageid import Message


#: The language of e-mails to staff, and of what a catalog lacks.
FALLBACK_LANGUAGE = "fr"
_MISSING = "\x00missing"


def translate_for(message: Message, language: str | None) -> str:
    """``message`` in ``language``; in French when its catalog lacks it."""
    language = language or FALLBACK_LANGUAGE
    if language != "en":
        marked = Message(message, default=_MISSING)
        text = translate(marked, target_language=language)
        if text != _MISSING:
            return text
        language = FALLBACK_LANGUAGE
    return translate(message, target_language=language)
