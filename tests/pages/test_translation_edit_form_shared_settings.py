"""A translation's edit form says that its online form's settings are the
original's, shared by every language (with a link to the original); the
original's own edit form does not."""

from fixtures.multilingual import translated_procedure
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.urls import PUBLIC_URL_RECORD
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import pytest
import re
import requests
import transaction


OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
# The German translation's edit form is in German; the original's in French.
SHARED = "Diese Einstellungen gelten für alle Sprachen dieses Verfahrens"
SHARED_FR = "Ces réglages sont communs à toutes les langues de cette démarche"


@pytest.fixture
def translated_site(functional_portal):
    api.portal.set_registry_record(PUBLIC_URL_RECORD, functional_portal.absolute_url())
    original, german = translated_procedure(functional_portal)
    transaction.commit()
    return original.absolute_url(), german.absolute_url()


def fieldset_descriptions(page: str) -> list[str]:
    return re.findall(r'<span class="guichet-shared-settings">(.*?)</span>', page, re.S)


def test_the_translations_edit_form_says_what_is_shared(translated_site):
    original, german = translated_site
    page = requests.get(f"{german}/edit", auth=OWNER, timeout=30)
    assert page.status_code == 200
    described = fieldset_descriptions(page.text)
    # The online form (with the privacy information), e-mails, handling.
    assert len(described) == 3
    assert all(SHARED in text for text in described)
    assert f'<a href="{original}/edit"' in described[0]
    assert "Extrait d'acte de naissance</a>" in described[0]
    # Said once above the form too.
    assert page.text.count(SHARED) == 4


def test_the_originals_edit_form_says_nothing(translated_site):
    original, _german = translated_site
    page = requests.get(f"{original}/edit", auth=OWNER, timeout=30)
    assert page.status_code == 200
    assert SHARED_FR not in page.text and SHARED not in page.text


def test_saving_a_translations_shared_setting_changes_the_original(site, browser_for):
    """What the notice says: a setting saved on the German edit form is the
    original's, read on both."""
    original, german = translated_procedure(site)
    transaction.commit()
    browser = browser_for("Anonymous")
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    browser.open(german.absolute_url() + "/edit")
    assert SHARED in browser.contents
    prefix = "form.widgets.IOnlineForm."
    browser.getControl(name=prefix + "processing_days").value = "12"
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    assert IOnlineForm(original).processing_days == 12
    assert IOnlineForm(german).processing_days == 12
