"""A procedure's form in Plone's schema editor (``++form++fields``), and its
XML exported and imported (``@@form-xml``).

The editor works on a fresh, mutable copy of the form's schema (the parsed
schemas of forms/model.py are shared and must never change). Every change
the editor makes is serialised back to supermodel XML, checked like any
form (forms.model.check_form_schema) and stored through the procedure's
``form_schema``, which keeps the versions submissions depend on. A change
that would make the form unusable is refused with the reason, and nothing
is stored.
"""

from AccessControl.PermissionRole import rolesForPermissionOn
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.kinds import KINDS
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from plone import api
from plone.protect import CheckAuthenticator
from plone.schemaeditor.browser.schema.traversal import SchemaContext
from plone.schemaeditor.interfaces import IFieldFactory
from plone.schemaeditor.interfaces import ISchemaContext
from plone.schemaeditor.interfaces import ISchemaModifiedEvent
from plone.supermodel import loadString
from plone.supermodel import serializeModel
from Products.Five.browser import BrowserView
from zExceptions import Unauthorized
from zope.component import adapter
from zope.component import getUtilitiesFor
from zope.interface import implementer
from zope.location.interfaces import LocationError
from zope.traversing.interfaces import ITraversable


class IFormEditorContext(ISchemaContext):
    """The schema editor's context on a procedure's form."""


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
        self.model = loadString(IOnlineForm(context).form_schema)
        super().__init__(
            self.model.schema,
            request,
            name=EDITOR_PATH,
            title=api.portal.translate(_("title_form_fields", default="Form fields")),
        )
        self.allowedFields = editor_field_types()
        # The schema editor's pages need "Manage schemata", which Plone
        # gives to Managers and Site Administrators only, and which also
        # guards content types' schemas: never grant it site-wide. Here,
        # on this object only, whoever may modify the procedure has it.
        self._Manage_schemata_Permission = tuple(
            rolesForPermissionOn("Modify portal content", context)
        )


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
    """After each change in the editor: check the form, then store it."""
    if not api.user.has_permission("Modify portal content", obj=editor.procedure):
        raise Unauthorized("You may not edit this procedure's form.")
    xml = serializeModel(editor.model)
    try:
        check_form_schema(xml)
    except InvalidFormSchema as invalid:
        # Not stored: the editor shows the stored form again, with why. (The
        # change may come from any of the editor's pages: add, edit, delete,
        # move; each shows the site's messages.)
        api.portal.show_message(
            _(
                "error_form_not_saved",
                default="This change was not saved: it would make the form "
                "unusable (${problems}).",
                mapping={"problems": str(invalid)},
            ),
            editor.request,
            type="error",
        )
        return
    IOnlineForm(editor.procedure).form_schema = xml


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
                self.error = "The file is not UTF-8 text."  # not Python's words
                return self.index()
            except InvalidFormSchema as invalid:
                self.request.response.setStatus(400)
                self.error = str(invalid)  # our own message
                return self.index()
            IOnlineForm(self.context).form_schema = xml
            api.portal.show_message(
                _("info_form_imported", default="The form was replaced."),
                self.request,
            )
            self.request.response.redirect(
                f"{self.context.absolute_url()}/{EDITOR_PATH}"
            )
            return ""
        if self.request.form.get("download"):
            response = self.request.response
            response.setHeader("Content-Type", "application/xml; charset=utf-8")
            response.setHeader(
                "Content-Disposition",
                f'attachment; filename="{self.context.getId()}.xml"',
            )
            return IOnlineForm(self.context).form_schema
        return self.index()
