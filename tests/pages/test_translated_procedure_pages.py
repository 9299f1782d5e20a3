"""A translated procedure over HTTP: the webmaster's translation page, the
form's JSON Schema in the language asked or of the translation's URL, and a
filing on the translation that back offices read as the original's, with
its language."""

from fixtures.forms import VALID_DATA
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
JSON = {"Accept": "application/json"}


@pytest.fixture
def translated_site(functional_portal):
    portal = functional_portal
    api.portal.set_registry_record(PUBLIC_URL_RECORD, portal.absolute_url())
    original, german = translated_procedure(portal, allow_anonymous=True)
    transaction.commit()
    return original, german


def translate_on_the_page(german) -> requests.Response:
    page = f"{german.absolute_url()}/@@guichet-translate-form"
    session = requests.Session()
    session.auth = OWNER
    shown = session.get(page)
    assert shown.status_code == 200, shown.text
    assert "Nom" in shown.text  # the original, beside its input
    [token] = re.findall(r'name="_authenticator"[^>]*value="([^"]+)"', shown.text)
    return session.post(
        page,
        data={
            "_authenticator": token,
            "text.title/name": "Name",
            "text.choice/delivery/post": "Per Post",
        },
        allow_redirects=False,
    )


def test_the_translation_page_saves_the_german_texts(translated_site):
    original, german = translated_site
    saved = translate_on_the_page(german)
    assert saved.status_code == 303, saved.text
    assert saved.headers["Location"].endswith("language=de")
    transaction.begin()
    labels = IOnlineForm(original).form_labels("de")
    assert labels["fields"]["name"] == {"title": "Name"}
    assert labels["fields"]["delivery"]["choices"] == {"post": "Per Post"}


def test_the_translation_page_refuses_a_forged_post(translated_site):
    _original, german = translated_site
    refused = requests.post(
        f"{german.absolute_url()}/@@guichet-translate-form",
        data={"text.title/name": "Name"},
        auth=OWNER,
        allow_redirects=False,
    )
    assert refused.status_code == 403
    transaction.begin()
    assert IOnlineForm(german).form_labels("de") == {}


def test_form_schema_in_the_language_asked_or_of_the_translation(translated_site):
    original, german = translated_site
    assert translate_on_the_page(german).status_code == 303
    on_translation = requests.get(
        f"{german.absolute_url()}/@form-schema", headers=JSON
    ).json()
    assert on_translation["properties"]["name"]["title"] == "Name"
    delivery = on_translation["properties"]["delivery"]
    assert delivery["enum"] == ["post", "email", "counter"]
    assert delivery["x-enum-titles"][0] == "Per Post"
    on_original = requests.get(
        f"{original.absolute_url()}/@form-schema", headers=JSON
    ).json()
    assert on_original["properties"]["name"]["title"] == "Nom"
    asked = requests.get(
        f"{original.absolute_url()}/@form-schema",
        headers={**JSON, "Accept-Language": "de"},
    ).json()
    assert asked["properties"]["name"]["title"] == "Name"
    assert list(asked["properties"]) == list(on_original["properties"])


def test_filed_on_the_translation_read_as_the_originals(translated_site):
    original, german = translated_site
    filed = requests.post(
        f"{german.absolute_url()}/@submissions",
        json={"data": VALID_DATA},
        headers=JSON,
    )
    assert filed.status_code == 201, filed.text
    listed = requests.get(
        f"{original.absolute_url()}/@submissions", headers=JSON, auth=OWNER
    ).json()
    [item] = listed["items"]
    assert item["language"] == "de"
    assert item["procedure"]["UID"] == api.content.get_uuid(original)
    assert item["procedure"]["@id"] == original.absolute_url()
    assert item["data"]["delivery"] == "post"
    on_translation = requests.get(
        f"{german.absolute_url()}/@submissions", headers=JSON, auth=OWNER
    ).json()
    assert [i["id"] for i in on_translation["items"]] == [item["id"]]


def test_staff_read_a_german_filing_with_the_labels_of_their_language(
    translated_site,
):
    original, german = translated_site
    assert translate_on_the_page(german).status_code == 303
    filed = requests.post(
        f"{german.absolute_url()}/@submissions",
        json={"data": VALID_DATA},
        headers=JSON,
    )
    assert filed.status_code == 201, filed.text
    page = f"{api.portal.get().absolute_url()}/@@guichet-request"
    query = {"id": filed.json()["id"]}
    # The language a staff member chose with the site's language switcher.
    in_french = requests.get(
        page, params=query, auth=OWNER, cookies={"I18N_LANGUAGE": "fr"}
    )
    assert in_french.status_code == 200, in_french.text
    assert ">Nom<" in in_french.text
    assert ">Name<" not in in_french.text
    in_german = requests.get(
        page, params=query, auth=OWNER, cookies={"I18N_LANGUAGE": "de"}
    )
    assert ">Name<" in in_german.text
    assert "Per Post" in in_german.text
