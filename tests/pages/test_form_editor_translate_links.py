"""The form editor links to the page that translates the form, once per
other site language; on a one-language site it has no such link."""

from fixtures.forms import PRIVACY_INFORMATION
from fixtures.forms import RICH_FORM
from fixtures.multilingual import translated_procedure
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import re
import requests
import transaction


OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
LINK = re.compile(
    r'<a class="btn btn-outline-secondary guichet-translate-form"[^>]*'
    r'href="([^"]+)"[^>]*>([^<]*)</a>'
)


def translate_links(procedure) -> list[tuple[str, str]]:
    page = requests.get(f"{procedure.absolute_url()}/++form++fields", auth=OWNER)
    assert page.status_code == 200, page.text
    assert 'id="guichet-form-version-title"' in page.text
    return LINK.findall(page.text)


def test_the_editor_links_to_the_translation_of_a_two_language_site(
    functional_portal,
):
    original, german = translated_procedure(functional_portal)
    transaction.commit()
    [(url, label)] = translate_links(original)
    assert url.endswith("/@@guichet-translate-form?language=de")
    assert "allemand" in label.lower()  # the language, in the page's (French)
    opened = requests.get(url.replace("&amp;", "&"), auth=OWNER)
    assert opened.status_code == 200, opened.text
    assert 'lang="de"' in opened.text  # the German tab, current
    assert "Nom" in opened.text  # the original text beside its input
    # On the translation too: the language of the form's texts is French.
    [(url, _label)] = translate_links(german)
    assert url.endswith("language=de")


def test_the_editor_has_no_translation_link_on_a_one_language_site(
    functional_portal,
):
    with api.env.adopt_roles(["Manager"]):
        procedure = api.content.create(
            functional_portal,
            "imio.guichet.Procedure",
            id="seule",
            title="Une langue",
            form_schema=RICH_FORM,
            **PRIVACY_INFORMATION,
        )
    transaction.commit()
    assert translate_links(procedure) == []
