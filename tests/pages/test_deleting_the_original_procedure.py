"""The original of translated procedures (the canonical one: its form,
settings and requests are its translations') cannot be deleted while they
exist; a translation can, and then the original."""

from fixtures.forms import VALID_DATA
from fixtures.multilingual import translated_procedure
from imio.guichet.errors import OriginalHasTranslations
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.urls import PUBLIC_URL_RECORD
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import pytest
import re
import requests
import transaction


OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)


def test_the_original_stays_while_its_translations_exist(portal):
    original, german = translated_procedure(portal)
    with api.env.adopt_roles(["Manager"]):
        filed = submit(original, VALID_DATA, submitter=None, language="de")
        with pytest.raises(OriginalHasTranslations):
            api.content.delete(original, check_linkintegrity=False)
        assert "extrait" in original.aq_parent.objectIds()
        # A translation goes; then the original, now alone, may go too.
        api.content.delete(german, check_linkintegrity=False)
        api.content.delete(original, check_linkintegrity=False)
    assert get_store().get(filed.id) is not None


def test_moving_the_original_is_not_deleting_it(portal):
    original, _german = translated_procedure(portal)
    with api.env.adopt_roles(["Manager"]):
        moved = api.content.rename(original, new_id="extrait-naissance")
    assert moved.getId() == "extrait-naissance"


@pytest.fixture
def translated_site(functional_portal):
    api.portal.set_registry_record(PUBLIC_URL_RECORD, functional_portal.absolute_url())
    original, german = translated_procedure(functional_portal)
    transaction.commit()
    return original.absolute_url(), german.absolute_url()


def test_the_delete_page_says_why_and_keeps_the_original(translated_site):
    original, _german = translated_site
    session = requests.Session()
    session.auth = OWNER
    form = session.get(f"{original}/delete_confirmation", timeout=30)
    [token] = re.findall(r'name="_authenticator"[^>]*value="([^"]+)"', form.text)
    deleted = session.post(
        f"{original}/delete_confirmation",
        data={"_authenticator": token, "form.buttons.Delete": "Delete"},
        allow_redirects=False,
        timeout=30,
    )
    assert deleted.status_code == 303, deleted.text[:500]
    assert deleted.headers["Location"] == original
    page = session.get(original, timeout=30)
    assert page.status_code == 200
    assert "Delete its translations first" in page.text or "traductions" in page.text


def test_the_api_refuses_with_a_conflict(translated_site):
    original, german = translated_site
    refused = requests.delete(
        original, headers={"Accept": "application/json"}, auth=OWNER, timeout=30
    )
    assert refused.status_code == 409, refused.text[:500]
    assert refused.json()["error"]["code"] == "original_has_translations"
    assert requests.get(original, auth=OWNER, timeout=30).status_code == 200
    removed = requests.delete(
        german, headers={"Accept": "application/json"}, auth=OWNER, timeout=30
    )
    assert removed.status_code == 204
