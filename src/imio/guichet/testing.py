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
        import plone.app.multilingual
        import plone.restapi

        self.loadZCML(package=plone.app.dexterity)
        self.loadZCML(package=plone.restapi)
        # As on a real instance, where Plone installs it in every site
        # (it reads translation groups once a site has two languages).
        self.loadZCML(package=plone.app.multilingual)
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
