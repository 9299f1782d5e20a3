"""What the form editor adds to plone.schemaeditor's pages, so that no
webmaster needs the XML: a field's step and the condition it is shown on
(in its settings), and a step's settings page (title, condition, order).

Conditions are chosen from lists of the form's own fields and values
(forms.conditions.condition_choices) and checked with the whole form when
it is stored (forms.conditions.condition_problems, through
form_editor.store_edited_form): a condition on a field that is missing,
comes later or would make a loop is refused there, with why.
"""

from Acquisition import aq_inner
from Acquisition import aq_parent
from copy import copy
from dataclasses import replace
from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.form_editor import FormChangeRefused
from imio.guichet.browser.form_editor import IFormEditorContext
from imio.guichet.browser.form_versions import FormVersionPanel
from imio.guichet.forms.conditions import condition_choices
from imio.guichet.forms.conditions import field_condition
from imio.guichet.forms.conditions import fieldset_condition
from imio.guichet.forms.conditions import parse_spec
from imio.guichet.forms.conditions import set_field_condition
from imio.guichet.forms.conditions import set_fieldset_condition
from imio.guichet.forms.conditions import spec_of
from imio.guichet.forms.kinds import condition_titles
from imio.guichet.forms.kinds.numbers import decimals_of
from imio.guichet.forms.kinds.numbers import MAX_DECIMALS
from imio.guichet.forms.namespace import DECIMALS_KEY
from imio.guichet.forms.namespace import tag
from imio.guichet.forms.uploads import file_field_settings
from imio.guichet.forms.uploads import FILE_TYPES
from imio.guichet.forms.uploads import FileFieldSettings
from imio.guichet.forms.uploads import size_beyond_procedure
from imio.guichet.forms.uploads import types_beyond_procedure
from imio.guichet.forms.uploads import upload_limits
from plone import api
from plone.autoform import directives
from plone.namedfile.interfaces import INamedFileField
from plone.schemaeditor.browser.schema.listing import SchemaListing
from plone.schemaeditor.browser.schema.listing import SchemaListingPage
from plone.schemaeditor.interfaces import IEditableSchema
from plone.schemaeditor.interfaces import IFieldEditorExtender
from plone.schemaeditor.utils import new_field_position
from plone.schemaeditor.utils import SchemaModifiedEvent
from plone.supermodel import model
from plone.supermodel.interfaces import FIELDSETS_KEY
from plone.z3cform.layout import wrap_form
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from z3c.form import button
from z3c.form import field
from z3c.form import form
from z3c.form import validator
from z3c.form.browser.checkbox import CheckBoxFieldWidget
from zExceptions import NotFound
from zope.component import adapter
from zope.event import notify
from zope.globalrequest import getRequest
from zope.interface import implementer
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface import provider
from zope.schema import Choice
from zope.schema import getFieldsInOrder
from zope.schema import Int
from zope.schema import List
from zope.schema import TextLine
from zope.schema.interfaces import IContextSourceBinder
from zope.schema.interfaces import IField
from zope.schema.interfaces import IFloat
from zope.schema.interfaces import ValidationError
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


#: The value of the first step (the fields outside any fieldset).
FIRST_STEP = ""


class SeveralFieldsInCondition(ValidationError):
    __doc__ = _(
        "error_condition_several_fields",
        default="Choose values of one field only: a condition tests one answer.",
    )


def _one_field(specs: list[str]) -> bool:
    if len({spec.split("=", 1)[0] for spec in specs or ()}) > 1:
        raise SeveralFieldsInCondition()
    return True


def _form_schema(context):
    """The form's schema, from the editor's page or a field's settings."""
    schema = getattr(context, "interface", None)  # a field (its settings)
    return schema if schema is not None else getattr(context, "schema", None)


@provider(IContextSourceBinder)
def condition_vocabulary(context) -> SimpleVocabulary:
    """Each value a condition may name: "⟨field⟩ : ⟨value⟩"; for a field's
    settings, never its own (always refused). A later field stays offered:
    the same save may move the field to a later step, after it; saving
    refuses, with why, what still names a later field."""
    schema = _form_schema(context)
    if schema is None:
        return SimpleVocabulary([])
    own = getattr(context, "__name__", None)
    return _condition_terms(schema, lambda name: name != own)


