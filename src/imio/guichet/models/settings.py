"""The catalogues of models a site uses (registry records)."""

from imio.guichet import _
from imio.guichet.models.remote import is_catalogue_url
from zope import schema
from zope.interface import Interface
from zope.interface import Invalid


def _is_catalogue(value: str) -> bool:
    if not is_catalogue_url(value):
        raise Invalid(
            _(
                "error_catalogue_url",
                default="The address of a site, starting with https:// or http://.",
            )
        )
    return True


class IModelSettings(Interface):
    catalogues = schema.List(
        title=_("label_model_catalogues", default="Catalogues of models"),
        description=_(
            "help_model_catalogues",
            default="The sites whose procedure models this site may use, one "
            "address per line (e.g. the cooperative's models site).",
        ),
        value_type=schema.TextLine(constraint=_is_catalogue),
        required=False,
        default=[],
        max_length=20,
    )
