"""Test layers of imio.guichet."""

from collections.abc import Iterator
from contextlib import contextmanager
from imio.guichet.authority import IAuthority
from plone import api
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.layer import Layer
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


def layer_chain(layer: Layer) -> list[Layer]:
    """``layer`` and all its bases, each base before the layers above it."""
    chain: list[Layer] = []

    def visit(current: Layer) -> None:
        """Append ``current`` after its bases, once."""
        for base in current.__bases__:
            visit(base)
        if current not in chain:
            chain.append(current)

    visit(layer)
    return chain


@contextmanager
def functional_site(layer: Layer = FUNCTIONAL_TESTING) -> Iterator[Layer]:
    """Set up ``layer``'s chain and one test on it, as zope.testrunner does:
    a throwaway site for the benchmarks and scripts that run in-process."""
    chain = layer_chain(layer)
    done: list[Layer] = []
    try:
        for current in chain:
            current.setUp()
            done.append(current)
        for current in chain:
            current.testSetUp()
        try:
            yield layer
        finally:
            for current in reversed(chain):
                current.testTearDown()
    finally:
        for current in reversed(done):
            current.tearDown()
