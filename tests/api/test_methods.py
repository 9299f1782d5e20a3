"""A method that an endpoint of the guichet does not take is answered 405,
with the methods it takes in ``Allow`` and a JSON error (issue #10, item
12): for every path of the OpenAPI document, every method it does not
document. plone.rest answered 404 (``PUT @submissions``), or the service
of another path took it (``POST @submissions/{id}`` reached ``@ack``)."""

from imio.guichet.services.openapi.get import openapi_document

import pytest
import re


METHODS = ("get", "post", "put", "patch", "delete")
SUBMISSION_ID = "0123456789abcdef0123456789abcdef"


def concrete(path: str) -> str:
    """The document's path on the test site (ids need not exist: the
    method is refused before anything is looked up)."""
    path = path.replace("{procedure}", "demarches/x").replace("{name}", "doc")
    return re.sub(r"\{\w+\}", SUBMISSION_ID, path).lstrip("/")


UNDOCUMENTED = [
    (method, path, sorted(m.upper() for m in item if m in METHODS))
    for path, item in openapi_document()["paths"].items()
    for method in METHODS
    if method not in item
]


@pytest.mark.parametrize(("method", "path", "allowed"), UNDOCUMENTED)
def test_undocumented_method_is_405(site, session_for, method, path, allowed):
    answer = session_for("Manager").request(method.upper(), concrete(path), json={})
    assert answer.status_code == 405, (method, path, answer.text)
    assert sorted(answer.headers["Allow"].split(", ")) == allowed
    error = answer.json()["error"]
    assert error["type"] == "MethodNotAllowed"
    assert error["code"] == "method_not_allowed"


@pytest.mark.parametrize("who", ["Anonymous", "citizen_a"])
def test_405_whoever_asks(site, session_for, who):
    answer = session_for(who).put("demarches/x/@submissions", json={})
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    "path",
    [
        "@submissions/" + SUBMISSION_ID + "/@nothing",
        "@submissions/" + SUBMISSION_ID + "/@attachments",
        "demarches/@form-schema",  # a folder has no online form
        "@submissions-export",  # nor has the site
    ],
)
def test_a_path_no_method_serves_is_404(site, session_for, path):
    answer = session_for("Manager").put(path, json={})
    assert answer.status_code == 404, answer.text


def test_documented_methods_still_answer(site, session_for):
    session = session_for("Manager")
    assert session.get("demarches/x/@form-schema").status_code == 200
    assert session.get("@submissions").status_code == 200
    assert session.get(f"@submissions/{SUBMISSION_ID}").status_code == 404


def test_every_name_of_the_guichet_refuses_other_methods():
    from fixtures.openapi import registered_routes
    from imio.guichet.services.methods import NAMES

    assert set(NAMES) == {path.rsplit("/", 1)[1] for _, path in registered_routes()}
