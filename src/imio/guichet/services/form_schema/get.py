"""GET {procedure}/@form-schema: the form as JSON Schema (draft 2020-12)."""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import access_denied
from imio.guichet.services.errors import error
from imio.guichet.submissions.access import may_see_form
from imio.guichet.submissions.query import whole_number
from plone import api


class FormSchemaGet(GuichetService):
    def reply(self):
        procedure = self.context
        if not may_see_form(procedure):
            return access_denied(self.request)
        form = IOnlineForm(procedure)
        version = self.request.form.get("version", form.form_schema_version)
        if whole_number(version) is not None:
            version = whole_number(version)
        try:
            schema = form.get_form_schema(version)
        except (KeyError, TypeError):
            return error(self.request, 400, "No such version of this form.")
        except InvalidFormSchema:
            return error(self.request, 503, "This procedure's form is unavailable.")
        return form_json_schema(
            schema,
            schema_id=f"{procedure.absolute_url()}/@form-schema?version={version}",
            title=procedure.title,
            description=procedure.description,
            version=version,
            language=api.portal.get_current_language(),
            context=procedure,
        )
