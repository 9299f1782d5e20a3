"""The OpenAPI document: valid, served, true to the routes and the answers."""

from fixtures.forms import VALID_DATA
from fixtures.openapi import conforms
from fixtures.openapi import registered_routes
from fixtures.openapi import SERVICES_ZCML
from imio.guichet.services.openapi.get import openapi_document
from openapi_spec_validator import validate
from pathlib import Path

import pytest


def documented_routes() -> set[tuple[str, str]]:
    """(method, service path) of every documented operation: the path up to
    the service's name (what follows it is traversed by the service)."""
    routes = set()
    for path, item in openapi_document()["paths"].items():
        parts = path.split("/")
        service = next(i for i, part in enumerate(parts) if part.startswith("@"))
        base = "/".join(parts[: service + 1])
        routes.update((method, base) for method in item if method != "parameters")
    return routes


def test_document_is_valid_openapi_31():
    validate(openapi_document())
    assert openapi_document()["openapi"].startswith("3.1")


def test_document_matches_the_registered_routes():
    assert documented_routes() == registered_routes()


def test_docs_copy_is_the_served_document():
    docs = Path(__file__).parents[2] / "docs" / "openapi.yaml"
    assert docs.resolve() == (SERVICES_ZCML.parent / "openapi" / "openapi.yaml")


@pytest.fixture
def filed(site, session_for):
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    conforms(response.json(), "Filed")
    return response.json()["id"]


def test_served_with_the_site_as_server(site, session_for):
    response = session_for("Anonymous").get("@guichet-openapi")
    assert response.status_code == 200
    assert response.json()["servers"][0]["url"] == site.absolute_url()
    validate(response.json())


def test_answers_conform_to_the_document(site, filed, session_for):
    office = session_for("backoffice_x")
    conforms(office.get("@submissions").json(), "Listing")
    conforms(office.get("demarches/x/@submissions").json(), "Listing")
    read = office.get(f"@submissions/{filed}")
    conforms(read.json(), "Submission")
    ack = office.post(f"@submissions/{filed}/@ack", json={"external_reference": "A"})
    conforms(ack.json()["acknowledgement"], "Acknowledgement")
    etag = office.get(f"@submissions/{filed}").headers["ETag"]
    moved = office.patch(
        f"@submissions/{filed}", json={"state": "received"}, headers={"If-Match": etag}
    )
    conforms(moved.json(), "Submission")
    refused = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": {"copies": "x"}}
    )
    conforms(refused.json(), "Error")
    conforms(session_for("citizen_a").get("@submissions").json(), "AnyError")


def test_integration_answers_conform(site, session_for):
    from datetime import datetime
    from datetime import UTC
    from imio.guichet.webhooks.delivery import make_event

    admin = session_for("siteadmin")
    uid = admin.get("demarches/x").json()["UID"]
    made = admin.post(
        "@guichet-webhooks", json={"procedure": uid, "url": "https://bo.example/in"}
    ).json()
    conforms(made, "Webhook")
    conforms(admin.get("@guichet-webhooks").json()["items"][0], "Webhook")
    token = admin.post(
        "@guichet-tokens", json={"user": "backoffice_x", "label": "ERP"}
    ).json()
    conforms(token, "Token")
    conforms(admin.get("@guichet-tokens").json()["items"][0], "Token")
    event = make_event(
        "be.imio.guichet.submission.created",
        source=site.absolute_url(),
        submission_id="0" * 32,
        reference="ABCD2345",
        procedure_uid=uid,
        state="submitted",
        link=f"{site.absolute_url()}/@submissions/{'0' * 32}",
        now=datetime.now(UTC),
    )
    conforms(event, "CloudEvent")


def test_every_audit_action_is_in_the_document():
    """A back office validating the audit trail against the document meets
    no action it does not know."""
    from imio.guichet.audit.api import ACTIONS

    record = openapi_document()["components"]["schemas"]["AuditRecord"]
    assert record["properties"]["action"]["enum"] == list(ACTIONS)
