"""Which answers of a form hold a national register number or an e-mail
address, per form version: what masking and the person lookup read.

Found by the fields' kinds (``forms.kinds``), once per schema
(``forms.derived.per_schema``); a :class:`FormFields` keeps, for one
operation, the procedures and form versions it met, so that a listing or
an export of thousands of requests reads each form version once.
"""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.derived import per_schema
from imio.guichet.forms.kinds import kind_of
from imio.guichet.forms.kinds.identifiers import NISS
from imio.guichet.forms.kinds.text import EMAIL
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.submissions.access import find_procedure
from zope.schema import getFieldsInOrder


@per_schema
def nrn_fields(schema) -> frozenset[str]:
    """Names of the fields of ``schema`` that hold a national register number."""
    return frozenset(
        name for name, field in getFieldsInOrder(schema) if kind_of(field) is NISS
    )


@per_schema
def email_fields(schema) -> frozenset[str]:
    """Names of the fields of ``schema`` that hold an e-mail address."""
    return frozenset(
        name for name, field in getFieldsInOrder(schema) if kind_of(field) is EMAIL
    )


#: What a form version that cannot be read stands for: unknown fields.
UNKNOWN = None


class FormFields:
    """The personal fields of the forms met by one operation."""

    def __init__(self):
        self._procedures = {}
        self._schemas = {}

    def procedure(self, uid: str):
        """The procedure of this UID (None: deleted), looked up once."""
        if uid not in self._procedures:
            self._procedures[uid] = find_procedure(uid)
        return self._procedures[uid]

    def schema(self, uid: str, version: int):
        """The form version ``version`` of the procedure ``uid`` (None:
        the procedure was deleted or its form cannot be read)."""
        key = (uid, version)
        if key not in self._schemas:
            procedure = self.procedure(uid)
            schema = None
            if procedure is not None:
                try:
                    schema = IOnlineForm(procedure).get_form_schema(version)
                except (KeyError, InvalidFormSchema):
                    schema = None
            self._schemas[key] = schema
        return self._schemas[key]

    def nrn_fields(self, submission) -> frozenset[str] | None:
        """The national register number fields of ``submission``'s form
        version; None when that form cannot be read (then every answer
        that is a valid number counts)."""
        schema = self.schema(submission.procedure_uid, submission.schema_version)
        return UNKNOWN if schema is None else nrn_fields(schema)

    def email_fields(self, submission) -> frozenset[str] | None:
        schema = self.schema(submission.procedure_uid, submission.schema_version)
        return UNKNOWN if schema is None else email_fields(schema)
