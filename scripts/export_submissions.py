"""Export a procedure's submissions (any content with the online form)
from the command line.

    .venv/bin/zconsole run instance/etc/zope.conf scripts/export_submissions.py \\
        Plone/demarches/declaration-de-perte csv > declarations.csv

Arguments: the procedure's path from the Zope root, then csv, jsonl or
xlsx (default csv), then optionally a state. Runs as the Zope admin; the
export is written to standard output in batches and recorded in the audit
trail.
"""

from AccessControl.SecurityManagement import newSecurityManager
from Acquisition import aq_chain
from imio.guichet.caller import script_caller
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.errors import GuichetError
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.usecases.staff import export_submissions
from plone.base.interfaces import IPloneSiteRoot
from Testing.makerequest import makerequest
from zope.component.hooks import setSite

import sys
import transaction


def main(app, argv: list[str]) -> int:
    if not 1 <= len(argv) <= 3:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[0]
    kind = argv[1] if len(argv) > 1 else "csv"
    state = argv[2] if len(argv) > 2 else None
    procedure = app.unrestrictedTraverse(path.strip("/"), None)
    if not IHasOnlineForm.providedBy(procedure):
        print(f"No procedure at {path}", file=sys.stderr)
        return 1
    admin = app.acl_users.getUser("admin")
    if admin is not None:
        newSecurityManager(None, admin.__of__(app.acl_users))
    setSite(next(o for o in aq_chain(procedure) if IPloneSiteRoot.providedBy(o)))
    parameters = {"format": kind, "state": state} if state else {"format": kind}
    try:
        count = export_submissions(
            script_caller(admin.getId() if admin is not None else None),
            procedure,
            ExportQuery.parse(parameters),
            sys.stdout.buffer.write,
            audited_query={"format": kind, "by": "command line"},
        )
    except GuichetError as refused:
        print(refused.message, *(f.message for f in refused.fields), file=sys.stderr)
        return 2
    print(f"{count} submissions exported", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # zconsole keeps its own arguments: ["zconsole", "run", conf, script, ...]
    # and runs the script without __file__.
    ours = [i for i, a in enumerate(sys.argv) if a.endswith("export_submissions.py")]
    arguments = sys.argv[ours[0] + 1 :] if ours else []
    status = main(makerequest(globals()["app"]), arguments)  # noqa: F821
    transaction.commit()  # the audit record
    sys.exit(status)
