"""GET {procedure}/@form-schema: the form as JSON Schema (draft 2020-12)."""

from imio.guichet.channels.caller import accepted_language
from imio.guichet.content.translations import reading_language
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.i18n import site_languages
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases.forms import form_schema


class FormSchemaGet(GuichetService):
    def reply(self):
        procedure = self.context
        # Accept-Language when it asks for one of the site's languages, else
        # the translation's own (its URL), else the site's negotiation.
        language = accepted_language(self.request, site_languages())
        language = language or reading_language(procedure, self.caller.language)
        schema, version = form_schema(
            self.caller, procedure, self.request.form.get("version"), language
        )
        return form_json_schema(
            schema,
            schema_id=f"{procedure.absolute_url()}/@form-schema?version={version}",
            title=procedure.title,
            description=procedure.description,
            version=version,
            language=language,
            context=procedure,
        )
