"""Delete the expired drafts of a site (from cron, for instance).

    .venv/bin/zconsole run instance/etc/zope.conf scripts/purge_drafts.py Plone

Argument: the site's path from the Zope root. Expired drafts are already
refused, and every save removes a few of them; this removes the rest, in
one transaction per batch of 500.
"""

from imio.guichet.drafts.api import purge_expired
from plone.base.interfaces import IPloneSiteRoot
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import sys
import transaction


BATCH = 500


def main(app, argv: list[str], commit=None) -> int:
    """``commit`` ends each batch (transaction.commit by default)."""
    commit = commit or transaction.commit
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    site = app.unrestrictedTraverse(argv[0].strip("/"), None)
    if site is None or not IPloneSiteRoot.providedBy(site):
        print(f"No Plone site at {argv[0]}", file=sys.stderr)
        return 1
    setSite(site)
    total = 0
    while True:
        count = purge_expired(limit=BATCH)
        commit()
        total += count
        if count < BATCH:
            break
    print(f"{total} expired drafts deleted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # zconsole keeps its own arguments: ["zconsole", "run", conf, script, ...]
    ours = [i for i, a in enumerate(sys.argv) if a.endswith("purge_drafts.py")]
    arguments = sys.argv[ours[0] + 1 :] if ours else []
    sys.exit(main(makerequest(globals()["app"]), arguments))  # noqa: F821
