"""A procedure's form in Plone's schema editor (``++form++fields``), and its
XML exported and imported (``@@form-xml``).

The editor works on a fresh, mutable copy of the form's schema (the parsed
schemas of forms/model.py are shared and must never change). Every change
the editor makes is serialised back to supermodel XML, checked like any
form (forms.model.check_form_schema) and stored through the procedure's
online form (``edit_form_schema``): in its working copy while citizens see
the procedure, published with ``@@guichet-form-version``
(browser.form_versions); the versions submissions depend on are kept. A change
that would make the form unusable is refused with the reason, and nothing
is stored: :class:`FormChangeRefused` stops the page that made the change
before it says it succeeded. The schema editor's forms show it as a form
error (z3c.form catches it); its other pages (delete, move, delete a step)
are replaced here by ones that show it as the site's message.
"""

from AccessControl.PermissionRole import rolesForPermissionOn
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.conditions import read_fieldset_conditions
from imio.guichet.forms.kinds import kind_of
from imio.guichet.forms.kinds import KINDS
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.model import new_field_name_problem
from imio.guichet.forms.serialize import form_xml
from plone import api
from plone.autoform.interfaces import WIDGETS_KEY
from plone.protect import CheckAuthenticator
from plone.schemaeditor.browser.field.edit import FieldEditForm
from plone.schemaeditor.browser.field.fieldset import ChangeFieldsetView
from plone.schemaeditor.browser.field.order import FieldOrderView
from plone.schemaeditor.browser.field.traversal import FieldContext
from plone.schemaeditor.browser.schema.add_field import FieldAddForm
from plone.schemaeditor.browser.schema.add_fieldset import FieldsetAddForm
from plone.schemaeditor.browser.schema.delete_fieldset import DeleteFieldset
from plone.schemaeditor.browser.schema.traversal import SchemaContext
from plone.schemaeditor.interfaces import IFieldContext
from plone.schemaeditor.interfaces import IFieldFactory
from plone.schemaeditor.interfaces import INewField
from plone.schemaeditor.interfaces import ISchemaContext
from plone.schemaeditor.interfaces import ISchemaModifiedEvent
from plone.schemaeditor.utils import SchemaModifiedEvent
from plone.schemaeditor.utils import sortedFields
from plone.supermodel import loadString
from plone.supermodel.interfaces import FIELDSETS_KEY
from plone.z3cform.layout import wrap_form
from Products.Five.browser import BrowserView
from z3c.form import button
from z3c.form import validator
from z3c.form.interfaces import ActionExecutionError
from z3c.form.interfaces import WidgetActionExecutionError
from zExceptions import Unauthorized
from zope.component import adapter
from zope.component import getUtilitiesFor
from zope.event import notify
from zope.globalrequest import getRequest
from zope.i18n import translate
from zope.i18nmessageid import MessageFactory
from zope.interface import implementer
from zope.interface import Invalid
from zope.location.interfaces import LocationError
from zope.traversing.interfaces import ITraversable


#: The schema editor's own messages (its buttons), translated by Plone.
_PLONE = MessageFactory("plone")


class IFormEditorContext(ISchemaContext):
    """The schema editor's context on a procedure's form."""


class IFormFieldContext(IFieldContext):
    """The schema editor's context on one field of a procedure's form."""


class FormChangeRefused(ActionExecutionError):
    """A change in the editor that would make the form unusable: nothing
    is stored. An ``ActionExecutionError``, so that the editor's forms
    show ``message`` as their error instead of their success message."""

    def __init__(self, message):
        super().__init__(Invalid(message))
        self.message = message


def refusal_message(invalid: InvalidFormSchema):
    return _(
        "error_form_not_saved",
        default="This change was not saved: it would make the form "
        "unusable (${problems}).",
        mapping={"problems": invalid.translated(getRequest())},
    )


