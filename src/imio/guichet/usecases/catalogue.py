"""Reading the public service catalogue (CPSV-AP, schema.org).

It describes procedures, never what was filed: there is nothing personal
in it, hence no audit record. Who may read a procedure's description is
who may view the procedure (Zope's security, asked of the caller's
session); the site's catalogue lists the published procedures only, in
effect now, whoever asks (an editor does not publish drafts by reading it).
"""

from DateTime import DateTime
from imio.guichet.caller import Caller
from imio.guichet.catalogue import cpsv
from imio.guichet.catalogue import schemaorg
from imio.guichet.catalogue.facts import catalogue_facts
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from plone import api


def _check_view(caller: Caller, procedure) -> None:
    if not api.user.has_permission("View", obj=procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()


def published_procedures() -> list:
    brains = api.content.find(
        portal_type=PROCEDURE_TYPE,
        review_state="published",
        effectiveRange=DateTime(),
        sort_on="sortable_title",
    )
    return [brain.getObject() for brain in brains]


def service_description(caller: Caller, procedure) -> dict:
    """``procedure`` as a CPSV-AP document (JSON-LD)."""
    _check_view(caller, procedure)
    facts = catalogue_facts([procedure])
    return cpsv.catalogue_document(facts)


def catalogue_description(caller: Caller) -> dict:
    """Every published procedure of the site, as one CPSV-AP document."""
    return cpsv.catalogue_document(catalogue_facts(published_procedures()))


def search_engine_description(caller: Caller, procedure) -> dict:
    """``procedure`` as a schema.org GovernmentService (JSON-LD)."""
    _check_view(caller, procedure)
    facts = catalogue_facts([procedure])
    return schemaorg.government_service(facts, facts.services[0])
