"""Interfaces of the prefill sources and the REST connector's settings."""

from collections.abc import Mapping
from imio.guichet import _
from zope import schema
from zope.interface import Attribute
from zope.interface import Interface


class IPrefillSource(Interface):
    """A source of values about a logged-in citizen (a named utility).

    A form field names a source and one of its keys in its
    ``guichet:prefill`` attribute, e.g. ``profile:email``.
    """

    title = Attribute("What the source is, for webmasters")

    def keys() -> tuple[str, ...]:
        """The keys this source may give (what a form may ask for)."""

    def values(user_id: str) -> Mapping[str, object]:
        """What the source knows about the user: key -> value.

        Never raises: a source that is slow, down or answers nonsense logs
        why and gives nothing, and the form works without prefill.
        """


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
