"""Reads never commit (issue #11): every read over a real WSGI server leaves
the database's last transaction where it was, while the reads of staff are
in the audit journal (files outside the database).

Each case is a series of GETs by one account; after each, the database's
last transaction id must not have moved, and the case ends with exactly
the journal records it lists (actor, action) and no new record in the
database's log of changes.
"""

from dataclasses import dataclass
from fixtures.files import PDF
from fixtures.forms import FIELDS_FORM
from fixtures.forms import FIELDS_VALID
from imio.guichet.audit import get_audit_log
from imio.guichet.audit import iter_records
from imio.guichet.audit import JOURNALED
from imio.guichet.submissions import feed
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.tracking import tracking_secret
from plone import api

import base64
import io
import pickle
import pytest
import requests
import transaction


@dataclass(frozen=True)
class Filed:
    """An anonymous request with a file, one by citizen_a, and a draft of
    citizen_a."""

    id: str
    reference: str
    secret: str
    own_id: str
    own_reference: str
    uid: str
    draft: str


@pytest.fixture
def filed(site, session_for) -> Filed:
    site.demarches.x.form_schema = FIELDS_FORM
    transaction.commit()
    document = {
        "filename": "plan.pdf",
        "content-type": "application/pdf",
        "data": base64.b64encode(PDF).decode(),
    }
    anonymous = session_for("Anonymous").post(
        "demarches/x/@submissions",
        json={"data": {**FIELDS_VALID, "document": document}},
    )
    assert anonymous.status_code == 201, anonymous.text
    own = session_for("citizen_a").post(
        "demarches/x/@submissions", json={"data": FIELDS_VALID}
    )
    assert own.status_code == 201, own.text
    draft = session_for("citizen_a").post(
        "demarches/x/@drafts", json={"data": {"zip": "5000"}}
    )
    assert draft.status_code == 201, draft.text
    transaction.begin()
    store = get_store()
    submission = store.get(anonymous.json()["id"])
    return Filed(
        id=submission.id,
        reference=submission.reference,
        secret=tracking_secret(store, submission),
        own_id=own.json()["id"],
        own_reference=own.json()["reference"],
        uid=api.content.get_uuid(site.demarches.x),
        draft=draft.json()["id"],
    )


def following(previous) -> str:
    """The ``next`` link of the previous answer (a listing, the feed)."""
    return previous.json()["next"]


OFFICE = "backoffice_x"
LISTED, READ = (OFFICE, "list"), (OFFICE, "read")

#: name -> (who, the GETs in order, the journal records they make)
READS = {
    # The REST API of back offices.
    "listing": (OFFICE, ["@submissions"], [LISTED]),
    "listing of a procedure": (OFFICE, ["demarches/x/@submissions"], [LISTED]),
    "listing, filtered": (
        OFFICE,
        [
            "@submissions?state=submitted&from=2000-01-01&to=2999-12-31",
            "@submissions?procedure={uid}&acknowledged=false",
            "@submissions?reference={reference}",
        ],
        [LISTED] * 3,
    ),
    "listing, next page": (OFFICE, ["@submissions?limit=1", following], [LISTED] * 2),
    "change feed": (OFFICE, ["@submissions?since=0&limit=1", following], [LISTED] * 2),
    "one submission": (OFFICE, ["@submissions/{id}"], [READ]),
    "attachment": (
        OFFICE,
        ["@submissions/{id}/@attachments/document"],
        [(OFFICE, "download")],
    ),
    "export": (
        OFFICE,
        [
            "demarches/x/@submissions-export?format=csv",
            "demarches/x/@submissions-export?format=jsonl",
            "demarches/x/@submissions-export?format=xlsx",
        ],
        [(OFFICE, "export")] * 3,
    ),
    # The staff's pages.
    "staff listing page": (OFFICE, ["@@guichet-requests"], [LISTED]),
    "staff listing page of a procedure": (
        OFFICE,
        ["demarches/x/@@guichet-requests?state=submitted"],
        [LISTED],
    ),
    "staff request page": (OFFICE, ["@@guichet-request?id={id}"], [READ]),
    "staff export page": (
        OFFICE,
        [
            "demarches/x/@@guichet-export?format=csv",
            "@@guichet-export?procedure={uid}&format=jsonl",
        ],
        [(OFFICE, "export")] * 2,
    ),
    "dashboard": (
        OFFICE,
        [
            "@guichet-dashboard",
            "demarches/x/@guichet-dashboard?format=csv",
            "@@guichet-dashboard",
            "demarches/x/@@guichet-dashboard?format=csv",
        ],
        [(OFFICE, "dashboard")] * 4,
    ),
    "staff's receipt": (OFFICE, ["@@receipt?reference={reference}"], [READ]),
    # Citizens.
    "Mes démarches": (
        "citizen_a",
        ["@@my-requests", "@@my-requests?reference={own_reference}"],
        [],
    ),
    "own receipt": ("citizen_a", ["@@receipt?reference={own_reference}"], []),
    "own data": (
        "citizen_a",
        ["@@my-data", "@@my-data?format=pdf", "@my-data", "@my-data?format=pdf"],
        [],
    ),
    "tracking link": (
        "Anonymous",
        ["@@track-request?reference={reference}&secret={secret}"],
        [],
    ),
    "receipt by its secret": (
        "Anonymous",
        ["@@receipt?reference={reference}&secret={secret}"],
        [],
    ),
    "confirmation page": (
        "Anonymous",
        ["demarches/x/@@confirmation?reference={reference}&secret={secret}"],
        [],
    ),
    "a draft": (
        "citizen_a",
        [
            "@drafts/{draft}",
            "@@draft-saved?id={draft}",
            "demarches/x/@@submit?draft={draft}",
        ],
        [],
    ),
    # The procedure and its form.
    "procedure page": ("Anonymous", ["demarches/x"], []),
    "the form": ("Anonymous", ["demarches/x/@@submit"], []),
    "the form, logged in": ("citizen_a", ["demarches/x/@@submit"], []),
    "the form's schema": ("Anonymous", ["demarches/x/@form-schema"], []),
    "the privacy information": ("Anonymous", ["demarches/x/@@guichet-privacy"], []),
    # The audit trail itself, and the other administration pages.
    "audit pages": (
        "siteadmin",
        [
            "@@guichet-audit-log",
            "@@guichet-audit-log?action=read&from=2026-01-01&format=csv",
            "@@guichet-audit-log?reference={reference}&actor=backoffice_x",
            "@guichet-audit",
            "@guichet-audit?format=csv",
            "@guichet-audit?sort_order=descending&action=list&to=2999-12-31",
        ],
        [],
    ),
    "integrations": (
        "siteadmin",
        [
            "@@guichet-integrations",
            "@guichet-tokens",
            "@guichet-webhooks",
            "@guichet-mail-outbox",
        ],
        [],
    ),
    "the register of processing activities": (
        "siteadmin",
        [
            "@@guichet-register",
            "@@guichet-register?format=csv",
            "@guichet-register",
            "@guichet-register?format=csv",
        ],
        [],
    ),
    "the API's description": ("Anonymous", ["@guichet-openapi"], []),
    "a procedure's e-mails": (
        "editor",
        [
            "demarches/x/@@guichet-emails",
            "demarches/x/@@guichet-emails?mail=service",
            "demarches/x/@@guichet-emails?mail=state",
            "demarches/x/@@guichet-emails?mail=state&language=en",
        ],
        [],
    ),
}


