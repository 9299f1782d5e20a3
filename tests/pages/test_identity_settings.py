"""The control panel of the identity provider: the client secret is
written, never shown back nor kept in the registry; the login page offers
the provider only once it is configured."""

from imio.guichet.oidc.settings import client_secret
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser

import transaction


SECRET = "s3cr3t-0f-th3-c0mmun3"


def manager_browser(site) -> Browser:
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    return browser


def test_secret_written_never_shown(site):
    browser = manager_browser(site)
    browser.open(f"{site.absolute_url()}/@@guichet-identity-settings")
    assert "/@@guichet-oidc-callback" in browser.contents  # to register
    browser.getControl(name="form.widgets.enabled:list").value = ["selected"]
    browser.getControl(name="form.widgets.issuer").value = "https://idp.example.be"
    browser.getControl(name="form.widgets.client_id").value = "guichet"
    browser.getControl(name="form.widgets.client_secret").value = SECRET
    browser.getControl(name="form.buttons.save").click()

    transaction.begin()
    assert client_secret() == SECRET
    registry = api.portal.get_tool("portal_registry")
    assert not any(SECRET in str(registry[name]) for name in registry.records)
    browser.open(f"{site.absolute_url()}/@@guichet-identity-settings")
    assert SECRET not in browser.contents
    assert browser.getControl(name="form.widgets.client_secret").value == ""

    # Saved again without a secret: the one kept stays.
    browser.getControl(name="form.widgets.label").value = "CSAM"
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    assert client_secret() == SECRET

    # Now offered on the login page, beside the local login.
    anonymous = Browser(site.aq_parent)
    anonymous.open(f"{site.absolute_url()}/login")
    assert "Se connecter avec CSAM" in anonymous.contents or (
        "Log in with CSAM" in anonymous.contents
    )


def test_no_provider_no_button(site):
    anonymous = Browser(site.aq_parent)
    anonymous.open(f"{site.absolute_url()}/login")
    assert "guichet-provider-login" not in anonymous.contents
