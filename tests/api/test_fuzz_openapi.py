"""The served OpenAPI document, fuzzed against a live instance (issue #10,
item 12): schemathesis generates requests for every operation of
``@guichet-openapi`` (valid ones, and ones that break the document) and
the answers must be no 5xx, and must be what the document says (status,
content type, body).

Bounded and reproducible: Hypothesis is derandomised (the same examples
on every run), draws ``GUICHET_FUZZ_EXAMPLES`` examples per operation and
generation mode (default 12), and stops drawing new requests once
``GUICHET_FUZZ_SECONDS`` (default 100) have passed (but the first three
of each). See "The fuzz test" in
docs/development.md to run it longer.

The instance is its own (not the session's ``live_instance``): fuzzing
files anonymous requests until the rate limit answers 429, changes states
and revokes tokens, which the other live tests must not inherit.
"""

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import seed
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.testing_instance import InstanceError
from imio.guichet.testing_instance import served_instance
from pathlib import Path
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

import os
import pytest
import re
import requests
import schemathesis
import time
import yaml


DOCUMENT = yaml.safe_load(
    (Path(__file__).parents[2] / "docs" / "openapi.yaml").read_text("utf-8")
)
METHODS = ("get", "post", "put", "patch", "delete")
#: Every operation but the one that serves the document, which
#: schemathesis leaves out (tests/api/test_openapi.py reads it).
OPERATIONS = sorted(
    operation["operationId"]
    for item in DOCUMENT["paths"].values()
    for method, operation in item.items()
    if method in METHODS and operation["operationId"] != "getOpenApi"
)
EXAMPLES = int(os.environ.get("GUICHET_FUZZ_EXAMPLES", "12"))
SECONDS = float(os.environ.get("GUICHET_FUZZ_SECONDS", "100"))
#: Other examples than the derandomised ones, as reproducible: a seed.
SEED = os.environ.get("GUICHET_FUZZ_SEED")
#: Requests every operation and mode sends, even past the time limit.
AT_LEAST = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Who calls each operation: back offices read and handle submissions,
#: Site Administrators (here the Zope Manager) the audit trail and the
#: integrations, a citizen logged in opens the drafts made for the run,
#: anonymous visitors file, save drafts and read forms.
BACK_OFFICE = ("backoffice", "backoffice")
ADMIN = ("admin", "admin")
CITIZEN = ("citoyen", "citoyen")
CALLERS = {
    "getDraft": CITIZEN,
    "replaceDraft": CITIZEN,
    "deleteDraft": CITIZEN,
    "getAuditTrail": ADMIN,
    "getProcessingRegister": ADMIN,
    "listWebhooks": ADMIN,
    "createWebhook": ADMIN,
    "getWebhook": ADMIN,
    "updateWebhook": ADMIN,
    "deleteWebhook": ADMIN,
    "listTokens": ADMIN,
    "createToken": ADMIN,
    "revokeToken": ADMIN,
    "listProcedureSubmissions": BACK_OFFICE,
    "exportSubmissions": BACK_OFFICE,
    "listSubmissions": BACK_OFFICE,
    "getSubmission": BACK_OFFICE,
    "changeSubmissionState": BACK_OFFICE,
    "changeSubmissionStates": BACK_OFFICE,
    "acknowledgeSubmission": BACK_OFFICE,
    "downloadAttachment": BACK_OFFICE,
}
PROCEDURES = tuple(
    f"{PROCEDURES_PATH}/{procedure}"
    for procedure in (
        "declaration-de-perte",
        "extrait-acte-de-naissance",
        "occupation-domaine-public",
        "stages-ete",
    )
)
LOST_KEYS = {
    "object_type": "keys",
    "description": "Trousseau de 3 clés",
    "loss_date": "2026-11-20",
    "name": "Jeanne Dupont",
    "email": "jeanne@example.org",
}


