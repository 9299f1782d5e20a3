"""The back-office role on the Sharing tab."""

from imio.guichet import _
from imio.guichet.permissions import DelegateBackOfficeRole
from plone.app.workflow.interfaces import ISharingPageRole
from zope.interface import implementer


@implementer(ISharingPageRole)
class BackOfficeRole:
    title = _("title_back_office_role", default="Handles submissions")
    required_permission = DelegateBackOfficeRole
    required_interface = None
