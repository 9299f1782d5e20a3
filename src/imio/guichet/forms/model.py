"""The online form of a procedure: a plone.supermodel XML schema.

Webmasters describe a form in the same XML that Dexterity uses for content
types (and that plone.schemaeditor edits). This module parses it, checks
that it only uses fields of a registered kind (forms.kinds: what the
guichet knows how to validate, store as JSON and describe in JSON Schema)
with settings their kind accepts, and provides the default form a new
procedure starts with.
"""

from functools import lru_cache
from imio.guichet import _
from imio.guichet.forms.conditions import condition_problems
from imio.guichet.forms.conditions import read_fieldset_conditions
from imio.guichet.forms.kinds import field_class_of
from imio.guichet.forms.kinds import kind_of
from imio.guichet.forms.kinds.files import FILE
from imio.guichet.forms.kinds.text import EMAIL
from imio.guichet.forms.namespace import DECIMALS_KEY
from imio.guichet.forms.namespace import FILE_TYPES_KEY
from imio.guichet.forms.namespace import MAX_FILE_SIZE_KEY
from imio.guichet.prefill.declarations import prefill_problems
from plone.autoform.interfaces import MODES_KEY
from plone.autoform.interfaces import OMITTED_KEY
from plone.autoform.interfaces import READ_PERMISSIONS_KEY
from plone.autoform.interfaces import WIDGETS_KEY
from plone.autoform.interfaces import WRITE_PERMISSIONS_KEY
from plone.supermodel import loadString
from plone.supermodel import model
from zope.i18n import interpolate
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface.interface import InterfaceClass
from zope.schema import getFieldsInOrder
from zope.schema.interfaces import IField

import re


#: File uploads (plone.namedfile's, as the schema editor makes them).
FILE_FIELD_TYPES = FILE.field_classes

FORBIDDEN_DIRECTIVES = (
    OMITTED_KEY,
    MODES_KEY,
    WIDGETS_KEY,
    READ_PERMISSIONS_KEY,
    WRITE_PERMISSIONS_KEY,
)

#: Field names become JSON keys and HTML input names: keep them plain.
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

DEFAULT_FORM_SCHEMA = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:i18n="http://xml.zope.org/namespaces/i18n">
  <schema>
    <field name="last_name" type="zope.schema.TextLine">
      <title>Nom</title>
      <max_length>100</max_length>
    </field>
    <field name="first_name" type="zope.schema.TextLine">
      <title>Prénom</title>
      <max_length>100</max_length>
    </field>
    <field name="email" type="plone.schema.email.Email">
      <title>Adresse e-mail</title>
      <description>Nous vous répondrons à cette adresse.</description>
    </field>
    <field name="phone" type="imio.guichet.forms.fields.Phone">
      <title>Téléphone</title>
      <required>False</required>
    </field>
    <field name="message" type="zope.schema.Text">
      <title>Votre demande</title>
      <max_length>5000</max_length>
    </field>
  </schema>
</model>
"""


def new_field_name_problem(name: str, schema: InterfaceClass) -> Message | None:
    """Why a new field of the form ``schema`` may not be named ``name``, in
    the webmaster's words (None: it may)."""
    if name in schema:
        return _(
            "error_field_name_used",
            default='The short name "${name}" is already used by another field '
            "of the form: choose another one.",
            mapping={"name": name},
        )
    if not FIELD_NAME.match(name):
        return _(
            "error_field_name_invalid",
            default="A short name is made of lower-case letters (a to z, "
            'without accents), digits and "_", starts with a letter and has '
            "at most 63 characters: for instance last_name.",
        )
    return None


class InvalidFormSchema(ValueError):
    """The XML is not a form the guichet can serve; ``problems`` says why
    (text, or messages to translate where they are shown)."""

    def __init__(self, problems: list[str | Message]):
        super().__init__("; ".join(map(in_english, problems)))
        self.problems = problems

    def in_english(self) -> list[str]:
        """Each problem as text (API answers, logs)."""
        return [in_english(problem) for problem in self.problems]

    def translated(self, request) -> str:
        """The problems in the language of ``request``."""
        return "; ".join(
            translate(problem, context=request) for problem in self.problems
        )


def in_english(problem: str | Message) -> str:
    """A problem's English text (a message's default, with its values,
    themselves messages or not)."""
    mapping = getattr(problem, "mapping", None)
    if mapping:
        mapping = {
            key: in_english(value) if isinstance(value, Message) else value
            for key, value in mapping.items()
        }
    return interpolate(getattr(problem, "default", None) or problem, mapping)