def editor_field_types() -> list[str]:
    """The schema editor's field types a citizen form may use: the editor
    factory of each field kind (forms.kinds) that is registered. Never,
    for instance, rich text, images, passwords, relations to site content
    or the member profile's fields, whose values citizens could not give."""
    offered = {kind.editor_factory for kind in KINDS if kind.editor_factory}
    return [
        name for name, _factory in getUtilitiesFor(IFieldFactory) if name in offered
    ]


@implementer(IFormEditorContext)
class FormEditorContext(SchemaContext):
    """What ``@@form-fields`` traverses to: the procedure's form, editable."""

    enableFieldsets = True

    def __init__(self, context, request):
        self.procedure = context
        # A fresh copy: the editor changes the schema in place.
        # The working copy if changes wait, else the published form.
        xml = IOnlineForm(context).edited_form_schema
        self.model = loadString(xml)
        read_fieldset_conditions(xml, self.model.schema)  # steps' conditions
        super().__init__(
            self.model.schema,
            request,
            name=EDITOR_PATH,
            title=api.portal.translate(_("title_form_fields", default="Form fields")),
        )
        self.allowedFields = editor_field_types()
        # The editor's page title (instead of "Edit <title> (++form++fields)").
        self.label = self.Title()
        # The schema editor's pages need "Manage schemata", which Plone
        # gives to Managers and Site Administrators only, and which also
        # guards content types' schemas: never grant it site-wide. Here,
        # on this object only, whoever may modify the procedure has it.
        self._Manage_schemata_Permission = tuple(
            rolesForPermissionOn("Modify portal content", context)
        )

    def publishTraverse(self, request, name):
        try:
            field = self.schema[name]
        except KeyError:
            return super().publishTraverse(request, name)
        return FormFieldContext(field, self.request).__of__(self)


@implementer(IFormFieldContext)
class FormFieldContext(FieldContext):
    """One field of the form in the editor (its pages are ours, below)."""


#: Where the editor is: ``{procedure}/++form++fields``.
EDITOR_PATH = "++form++fields"


@implementer(ITraversable)
class FormNamespace:
    """``++form++fields`` on a procedure: the editor, wrapped in the procedure
    so that permissions are checked there, as on any page: the editor's
    pages need "Manage schemata", which the editor gives to whoever may
    modify the procedure; storing a change checks "Modify portal content"
    again (nobody is logged in yet while traversing)."""

    def __init__(self, context, request=None):
        self.context = context
        self.request = request

    def traverse(self, name, ignored):
        if name != "fields":
            raise LocationError(self.context, name)
        editor = FormEditorContext(self.context, self.request)
        return editor.__of__(self.context)


@adapter(IFormEditorContext, ISchemaModifiedEvent)
def store_edited_form(editor: FormEditorContext, event) -> None:
    """After each change in the editor: check the form, then store it;
    raises :class:`FormChangeRefused` (nothing stored) if it is unusable."""
    if not api.user.has_permission("Modify portal content", obj=editor.procedure):
        raise Unauthorized("You may not edit this procedure's form.")
    # The schema editor gives each new yes/no field a radio-button widget
    # directive; a form has none (a field's kind chooses its widget).
    editor.schema.setTaggedValue(WIDGETS_KEY, {})
    xml = form_xml(editor.model)
    try:
        check_form_schema(xml)
    except InvalidFormSchema as invalid:
        raise FormChangeRefused(refusal_message(invalid)) from None
    # Into the working copy while citizens see the procedure (they keep
    # the published form until "Publish this version of the form").
    IOnlineForm(editor.procedure).edit_form_schema(xml)


def show_refusal(refused: FormChangeRefused, request) -> None:
    """Say why a change was not stored, as the site's message (the page
    that shows it next is the editor's)."""
    api.portal.show_message(refused.message, request, type="error")


