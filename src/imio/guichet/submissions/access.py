"""Who may read which submissions.

Reading is granted by the "imio.guichet: Read submissions" permission,
which back-office accounts get through the GuichetBackOffice role, usually
as a local role on the procedures (or folders of procedures) they handle.
Staff who have it on the site root read everything.
"""

from imio.guichet.permissions import ReadSubmissions
from imio.guichet.submissions.storage import Submission
from plone import api


PROCEDURE_TYPE = "imio.guichet.Procedure"


def find_procedure(uid: str):
    """The procedure with this UID, whatever the current user may see."""
    catalog = api.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(UID=uid, portal_type=PROCEDURE_TYPE)
    return brains[0]._unrestrictedGetObject() if brains else None


def _may_read(obj) -> bool:
    return api.user.has_permission(ReadSubmissions, obj=obj)


def readable_procedure_uids() -> set[str] | None:
    """UIDs of procedures whose submissions the current user may read.

    None means every submission of the site (the permission is held on the
    site root); an empty set means none.
    """
    if _may_read(api.portal.get()):
        return None
    catalog = api.portal.get_tool("portal_catalog")
    return {
        brain.UID
        for brain in catalog.unrestrictedSearchResults(portal_type=PROCEDURE_TYPE)
        if _may_read(brain._unrestrictedGetObject())
    }


def may_read_procedure_submissions(procedure) -> bool:
    return _may_read(procedure)


def may_read_submission(submission: Submission) -> bool:
    """Whether the current user may read this submission."""
    procedure = find_procedure(submission.procedure_uid)
    # Submissions of a deleted procedure stay readable by site-wide staff.
    return _may_read(procedure if procedure is not None else api.portal.get())
