"""The form's XML in a procedure's own JSON (``GET {procedure}``)."""

from imio.guichet.content.behaviors import IFormSchemaField
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.interfaces import IImioGuichetLayer
from imio.guichet.usecases.forms import may_edit_form
from plone.restapi.interfaces import IFieldSerializer
from plone.restapi.serializer.dxfields import DefaultFieldSerializer
from zope.component import adapter
from zope.interface import implementer


@adapter(IFormSchemaField, IHasOnlineForm, IImioGuichetLayer)
@implementer(IFieldSerializer)
class FormSchemaSerializer(DefaultFieldSerializer):
    """For who edits the form, the form being edited (the working copy
    that a ``PATCH`` writes): reading, changing and writing it back keeps
    the changes not published yet. For others, the published form."""

    def get_value(self, default=None):
        form = IOnlineForm(self.context)
        if may_edit_form(self.context):
            return form.edited_form_schema
        return form.form_schema