def _condition_terms(schema, offered) -> SimpleVocabulary:
    """The vocabulary of the condition values of the fields ``offered``
    (a test on a field's name) of ``schema``."""
    terms = []
    for name, value, title in condition_choices(schema):
        if not offered(name):
            continue
        label = api.portal.translate(title) if hasattr(title, "domain") else title
        field_title = schema[name].title or name
        terms.append(
            SimpleTerm(
                f"{name}={value}",
                title=f"{api.portal.translate(field_title)} : {label}",
            )
        )
    return SimpleVocabulary(terms)


def _fieldsets(schema) -> list:
    return list(schema.queryTaggedValue(FIELDSETS_KEY, []) or [])


def earlier_fields(schema, step: str) -> set[str]:
    """The fields a condition of the step ``step`` may name: those of the
    steps before it (the first step's, outside any fieldset, included) that
    come before its own fields in the form. Its own fields and those of
    later steps are always refused (forms.conditions.condition_problems)."""
    fieldsets = _fieldsets(schema)
    names = [fieldset.__name__ for fieldset in fieldsets]
    index = names.index(step) if step in names else len(fieldsets)
    later = {name for fieldset in fieldsets[index:] for name in fieldset.fields}
    # In the form's order, as forms.conditions checks it.
    ordered = [name for name, _field in getFieldsInOrder(schema)]
    own = fieldsets[index].fields if index < len(fieldsets) else ()
    first = min(
        (ordered.index(name) for name in own if name in ordered),
        default=len(ordered),
    )
    return {name for name in ordered[:first] if name not in later}


@implementer(IContextSourceBinder)
class EarlierConditions:
    """The values a condition of one step may name: those of the fields of
    earlier steps (:func:`earlier_fields`)."""

    def __init__(self, step: str):
        self.step = step

    def __call__(self, context) -> SimpleVocabulary:
        schema = _form_schema(context)
        if schema is None:
            return SimpleVocabulary([])
        offered = earlier_fields(schema, self.step)
        return _condition_terms(schema, offered.__contains__)


@provider(IContextSourceBinder)
def step_vocabulary(context) -> SimpleVocabulary:
    """The form's steps: the first (fields outside any fieldset), then each
    fieldset."""
    schema = _form_schema(context)
    first = api.portal.translate(_("label_step_default", default="General information"))
    terms = [SimpleTerm(FIRST_STEP, "-", first)]
    for fieldset in _fieldsets(schema) if schema is not None else []:
        terms.append(
            SimpleTerm(
                fieldset.__name__,
                fieldset.__name__,
                fieldset.label or fieldset.__name__,
            )
        )
    return SimpleVocabulary(terms)


def condition_setting(title, description) -> List:
    """A condition, as the answers (of one field) it holds for."""
    return List(
        title=title,
        description=description,
        value_type=Choice(source=condition_vocabulary),
        required=False,
        constraint=_one_field,
    )


class IFieldDisplay(model.Schema):
    """Where a field is asked, and when."""

    step = Choice(
        title=_("label_field_step", default="Step"),
        description=_(
            "help_field_step",
            default="The page of the form this field is on (its last field).",
        ),
        source=step_vocabulary,
        required=False,
    )
    directives.widget("show_if", CheckBoxFieldWidget)
    show_if = condition_setting(
        _("label_field_show_if", default="Ask this field only when"),
        _(
            "help_field_show_if",
            default="Tick one or more answers of an earlier yes/no or choice "
            "field: this field is asked only when the citizen gives one of "
            "them. Tick nothing to always ask it.",
        ),
    )


@implementer(IFieldEditorExtender)
@adapter(IFormEditorContext, IField)
def field_display_schema(editor, field) -> type:
    """The form editor's field settings have IFieldDisplay too."""
    return IFieldDisplay


def _spec_as_list(spec: str | None) -> list[str]:
    parsed = parse_spec(spec) if spec else None
    if parsed is None:
        return []
    target, values = parsed
    return [f"{target}={value}" for value in values]


