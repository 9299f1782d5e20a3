"""GET {procedure}/@form-schema: the form as JSON Schema (draft 2020-12)."""

from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.services.errors import error
from plone.restapi.services import Service


class FormSchemaGet(Service):
    def reply(self):
        procedure = self.context
        version = self.request.form.get("version")
        try:
            version = int(version) if version else procedure.form_schema_version
            schema = procedure.get_form_schema(version)
        except (ValueError, KeyError):
            return error(self.request, 400, f"No form version {version!r}.")
        url = f"{procedure.absolute_url()}/@form-schema?version={version}"
        return form_json_schema(
            schema,
            schema_id=url,
            title=procedure.title,
            description=procedure.description,
            version=version,
            context=procedure,
            request=self.request,
        )
