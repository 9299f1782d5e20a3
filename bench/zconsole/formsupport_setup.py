"""Set up (and seed) the collective.volto.formsupport side of
``bench/bench_peers.py``, in the peers' virtualenv (``bench/.peers``).

Run by the benchmark through that virtualenv's zconsole while the peer
instance is stopped::

    BENCH_PEERS='{...}' bench/.peers/venv/bin/zconsole run \
        <peer>/etc/zope.conf bench/zconsole/formsupport_setup.py

``BENCH_PEERS`` is a JSON object: ``smtp_port`` (the benchmark's SMTP
sink), ``document_id``, ``block`` (the form block: 10 fields, ``store``
on, ``send`` as chosen), ``payload`` (one filing's ``data`` list) and
``seed_to``: the number of records the form must hold at the end (added
straight into its soup, as formsupport's own ``FormDataStore.add`` does).
Prints one JSON line: the document's path and how many records it holds.
"""

from AccessControl.SecurityManagement import newSecurityManager
from datetime import datetime
from datetime import timedelta
from plone import api
from plone.base.utils import get_installer
from souper.soup import get_soup
from souper.soup import Record
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import json
import os
import sys
import time
import transaction


SITE_ID = "Plone"
BLOCK_ID = "form"
COMMIT_EVERY = 1_000

config = json.loads(os.environ["BENCH_PEERS"])
app = makerequest(globals()["app"])  # noqa: F821 - given by zconsole
if SITE_ID not in app.objectIds():
    from plone.distribution.api import site as site_api

    # Volto's distribution: its Documents have blocks (formsupport's
    # services are registered for plone.restapi's IBlocks).
    site_api.create(
        app,
        "volto",
        {
            "site_id": SITE_ID,
            "title": "Formsupport (bench)",
            "default_language": "fr",
            "portal_timezone": "Europe/Brussels",
            "setup_content": False,
        },
    )
    transaction.commit()
portal = app[SITE_ID]
if app.acl_users.getUser("admin") is None:
    app.acl_users._doAddUser("admin", "admin", ["Manager"], [])
newSecurityManager(None, app.acl_users.getUser("admin").__of__(app.acl_users))
setSite(portal)
installer = get_installer(portal)
if not installer.is_product_installed("collective.volto.formsupport"):
    installer.install_product("collective.volto.formsupport")

api.portal.set_registry_record("plone.smtp_host", "127.0.0.1")
api.portal.set_registry_record("plone.smtp_port", config["smtp_port"])
api.portal.set_registry_record("plone.email_from_address", "form@bench.invalid")
api.portal.set_registry_record("plone.email_from_name", "Formsupport (bench)")

if config["document_id"] not in portal:
    document = api.content.create(
        container=portal,
        type="Document",
        id=config["document_id"],
        title="Formulaire de 10 champs (benchmark)",
        blocks={"title": {"@type": "title"}, BLOCK_ID: config["block"]},
        blocks_layout={"items": ["title", BLOCK_ID]},
    )
    api.content.transition(obj=document, transition="publish")
document = portal[config["document_id"]]
transaction.commit()

soup = get_soup("form_data", document)
stored = len(soup.data)
wanted = config.get("seed_to", 0)
if stored < wanted:
    fields = {field["field_id"]: field for field in config["block"]["subblocks"]}
    started = time.perf_counter()
    first = datetime.now() - timedelta(seconds=wanted - stored + 3600)
    for index in range(stored, wanted):
        # What formsupport's FormDataStore.add stores for one filing.
        record = Record()
        for item in config["payload"]:
            value = item["value"]
            if item["field_id"] == "description":
                value = f"{value} {index}"
            record.attrs[item["field_id"]] = value
        record.attrs["fields_labels"] = {k: f["label"] for k, f in fields.items()}
        record.attrs["fields_order"] = [item["field_id"] for item in config["payload"]]
        record.attrs["fields_types"] = {k: f["field_type"] for k, f in fields.items()}
        record.attrs["date"] = first + timedelta(seconds=index - stored)
        record.attrs["block_id"] = BLOCK_ID
        soup.add(record)
        if (index + 1 - stored) % COMMIT_EVERY == 0:
            transaction.commit()
            if (index + 1) % (10 * COMMIT_EVERY) == 0:
                print(
                    f"  formsupport: seeded {index + 1:,}", file=sys.stderr, flush=True
                )
    transaction.commit()
    print(
        f"  formsupport: seeded {wanted - stored:,} "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
print(
    json.dumps(
        {"document": "/".join(document.getPhysicalPath()), "stored": len(soup.data)}
    )
)
