"""Test layers of imio.guichet."""

from imio.guichet.authority import IAuthority
from plone import api
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE

import imio.guichet


class GuichetLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.app.dexterity
        import plone.restapi

        self.loadZCML(package=plone.app.dexterity)
        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=imio.guichet)

    def setUpPloneSite(self, portal):
        applyProfile(portal, "plone.app.contenttypes:default")
        applyProfile(portal, "imio.guichet:default")
        # plone.app.testing's site has no workflow; a real site has this one.
        portal.portal_workflow.setDefaultChain("simple_publication_workflow")
        # A configured authority has a data protection officer: without
        # one, no procedure may open (imio.guichet.privacy).
        api.portal.set_registry_record(
            "dpo_email", "dpo@example.org", interface=IAuthority
        )


FIXTURE = GuichetLayer()

INTEGRATION_TESTING = IntegrationTesting(
    bases=(FIXTURE,), name="ImioGuichetLayer:IntegrationTesting"
)

FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(FIXTURE, WSGI_SERVER_FIXTURE), name="ImioGuichetLayer:FunctionalTesting"
)


class MultilingualLayer(PloneSandboxLayer):
    """The guichet on a site in French and German with plone.app.multilingual
    (installed after the guichet, as the demo does)."""

    defaultBases = (FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.app.multilingual

        self.loadZCML(package=plone.app.multilingual)

    def setUpPloneSite(self, portal):
        api.portal.set_registry_record("plone.available_languages", ["fr", "de"])
        api.portal.set_registry_record("plone.default_language", "fr")
        applyProfile(portal, "plone.app.multilingual:default")


MULTILINGUAL_FIXTURE = MultilingualLayer()

MULTILINGUAL_INTEGRATION_TESTING = IntegrationTesting(
    bases=(MULTILINGUAL_FIXTURE,), name="ImioGuichetLayer:MultilingualIntegration"
)

MULTILINGUAL_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(MULTILINGUAL_FIXTURE, WSGI_SERVER_FIXTURE),
    name="ImioGuichetLayer:MultilingualFunctional",
)
