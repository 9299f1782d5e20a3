"""Interfaces of imio.guichet."""

from imio.guichet import _
from imio.guichet.metrics.addresses import is_network
from urllib.parse import urlsplit
from zope import schema
from zope.interface import Interface
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

import re


def _is_reference_prefix(value: str) -> bool:
    return bool(re.match(r"^[A-Z0-9-]*$", value or ""))


def _is_public_url(value: str) -> bool:
    """Empty, or an absolute http(s) address without query or fragment."""
    if not value:
        return True
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not parts.query
        and not parts.fragment
    )


class IImioGuichetLayer(IDefaultBrowserLayer):
    """Marker of requests on sites where the add-on is installed."""


class IGuichetSettings(Interface):
    """Site-wide settings of the guichet (control panel "Guichet")."""

    reference_prefix = schema.TextLine(
        title=_("label_reference_prefix", default="Reference prefix"),
        description=_(
            "help_reference_prefix",
            default="Put before every submission reference, e.g. 'NAM-' for "
            "Namur: tells a clerk at once which authority a reference "
            "belongs to. Upper-case letters, digits and '-' only.",
        ),
        required=False,
        default="",
        max_length=10,
        constraint=_is_reference_prefix,
    )

    anonymous_submissions_per_hour = schema.Int(
        title=_(
            "label_anonymous_submissions_per_hour",
            default="Anonymous submissions per hour and per client",
        ),
        description=_(
            "help_anonymous_submissions_per_hour",
            default="How many requests one client address may send without "
            "logging in, per hour, all procedures together (beyond: refused "
            "for a while, HTTP 429 over the API). 0: no limit. Counted per "
            "instance.",
        ),
        required=True,
        default=20,
        min=0,
    )

    draft_lifetime_days = schema.Int(
        title=_("label_draft_lifetime_days", default="Lifetime of drafts (days)"),
        description=_(
            "help_draft_lifetime_days",
            default="A draft of a form that a citizen saved is deleted this "
            "many days after it was last saved. Drafts are never sent to "
            "back offices.",
        ),
        required=True,
        default=30,
        min=1,
        max=365,
    )

    public_url = schema.TextLine(
        title=_("label_public_url", default="Public address of the site"),
        description=_(
            "help_public_url",
            default="The address citizens and staff reach the site at, e.g. "
            "https://www.commune.be: every link in e-mails, receipts and "
            "webhooks starts with it, whatever address a request used. "
            "Left empty, the address this page is saved from is recorded.",
        ),
        required=False,
        default="",
        constraint=_is_public_url,
    )

    metrics_allowed_networks = schema.List(
        title=_(
            "label_metrics_allowed_networks",
            default="Addresses allowed to read the metrics",
        ),
        description=_(
            "help_metrics_allowed_networks",
            default="One address or network per line (10.0.0.5, 10.0.0.0/24, "
            "IPv6 too): the Prometheus servers that may read @@guichet-metrics "
            "without logging in. The address is the client's as Zope sees it "
            "(behind a trusted proxy, the one it forwards). Empty: only the "
            "accounts allowed to read them (Managers).",
        ),
        value_type=schema.TextLine(constraint=is_network),
        required=False,
        default=[],
    )
