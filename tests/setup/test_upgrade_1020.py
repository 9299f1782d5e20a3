"""Upgrade step 1020: the REST prefill source's name."""

from imio.guichet.prefill.interfaces import IRestPrefillSettings
from imio.guichet.prefill.sources import RestSource
from imio.guichet.upgrades.v1020 import prefill_source_title
from plone import api
from zope.i18n import translate


RECORD = f"{IRestPrefillSettings.__identifier__}.title"
URL = f"{IRestPrefillSettings.__identifier__}.url_template"


def test_upgrade(portal):
    registry = api.portal.get_tool("portal_registry")
    api.portal.set_registry_record(URL, "https://register.example/{identifier}")
    del registry.records[RECORD]
    # Before it, the source is named by its default.
    assert translate(RestSource().display_title()) == "Authentic source"

    prefill_source_title()

    assert registry[RECORD] == ""
    # The other settings are kept.
    assert registry[URL] == "https://register.example/{identifier}"
    api.portal.set_registry_record(RECORD, "Registre national")
    assert RestSource().display_title() == "Registre national"