def _list_as_spec(chosen: list[str] | None) -> str | None:
    if not chosen:
        return None
    target = chosen[0].split("=", 1)[0]
    return spec_of(target, [item.split("=", 1)[1] for item in chosen])


@implementer(IFieldDisplay)
@adapter(IField)
class FieldDisplay:
    """IFieldDisplay of a field of the form being edited."""

    def __init__(self, field):
        self.__dict__["field"] = field

    @property
    def _schema(self):
        return self.field.interface

    @property
    def step(self) -> str:
        name = self.field.__name__
        for fieldset in _fieldsets(self._schema):
            if name in fieldset.fields:
                return fieldset.__name__
        return FIRST_STEP

    @step.setter
    def step(self, value: str | None) -> None:
        value = value or FIRST_STEP
        if value == self.step:
            return
        fieldsets = _fieldsets(self._schema)
        names = [fieldset.__name__ for fieldset in fieldsets]
        index = names.index(value) + 1 if value in names else 0
        editable = IEditableSchema(self._schema)
        editable.changeFieldFieldset(
            self.field.__name__, fieldsets[index - 1] if index else None
        )
        editable.moveField(self.field.__name__, new_field_position(self._schema, index))

    @property
    def show_if(self) -> list[str]:
        return _spec_as_list(field_condition(self._schema, self.field.__name__))

    @show_if.setter
    def show_if(self, value: list[str] | None) -> None:
        set_field_condition(self._schema, self.field.__name__, _list_as_spec(value))


class IDecimalsSetting(model.Schema):
    """A decimal number's most decimals (``guichet:decimals``)."""

    decimals = Int(
        title=_("label_field_decimals", default="Decimals"),
        description=_(
            "help_field_decimals",
            default="The most digits citizens may give after the decimal "
            "sign (2 for an amount in euros). Leave empty for any number.",
        ),
        min=0,
        max=MAX_DECIMALS,
        required=False,
    )


@implementer(IFieldEditorExtender)
@adapter(IFormEditorContext, IFloat)
def decimals_schema(editor, field) -> type:
    """A decimal number field's settings have IDecimalsSetting too."""
    return IDecimalsSetting


@implementer(IDecimalsSetting)
@adapter(IFloat)
class DecimalsSetting:
    """IDecimalsSetting of a decimal number field of the form being edited."""

    def __init__(self, field):
        self.__dict__["field"] = field

    @property
    def decimals(self) -> int | None:
        return decimals_of(self.field)

    @decimals.setter
    def decimals(self, value: int | None) -> None:
        tag(
            self.field.interface,
            DECIMALS_KEY,
            self.field.__name__,
            None if value is None else str(value),
        )


def _edited_procedure():
    """The procedure whose form the editor shows (None outside it)."""
    request = getRequest()
    for parent in (request.get("PARENTS") or ()) if request is not None else ():
        if IFormEditorContext.providedBy(parent):
            return parent.procedure
    return None


@provider(IContextSourceBinder)
def file_type_vocabulary(context) -> SimpleVocabulary:
    """The types a file field may accept: those its procedure accepts (in
    people's words: PDF, Word (DOCX)...), and those it already has (so
    that one the procedure no longer accepts can be unticked)."""
    procedure = _edited_procedure()
    offered = set(upload_limits(procedure).allowed_types)
    offered.update(file_field_settings(context).allowed_types or ())
    return SimpleVocabulary(
        [
            SimpleTerm(key, key, label)
            for key, (_type, label) in FILE_TYPES.items()
            if key in offered
        ]
    )


class IFileSettings(model.Schema):
    """A file field's own limits, within its procedure's
    (``guichet:file-types``, ``guichet:max-file-size``)."""

    directives.widget("file_types", CheckBoxFieldWidget)
    file_types = List(
        title=_("label_field_file_types", default="Accepted file types"),
        description=_(
            "help_field_file_types",
            default="Among the types the procedure accepts (Online form "
            "settings). Tick none to accept all of them.",
        ),
        value_type=Choice(source=file_type_vocabulary),
        required=False,
    )
    max_file_size = Int(
        title=_("label_field_max_file_size", default="Largest file (MB)"),
        description=_(
            "help_field_max_file_size",
            default="At most the procedure's largest file (Online form "
            "settings). Leave empty for the procedure's.",
        ),
        min=1,
        required=False,
    )