def answer_refusal(refused: FormChangeRefused, request, editor) -> str:
    """The answer of a page the editor's script calls (409: the script
    leaves the field where it was) or that a link opened (back to the
    editor); either way the site's message says why."""
    show_refusal(refused, request)
    if request.getHeader("X-Requested-With") == "XMLHttpRequest":
        request.response.setStatus(409)
    else:
        request.response.redirect(editor.absolute_url())
    return ""


class DeleteField(FieldOrderView):
    """``@@delete`` of a field: refused with why, if the form needs it."""

    def delete(self):
        try:
            return super().delete()
        except FormChangeRefused as refused:
            return answer_refusal(refused, self.request, self.__parent__.__parent__)


class MoveField(FieldOrderView):
    """``@@order`` (dragging a field): refused with why, if it breaks the form
    (a condition on a later field)."""

    def move(self, pos, fieldset_index):
        try:
            return super().move(pos, fieldset_index)
        except FormChangeRefused as refused:
            return answer_refusal(refused, self.request, self.__parent__.__parent__)


FIELD_MOVED = _("info_field_moved", default="The field was moved.")


class MoveFieldOnePlace(MoveField):
    """``@@move-field``: a field one place up or down within its step (the
    editor's "up" and "down" links, with the page's authenticator: the
    keyboard's way to do what dragging does, with the same checks; links,
    not forms, as the fields are inside the editor's own form), then back
    to the editor."""

    def __call__(self):
        CheckAuthenticator(self.request)
        editor = self.context.__parent__
        name = self.field.__name__
        step, names = 0, non_step_fields(self.schema)
        for index, fieldset in enumerate(
            self.schema.queryTaggedValue(FIELDSETS_KEY, [])
        ):
            if name in fieldset.fields:
                step, names = index + 1, list(fieldset.fields)
        place = names.index(name) + (
            -1 if self.request.form.get("direction") == "up" else 1
        )
        if 0 <= place < len(names):
            # move() takes a place in the step, or in the whole form for the
            # fields outside any step (as the editor's script sends them).
            ordered = [info[0] for info in sortedFields(self.schema)]
            position = place if step else ordered.index(names[place])
            if self.move(position, step) is None:
                api.portal.show_message(FIELD_MOVED, self.request)
        return self.request.response.redirect(
            f"{editor.absolute_url()}#form-widgets-{name}"
        )


def non_step_fields(schema) -> list[str]:
    """The names of the fields outside any step, in the form's order."""
    in_steps = {
        name
        for fieldset in schema.queryTaggedValue(FIELDSETS_KEY, [])
        for name in fieldset.fields
    }
    return [name for name, _field in sortedFields(schema) if name not in in_steps]


class ChangeFieldStep(ChangeFieldsetView):
    """``@@changefieldset`` (dragging a field to another step)."""

    def change(self, fieldset_index):
        try:
            return super().change(fieldset_index)
        except FormChangeRefused as refused:
            return answer_refusal(refused, self.request, self.__parent__.__parent__)


class DeleteStep(DeleteFieldset):
    """``@@delete-fieldset``: its success message only once it is stored."""

    @property
    def nextURL(self):
        # Not the referrer (none: the schema editor redirected to "").
        return self.context.absolute_url()

    def __call__(self):
        try:
            return super().__call__()
        except FormChangeRefused as refused:
            # The success message was not added: it comes after the change.
            show_refusal(refused, self.request)
            return self.request.response.redirect(self.context.absolute_url())


