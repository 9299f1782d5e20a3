"""What the staff listing shows beyond the summary of each request: the
columns its procedure's webmaster chose (the applicant's name by default),
the due date and whether it is late, the assignee; and the sortable
column headers, whose links keep the other filters."""

from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.display import format_value
from imio.guichet.forms.kinds.dates import format_day
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.submissions.applicant import applicant_name
from imio.guichet.submissions.due import lateness
from imio.guichet.submissions.due import today
from imio.guichet.submissions.storage import Submission
from plone import api
from zope.schema import getFieldsInOrder


#: The column of the applicant's name (shown when no answer is chosen).
APPLICANT = "applicant"
APPLICANT_LABEL = _("label_applicant", default="Applicant")
LATENESS_LABELS = {
    "late": _("label_late", default="Late"),
    "due_soon": _("label_due_soon", default="Due soon"),
}
#: Each sortable column's first order when it is chosen: newest filings
#: first, the nearest due dates first, states in the lifecycle's order.
FIRST_ORDER = {"created": "descending", "due": "ascending", "state": "ascending"}


def principal_title(principal_id: str | None) -> str:
    """A user's full name or a group's title (the id if it has none)."""
    if not principal_id:
        return ""
    user = api.user.get(userid=principal_id)
    if user is not None:
        return user.getProperty("fullname", "") or principal_id
    group = api.group.get(groupname=principal_id)
    if group is not None:
        return group.getProperty("title", "") or principal_id
    return principal_id


def chosen_columns(procedure) -> list[str]:
    """The answers a procedure's webmaster chose to show in the list (its
    field names), or the applicant's name."""
    names = getattr(procedure, "list_columns", None) if procedure else None
    return list(names or ()) or [APPLICANT]


def column_headers(
    procedure, columns: list[str], language: str | None = None
) -> list[dict]:
    """Titles of the columns, from the procedure's current form, in
    ``language`` where its texts are translated."""
    fields = {}
    if procedure is not None and columns != [APPLICANT]:
        try:
            schema = IOnlineForm(procedure).get_form_schema(language=language)
            fields = dict(getFieldsInOrder(schema))
        except InvalidFormSchema:
            fields = {}
    return [
        {
            "name": name,
            "title": APPLICANT_LABEL
            if name == APPLICANT
            else (fields[name].title if name in fields else name),
        }
        for name in columns
    ]


class Cells:
    """The chosen cells of requests, reading each form version once."""

    def __init__(self, procedure, columns: list[str], language: str | None):
        self.procedure = procedure
        self.columns = columns
        self.language = language
        self._fields = {}

    def fields(self, version: int) -> dict:
        if version not in self._fields:
            try:
                # Choices shown by their titles in the reader's language.
                schema = IOnlineForm(self.procedure).get_form_schema(
                    version, self.language
                )
                self._fields[version] = dict(getFieldsInOrder(schema))
            except (KeyError, InvalidFormSchema):
                self._fields[version] = {}
        return self._fields[version]

    def __call__(self, submission: Submission) -> list[str]:
        cells = []
        for name in self.columns:
            if name == APPLICANT:
                cells.append(applicant_name(submission))
                continue
            field = self.fields(submission.schema_version).get(name)
            value = (submission.data or {}).get(name)
            if field is None or value is None:
                cells.append("" if value is None else str(value))
            else:
                cells.append(format_value(field, value, self.language))
        return cells


def work_details(submissions: list[Submission], cells: Cells) -> list[dict]:
    """Per request: its chosen cells, due date (written in the cells'
    language, the page's), lateness and assignee."""
    on = today()
    details = []
    for submission in submissions:
        late = lateness(submission.state, submission.due, on)
        details.append(
            {
                "cells": cells(submission),
                "due": (
                    format_day(submission.due, cells.language) if submission.due else ""
                ),
                "lateness": late,
                "lateness_label": LATENESS_LABELS.get(late, ""),
                "assignee": principal_title(submission.assignee),
            }
        )
    return details