@implementer(IFieldEditorExtender)
@adapter(IFormEditorContext, INamedFileField)
def file_settings_schema(editor, field) -> type:
    """A file field's settings have IFileSettings too."""
    return IFileSettings


@implementer(IFileSettings)
@adapter(INamedFileField)
class FileSettings:
    """IFileSettings of a file field of the form being edited."""

    def __init__(self, field):
        self.__dict__["field"] = field

    def _store(self, settings: FileFieldSettings) -> None:
        for key, value in settings.as_tags().items():
            tag(self.field.interface, key, self.field.__name__, value)

    @property
    def file_types(self) -> list[str]:
        return list(file_field_settings(self.field).allowed_types or ())

    @file_types.setter
    def file_types(self, value: list[str] | None) -> None:
        own = file_field_settings(self.field)
        self._store(replace(own, allowed_types=tuple(value or ()) or None))

    @property
    def max_file_size(self) -> int | None:
        return file_field_settings(self.field).max_size_mb

    @max_file_size.setter
    def max_file_size(self, value: int | None) -> None:
        self._store(replace(file_field_settings(self.field), max_size_mb=value))


class _WithinProcedure(validator.SimpleFieldValidator):
    """A file field's setting that its procedure's limits do not allow is
    refused next to it, with the procedure's limit."""

    def beyond(self, procedure, value):
        raise NotImplementedError

    def validate(self, value, force=False):
        super().validate(value, force)
        editor = aq_parent(aq_inner(self.view.context))
        message = self.beyond(getattr(editor, "procedure", None), value)
        if message is not None:
            raise Invalid(message)


class FileTypesWithinProcedure(_WithinProcedure):
    def beyond(self, procedure, value):
        return types_beyond_procedure(procedure, value)


class FileSizeWithinProcedure(_WithinProcedure):
    def beyond(self, procedure, value):
        # The limit as the editor's page writes numbers (1.5 in English).
        return size_beyond_procedure(
            procedure, value, api.portal.get_current_language()
        )


validator.WidgetValidatorDiscriminators(
    FileTypesWithinProcedure, field=IFileSettings["file_types"]
)
validator.WidgetValidatorDiscriminators(
    FileSizeWithinProcedure, field=IFileSettings["max_file_size"]
)


class IStepSettings(Interface):
    label = TextLine(title=_("label_step_title", default="Title of the step"))
    show_if = condition_setting(
        _("label_step_show_if", default="Ask this step only when"),
        _(
            "help_step_show_if",
            default="Tick one or more answers of a yes/no or choice field of "
            "an earlier step: this step is asked only when the citizen gives "
            "one of them. Tick nothing to always ask it.",
        ),
    )


