"""What anyone does with a procedure's online form itself (not with what
was filed): read it, in the version asked for.

Who may read it is Zope's security, asked of the caller's session: the
form is public with its procedure, and back offices read it too, to make
sense of what was filed, even once the procedure is no longer published
(see :func:`~imio.guichet.submissions.access.may_see_form`).
"""

from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import Unavailable
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.submissions.access import may_see_form
from imio.guichet.submissions.query import whole_number


def form_schema(caller: Caller, procedure, version: object = None) -> tuple:
    """``(schema, version)``: the form of ``procedure`` in ``version`` (a
    number, or its digits as text; None: the current one).

    Raises LoginRequired/Forbidden for a caller who may not see the form,
    InvalidInput for a version that does not exist and Unavailable for a
    stored form that cannot be read."""
    if not may_see_form(procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()
    form = IOnlineForm(procedure)
    if version is None:
        version = form.form_schema_version
    elif whole_number(version) is not None:
        version = whole_number(version)
    try:
        return form.get_form_schema(version), version
    except (KeyError, TypeError):
        raise InvalidInput("No such version of this form.") from None
    except InvalidFormSchema:
        raise Unavailable("This procedure's form is unavailable.") from None
