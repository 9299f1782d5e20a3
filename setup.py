"""Installer for the imio.guichet package."""

from pathlib import Path
from setuptools import find_namespace_packages
from setuptools import setup


long_description = "\n\n".join(
    [
        Path("README.md").read_text(encoding="utf-8"),
        Path("CHANGES.md").read_text(encoding="utf-8"),
    ]
)


setup(
    name="imio.guichet",
    version="1.0.0a1.dev0",
    description=(
        "E-guichet for Plone: online procedures beside the pages of a "
        "municipal website, citizen submissions and a back-office REST API."
    ),
    long_description=long_description,
    long_description_content_type="text/markdown",
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: 6.2",
        "Framework :: Plone :: Addon",
        "Framework :: Zope :: 5",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
    keywords="Python Plone CMS e-guichet forms municipality",
    author="iMio",
    author_email="support@imio.be",
    url="https://pypi.org/project/imio.guichet",
    license="GPL-2.0-only",
    packages=find_namespace_packages("src", include=["imio.*"]),
    package_dir={"": "src"},
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=[
        "Products.CMFPlone>=6.2",
        "babel",
        "plone.api>=2.0",
        "phonenumbers",
        "plone.app.dexterity",
        "plone.app.registry",
        "plone.app.textfield",
        "plone.app.z3cform",
        "plone.autoform",
        "plone.dexterity",
        "plone.formwidget.namedfile",
        "plone.namedfile",
        "plone.restapi>=9",
        "plone.schema",
        "plone.schemaeditor",
        "plone.supermodel",
        "BTrees",
        # CloudEvents of the webhooks (structured JSON mode).
        "cloudevents",
        # Belgian public holidays, for due dates counted in working days.
        "holidays",
        # E-mail addresses with an accented domain (IDNA 2008, UTS #46).
        "idna",
        "openpyxl",
        # Checks the procedure model packages read from other sites.
        "jsonschema",
        "python-stdnum",
        "PyYAML",
        # The PDF receipt (pure Python; its Vera fonts print accents and €).
        "reportlab",
        "persistent",
        # The keys of the tracking links, rotated without breaking them.
        "plone.keyring",
        # The HTML alternative of e-mails (escaped, links, line breaks).
        "plone.intelligenttext",
        # Login with OpenID Connect (imio.guichet.oidc): the ID tokens'
        # signatures and claims (joserfc), the calls to the provider.
        "joserfc",
        "requests",
        # The metrics of @@guichet-metrics (Prometheus's official client).
        "prometheus-client",
        # Signing the webhooks (the Standard Webhooks reference library).
        "standardwebhooks",
        "z3c.form",
        "zope.schema",
    ],
    extras_require={
        "test": [
            "aiosmtpd",
            # The demonstration identity provider (OpenID Connect) of the
            # tests and of `make start` (imio.guichet.demo.provider).
            "oidc-provider-mock",
            "jsonschema",
            "openapi-spec-validator",
            # Real-browser tests (tests/browser), driving Debian's Chromium.
            "playwright",
            "plone.app.testing",
            "plone.app.contenttypes",
            "plone.classicui",
            "plone.testing>=7.0",
            "pytest",
            "pytest-plone>=1.0",
            # Reads the PDF receipts back.
            "pypdf",
            # Validates the CPSV-AP catalogue (JSON-LD) against SHACL shapes.
            "pyshacl",
            "rdflib",
            "requests",
            # Fuzzes the served OpenAPI document (tests/test_fuzz_openapi.py).
            "schemathesis",
            "zope.testbrowser",
            # The storage is also tested on RelStorage/PostgreSQL (scale-out).
            "RelStorage",
            "psycopg2-binary",
        ],
        "lint": [
            # The import contracts of pyproject.toml ([tool.importlinter]).
            "import-linter",
            "ruff",
            "zpretty",
        ],
        "relstorage": [
            "RelStorage",
            "psycopg2-binary",
        ],
    },
    entry_points="""
    [z3c.autoinclude.plugin]
    target = plone

    [paste.filter_factory]
    accesslog = imio.guichet.wsgi.accesslog:make_filter
    bodylimit = imio.guichet.wsgi.bodylimit:make_filter
    """,
)
