"""Least privilege, all in one table: every account × every endpoint.

The submission is filed on procedure X; ``backoffice_x`` handles X,
``backoffice_y`` handles Y only. A refused answer never shows its data.
"""

from fixtures.files import PDF
from fixtures.forms import VALID_DATA
from imio.guichet.forms.uploads import CheckedUpload
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.attachments import make_attachments

import pytest
import re
import transaction


ACCOUNTS = [
    "Anonymous",
    "citizen_a",
    "citizen_b",
    "backoffice_x",
    "backoffice_y",
    "editor",
    "siteadmin",
]

PUBLIC = dict.fromkeys(ACCOUNTS, 200)
#: Back-office endpoints on X's submissions.
HANDLERS_OF_X = {
    "Anonymous": 401,
    "citizen_a": 403,
    "citizen_b": 403,
    "backoffice_x": 200,
    "backoffice_y": 403,
    "editor": 403,
    "siteadmin": 200,
}
#: Who may edit procedure X (Editor and Site Administrator roles).
EDITORS = {
    **dict.fromkeys(ACCOUNTS, 403),
    "Anonymous": 401,
    "editor": 200,
    "siteadmin": 200,
}
#: Site-wide listing: an office granted elsewhere gets an empty page.
SITE_LISTING = {**HANDLERS_OF_X, "backoffice_y": 200}
#: Endpoints protected by a permission of Site Administrators only: Plone
#: answers 401 to whoever lacks it (logging in as someone else may help).
ADMINISTRATORS = {**dict.fromkeys(ACCOUNTS, 401), "siteadmin": 200}
#: citizen_a's draft: nobody else knows of it, staff and managers included
#: (drafts are not requests yet).
DRAFT_OWNER = {**dict.fromkeys(ACCOUNTS, 404), "citizen_a": 200}
#: citizen_a's request: only its citizen answers or withdraws it (staff
#: included, the others do not even learn that it exists).
REQUEST_OF_A = DRAFT_OWNER

ENDPOINTS = {
    "GET @guichet-openapi": PUBLIC,
    "GET demarches/x/@form-schema": PUBLIC,
    # The form's working copy: for who may edit the procedure (no change
    # waits on X: publishing it is a 404 for them).
    "GET demarches/x/@form-version": EDITORS,
    "POST demarches/x/@form-version": {**EDITORS, "editor": 404, "siteadmin": 404},
    # Procedures and models are public, never what was filed.
    "GET @cpsv-ap": PUBLIC,
    "GET demarches/x/@cpsv-ap": PUBLIC,
    "GET @guichet-models": PUBLIC,
    "GET @guichet-models/{model}": PUBLIC,
    "POST demarches/x/@submissions": dict.fromkeys(ACCOUNTS, 201),
    "GET @submissions": SITE_LISTING,
    "GET @submissions?since=0": SITE_LISTING,
    "GET demarches/x/@submissions": HANDLERS_OF_X,
    "GET @submissions/{id}": HANDLERS_OF_X,
    "GET @submissions/{id}/@attachments/doc": HANDLERS_OF_X,
    "POST @submissions/{id}/@ack": HANDLERS_OF_X,
    "PATCH @submissions/{id}": HANDLERS_OF_X,
    # Retention: a hold by whoever handles the request, erasing by Site
    # Administrators (not back offices).
    "POST @submissions/{id}/@hold": HANDLERS_OF_X,
    "POST @submissions/{id}/@erase": {**HANDLERS_OF_X, "backoffice_x": 403},
    # 200 for whoever is logged in: each request refused alone, in the body
    # (see test_bulk_refusals_are_per_request).
    "POST @submissions-bulk": {**dict.fromkeys(ACCOUNTS, 200), "Anonymous": 401},
    "GET demarches/x/@submissions-export?format=jsonl": HANDLERS_OF_X,
    # Figures of what the account may read (backoffice_y: Y's on the site).
    "GET @guichet-dashboard": SITE_LISTING,
    "GET demarches/x/@guichet-dashboard": HANDLERS_OF_X,
    "GET @guichet-audit": ADMINISTRATORS,
    "GET @guichet-register": ADMINISTRATORS,
    "GET @guichet-webhooks": ADMINISTRATORS,
    "POST @guichet-webhooks": {**ADMINISTRATORS, "siteadmin": 201},
    "GET @guichet-webhooks/{webhook}": ADMINISTRATORS,
    "PATCH @guichet-webhooks/{webhook}": ADMINISTRATORS,
    "DELETE @guichet-webhooks/{webhook}": {**ADMINISTRATORS, "siteadmin": 204},
    "GET @guichet-mail-outbox": ADMINISTRATORS,
    "POST @guichet-mail-outbox": ADMINISTRATORS,
    "GET @guichet-tokens": ADMINISTRATORS,
    "POST @guichet-tokens": {**ADMINISTRATORS, "siteadmin": 201},
    "POST demarches/x/@drafts": dict.fromkeys(ACCOUNTS, 201),
    "GET @drafts/{draft}": DRAFT_OWNER,
    "PATCH @drafts/{draft}": DRAFT_OWNER,
    "DELETE @drafts/{draft}": {**DRAFT_OWNER, "citizen_a": 204},
    "POST @submissions/{waiting}/@reply": REQUEST_OF_A,
    "POST @submissions/{mine}/@withdraw": REQUEST_OF_A,
    "POST @submissions/{mine}/@message": REQUEST_OF_A,
    # The citizens' rights: anyone logged in gets their own data (none for
    # staff); one person's requests for Site Administrators only.
    "GET @my-data": {**dict.fromkeys(ACCOUNTS, 200), "Anonymous": 401},
    "POST @guichet-person": ADMINISTRATORS,
}

