"""Write a procedure's submissions as CSV, JSON Lines or XLSX.

Shared by the REST export and the command line. Every cell goes through
imio.guichet.spreadsheets: never a formula, whatever a citizen typed, and
never a failed export for a character that was stored. Rows are produced from an
iterator of submissions and handed to ``write`` in batches, so that memory
stays flat whatever the number of submissions.
"""

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical_uid
from imio.guichet.forms.kinds import export_cells
from imio.guichet.i18n import base_language
from imio.guichet.i18n import translate_for
from imio.guichet.spreadsheets import csv_bytes
from imio.guichet.spreadsheets import csv_rows_text
from imio.guichet.spreadsheets import jsonl_line
from imio.guichet.spreadsheets import xlsx_row
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.submissions.storage import Submission
from imio.guichet.urls import procedure_summaries
from itertools import islice
from plone import api
from zope.i18nmessageid import Message
from zope.schema import getFieldNames

import csv
import io
import json
import tempfile


BATCH = 500
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FIXED_COLUMNS = (
    "id",
    "reference",
    "created",
    "state",
    "submitter",
    "acknowledged_by",
    "external_reference",
    "schema_version",
    # The language the citizen filed in (the answers' keys and values are
    # the same in every language).
    "language",
)


def batches(
    submissions: Iterable[Submission],
    after_batch: Callable[[list[Submission]], None] | None = None,
) -> Iterator[list[Submission]]:
    iterator = iter(submissions)
    while batch := list(islice(iterator, BATCH)):
        jar = getattr(batch[0], "_p_jar", None)
        if jar is not None:
            # Still ghosts: a storage that can (RelStorage, ZEO) loads the
            # batch in one round trip instead of one per submission.
            jar.prefetch(batch)
        yield batch
        if after_batch is not None:
            after_batch(batch)  # e.g. let the ZODB cache drop what was written


def row(submission: Submission, fields: list[str]) -> list:
    ack = submission.acknowledgement or {}
    data = submission.data
    # Each answer as its kind writes it (forms.kinds), told by the value's
    # shape: the columns are the current form's, a row's data may be an
    # older one's.
    return [
        submission.id,
        submission.reference,
        submission.created.isoformat(),
        submission.state,
        submission.submitter or "",
        ack.get("actor") or "",
        ack.get("external_reference") or "",
        submission.schema_version,
        submission.language or "",
        *export_cells([data.get(name) for name in fields]),
    ]


def write_csv(write, submissions, fields, after_batch=None) -> int:
    """CSV: the fixed columns, then one per form field. Returns the count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIXED_COLUMNS + tuple(fields))
    count = 0
    for batch in batches(submissions, after_batch):
        rows = [row(submission, fields) for submission in batch]
        writer.writerows(csv_rows_text(rows))
        count += len(batch)
        write(csv_bytes(buffer.getvalue()))
        buffer.seek(0)
        buffer.truncate()
    if not count:
        write(csv_bytes(buffer.getvalue()))
    return count


def write_jsonl(write, submissions, serialize, after_batch=None) -> int:
    """JSON Lines: ``serialize(submission)`` per line. Returns the count."""
    # What json.dumps(..., ensure_ascii=False) writes, with one encoder for
    # the whole export (stored answers hold no cycle to check for).
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    count = 0
    for batch in batches(submissions, after_batch):
        lines = [encode(serialize(submission)) for submission in batch]
        lines.append("")  # every line ends with a line break
        write(jsonl_line("\n".join(lines)))
        count += len(batch)
    return count


#: The XLSX export's sheet, in the staff member's language.
SHEET_TITLE = _("title_export_sheet", default="Requests")


def field_headers(schema, fields: list[str], language: str | None) -> list[str]:
    """The XLSX headers of ``fields``: "Label (name)", the label as
    ``schema`` (the form in the reader's language) has it, the name as
    CSV and JSON Lines have it (what back offices and formulas use)."""
    headers = []
    for name in fields:
        title = getattr(schema.get(name), "title", None) or ""
        if isinstance(title, Message):
            title = translate_for(title, language)
        title = " ".join(str(title).split())
        headers.append(f"{title} ({name})" if title and title != name else name)
    return headers


def write_xlsx(
    write, submissions, fields, after_batch=None, *, headers=None, language=None
) -> int:
    """XLSX, built in openpyxl's write-only mode (rows go to a temporary
    file, not to memory), then copied to ``write``. Returns the count.
    ``headers`` name the fields' columns (their names by default); the
    sheet is named in ``language``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(translate_for(SHEET_TITLE, language)[:31])
    # Headers hold webmasters' labels (or a shared model's): text, as cells.
    sheet.append(xlsx_row(sheet, list(FIXED_COLUMNS) + list(headers or fields)))
    count = 0
    for batch in batches(submissions, after_batch):
        for submission in batch:
            sheet.append(xlsx_row(sheet, row(submission, fields)))
        count += len(batch)
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(1 << 16):
            write(chunk)
    return count


def write_export(
    kind: str, write, procedure, submissions, language: str | None = None
) -> int:
    """Write ``submissions`` of ``procedure`` as ``kind`` (csv, jsonl or
    xlsx) to ``write``, batch by batch; return how many were written.

    CSV and XLSX have one column per field of the procedure's current form;
    JSON Lines has one submission per line, as the API shows it. CSV and
    JSON Lines are for machines: field names, whatever the language. The
    XLSX, the staff's spreadsheet, is in ``language`` (the exporting staff
    member's): its sheet's name and its fields' headers, "Label (name)".
    """

    def drop_cache(batch) -> None:
        # Written: turn them back into ghosts, so that the connection cache
        # does not fill up with 30,000 full submissions (its usual size).
        for submission in batch:
            submission._p_deactivate()
        if procedure._p_jar is not None:
            procedure._p_jar.cacheGC()

    if kind == "jsonl":
        procedures = procedure_summaries([canonical_uid(procedure)])
        site_url = api.portal.get().absolute_url()

        def serialize(submission):
            # Encoded at once: the stored answers need no copy.
            return serialize_submission(
                submission, procedures, full=False, site_url=site_url, shared=True
            )

        return write_jsonl(write, submissions, serialize, drop_cache)
    online_form = IOnlineForm(procedure)
    if kind == "csv":
        fields = getFieldNames(online_form.get_form_schema())
        return write_csv(write, submissions, fields, drop_cache)
    # The form in the reader's language: the same fields, labelled for them.
    schema = online_form.get_form_schema(language=base_language(language) or None)
    fields = getFieldNames(schema)
    headers = field_headers(schema, fields, language)
    return write_xlsx(
        write, submissions, fields, drop_cache, headers=headers, language=language
    )
