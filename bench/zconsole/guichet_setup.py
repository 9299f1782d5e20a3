"""Set up (and seed) the imio.guichet side of ``bench/bench_peers.py``.

Run by the benchmark through zconsole while the instance is stopped
(FileStorage allows one process at a time)::

    BENCH_PEERS='{...}' .venv/bin/zconsole run instance/etc/zope.conf \
        bench/zconsole/guichet_setup.py

``BENCH_PEERS`` is a JSON object: ``served_at`` (the public URL of the
server), ``smtp_port`` (the benchmark's SMTP sink), ``webhook_url`` (its
receiver of webhook events, subscribed to the procedure; none: no
subscription), ``procedure_id``,
``form_xml`` (the 10-field form), ``payload`` (one filing's data), and
``seed_to``: the number of submissions the procedure must hold at the end
(added straight into the store, as ``bench/bench_submissions.py`` does).
Prints one JSON line: the procedure's path and how many it holds.
"""

from AccessControl.SecurityManagement import newSecurityManager
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.demo import ensure_demo_site
from imio.guichet.demo import procedures_folder
from imio.guichet.demo import ZOPE_ADMIN
from imio.guichet.forms.validation import clean_data
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.states import INITIAL_STATE
from imio.guichet.submissions.storage import Submission
from imio.guichet.webhooks import api as webhooks
from plone import api
from Testing.makerequest import makerequest
from ZODB.POSException import ConflictError
from zope.component.hooks import setSite

import json
import os
import sys
import time
import transaction
import uuid


RATE_LIMIT = "imio.guichet.interfaces.IGuichetSettings.anonymous_submissions_per_hour"
COMMIT_EVERY = 1_000

config = json.loads(os.environ["BENCH_PEERS"])
app = makerequest(globals()["app"])  # noqa: F821 - given by zconsole
portal = ensure_demo_site(app, served_at=config["served_at"])
transaction.commit()
newSecurityManager(None, app.acl_users.getUser(ZOPE_ADMIN[0]).__of__(app.acl_users))
setSite(portal)

# Every e-mail goes to the benchmark's SMTP sink; every client files from
# 127.0.0.1, so the anonymous rate limit (per address) is lifted.
api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
api.portal.set_registry_record("plone.smtp_port", config["smtp_port"])
api.portal.set_registry_record("plone.email_from_address", "guichet@bench.invalid")
api.portal.set_registry_record("plone.email_from_name", "Guichet (bench)")
api.portal.set_registry_record(RATE_LIMIT, 0)

folder = procedures_folder(portal)
if config["procedure_id"] not in folder:
    procedure = api.content.create(
        container=folder,
        type=PROCEDURE_TYPE,
        id=config["procedure_id"],
        title="Formulaire de 10 champs (benchmark)",
        form_schema=config["form_xml"],
        allow_anonymous=True,
        # A procedure opens to submissions only with its privacy information.
        privacy_purpose="Mesurer le guichet (benchmark).",
        privacy_legal_basis="e",
        privacy_legal_reference="Benchmark",
        privacy_recipients=["Benchmark"],
        privacy_data_subjects=["Demandeurs"],
    )
    api.content.transition(obj=procedure, transition="publish")
procedure = folder[config["procedure_id"]]
procedure_uid = api.content.get_uuid(procedure)
# A back office subscribed to the procedure's events (every feature on).
if config.get("webhook_url") and not any(
    s.procedure_uid == procedure_uid for s in webhooks.list_subscriptions()
):
    webhooks.subscribe(
        procedure_uid,
        config["webhook_url"],
        created_by=ZOPE_ADMIN[0],
        site_url=config["served_at"] + "/Plone",
    )
transaction.commit()

store = get_store(create=True)
stored = store.count(procedure_uid)
wanted = config.get("seed_to", 0)
if stored < wanted:
    form = IOnlineForm(procedure)
    version = form.form_schema_version
    # What filing stores for this payload (validated and cleaned once).
    template = clean_data(
        form.get_form_schema(version), config["payload"], context=procedure
    )
    started = time.perf_counter()
    # In the past, one second apart: filings over REST come after them.
    first = datetime.now(UTC) - timedelta(seconds=wanted - stored + 3600)

    def seed_one(index: int) -> None:
        created = first + timedelta(seconds=index - stored)
        while True:
            reference = new_reference()
            if not store.reference_taken(reference):
                break
        submission = Submission(
            submission_id=uuid.uuid4().hex,
            reference=reference,
            procedure_uid=procedure_uid,
            schema_version=version,
            data={**template, "description": f"{template['description']} {index}"},
            created=created,
            submitter=None,
            language="fr",
        )
        submission.add_event(
            {
                "action": "submit",
                "date": created.isoformat(),
                "actor": None,
                "from_state": None,
                "to_state": INITIAL_STATE,
            }
        )
        store.add(submission)

    index = stored
    while index < wanted:
        end = min(wanted, index + COMMIT_EVERY)
        for seeded in range(index, end):
            seed_one(seeded)
        try:
            transaction.commit()
        except ConflictError:
            # With the feed's settling step, run after a commit in its own
            # thread, which may write the same slots: write the batch again.
            transaction.abort()
            continue
        index = end
        if index % (10 * COMMIT_EVERY) == 0:
            print(f"  guichet: seeded {index:,}", file=sys.stderr, flush=True)
    print(
        f"  guichet: seeded {wanted - stored:,} "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
print(
    json.dumps(
        {
            "procedure": "/".join(procedure.getPhysicalPath()),
            "stored": store.count(procedure_uid),
        }
    )
)