CASES = [
    (endpoint, who, expected[who])
    for endpoint, expected in ENDPOINTS.items()
    for who in ACCOUNTS
]


@pytest.fixture
def filed(site, session_for):
    """A submission of X, with a file (as if its form had a file field)."""
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    submission_id = response.json()["id"]
    transaction.begin()
    submission = get_store().get(submission_id)
    upload = CheckedUpload(
        filename="Jeanne.pdf", content_type="application/pdf", data=PDF
    )
    submission.attachments = make_attachments({"doc": upload})
    transaction.commit()
    return submission_id


def body_for(endpoint: str, site) -> dict | None:
    from plone import api

    return {
        "POST demarches/x/@submissions": {"data": VALID_DATA},
        "PATCH @submissions/{id}": {"state": "received"},
        "POST @submissions/{id}/@ack": {"external_reference": "M-1"},
        "POST @submissions/{id}/@hold": {"reason": "Recours"},
        "POST @submissions/{id}/@erase": {
            "action": "anonymise",
            "reason": "Demande du citoyen",
            "confirm": True,
        },
        "POST @guichet-webhooks": {
            "procedure": api.content.get_uuid(site.demarches.x),
            "url": "https://bo.example/hook",
        },
        "PATCH @guichet-webhooks/{webhook}": {"url": "https://bo.example/other"},
        "POST @guichet-tokens": {"user": "backoffice_x", "label": "matrix"},
        "POST @guichet-mail-outbox": {"action": "retry-failed"},
        "POST @guichet-person": {"email": "jeanne@example.org"},
        "POST demarches/x/@drafts": {"data": {"name": "Pierre"}},
        "POST demarches/x/@form-version": {"action": "publish"},
        "PATCH @drafts/{draft}": {"data": {"name": "Jeanne B"}},
        "POST @submissions/{waiting}/@reply": {"message": "Voici"},
        "POST @submissions/{mine}/@message": {"message": "Une question"},
    }.get(endpoint)


@pytest.fixture
def mine(site, session_for):
    """A request of X that citizen_a filed."""
    response = session_for("citizen_a").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    return response.json()["id"]


@pytest.fixture
def waiting(mine):
    """citizen_a's request, on which the service waits for them."""
    from imio.guichet.submissions.handling import etag
    from imio.guichet.submissions.handling import update_state

    transaction.begin()
    submission = get_store().get(mine)
    for state in ("in_progress", "waiting_citizen"):
        update_state(
            submission,
            state,
            seen_etag=etag(submission),
            user_id="x",
            public_message="Une photo ?",
        )
    transaction.commit()
    return mine


