"""Install and uninstall handlers.

Installing creates no content and no account: demo data comes from
``make start`` only (see imio.guichet.demo).
"""

from imio.guichet.audit import get_audit_log
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.content.translations import make_procedures_translatable
from imio.guichet.dashboard.counters import get_counters
from imio.guichet.identities import get_identity_store
from imio.guichet.identities import get_verified_store
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.oidc.settings import forget_client_secret
from imio.guichet.retention.worker import get_schedule
from imio.guichet.submissions.api import get_store
from imio.guichet.tokens.api import install_plugin
from imio.guichet.tokens.api import remove_plugin
from imio.guichet.urls import remember_public_url
from imio.guichet.webhooks.registry import get_registry
from plone import api
from plone.base.interfaces import INonInstallable
from plone.portlets.interfaces import IPortletAssignmentMapping
from plone.portlets.interfaces import IPortletAssignmentSettings
from plone.portlets.interfaces import IPortletManager
from zope.component import getUtilitiesFor
from zope.component import queryMultiAdapter
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles:
    def getNonInstallableProfiles(self):
        return ["imio.guichet:uninstall"]

    def getNonInstallableProducts(self):
        return []


def post_install(context):
    """Create the submission store, the audit log and the e-mail outbox now
    rather than on the first submission or read, so that the first
    concurrent requests do not all write the site (sites installed before
    the outbox get theirs with their first e-mail)."""
    get_store(create=True)
    get_audit_log(create=True)
    get_identity_store(create=True)
    get_verified_store(create=True)
    get_outbox(create=True)
    get_counters(create=True)
    get_schedule(api.portal.get(), create=True)
    install_plugin(api.portal.get())
    make_portlet_settings(api.portal.get())
    # Translatable procedures where plone.app.multilingual is installed.
    make_procedures_translatable(api.portal.get())
    # Links sent away (e-mails, receipts) start with the site's public URL:
    # by default, the address the add-on was installed from.
    remember_public_url(api.portal.get().absolute_url())


def make_portlet_settings(site) -> None:
    """Give the site's portlets their settings now: Plone makes them when a
    page first shows the portlets, and that first read of a new site would
    commit (reads never commit, see docs/architecture.md)."""
    for _name, manager in getUtilitiesFor(IPortletManager, context=site):
        mapping = queryMultiAdapter((site, manager), IPortletAssignmentMapping)
        for assignment in () if mapping is None else mapping.values():
            IPortletAssignmentSettings(assignment)


def uninstall(context):
    """Remove what a profile cannot remove: the type from the navigation,
    the API token plugin (its tokens stop working), the webhooks' pending
    deliveries (nothing is pushed once the add-on is gone).

    Submissions are personal data that the authority must still be able to
    export or purge: they stay in the site (an annotation) until it deletes
    them deliberately.
    """
    displayed = api.portal.get_registry_record("plone.displayed_types")
    api.portal.set_registry_record(
        "plone.displayed_types",
        tuple(name for name in displayed if name != PROCEDURE_TYPE),
    )
    remove_plugin(api.portal.get())
    forget_client_secret(api.portal.get())
    registry = get_registry()
    if registry is not None:
        for delivery in list(registry.pending()):
            registry.remove_delivery(delivery)
