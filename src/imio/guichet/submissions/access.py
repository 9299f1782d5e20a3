"""Who may read which submissions.

Reading is granted by the "imio.guichet: Read submissions" permission,
which back-office accounts get through the GuichetBackOffice role, usually
as a local role on the procedures (or folders of procedures) they handle.
Staff who have it on the site root read everything.
"""

from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.permissions import ManageSubmissions
from imio.guichet.permissions import ReadSubmissions
from imio.guichet.submissions.storage import Submission
from plone import api


def find_procedure(uid: str):
    """The procedure (content with an online form) with this UID, whatever
    the current user may see."""
    brains = find_online_forms(UID=uid)
    return brains[0]._unrestrictedGetObject() if brains else None


def may_read_submissions_of(obj) -> bool:
    """Whether the current user may read the submissions filed under ``obj``
    (a procedure, a folder of procedures, or the site)."""
    return api.user.has_permission(ReadSubmissions, obj=obj)


def may_see_form(procedure) -> bool:
    """The form is public with its procedure; back offices need it too, to
    read what was filed, even once the procedure is no longer published."""
    return api.user.has_permission("View", obj=procedure) or may_read_submissions_of(
        procedure
    )


def _readable_procedures():
    """Procedures whose submissions the current user may read, lazily."""
    for brain in find_online_forms():
        if may_read_submissions_of(brain._unrestrictedGetObject()):
            yield brain


def may_read_some_submissions() -> bool:
    """Whether the current user handles any procedure (to show them the
    way to the staff views). Stops at the first procedure found."""
    if api.user.is_anonymous():
        return False
    if may_read_submissions_of(api.portal.get()):
        return True
    return next(_readable_procedures(), None) is not None


def readable_procedure_uids() -> set[str] | None:
    """UIDs of procedures whose submissions the current user may read.

    None means every submission of the site (the permission is held on the
    site root); an empty set means none.
    """
    if may_read_submissions_of(api.portal.get()):
        return None
    return {brain.UID for brain in _readable_procedures()}


def _holds_on_submission(permission: str, submission: Submission) -> bool:
    # Checked on the submission's procedure; submissions of a deleted
    # procedure stay reachable by site-wide staff only.
    procedure = find_procedure(submission.procedure_uid)
    obj = api.portal.get() if procedure is None else procedure
    return api.user.has_permission(permission, obj=obj)


def may_read_submission(submission: Submission) -> bool:
    """Whether the current user may read this submission."""
    return _holds_on_submission(ReadSubmissions, submission)


def may_manage_submission(submission: Submission) -> bool:
    """Whether the current user may acknowledge or move this submission on."""
    return _holds_on_submission(ManageSubmissions, submission)