@pytest.fixture
def webhook(site, session_for):
    """A subscription to X's events, made by the site administrator."""
    from plone import api

    response = session_for("siteadmin").post(
        "@guichet-webhooks",
        json={
            "procedure": api.content.get_uuid(site.demarches.x),
            "url": "https://bo.example/hook",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def model(site):
    """X shared as a model."""
    from imio.guichet.caller import Caller
    from imio.guichet.usecases.models import share_version
    from plone import api

    with api.env.adopt_roles(["Manager"]):
        share_version(
            Caller(user_id="admin"),
            site.demarches.x,
            model_id="x-model",
            parameters=[],
            changes="",
        )
    transaction.commit()
    return "x-model"


@pytest.fixture
def draft_of_a(site, session_for):
    """A draft of X that citizen_a saved."""
    response = session_for("citizen_a").post(
        "demarches/x/@drafts", json={"data": VALID_DATA}
    )
    return response.json()["id"]


def test_every_endpoint_of_the_api_is_in_the_matrix():
    from imio.guichet.services.openapi.get import openapi_document

    def shape(path: str) -> str:
        # /{procedure}/... is exercised on procedure X; ids are placeholders.
        path = path.split("?", maxsplit=1)[0].replace("/{procedure}", "demarches/x")
        path = path.lstrip("/")
        return re.sub(r"\{\w+\}|(?<=@attachments/)doc", "*", path)

    covered = {
        (endpoint.split()[0].lower(), shape(endpoint.split()[1]))
        for endpoint in ENDPOINTS
    }
    documented = {
        (method, shape(path))
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method != "parameters"
    }
    # That one needs an existing token: its access is tested in
    # test_tokens.py.
    assert documented - covered == {("delete", "@guichet-tokens/*")}


@pytest.mark.parametrize("endpoint, who, status", CASES)
def test_access(request, site, filed, session_for, endpoint, who, status):
    session = session_for(who)
    draft = request.getfixturevalue("draft_of_a") if "{draft}" in endpoint else None
    webhook = request.getfixturevalue("webhook") if "{webhook}" in endpoint else None
    model = request.getfixturevalue("model") if "{model}" in endpoint else None
    own = {
        name: request.getfixturevalue(name)
        for name in ("mine", "waiting")
        if f"{{{name}}}" in endpoint
    }
    method, path = endpoint.split()
    headers = {}
    if method == "PATCH":
        etag = session_for("siteadmin").get(f"@submissions/{filed}").headers["ETag"]
        headers["If-Match"] = etag
    for submission_id in own.values():
        from imio.guichet.submissions.handling import etag

        transaction.begin()
        headers["If-Match"] = etag(get_store().get(submission_id))
    body = body_for(endpoint, site)
    if endpoint == "POST @submissions-bulk":
        body = bulk_body(session_for, filed)
    response = session.request(
        method,
        path.format(id=filed, draft=draft, webhook=webhook, model=model, **own),
        json=body,
        headers=headers,
    )
    assert response.status_code == status, response.text[:300]
    if status >= 400 or who == "backoffice_y":
        assert "Jeanne" not in response.text


def bulk_body(session_for, filed: str) -> dict:
    version = session_for("siteadmin").get(f"@submissions/{filed}").headers["ETag"]
    return {"state": "received", "submissions": [{"id": filed, "etag": version}]}


@pytest.mark.parametrize("who", ACCOUNTS[1:])
def test_bulk_refusals_are_per_request(site, filed, session_for, who):
    """``POST @submissions-bulk`` answers 200 to whoever is logged in; each
    request is moved only as PATCH would move it, and one the caller may
    not read is refused without a word of it."""
    answer = session_for(who).post(
        "@submissions-bulk", json=bulk_body(session_for, filed)
    )
    item = answer.json()["items"][0]
    expected = HANDLERS_OF_X[who]
    assert item["moved"] is (expected == 200)
    if expected != 200:
        assert item["status"] == expected
        assert item["reference"] is None
        assert "Jeanne" not in answer.text