class Fuzzed:
    """The live instance, what was made on it to be found (ids that exist,
    so that the fuzzer reaches more than 404s), and the time left."""

    def __init__(self, url: str):
        self.url = url
        self.deadline = time.monotonic() + SECONDS
        self.submissions = []
        self.webhooks = []
        self.tokens = []
        self.drafts = []

    def session(self, auth=None) -> requests.Session:
        session = requests.Session()
        session.auth = auth
        session.headers["Accept"] = "application/json"
        return session

    def post(self, path: str, body: dict, auth=None) -> dict:
        answer = self.session(auth).post(f"{self.url}/{path}", json=body, timeout=60)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def prepare(self):
        procedure = PROCEDURES[0]
        # Logged in: the anonymous rate limit stays for the fuzzer to meet.
        for _ in range(2):
            filed = self.post(f"{procedure}/@submissions", {"data": LOST_KEYS}, CITIZEN)
            self.submissions.append(filed["id"])
            draft = self.post(f"{procedure}/@drafts", {"data": {"name": "J"}}, CITIZEN)
            self.drafts.append(draft["id"])
        uid = self.session(ADMIN).get(f"{self.url}/{procedure}", timeout=60)
        uid = uid.json()["UID"]
        for _ in range(2):
            hook = self.post(
                "@guichet-webhooks",
                {"procedure": uid, "url": "http://127.0.0.1:9/hook"},
                ADMIN,
            )
            self.webhooks.append(hook["id"])
            token = self.post(
                "@guichet-tokens", {"user": "backoffice", "label": "fuzz"}, ADMIN
            )
            self.tokens.append(token["id"])


@pytest.fixture(scope="module")
def fuzzed():
    running = os.environ.get("GUICHET_FUZZ_SITE")  # a demo site you run
    if running:
        instance = Fuzzed(running.rstrip("/"))
        instance.prepare()
        yield instance
        return
    try:
        with served_instance(prefix="guichet-fuzz-") as served:
            instance = Fuzzed(served.url)
            instance.prepare()
            yield instance
    except InstanceError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def schema(fuzzed):
    """The document as the site serves it (its server is the site)."""
    return schemathesis.openapi.from_url(
        f"{fuzzed.url}/@guichet-openapi", headers={"Accept": "application/json"}
    )


def test_every_operation_is_fuzzed(schema):
    served = sorted(
        result.ok().definition.raw["operationId"]
        for result in schema.get_all_operations()
    )
    assert served == OPERATIONS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_answers_keep_to_the_document(fuzzed, schema, operation_id, mode):
    operation = schema.find_operation_by_id(operation_id)
    session = fuzzed.session(CALLERS.get(operation_id))
    path_names = set(re.findall(r"{(\w+)}", operation.path))
    known = {
        "procedure": PROCEDURES,
        "draft": tuple(fuzzed.drafts),
        "id": {
            "getWebhook": fuzzed.webhooks,
            "updateWebhook": fuzzed.webhooks,
            "deleteWebhook": fuzzed.webhooks,
            "revokeToken": fuzzed.tokens,
        }.get(operation_id, fuzzed.submissions),
        "name": ("attachment",),
    }

    sent = [0]

    @settings(
        max_examples=EXAMPLES,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def fuzz(case, data):
        if sent[0] >= AT_LEAST and time.monotonic() > fuzzed.deadline:
            return
        sent[0] += 1
        # Path parameters: a procedure of the demo; an id, half of the
        # time one that exists (else the fuzzer's, mostly unknown: 404).
        for name in path_names & set(known):
            if known[name] and (name == "procedure" or data.draw(st.booleans())):
                case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
        case.call_and_validate(session=session, checks=CHECKS, timeout=60)

    if SEED is not None:
        fuzz = seed(int(SEED))(fuzz)
    try:
        fuzz()
    except Unsatisfiable:
        # Nothing of the operation can break the document (no parameter,
        # no body): the positive run covers it.
        if mode is not GenerationMode.NEGATIVE:
            raise
