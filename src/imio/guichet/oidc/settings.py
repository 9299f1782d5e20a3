"""The OpenID Connect settings (control panel "Guichet: identification").

Everything but the client secret is in the registry; the secret is kept in
an annotation of the site, never in the registry (whose control panel and
REST endpoint show every record), and never shown back.
"""

from imio.guichet import _
from imio.guichet.identities import LEVELS
from plone import api
from plone.registry.interfaces import IRegistry
from urllib.parse import urlsplit
from zope import schema
from zope.annotation.interfaces import IAnnotations
from zope.component import queryUtility
from zope.interface import Interface


def _is_http_url(value: str) -> bool:
    return not value or value.startswith(("https://", "http://"))


class IOpenIDSettings(Interface):
    """Which identity provider citizens log in with, and how its claims
    map to a verified identity."""

    enabled = schema.Bool(
        title=_("label_oidc_enabled", default="Offer login with the identity provider"),
        required=False,
        default=False,
    )
    label = schema.TextLine(
        title=_("label_oidc_label", default="Name shown to citizens"),
        description=_(
            "help_oidc_label",
            default='On the login button ("Log in with ...") and to the staff '
            "on verified requests, e.g. itsme / eID.",
        ),
        required=False,
        default="itsme / eID",
    )
    demo = schema.Bool(
        title=_("label_oidc_demo", default="Demonstration provider"),
        description=_(
            "help_oidc_demo",
            default="Marks the provider as a demonstration everywhere it is shown.",
        ),
        required=False,
        default=False,
    )
    issuer = schema.TextLine(
        title=_("label_oidc_issuer", default="Issuer"),
        description=_(
            "help_oidc_issuer",
            default="The provider's address; its configuration is read from "
            "<issuer>/.well-known/openid-configuration.",
        ),
        required=False,
        default="",
        constraint=_is_http_url,
    )
    client_id = schema.TextLine(
        title=_("label_oidc_client_id", default="Client ID"),
        required=False,
        default="",
    )
    scopes = schema.Tuple(
        title=_("label_oidc_scopes", default="Scopes"),
        description=_(
            "help_oidc_scopes",
            default="One per line; openid is always asked.",
        ),
        value_type=schema.TextLine(),
        required=False,
        default=("openid", "profile", "email"),
        missing_value=(),
    )
    acr_values = schema.TextLine(
        title=_("label_oidc_acr_values", default="Requested acr_values"),
        description=_(
            "help_oidc_acr_values",
            default="Sent to the provider as is (space-separated), when it "
            "needs them to offer the right means; empty: none.",
        ),
        required=False,
        default="",
    )
    subject_claim = schema.ASCIILine(
        title=_("label_oidc_subject_claim", default="Claim of the stable subject"),
        required=True,
        default="sub",
    )
    national_number_claim = schema.ASCIILine(
        title=_(
            "label_oidc_national_number_claim",
            default="Claim of the national register number",
        ),
        required=False,
        default="",
    )
    given_name_claim = schema.ASCIILine(
        title=_("label_oidc_given_name_claim", default="Claim of the given name"),
        required=False,
        default="given_name",
    )
    family_name_claim = schema.ASCIILine(
        title=_("label_oidc_family_name_claim", default="Claim of the family name"),
        required=False,
        default="family_name",
    )
    email_claim = schema.ASCIILine(
        title=_("label_oidc_email_claim", default="Claim of the e-mail address"),
        required=False,
        default="email",
    )
    acr_claim = schema.ASCIILine(
        title=_(
            "label_oidc_acr_claim",
            default="Claim of the level of assurance (in the ID token)",
        ),
        required=False,
        default="acr",
    )
    acr_levels = schema.Text(
        title=_("label_oidc_acr_levels", default="Levels of assurance"),
        description=_(
            "help_oidc_acr_levels",
            default="One 'acr value -> level' per line, the level being low, "
            "substantial or high; a value not listed gives no level.",
        ),
        required=False,
        default="low -> low\nsubstantial -> substantial\nhigh -> high",
    )


def setting(name: str):
    return api.portal.get_registry_record(
        name, interface=IOpenIDSettings, default=IOpenIDSettings[name].default
    )


def acr_levels() -> dict[str, str]:
    """acr value -> eIDAS level, from the setting (unknown levels dropped)."""
    levels = {}
    for line in (setting("acr_levels") or "").splitlines():
        value, found, level = line.partition("->")
        if found and value.strip() and level.strip() in LEVELS:
            levels[value.strip()] = level.strip()
    return levels


def provider_label() -> str:
    return setting("label") or "OpenID Connect"


def is_configured() -> bool:
    """Whether citizens are offered the provider's login."""
    return bool(setting("enabled") and setting("issuer") and setting("client_id"))


def provider_display_name():
    """The provider's name as citizens and staff see it, marked when it is
    the demonstration provider of ``make start``."""
    label = provider_label()
    if setting("demo"):
        return _(
            "provider_demo_label",
            default="${provider} (demonstration)",
            mapping={"provider": label},
        )
    return label


SECRET_KEY = "imio.guichet.oidc.client_secret"
CALLBACK_VIEW = "@@guichet-oidc-callback"


def client_secret() -> str:
    return IAnnotations(api.portal.get()).get(SECRET_KEY, "")


def set_client_secret(secret: str) -> None:
    IAnnotations(api.portal.get())[SECRET_KEY] = secret


def forget_client_secret(site) -> None:
    IAnnotations(site).pop(SECRET_KEY, None)


def callback_url() -> str:
    """The client's redirect URI, to register with the provider."""
    return f"{api.portal.get().absolute_url()}/{CALLBACK_VIEW}"


def provider_origin() -> str | None:
    """The origin (scheme://host:port) of the configured provider, for the
    guichet pages' Content-Security-Policy: a form sent below the level of
    identity is redirected there. None when no provider is offered (or no
    site is at hand)."""
    registry = queryUtility(IRegistry)
    if registry is None:
        return None
    settings = registry.forInterface(IOpenIDSettings, check=False)
    issuer = getattr(settings, "issuer", None)
    if not getattr(settings, "enabled", False) or not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"
