"""Interfaces of the prefill sources and the REST connector's settings."""

from collections.abc import Mapping
from imio.guichet import _
from zope import schema
from zope.interface import Attribute
from zope.interface import Interface


class SourceUnavailable(Exception):
    """A source did not answer (down, too slow, nonsense): what it would
    have given is *not verified*, and the form goes on without it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class IPrefillSource(Interface):
    """A source of values about a logged-in citizen (a named utility).

    A form field names a source and one of its keys in its
    ``guichet:prefill`` attribute, e.g. ``profile:email``.
    """

    title = Attribute("What the source is, for webmasters")
    authoritative = Attribute(
        "Whether it is an authentic source (a register, the identity "
        "provider): what it answers is not asked again (once only) and is "
        "recorded as verified with the request. The citizen's own profile "
        "is not."
    )

    def keys() -> tuple[str, ...]:
        """The keys this source may give (what a form may ask for)."""

    def values(user_id: str) -> Mapping[str, object]:
        """What the source knows about the user: key -> value.

        A source that is slow, down or answers nonsense logs why and
        raises :class:`SourceUnavailable` (or gives nothing); the form
        works without its values, which the staff see as not verified.
        """

    def display_title() -> str:
        """What citizens and staff read as the source's name ("Fourni
        par : ..."), e.g. "Registre national"."""


def _is_url_template(value: str) -> bool:
    if not value:
        return True
    return value.startswith(("https://", "http://")) and "{identifier}" in value


class IRestPrefillSettings(Interface):
    """The generic REST/JSON connector (control panel "Guichet: prefill")."""

    enabled = schema.Bool(
        title=_("label_prefill_rest_enabled", default="Use the REST source"),
        required=False,
        default=False,
    )
    title = schema.TextLine(
        title=_("label_prefill_rest_title", default="Name of the source"),
        description=_(
            "help_prefill_rest_title",
            default='What citizens read under a prefilled field ("Provided '
            'by: ...") and staff on the request, e.g. "Registre national". '
            'Empty: "Source authentique".',
        ),
        required=False,
        default="",
    )
    url_template = schema.TextLine(
        title=_("label_prefill_rest_url", default="URL of a person"),
        description=_(
            "help_prefill_rest_url",
            default="http(s) URL with {identifier} where the citizen's "
            "identifier goes, e.g. https://source.example/persons/{identifier}",
        ),
        required=False,
        default="",
        constraint=_is_url_template,
    )
    identifier_property = schema.TextLine(
        title=_(
            "label_prefill_rest_identifier",
            default="Member property holding the citizen's identifier",
        ),
        description=_(
            "help_prefill_rest_identifier",
            default="E.g. a national number property filled by the identity "
            "provider. Leave empty to use the user id.",
        ),
        required=False,
        default="",
    )
    headers = schema.Text(
        title=_("label_prefill_rest_headers", default="HTTP headers"),
        description=_(
            "help_prefill_rest_headers",
            default="One 'Name: value' per line, e.g. an API key. They are "
            "kept in the site's registry: readable by site managers.",
        ),
        required=False,
        default="",
    )
    timeout = schema.Float(
        title=_("label_prefill_rest_timeout", default="Timeout (seconds)"),
        required=True,
        default=3.0,
        min=0.1,
        max=30.0,
    )
    mapping = schema.Text(
        title=_("label_prefill_rest_mapping", default="Mapping"),
        description=_(
            "help_prefill_rest_mapping",
            default="One 'response.path -> key' per line, e.g. "
            "'address.street -> street'; forms use the key as "
            'guichet:prefill="rest:street".',
        ),
        required=False,
        default="",
    )
