"""The register of processing activities (GDPR art. 30): read by those
with the permission "View register of processing activities" on the site
(Site Administrators), as JSON or as a CSV file whose cells are safe to
open in a spreadsheet.

The register holds no personal data of citizens (it describes what is
collected, not what was), so reading it is not written to the audit
trail.
"""

from collections.abc import Callable
from imio.guichet.caller import Caller
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.permissions import ViewProcessingRegister
from imio.guichet.privacy import register
from imio.guichet.spreadsheets import csv_row
from plone import api

import csv
import io


def _check(caller: Caller) -> None:
    if caller.is_anonymous:
        raise LoginRequired()
    if not api.user.has_permission(ViewProcessingRegister, obj=api.portal.get()):
        raise Forbidden()


def processing_register(caller: Caller) -> list[dict]:
    """Every processing activity of the site, texts in the caller's
    language."""
    _check(caller)
    return register.activities(caller.language)


def export_register(caller: Caller, write: Callable[[bytes], object]) -> None:
    """The register as CSV (UTF-8), handed to ``write``."""
    _check(caller)
    entries = register.activities(caller.language)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(register.header(caller.language)))
    for entry in entries:
        writer.writerow(csv_row(register.row(entry, caller.language)))
    write(buffer.getvalue().encode("utf-8"))
