"""``{procedure}/@form-version``: the working copy of a procedure's form
over REST (docs/forms.md): GET its state and the check before publishing,
POST ``{"action": "publish"}`` or ``{"action": "discard"}``."""

from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidInput
from imio.guichet.i18n import translate_for
from imio.guichet.services.base import GuichetService
from imio.guichet.services.base import read_json_body
from imio.guichet.usecases import forms
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


ACTIONS = ("publish", "discard")


def serialize_warnings(warnings, language) -> list[dict]:
    return [
        {
            "code": warning.code,
            "field": warning.field,
            "message": translate_for(warning.message, language),
        }
        for warning in warnings
    ]


class FormVersionGet(GuichetService):
    def reply(self):
        status = forms.form_version_status(self.caller, self.context)
        return {
            "@id": f"{self.context.absolute_url()}/@form-version",
            "version": status.version,
            "changes_waiting": status.changes_waiting,
            "warnings": serialize_warnings(status.warnings, self.caller.language),
        }


class FormVersionPost(GuichetService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        body = read_json_body(self.request)
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ACTIONS:
            raise InvalidInput(
                "The action must be publish or discard.",
                fields=[FieldError("action", "invalid", "Either publish or discard.")],
            )
        if action == "discard":
            forms.discard_form_changes(self.caller, self.context)
            return FormVersionGet.reply(self)
        published = forms.publish_form_version(self.caller, self.context)
        return {
            "@id": f"{self.context.absolute_url()}/@form-version",
            "version": published.version,
            "changes_waiting": False,
            "warnings": serialize_warnings(published.warnings, self.caller.language),
        }
