"""Who may read which submissions.

Reading is granted by the "imio.guichet: Read submissions" permission,
which back-office accounts get through the GuichetBackOffice role, usually
as a local role on the procedures (or folders of procedures) they handle.
Staff who have it on the site root read everything.
"""

from Acquisition import aq_base
from Acquisition import aq_inner
from Acquisition import aq_parent
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.permissions import BACK_OFFICE_ROLE
from imio.guichet.permissions import EraseSubmissions
from imio.guichet.permissions import ManageSubmissions
from imio.guichet.permissions import PlaceLegalHold
from imio.guichet.permissions import ReadSubmissions
from imio.guichet.submissions.storage import Submission
from plone import api
from plone.base.interfaces import IPloneSiteRoot


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


def may_erase_submission(submission: Submission) -> bool:
    """Whether the current user may anonymise or delete this submission now."""
    return _holds_on_submission(EraseSubmissions, submission)


def may_hold_submission(submission: Submission) -> bool:
    """Whether the current user may put this submission under a legal hold
    (or lift it)."""
    return _holds_on_submission(PlaceLegalHold, submission)


def procedure_handlers(procedure) -> set[str]:
    """The principals (user and group ids) who handle ``procedure``: given
    the back-office role on it, on a folder above it or on the site (as a
    local role, which a folder may stop inheriting, or a global role).
    A request of the procedure may be assigned to them."""
    found = set()
    obj = aq_inner(procedure)
    while obj is not None:
        for principal, roles in obj.get_local_roles():
            if BACK_OFFICE_ROLE in roles:
                found.add(principal)
        if IPloneSiteRoot.providedBy(obj) or getattr(
            aq_base(obj), "__ac_local_roles_block__", False
        ):
            break
        obj = aq_parent(obj)
    roles = api.portal.get_tool("acl_users").portal_role_manager
    assigned = roles.listAssignedPrincipals(BACK_OFFICE_ROLE)
    found.update(principal for principal, _title in assigned)
    return found


def principals_of(user_id: str) -> list[str]:
    """The user id and the ids of the groups the user belongs to (what
    "assigned to me" means)."""
    user = api.user.get(userid=user_id)
    groups = [] if user is None else list(user.getGroups() or [])
    return [user_id, *groups]
