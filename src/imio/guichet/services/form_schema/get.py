"""GET {procedure}/@form-schema: the form as JSON Schema (draft 2020-12)."""

from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases.forms import form_schema


class FormSchemaGet(GuichetService):
    def reply(self):
        procedure = self.context
        schema, version = form_schema(
            self.caller, procedure, self.request.form.get("version")
        )
        return form_json_schema(
            schema,
            schema_id=f"{procedure.absolute_url()}/@form-schema?version={version}",
            title=procedure.title,
            description=procedure.description,
            version=version,
            language=self.caller.language,
            context=procedure,
        )