class StepSettingsForm(form.Form):
    """``@@edit-step?name=…``: a step's title, its condition, its place."""

    fields = field.Fields(IStepSettings)
    fields["show_if"].widgetFactory = CheckBoxFieldWidget
    ignoreContext = True
    label = _("title_step_settings", default="Step settings")

    def update(self):
        self.step_name = self.request.form.get("name", "")
        names = [fieldset.__name__ for fieldset in self.fieldsets]
        if self.step_name not in names:
            raise NotFound(self.step_name)
        # Its condition offers only the fields of earlier steps.
        show_if = copy(IStepSettings["show_if"])
        show_if.value_type = Choice(source=EarlierConditions(self.step_name))
        self.fields = field.Fields(IStepSettings["label"], show_if)
        self.fields["show_if"].widgetFactory = CheckBoxFieldWidget
        super().update()

    @property
    def schema(self):
        return self.context.schema

    @property
    def fieldsets(self) -> list:
        return _fieldsets(self.schema)

    @property
    def fieldset(self):
        [found] = [f for f in self.fieldsets if f.__name__ == self.step_name]
        return found

    @property
    def action(self) -> str:
        return f"{self.request.getURL()}?name={self.step_name}"

    def updateWidgets(self):
        super().updateWidgets()
        if not self.request.form.get("form.buttons.save"):
            self.widgets["label"].value = self.fieldset.label or ""
            self.widgets["show_if"].value = _spec_as_list(
                fieldset_condition(self.schema, self.step_name)
            )
            self.widgets["show_if"].update()

    def _store(self, message) -> None:
        try:
            notify(SchemaModifiedEvent(self.context))
        except FormChangeRefused as refused:
            api.portal.show_message(refused.message, self.request, type="error")
        else:
            api.portal.show_message(message, self.request)
        self.request.response.redirect(self.context.absolute_url())

    @button.buttonAndHandler(_("button_save", default="Save"), name="save")
    def handle_save(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        self.fieldset.label = data["label"]
        set_fieldset_condition(
            self.schema, self.step_name, _list_as_spec(data["show_if"])
        )
        self._store(_("info_step_saved", default="The step was saved."))

    def _move(self, offset: int) -> None:
        fieldsets = self.fieldsets
        index = fieldsets.index(self.fieldset)
        target = index + offset
        if not 0 <= target < len(fieldsets):
            self.request.response.redirect(self.context.absolute_url())
            return
        fieldsets[index], fieldsets[target] = fieldsets[target], fieldsets[index]
        self.schema.setTaggedValue(FIELDSETS_KEY, fieldsets)
        self._store(_("info_step_moved", default="The step was moved."))

    @button.buttonAndHandler(_("button_move_up", default="Move up"), name="up")
    def handle_up(self, action):
        self._move(-1)

    @button.buttonAndHandler(_("button_move_down", default="Move down"), name="down")
    def handle_down(self, action):
        self._move(+1)

    @button.buttonAndHandler(_("button_cancel", default="Cancel"), name="cancel")
    def handle_cancel(self, action):
        self.request.response.redirect(self.context.absolute_url())


StepSettingsPage = wrap_form(StepSettingsForm)


def condition_text(schema, spec: str | None):
    """A condition in words, for the editor's page."""
    parsed = parse_spec(spec) if spec else None
    if parsed is None or parsed[0] not in schema:
        return None
    target, values = parsed
    titles = condition_titles(schema[target])
    return _(
        "text_shown_when",
        default='Asked only when "${field}" is: ${values}.',
        mapping={
            "field": api.portal.translate(schema[target].title or target),
            "values": " / ".join(
                api.portal.translate(titles.get(value, value)) for value in values
            ),
        },
    )


class FormFieldsListing(SchemaListing):
    """The editor's page: the form's steps and fields, each with its
    buttons (never hidden under its header) and its condition in words."""

    template = ViewPageTemplateFile("templates/form_editor.pt")

    @cached_property
    def version_panel(self) -> FormVersionPanel:
        """The version citizens fill, the changes waiting, the check."""
        return FormVersionPanel(self.context.procedure, self.request)

    def settings_label(self, field) -> str:
        return api.portal.translate(
            _(
                "label_field_settings",
                default='Settings of "${title}"',
                mapping={"title": api.portal.translate(field.title or field.__name__)},
            )
        )

    def move_url(self, field) -> str | None:
        """Where the keyboard's "up" and "down" buttons post (editable
        fields only, like the settings)."""
        edit_url = self.edit_url(field)
        return f"{edit_url}/@@move-field" if edit_url else None

    def move_label(self, field, direction: str) -> str:
        title = api.portal.translate(field.title or field.__name__)
        return api.portal.translate(
            _(
                "label_move_field_up",
                default='Move "${title}" up',
                mapping={"title": title},
            )
            if direction == "up"
            else _(
                "label_move_field_down",
                default='Move "${title}" down',
                mapping={"title": title},
            )
        )

    def delete_label(self, field) -> str:
        return api.portal.translate(
            _(
                "label_delete_field",
                default='Delete "${title}"',
                mapping={"title": api.portal.translate(field.title or field.__name__)},
            )
        )

    def condition_text(self, field):
        return condition_text(
            self.context.schema, field_condition(self.context.schema, field.__name__)
        )

    def step_condition_text(self, group):
        return condition_text(
            self.context.schema, fieldset_condition(self.context.schema, group.__name__)
        )


class FormFieldsListingPage(SchemaListingPage):
    form = FormFieldsListing
