"""The citizen's form in steps (one per fieldset), for :class:`SubmitForm`.

Nothing is kept on the server between steps: every page holds the answers
of the other steps as hidden inputs (the widgets of other steps are
rendered in z3c.form's hidden mode), and the files already received as
hidden base64 inputs (a file input cannot be filled again by a page). The
step shown is ``guichet.step`` (its index; the number of steps means the
review page); ``guichet.goto`` (the review page's "Modifier" buttons)
opens a step without checking anything.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.errors import InvalidData
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.conditions import is_shown
from imio.guichet.forms.display import answers
from imio.guichet.forms.model import is_file_field
from imio.guichet.forms.steps import form_steps
from imio.guichet.forms.steps import shown_steps
from imio.guichet.forms.uploads import check_upload
from imio.guichet.forms.uploads import Upload
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.forms.uploads import UploadRefused
from imio.guichet.forms.validation import clean_data
from plone import api
from z3c.form.field import Fields
from z3c.form.interfaces import HIDDEN_MODE
from z3c.form.interfaces import INPUT_MODE
from zope.i18n import translate

import base64
import binascii


STEP_KEY = "guichet.step"
GOTO_KEY = "guichet.goto"
#: + field name: a file received on another step (base64), and its name.
FILE_DATA_KEY = "guichet.file."
FILE_NAME_KEY = "guichet.filename."


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _new_upload(value) -> Upload | None:
    """A file just chosen in the page (a ZPublisher FileUpload)."""
    if not getattr(value, "filename", None) or not hasattr(value, "read"):
        return None
    value.seek(0)
    data = value.read()
    value.seek(0)  # z3c.form's widget reads it too
    return Upload(filename=value.filename, data=data) if data else None


class FormSteps:
    """Mixin of the citizen's form: steps, hidden answers, review page."""

    current = 0

    @cached_property
    def steps(self):
        """The form's steps; empty for a one-page form."""
        return form_steps(self.schema)

    @property
    def review_index(self) -> int:
        return len(self.steps)

    @property
    def on_review(self) -> bool:
        return bool(self.steps) and self.current == self.review_index

    def requested_step(self) -> int:
        """The step the request asks for (a "Modifier" button, else the
        step the page showed), within bounds."""
        form = self.request.form
        index = _int(form.get(GOTO_KEY), -1)
        if index < 0:
            index = _int(form.get(STEP_KEY), 0)
        return min(max(index, 0), self.review_index)

    def step_fields(self) -> tuple[str, ...]:
        """Names of the fields asked on the page shown."""
        if not self.steps:
            return ()
        if self.on_review:
            return ()
        return self.steps[self.current].fields

    # -- fields and widgets of the page shown

    def flatten_groups(self) -> None:
        """One page per fieldset: the fieldsets are steps, not groups."""
        for group in self.groups:
            self.fields += group.fields
        self.groups = []
        self.all_fields = self.fields

    def apply_step_modes(self) -> None:
        """Widgets of the step shown in input mode, the others hidden; file
        inputs of other steps are left out (their files are carried)."""
        asked = set(self.step_fields())
        kept = []
        for name, form_field in self.all_fields.items():
            if is_file_field(form_field.field) and name not in asked:
                continue
            known = name in asked or not self.is_form_field(name)
            form_field.mode = INPUT_MODE if known else HIDDEN_MODE
            kept.append(form_field)
        self.fields = Fields(*kept)

    def is_form_field(self, name: str) -> bool:
        return name in dict(self.schema_fields)

    def show_step(self, index: int) -> None:
        """Show another step with what the request holds."""
        self.current = index
        self.apply_step_modes()
        self.updateWidgets()
        # Called from a button's handler: GroupForm does not honour
        # refreshActions, so the buttons of the new step are made here.
        self.updateActions()

    # -- what the citizen answered so far

    @cached_property
    def uploads(self) -> dict[str, Upload]:
        """Field name -> the file chosen on this page or received before."""
        result = {}
        for name, field in self.schema_fields:
            if not is_file_field(field):
                continue
            new = _new_upload(self.request.form.get(f"{self.prefix}widgets.{name}"))
            upload = new or self.carried_upload(name)
            if upload is not None:
                result[name] = upload
        return result

    def carried_upload(self, name: str) -> Upload | None:
        encoded = self.request.form.get(FILE_DATA_KEY + name)
        filename = self.request.form.get(FILE_NAME_KEY + name)
        if not isinstance(encoded, str) or not isinstance(filename, str):
            return None
        try:
            data = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            return None
        return Upload(filename=filename, data=data) if data else None

    @cached_property
    def received_files(self) -> dict[str, Upload]:
        """The files that pass their field's limits (within the
        procedure's): carried to the other pages (the others are refused
        when their step is checked)."""
        fields = dict(self.schema_fields)
        result = {}
        for name, upload in self.uploads.items():
            try:
                check_upload(upload, upload_limits(self.context, fields[name]))
            except UploadRefused:
                continue
            result[name] = upload
        return result

    def carried_files(self) -> list[dict]:
        """Hidden inputs that carry the files received to the next page."""
        return [
            {
                "data_name": FILE_DATA_KEY + name,
                "name_name": FILE_NAME_KEY + name,
                "data": base64.b64encode(upload.data).decode("ascii"),
                "filename": upload.filename,
            }
            for name, upload in self.received_files.items()
        ]

    def received_filename(self, name: str) -> str | None:
        """For the file input of the step shown: the file already received."""
        upload = self.received_files.get(name)
        return upload.filename if upload is not None else None

    # -- checks of one step

    def asked_widget_errors(self, data: dict, widget_errors, names=None) -> list:
        """z3c.form's error snippets of the fields asked: in ``names`` (all
        when None), shown by their conditions, and not a file received."""
        rules = conditions(self.schema)
        return [
            snippet
            for snippet in widget_errors
            if getattr(snippet, "widget", None) is not None
            and (names is None or snippet.widget.__name__ in names)
            and snippet.widget.__name__ not in self.received_files
            and is_shown(snippet.widget.__name__, data, rules)
        ]

    def step_errors(self, data: dict, widget_errors) -> tuple[list, list]:
        """(z3c.form error snippets, core FieldErrors) of the step shown:
        the fields of other steps and the hidden ones are not checked."""
        asked = set(self.step_fields())
        snippets = self.asked_widget_errors(data, widget_errors, asked)
        faulty = {snippet.widget.__name__ for snippet in snippets}
        try:
            clean_data(
                self.schema,
                data,
                context=self.context,
                language=api.portal.get_current_language(),
            )
        except InvalidData as invalid:
            core = [
                error
                for error in invalid.errors
                if error.field in asked and error.field not in faulty
            ]
        else:
            core = []
        return snippets, core

    def next_step(self, data: dict, after: int) -> int:
        """The next step asked given ``data``, or the review page."""
        later = [index for index in shown_steps(self.schema, data) if index > after]
        return later[0] if later else self.review_index

    def previous_step(self, data: dict, before: int) -> int:
        earlier = [index for index in shown_steps(self.schema, data) if index < before]
        return earlier[-1] if earlier else 0

    def first_step_of(self, names, data: dict) -> int:
        """The first step asked that has one of the fields ``names``."""
        for index in shown_steps(self.schema, data):
            if set(self.steps[index].fields) & set(names):
                return index
        return 0

    # -- the page

    def step_indicator(self) -> list[dict]:
        """The steps asked and the review page, for the step indicator."""
        shown = shown_steps(self.schema, self.answers_json())
        if self.current not in shown and not self.on_review:
            shown = sorted({*shown, self.current})
        items = [{"index": index, "label": self.steps[index].label} for index in shown]
        items.append(
            {
                "index": self.review_index,
                "label": _("label_step_review", default="Check and send"),
            }
        )
        for number, item in enumerate(items, start=1):
            item["number"] = number
            item["current"] = item["index"] == self.current
        return items

    def step_heading(self) -> str:
        """ "Étape 2 sur 4 : Label"."""
        items = self.step_indicator()
        item = next(item for item in items if item["current"])
        return translate(
            _(
                "label_step_of",
                default="Step ${number} of ${total}: ${label}",
                mapping={
                    "number": item["number"],
                    "total": len(items),
                    "label": translate(item["label"], context=self.request),
                },
            ),
            context=self.request,
        )

    def review_sections(self) -> list[dict]:
        """Every answer, by step, with the step to go back to."""
        data = self.answers_json()
        try:
            cleaned = clean_data(self.schema, data, context=self.context)
        except InvalidData:
            cleaned = data  # shown as typed; sending will say what is wrong
        rules = conditions(self.schema)
        hidden = {
            name
            for name, _field in self.schema_fields
            if not is_shown(name, cleaned, rules)
        }
        for name in self.uploads:
            upload = self.received_files.get(name)
            cleaned[name] = {"filename": upload.filename} if upload else None
        index_of = {step.name: index for index, step in enumerate(self.steps)}
        sections = []
        for section in answers(
            self.schema,
            cleaned,
            hide=hidden,
            language=api.portal.get_current_language(),
        ):
            index = index_of.get(section["fieldset"] or "default", 0)
            label = self.steps[index].label
            sections.append({**section, "index": index, "label": label})
        return sections
