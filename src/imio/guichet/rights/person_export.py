"""A person's requests written out for the data protection officer: JSON
(each request as the API shows it, with its history and files) or CSV
(one row per answer, since the requests are of different forms: every
cell formula-safe through :mod:`imio.guichet.spreadsheets`).

The requests come in as the caller may see them (national register
numbers masked without the permission): nothing here unmasks.
"""

from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from imio.guichet.forms.kinds import export_cell
from imio.guichet.rights.fields import FormFields
from imio.guichet.spreadsheets import csv_bytes
from imio.guichet.spreadsheets import csv_rows_text
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.urls import procedure_summaries
from zope.schema import getFieldsInOrder

import csv
import io
import json


CSV_COLUMNS = (
    "reference",
    "id",
    "procedure",
    "created",
    "state",
    "submitter",
    "field",
    "title",
    "value",
)


def csv_rows(submission, fields: FormFields) -> list[list]:
    """One row per answer of ``submission`` (a request without answers:
    one row without field), in its form's order."""
    procedure = fields.procedure(submission.procedure_uid)
    schema = fields.schema(submission.procedure_uid, submission.schema_version)
    form_fields = dict(getFieldsInOrder(schema)) if schema is not None else {}
    data = submission.data or {}
    names = [n for n in form_fields if n in data] + sorted(
        n for n in data if n not in form_fields
    )
    common = [
        submission.reference,
        submission.id,
        procedure.Title() if procedure is not None else submission.procedure_uid,
        submission.created.isoformat(),
        submission.state,
        submission.submitter or "",
    ]
    if not names:
        return [[*common, "", "", ""]]
    rows = []
    for name in names:
        field = form_fields.get(name)
        title = str(field.title) if field is not None and field.title else name
        rows.append([*common, name, title, export_cell(data[name], field)])
    return rows


def write_person_csv(
    write: Callable[[bytes], object], submissions: Sequence, *, language=None
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    fields = FormFields()
    for submission in submissions:
        writer.writerows(csv_rows_text(csv_rows(submission, fields)))
    write(csv_bytes(buffer.getvalue()))


def write_person_json(
    write: Callable[[bytes], object],
    submissions: Sequence,
    query,
    *,
    site_url: str,
    now: datetime,
) -> None:
    procedures = procedure_summaries(s.procedure_uid for s in submissions)
    document = {
        "@type": "PersonRequests",
        "generated": now.isoformat(),
        # Who was looked for, masked as in the audit trail.
        "person": query.audited(),
        "items_total": len(submissions),
        "items": [
            serialize_submission(s, procedures, site_url=site_url) for s in submissions
        ],
    }
    write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
