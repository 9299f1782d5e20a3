"""The prefill sources: the citizen's profile, and a generic REST/JSON
connector to an authentic source (a population register, a regional
identity service...)."""

from collections.abc import Mapping
from imio.guichet import _
from imio.guichet import remote_json
from imio.guichet.identities import stored_identity
from imio.guichet.prefill.interfaces import IPrefillSource
from imio.guichet.prefill.interfaces import IRestPrefillSettings
from imio.guichet.prefill.interfaces import SourceUnavailable
from plone import api
from plone.registry.interfaces import IRegistry
from urllib.parse import quote
from zope.component import queryUtility
from zope.interface import implementer

import logging


logger = logging.getLogger(__name__)

#: Member properties a form may ask for. Plone has fullname, email and
#: location; phone and address properties exist when the site (or its
#: identity provider) adds them, and give nothing otherwise.
PROFILE_KEYS = (
    "fullname",
    "email",
    "location",
    "phone",
    "address",
    "postal_code",
    "city",
)
#: The identifier setting that asks the source with the national register
#: number the identity provider verified (never one the citizen typed).
VERIFIED_NATIONAL_NUMBER = "verified:national_number"
#: Answers bigger than this are not a person's record.
MAX_RESPONSE_BYTES = 1_000_000


@implementer(IPrefillSource)
class ProfileSource:
    """The logged-in citizen's member properties."""

    title = _("prefill_source_profile", default="The citizen's profile")
    #: The citizen's own words: prefilled for convenience, always editable.
    authoritative = False

    def display_title(self):
        return self.title

    def keys(self) -> tuple[str, ...]:
        return PROFILE_KEYS

    def values(self, user_id: str) -> dict[str, object]:
        user = api.user.get(userid=user_id)
        if user is None:
            return {}
        found = {}
        for key in PROFILE_KEYS:
            value = user.getProperty(key, None)
            if isinstance(value, str) and value.strip():
                found[key] = value.strip()
        return found


#: What the identity provider verified that a form may show (and, with
#: guichet:authentic="true", the server enforce).
IDENTITY_KEYS = ("national_number", "given_name", "family_name", "fullname", "email")


@implementer(IPrefillSource)
class IdentitySource:
    """What the identity provider verified when the citizen logged in with
    it (OpenID Connect); nothing for other accounts."""

    title = _("prefill_source_identity", default="The verified identity")
    authoritative = True

    def display_title(self):
        from imio.guichet.oidc.settings import provider_display_name

        return provider_display_name() or self.title

    def keys(self) -> tuple[str, ...]:
        return IDENTITY_KEYS

    def values(self, user_id: str) -> dict[str, object]:
        identity = stored_identity(user_id)
        if identity is None:
            return {}
        names = [identity.given_name, identity.family_name]
        found = {
            **identity.authentic_values(),
            "fullname": " ".join(name for name in names if name),
            "email": identity.email,
        }
        return {key: value for key, value in found.items() if value}


def parse_lines(text: str | None, separator: str) -> list[tuple[str, str]]:
    """``left <separator> right`` pairs of a setting, one per line."""
    pairs = []
    for line in (text or "").splitlines():
        left, found, right = line.partition(separator)
        if found and left.strip() and right.strip():
            pairs.append((left.strip(), right.strip()))
    return pairs


def read_path(document: object, path: str) -> object:
    """The value at ``path`` (dotted keys, list indexes) or None."""
    value = document
    for step in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _setting(name: str):
    """A setting of the control panel; None when its record is missing (a
    site not upgraded yet)."""
    registry = queryUtility(IRegistry)
    if registry is None:
        return None
    return registry.get(f"{IRestPrefillSettings.__identifier__}.{name}")


@implementer(IPrefillSource)
class RestSource:
    """A REST/JSON service answering a person's record (control panel)."""

    title = _("prefill_source_rest", default="The REST source")
    authoritative = True

    def display_title(self):
        return (_setting("title") or "").strip() or _(
            "prefill_source_rest_default_title", default="Authentic source"
        )

    def keys(self) -> tuple[str, ...]:
        return tuple(key for _path, key in parse_lines(_setting("mapping"), "->"))

    def identifier(self, user_id: str) -> str | None:
        prop = _setting("identifier_property")
        if not prop:
            return user_id
        if prop == VERIFIED_NATIONAL_NUMBER:
            identity = stored_identity(user_id)
            return identity.national_number if identity is not None else None
        user = api.user.get(userid=user_id)
        value = user.getProperty(prop, None) if user is not None else None
        return value if isinstance(value, str) and value.strip() else None

    def values(self, user_id: str) -> dict[str, object]:
        if not _setting("enabled") or not _setting("url_template"):
            return {}
        identifier = self.identifier(user_id)
        if identifier is None:
            return {}
        document = fetch_json(
            _setting("url_template").replace(
                "{identifier}", quote(identifier.strip(), safe="")
            ),
            dict(parse_lines(_setting("headers"), ":")),
            _setting("timeout") or 3.0,
            user_id,
        )
        if document is None:
            return {}  # no record of this person
        found = {}
        for path, key in parse_lines(_setting("mapping"), "->"):
            value = read_path(document, path)
            if _is_scalar(value):
                found[key] = value
            elif (
                isinstance(value, Mapping)
                and value
                and all(
                    isinstance(part, str) and _is_scalar(item)
                    for part, item in value.items()
                )
            ):
                # A flat record, e.g. an address's parts (for an address field).
                found[key] = dict(value)
        return found


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def fetch_json(url: str, headers: dict, timeout: float, user_id: str) -> object:
    """The JSON document at ``url``; None when the source has no record of
    the person (HTTP 404). Raises :class:`SourceUnavailable` (and logs
    why) on any other failure; the URL is not logged (it carries the
    citizen's identifier)."""
    try:
        return remote_json.fetch_json(
            url, headers=headers, timeout=timeout, max_bytes=MAX_RESPONSE_BYTES
        )
    except remote_json.FetchFailed as failure:
        if getattr(failure, "status", None) == 404:
            return None
        logger.warning("Prefill source failed for user %s: %s", user_id, failure.reason)
        raise SourceUnavailable(failure.reason) from None
