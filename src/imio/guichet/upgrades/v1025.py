"""1025: a procedure's e-mail templates are kept per language.

Before, each e-mail of a procedure had one template (``{kind: template}``
in the annotation ``imio.guichet.mail_templates``), written in the
procedure's language and sent to every citizen whatever their language.
Now each e-mail has a template per language (``{kind: {language:
template}}``, ``notifications/templates.py``), sent only to the requests
filed in that language. Each template is kept as the template of the
language it was written in (its ``language``: the procedure's, which is
the site's default language unless the procedure has one of its own),
else of the site's default language: the requests of that language get
it as before, the others the default texts in their own language.
"""

from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.i18n import base_language
from imio.guichet.i18n import site_languages
from imio.guichet.notifications.templates import ANNOTATION_KEY
from persistent.mapping import PersistentMapping
from plone import api
from zope.annotation.interfaces import IAnnotations

import logging


logger = logging.getLogger(__name__)


def is_one_template(value) -> bool:
    """A template as stored before 1025 (not yet by language)."""
    return "subject" in value


def templates_by_language(setup_tool=None) -> None:
    catalog = api.portal.get_tool("portal_catalog")
    default = site_languages()[0]
    count = 0
    for brain in catalog.unrestrictedSearchResults(
        object_provides=IHasOnlineForm.__identifier__
    ):
        procedure = brain._unrestrictedGetObject()
        stored = IAnnotations(procedure).get(ANNOTATION_KEY)
        if not stored:
            continue
        for kind in list(stored):
            value = stored[kind]
            if not is_one_template(value):
                continue  # done
            language = base_language(value.get("language")) or default
            stored[kind] = PersistentMapping(
                {language: {**dict(value), "language": language}}
            )
            count += 1
    logger.info("Kept %d e-mail templates as the template of their language", count)
