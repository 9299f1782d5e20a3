"""What the catalogue says of a procedure, read once from it and from the
authority's settings; CPSV-AP (``cpsv.py``) and schema.org
(``schemaorg.py``) only present these facts."""

from dataclasses import dataclass
from decimal import Decimal
from imio.guichet.authority import Authority
from imio.guichet.authority import get_authority
from imio.guichet.content.availability import get_availability
from imio.guichet.i18n import site_languages
from imio.guichet.submissions.due import CALENDAR_DAYS
from imio.guichet.submissions.due import processing_delay
from imio.guichet.urls import public_site_url
from imio.guichet.urls import public_url_of
from plone import api

import math


@dataclass(frozen=True)
class ServiceFacts:
    """A procedure as a public service. Texts are plain text (the rich
    texts' HTML removed), ``""`` where the webmaster wrote nothing."""

    #: The procedure's UID: stable across renames and moves.
    identifier: str
    #: The procedure's public address (from the control panel's public
    #: URL, never the request's Host): also the service's URI.
    url: str
    #: The online form's public address, if it takes requests now
    #: ("" while it is closed: no channel is published then).
    form_url: str
    title: str
    description: str
    #: The language the texts are written in (the site's, e.g. "fr").
    language: str
    eligibility: str
    required_documents: str
    cost_text: str
    #: The fee in euros, if the webmaster gave one (None: not said; 0: free).
    fee: Decimal | None
    delay_text: str
    #: Calendar days to handle a request, if the procedure sets a delay.
    processing_days: int | None
    legal_basis: str
    contact: str
    opening_hours: str
    #: Languages the service is offered in (ISO 639-1 codes).
    languages: tuple[str, ...]
    modified: str


@dataclass(frozen=True)
class CatalogueFacts:
    """The site's services and the authority that provides them."""

    site_url: str
    #: The site's language, that of the authority's name.
    language: str
    authority: Authority
    services: tuple[ServiceFacts, ...]


def plain_text(rich_text) -> str:
    """The text of a rich-text value, without markup."""
    if rich_text is None or not (rich_text.raw or "").strip():
        return ""
    transforms = api.portal.get_tool("portal_transforms")
    data = transforms.convertTo(
        "text/plain", rich_text.output or "", mimetype="text/html"
    )
    text = data.getData() if data else ""
    return " ".join(text.split())


def calendar_days(delay: tuple[int, str] | None) -> int | None:
    """A processing delay in calendar days (``xsd:duration`` has no working
    days: five working days are seven calendar days, rounded up)."""
    if delay is None:
        return None
    days, kind = delay
    return days if kind == CALENDAR_DAYS else math.ceil(days * 7 / 5)


def service_facts(procedure) -> ServiceFacts:
    languages = site_languages()
    url = public_url_of(procedure)
    fee = getattr(procedure, "fee", None)
    return ServiceFacts(
        identifier=api.content.get_uuid(procedure),
        url=url,
        form_url=f"{url}/@@submit" if get_availability(procedure).is_open else "",
        title=procedure.title or procedure.getId(),
        description=procedure.description or "",
        language=languages[0],
        eligibility=plain_text(getattr(procedure, "eligibility", None)),
        required_documents=plain_text(getattr(procedure, "required_documents", None)),
        cost_text=plain_text(getattr(procedure, "cost", None)),
        fee=Decimal(fee) if fee is not None else None,
        delay_text=plain_text(getattr(procedure, "delay", None)),
        processing_days=calendar_days(processing_delay(procedure)),
        legal_basis=plain_text(getattr(procedure, "legal_basis", None)),
        contact=plain_text(getattr(procedure, "contact", None)),
        opening_hours=plain_text(getattr(procedure, "opening_hours", None)),
        languages=languages,
        modified=procedure.modified().ISO8601(),
    )


def catalogue_facts(procedures) -> CatalogueFacts:
    return CatalogueFacts(
        site_url=public_site_url(),
        language=site_languages()[0],
        authority=get_authority(),
        services=tuple(service_facts(procedure) for procedure in procedures),
    )
