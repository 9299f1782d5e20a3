"""Export a procedure's submissions (any content with the online form)
from the command line.

    .venv/bin/zconsole run instance/etc/zope.conf scripts/export_submissions.py \\
        --user backoffice Plone/fr/demarches/declaration-de-perte csv \\
        > declarations.csv

Arguments: ``--user`` the account whose permissions apply (a user of the
site or of the Zope root: it must be allowed to read the procedure's
submissions, as for the staff pages' export), the procedure's path from
the Zope root, then csv, jsonl or xlsx (default csv), then optionally a
state; ``--from`` and ``--to`` keep the submissions filed between those
days (YYYY-MM-DD), as the API's export. The export is written to standard
output in batches and recorded in the audit trail under that user, with
the procedure and every filter.
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

import argparse
import sys
import transaction


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export_submissions.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--user", required=True, help="the account exporting")
    parser.add_argument("--from", dest="created_from", help="first day filed")
    parser.add_argument("--to", dest="created_to", help="last day filed")
    parser.add_argument("path", help="the procedure's path from the Zope root")
    parser.add_argument("format", nargs="?", default="csv")
    parser.add_argument("state", nargs="?")
    return parser


def find_user(site, app, name: str):
    """The account ``name`` of the site, else of the Zope root, wrapped in
    its user folder (as Zope's security needs it); None if unknown."""
    for user_folder in (site.acl_users, app.acl_users):
        user = user_folder.getUser(name)
        if user is not None:
            return user.__of__(user_folder)
    return None


def main(app, argv: list[str]) -> int:
    try:
        options = arguments().parse_args(argv)
    except SystemExit as refused:  # argparse printed why
        return refused.code or 2
    procedure = app.unrestrictedTraverse(options.path.strip("/"), None)
    if not IHasOnlineForm.providedBy(procedure):
        print(f"No procedure at {options.path}", file=sys.stderr)
        return 1
    site = next(o for o in aq_chain(procedure) if IPloneSiteRoot.providedBy(o))
    setSite(site)
    user = find_user(site, app, options.user)
    if user is None:
        print(f"No user {options.user}", file=sys.stderr)
        return 1
    # Everything below runs with this user's permissions, not the script's.
    newSecurityManager(None, user)
    parameters = {
        "format": options.format,
        "state": options.state,
        "from": options.created_from,
        "to": options.created_to,
    }
    try:
        count = export_submissions(
            script_caller(user.getId()),
            procedure,
            ExportQuery.parse({k: v for k, v in parameters.items() if v}),
            sys.stdout.buffer.write,
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
    arguments_given = sys.argv[ours[0] + 1 :] if ours else []
    status = main(makerequest(globals()["app"]), arguments_given)  # noqa: F821
    # An export changes nothing: its audit record is in the journal of
    # reads, written when it was made (imio.guichet.audit.journal).
    transaction.abort()
    sys.exit(status)
