"""Prefill values for a form, what the server enforces of them ("once
only"), and where each value of a request came from.

Plain functions that take no request; the HTML form and the core's submit
path call them.

*Once only*: a field that an authoritative source (a register, the identity
provider) answered is not asked again: the form shows it read-only and the
server files the source's value whatever was sent (HTML or REST), unless
the citizen may correct it -- ``guichet:authentic="false"`` on the field,
or the procedure's setting "citizens may correct prefilled values".
``guichet:authentic="true"`` locks the field whatever the procedure says.
The citizen's profile is not an authoritative source: its values stay
editable unless the field says ``guichet:authentic="true"``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from imio.guichet.forms import kinds
from imio.guichet.forms.namespace import AUTHENTIC_KEY
from imio.guichet.i18n import translate_for
from imio.guichet.prefill.declarations import prefill_specs
from imio.guichet.prefill.interfaces import IPrefillSource
from imio.guichet.prefill.interfaces import SourceUnavailable
from typing import Any
from zope.component import queryUtility
from zope.i18nmessageid import Message
from zope.interface.interface import InterfaceClass
from zope.schema import getFields

import logging


logger = logging.getLogger(__name__)

#: What the staff read of a value that a source was asked for
#: (``Submission.prefill_sources``, ``sources`` in the REST answer).
VERIFIED = "verified"  # the source's value, filed as it said
CORRECTED = "corrected"  # the citizen changed the source's value (allowed)
UNVERIFIED = "unverified"  # the citizen's value, the source could not confirm it
#: Why a value is not verified.
UNAVAILABLE = "unavailable"  # the source did not answer (down, too slow...)
NO_VALUE = "no_value"  # the source answered, with nothing for this field


@dataclass
class Prefill:
    """What the sources answered for a form, for one citizen."""

    #: field name -> JSON value, as the field stores it
    values: dict[str, Any] = dataclass_field(default_factory=dict)
    #: field name -> source name, for the fields of authoritative sources
    authoritative: dict[str, str] = dataclass_field(default_factory=dict)
    #: the authoritative sources that did not answer
    unavailable: set[str] = dataclass_field(default_factory=set)
    #: the fields the citizen may not change (answered, once only)
    locked: set[str] = dataclass_field(default_factory=set)
    #: source name -> its title for people
    titles: dict[str, Any] = dataclass_field(default_factory=dict)

    def source_of(self, name: str) -> str | None:
        """The authoritative source that gave ``name``'s value, if one did."""
        return self.authoritative.get(name) if name in self.values else None


def prefill(
    schema: InterfaceClass,
    user_id: str | None,
    *,
    allow_correcting: bool = False,
    only: set[str] | None = None,
) -> Prefill:
    """Ask each source of the form once about the logged-in citizen
    ``user_id`` (None: anonymous, nothing is asked). A source that fails
    gives nothing (it logs why); ``only`` limits the fields considered."""
    result = Prefill()
    if user_id is None:
        return result
    fields = getFields(schema)
    flags = schema.queryTaggedValue(AUTHENTIC_KEY, {})
    answers: dict[str, Mapping[str, Any]] = {}
    for name, (source_name, key) in prefill_specs(schema).items():
        if (only is not None and name not in only) or name not in fields:
            continue
        source = queryUtility(IPrefillSource, name=source_name)
        if source is None:
            continue
        if source_name not in answers:
            answers[source_name] = _ask(source, source_name, user_id, result)
        authoritative = bool(getattr(source, "authoritative", False))
        if authoritative:
            result.authoritative[name] = source_name
        value = _as_field_value(fields[name], answers[source_name].get(key))
        if value is None:
            continue
        result.values[name] = value
        flag = flags.get(name)
        if flag == "true" or (flag is None and authoritative and not allow_correcting):
            result.locked.add(name)
    return result


def prefill_values(
    schema: InterfaceClass, user_id: str | None, *, only: set[str] | None = None
) -> dict[str, Any]:
    """Field name -> JSON value from the sources, for a logged-in citizen."""
    return prefill(schema, user_id, only=only).values


def _ask(source, source_name: str, user_id: str, result: Prefill) -> Mapping[str, Any]:
    result.titles[source_name] = _title_of(source)
    try:
        return source.values(user_id)
    except SourceUnavailable:
        result.unavailable.add(source_name)
        return {}
    except Exception:
        # A source is meant to raise SourceUnavailable only; a broken one
        # must not break the form either.
        logger.exception("Prefill source %r failed", source_name)
        result.unavailable.add(source_name)
        return {}


def _title_of(source):
    display_title = getattr(source, "display_title", None)
    return display_title() if display_title is not None else source.title


def _as_field_value(field, value: Any) -> Any:
    """The source's value as the field stores it (its kind adapts it: a
    number in a text field, say a postal code, is its text), or None when
    the field would not take it."""
    if value is None:
        return None
    value = kinds.prefill(field, value)
    if value is None:
        return None
    try:
        python_value = kinds.from_json(field, value)
        field.validate(python_value)
        return kinds.to_json(field, python_value)
    except Exception:  # noqa: BLE001 - any refusal: not a value for this field
        return None


def apply_sources(
    schema: InterfaceClass,
    data: Mapping[str, Any],
    submitter: str | None,
    *,
    allow_correcting: bool = False,
) -> tuple[Mapping[str, Any], Prefill]:
    """``data`` with the locked fields set from their sources, and what the
    sources answered (for :func:`provenance`).

    What a logged-in citizen sent for a locked field is replaced by the
    source's value, whatever the channel (HTML form or REST). When the
    source gives nothing (down, or no record), the sent value stays: the
    form works without prefill, and the value is filed as not verified.
    Anonymous submissions are left as sent (there is no one to ask about).
    """
    if submitter is None or not isinstance(data, Mapping) or not prefill_specs(schema):
        return data, Prefill()
    answered = prefill(schema, submitter, allow_correcting=allow_correcting)
    locked = {name: answered.values[name] for name in answered.locked}
    return ({**data, **locked} if locked else data), answered


def apply_authentic_values(
    schema: InterfaceClass, data: Mapping[str, Any], submitter: str | None
) -> Mapping[str, Any]:
    """``data`` with the locked fields set from their sources (see
    :func:`apply_sources`)."""
    return apply_sources(schema, data, submitter)[0]


def provenance(
    answered: Prefill, cleaned: Mapping[str, Any], language: str | None = None
) -> dict[str, dict]:
    """Field name -> where its filed value came from, for the fields of
    authoritative sources that have a value: ``source`` (its name),
    ``title`` (as people read it, in ``language``), ``status``
    (:data:`VERIFIED`, :data:`CORRECTED` with the ``source_value``, or
    :data:`UNVERIFIED` with its ``reason``)."""
    found = {}
    for name, source_name in answered.authoritative.items():
        if name not in cleaned or cleaned[name] in (None, "", [], {}):
            continue
        title = answered.titles.get(source_name, source_name)
        record = {
            "source": source_name,
            "title": translate_for(title, language)
            if isinstance(title, Message)
            else str(title),
        }
        if name in answered.values:
            if cleaned[name] == answered.values[name]:
                record["status"] = VERIFIED
            else:
                record["status"] = CORRECTED
                record["source_value"] = answered.values[name]
        else:
            record["status"] = UNVERIFIED
            record["reason"] = (
                UNAVAILABLE if source_name in answered.unavailable else NO_VALUE
            )
        found[name] = record
    return found
