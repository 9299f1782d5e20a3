"""Purge a site's requests past their retention, and its audit trail's old
records, now (from cron, for instance; the instance also does it by
itself every day).

    .venv/bin/zconsole run instance/etc/zope.conf scripts/purge_submissions.py Plone

Argument: the site's path from the Zope root. Requests that ended (closed,
rejected, withdrawn) longer ago than their procedure's retention are
anonymised or deleted, as the procedure (or the site) says, except those
under a legal hold; one transaction per batch of requests (a batch that
conflicts with a staff change is read and applied again). The run is
recorded in the audit trail, as counts only, "by: command line".
"""

from datetime import datetime
from datetime import UTC
from imio.guichet.caller import script_caller
from imio.guichet.usecases.retention import purge_now
from plone.base.interfaces import IPloneSiteRoot
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import sys
import transaction


def main(app, argv: list[str], commit=None, abort=None, now=None) -> int:
    """``commit`` and ``abort`` end each batch (the transaction's by
    default); ``now``: the clock (tests)."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    site = app.unrestrictedTraverse(argv[0].strip("/"), None)
    if site is None or not IPloneSiteRoot.providedBy(site):
        print(f"No Plone site at {argv[0]}", file=sys.stderr)
        return 1
    setSite(site)
    counts = purge_now(
        script_caller(),
        now=now or datetime.now(UTC),
        commit=commit or transaction.commit,
        abort=abort or transaction.abort,
    )
    print(
        f"{counts.anonymised} requests anonymised, {counts.deleted} deleted, "
        f"{counts.held} on legal hold kept, {counts.audit_records} audit records "
        f"and {counts.journal_files} journal files deleted",
        file=sys.stderr,
    )
    return 0 if not counts.unfinished else 3


if __name__ == "__main__":
    # zconsole keeps its own arguments: ["zconsole", "run", conf, script, ...]
    ours = [i for i, a in enumerate(sys.argv) if a.endswith("purge_submissions.py")]
    arguments = sys.argv[ours[0] + 1 :] if ours else []
    sys.exit(main(makerequest(globals()["app"]), arguments))  # noqa: F821