def journal() -> list[dict]:
    transaction.begin()
    return [r for r in iter_records() if r["action"] in JOURNALED]


@pytest.mark.parametrize("name", list(READS))
def test_a_read_never_commits(name, filed, functional, session_for):
    who, paths, journaled = READS[name]
    database = functional["zodbDB"]
    changes = len(get_audit_log())
    before = len(journal())
    session = session_for(who)
    last = database.lastTransaction()
    answer = None
    for path in paths:
        url = path(answer) if callable(path) else path.format(**vars(filed))
        answer = session.get(url, allow_redirects=False)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        assert committed_by_requests(database, last) == [], f"GET {url} committed"
    records = journal()[before:]
    assert [(r["actor"], r["action"]) for r in records] == journaled
    transaction.begin()
    assert len(get_audit_log()) == changes  # nothing in the database's log


def test_the_journal_holds_what_was_read(filed, functional, session_for):
    """The journal's records say which submissions were shown, as the
    database's log did."""
    office = session_for(OFFICE)
    office.get(f"@submissions/{filed.id}")
    office.get("@submissions?limit=1")
    office.get(f"@submissions/{filed.id}/@attachments/document")
    records = journal()
    assert [(r["action"], r["submissions"], r["details"]) for r in records] == [
        ("read", [filed.id], {}),
        ("list", [filed.id], {"query": {"limit": "1"}}),
        ("download", [filed.id], {"attachment": "document"}),
    ]


def committed_by_requests(database, after: bytes) -> list[str]:
    """What was committed after ``after``, but by the change feed's settling
    step (a background thread that closes the slots of the filings made
    just before: not the reads)."""
    return [
        committed.description
        for committed in database.storage.changes.iterator(after)
        if committed.tid != after
        and committed.description != feed.SETTLING_NOTE.encode()
    ]


def written_classes(database, after: bytes) -> set[str]:
    """The classes of the objects committed after the transaction
    ``after`` (the test layers' DemoStorage keeps them in ``changes``)."""
    names = set()
    for committed in database.storage.changes.iterator(after):
        if committed.tid == after:
            continue
        for written in committed:
            klass = pickle.Unpickler(io.BytesIO(written.data)).load()
            klass = klass[0] if isinstance(klass, tuple) else klass
            names.add(f"{klass.__module__}.{klass.__qualname__}")
    return names


def test_an_api_token_notes_its_last_use_at_most_hourly(filed, functional, session_for):
    """The one write a read may make: an API token's last use, once an
    hour at most (tokens/plugin.py), and nothing else."""
    made = session_for("siteadmin").post(
        "@guichet-tokens", json={"user": OFFICE, "label": "ERP"}
    )
    assert made.status_code == 201, made.text
    machine = requests.Session()
    machine.headers["Authorization"] = f"Bearer {made.json()['token']}"
    machine.headers["Accept"] = "application/json"
    url = functional["portal"].absolute_url()
    database = functional["zodbDB"]
    last = database.lastTransaction()
    assert machine.get(f"{url}/@submissions/{filed.id}").status_code == 200
    assert written_classes(database, last) == {"imio.guichet.tokens.plugin.LastUse"}
    last = database.lastTransaction()
    for path in (f"@submissions/{filed.id}", "@submissions?since=0"):
        assert machine.get(f"{url}/{path}").status_code == 200
        assert database.lastTransaction() == last