class FormXmlView(BrowserView):
    """@@form-xml: download the form as supermodel XML (GET), or replace it
    by an uploaded one (POST, checked first)."""

    def __call__(self):
        self.error = None
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            upload = self.request.form.get("xml")
            data = upload.read(1_000_000) if hasattr(upload, "read") else b""
            try:
                xml = data.decode("utf-8")
                check_form_schema(xml)
            except UnicodeDecodeError:
                self.request.response.setStatus(400)
                # Not Python's words.
                self.error = translate(
                    _("error_form_xml_not_utf8", default="The file is not UTF-8 text."),
                    context=self.request,
                )
                return self.index()
            except InvalidFormSchema as invalid:
                self.request.response.setStatus(400)
                self.error = invalid.translated(self.request)  # our own message
                return self.index()
            IOnlineForm(self.context).edit_form_schema(xml)
            api.portal.show_message(
                _("info_form_imported", default="The form was replaced."),
                self.request,
            )
            self.request.response.redirect(self.editor_url())
            return ""
        if self.request.form.get("download"):
            response = self.request.response
            response.setHeader("Content-Type", "application/xml; charset=utf-8")
            response.setHeader(
                "Content-Disposition",
                f'attachment; filename="{self.context.getId()}.xml"',
            )
            return IOnlineForm(self.context).edited_form_schema
        return self.index()

    def editor_url(self) -> str:
        """The form editor of the procedure (its "Edit the fields" link)."""
        return f"{self.context.absolute_url()}/{EDITOR_PATH}"


class NewFieldName(validator.SimpleFieldValidator):
    """The short name of a field added in the form editor: refused next to
    it, in the webmaster's words, when the form has it already or cannot
    use it (plone.schemaeditor would accept ``lastName`` or ``a.b``, then
    the form's check refuse it at the top of the page, in the XML's words)."""

    def validate(self, value, force=False):
        super().validate(value, force)
        editor = getattr(self.view, "context", None)
        if value and IFormEditorContext.providedBy(editor):
            problem = new_field_name_problem(value, editor.schema)
            if problem is not None:
                raise Invalid(problem)


validator.WidgetValidatorDiscriminators(NewFieldName, field=INewField["__name__"])


class FormFieldEditForm(FieldEditForm):
    """A field's settings: saved, or refused with why; never both."""

    @button.buttonAndHandler(_PLONE("Save"), name="save")
    def handleSave(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        # The kind's own settings that cannot go together (a latest date
        # before the earliest): refused next to the setting, with the limits.
        kind = kind_of(self.field)
        problems = kind.settings_problems(data) if kind is not None else {}
        for name, message in problems.items():
            if name in self.widgets:
                raise WidgetActionExecutionError(name, Invalid(message))
        # As the schema editor does: clear the bounds before setting them,
        # so that a new minimum above the old maximum is not refused.
        if "min" in data:
            self.field.min = None
        if "max" in data:
            self.field.max = None
        changes = self.applyChanges(data)
        # Stored first (FormChangeRefused stops here), then said.
        notify(SchemaModifiedEvent(self.context.__parent__))
        api.portal.show_message(
            self.successMessage if changes else self.noChangesMessage, self.request
        )
        self.redirectToParent()  # the editor, where the change shows

    @button.buttonAndHandler(_PLONE("Cancel"), name="cancel")
    def handleCancel(self, action):
        self.redirectToParent()


# The editor's pages are full pages of the site (Plone's layout: its
# title, its language, its navigation), opened by plain links: Plone's
# dialogs (pat-plone-modal) evaluate strings as scripts, which the
# guichet's Content-Security-Policy refuses ("unsafe-eval"), so that a
# dialog would never open.
FormFieldEditView = wrap_form(FormFieldEditForm)


class FormFieldAddForm(FieldAddForm):
    """``@@add-field``: then back to the editor, at the new field (not to
    an empty add form, as in the schema editor's dialog)."""

    added = None

    def add(self, new_field):
        super().add(new_field)
        self.added = new_field.__name__

    def nextURL(self):
        anchor = f"#form-widgets-{self.added}" if self.added else ""
        return f"{self.context.absolute_url()}{anchor}"


FormFieldAddView = wrap_form(FormFieldAddForm)


class FormStepAddForm(FieldsetAddForm):
    """``@@add-fieldset``: a step, then back to the editor."""

    def nextURL(self):
        return self.context.absolute_url()


FormStepAddView = wrap_form(FormStepAddForm)
