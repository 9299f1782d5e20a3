"""1015: the citizens' rights.

Two new permissions, given to Managers and Site Administrators as the
profile's rolemap says: *imio.guichet: Answer data subject requests* (find
and export everything about one person) and *imio.guichet: View national
register numbers* (see them in full; masked for everyone else). Only
these two are set: a whole ``rolemap`` import would undo what a site
changed in its other permissions. No stored data changes.
"""

from imio.guichet.permissions import AnswerDataSubjectRequests
from imio.guichet.permissions import ViewNationalRegisterNumbers
from plone import api


ROLES = ("Manager", "Site Administrator")


def citizens_rights(setup_tool=None) -> None:
    portal = api.portal.get()
    for permission in (AnswerDataSubjectRequests, ViewNationalRegisterNumbers):
        portal.manage_permission(permission, roles=list(ROLES), acquire=True)
