"""Fixtures of the imio.guichet tests (pytest-plone over our layers)."""

from imio.guichet.testing import FUNCTIONAL_TESTING
from imio.guichet.testing import INTEGRATION_TESTING
from pytest_plone import fixtures_factory

import os


# Compile the .po catalogs so that French messages are testable.
os.environ.setdefault("zope_i18n_compile_mo_files", "true")

pytest_plugins = ["pytest_plone"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)