def field_kind(field: IField) -> type | None:
    """The registered field class ``field`` is matched by (see forms.kinds),
    or None for a field the guichet does not support."""
    return field_class_of(field)


def is_file_field(field: IField) -> bool:
    """Whether citizens attach a file with this field."""
    kind = kind_of(field)
    return kind is not None and kind.is_file


def _field_problems(name: str, field: IField) -> list[str]:
    problems = []
    if not FIELD_NAME.match(name):
        problems.append(
            f"{name}: a field name must be lower-case letters, digits and '_', "
            "starting with a letter"
        )
    kind = kind_of(field)
    if kind is None:
        own_problems = getattr(field, "form_problems", None)
        if own_problems is not None:
            problems.extend(f"{name}: {problem}" for problem in own_problems())
        problems.append(f"{name}: unsupported field type {type(field).__name__}")
    else:
        problems.extend(f"{name}: {problem}" for problem in kind.form_problems(field))
    for key, (attribute, kind_name, fields) in KIND_ATTRIBUTES.items():
        tagged = field.interface.queryTaggedValue(key, {}) or {}
        if name in tagged and (kind is None or kind.name != kind_name):
            problems.append(f"{name}: guichet:{attribute} is for {fields} only")
    return problems


#: The ``guichet:`` attributes of one kind of field: tagged value ->
#: (attribute, kind name, the fields in words).
KIND_ATTRIBUTES = {
    DECIMALS_KEY: ("decimals", "decimal", "decimal number fields"),
    FILE_TYPES_KEY: ("file-types", "file", "file fields"),
    MAX_FILE_SIZE_KEY: ("max-file-size", "file", "file fields"),
}


def _schema_problems(schema: InterfaceClass) -> list[str]:
    problems = []
    if any(base not in (Interface, model.Schema) for base in schema.__bases__):
        problems.append("a form cannot be based on another schema (based-on)")
    for key in FORBIDDEN_DIRECTIVES:
        if schema.queryTaggedValue(key):
            # Hidden, read-only or permission-protected fields, or custom
            # widgets, would make a form that citizens cannot fill.
            problems.append(f"form directives are not allowed ({key})")
    return problems


def check_form_schema(xml: str) -> InterfaceClass:
    """Parse ``xml`` and return its schema, or raise :class:`InvalidFormSchema`."""
    schema = load_form_schema(xml)
    fields = getFieldsInOrder(schema)
    problems = _schema_problems(schema)
    if not fields:
        problems.append("the form has no field")
    for name, field in fields:
        problems.extend(_field_problems(name, field))
    problems.extend(prefill_problems(schema))
    problems.extend(condition_problems(schema))
    if problems:
        raise InvalidFormSchema(problems)
    return schema


def load_form_schema(xml: str) -> InterfaceClass:
    """The schema of a form; :class:`InvalidFormSchema` if it cannot be read."""
    try:
        return _parse(xml)
    except Exception as error:
        # Only the parser's own sentence: its full text carries file paths.
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InvalidFormSchema([f"invalid XML: {reason}"]) from error


@lru_cache(maxsize=256)
def _parse(xml: str) -> InterfaceClass:
    # Parsing costs milliseconds and every form view and submission needs
    # the schema; a form's XML changes rarely, and schemas are immutable
    # once built, so the text itself is a safe cache key.
    if not isinstance(xml, str) or not xml.strip():
        raise ValueError("empty form schema")
    schema = loadString(xml).schema
    if schema is None:
        raise ValueError("no <schema> in the supermodel namespace")
    read_fieldset_conditions(xml, schema)
    return schema


def form_schema_constraint(value: str) -> bool:
    """zope.schema constraint for the procedure's form field."""
    try:
        check_form_schema(value)
    except InvalidFormSchema as error:
        raise Invalid(
            _(
                "invalid_form_schema",
                default="This form cannot be used: ${problems}",
                # The XML box's reader writes XML: the problems in English.
                mapping={"problems": str(error)},
            )
        ) from error
    return True


def email_field_names(schema: InterfaceClass) -> list[str]:
    """Names of the form's e-mail fields (plone.schema Email), in order."""
    fields = getFieldsInOrder(schema)
    return [name for name, field in fields if kind_of(field) is EMAIL]
