"""Prefill values for a form, and the authentic values the server enforces.

Plain functions that take no request; the HTML form and the core's submit
path call them.
"""

from collections.abc import Mapping
from imio.guichet.forms import kinds
from imio.guichet.prefill.declarations import authentic_fields
from imio.guichet.prefill.declarations import prefill_specs
from imio.guichet.prefill.interfaces import IPrefillSource
from typing import Any
from zope.component import queryUtility
from zope.interface.interface import InterfaceClass
from zope.schema import getFields

import logging


logger = logging.getLogger(__name__)


def prefill_values(
    schema: InterfaceClass, user_id: str | None, *, only: set[str] | None = None
) -> dict[str, Any]:
    """Field name -> JSON value from the sources, for a logged-in citizen.

    Each source is asked once; fields it has nothing for are left out, and
    so are all of its fields when it fails (it logs why). ``only`` limits
    the fields considered.
    """
    if user_id is None:
        return {}
    specs = {
        name: spec
        for name, spec in prefill_specs(schema).items()
        if only is None or name in only
    }
    fields = getFields(schema)
    answers: dict[str, Mapping[str, Any]] = {}
    values = {}
    for name, (source_name, key) in specs.items():
        if source_name not in answers:
            answers[source_name] = _ask(source_name, user_id)
        value = answers[source_name].get(key)
        if value is not None and name in fields:
            values[name] = _as_field_value(fields[name], value)
    return values


def _ask(source_name: str, user_id: str) -> Mapping[str, Any]:
    source = queryUtility(IPrefillSource, name=source_name)
    if source is None:
        return {}
    try:
        return source.values(user_id)
    except Exception:
        # A source is meant never to raise; a broken one must not break
        # the form either.
        logger.exception("Prefill source %r failed", source_name)
        return {}


def _as_field_value(field, value: Any) -> Any:
    # The field's kind adapts the source's value (a number in a text field,
    # say a postal code, is its text).
    return kinds.prefill(field, value)


def apply_authentic_values(
    schema: InterfaceClass, data: Mapping[str, Any], submitter: str | None
) -> Mapping[str, Any]:
    """``data`` with the authentic fields set from their sources.

    What a logged-in citizen sent for an authentic field is replaced by the
    source's value, whatever the channel (HTML form or REST). When the
    source gives nothing (down, or no record), the sent value stays: the
    form works without prefill. Anonymous submissions are left as sent.
    """
    authentic = authentic_fields(schema)
    if submitter is None or not authentic or not isinstance(data, Mapping):
        return data
    values = prefill_values(schema, submitter, only=authentic)
    if not values:
        return data
    return {**data, **values}
