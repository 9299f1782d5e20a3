"""{site}/@guichet-mail-outbox: the e-mail outbox, for Site Administrators.

``GET``: how many e-mails wait (``pending``) or were given up (``failed``),
and the last attempts to send them, newest first (recipients masked, no
message bodies). ``POST {"action": "retry-failed"}``: send the failed ones
again now; the answer is the outbox as ``GET`` shows it, with ``retried``.
"""

from imio.guichet.errors import InvalidInput
from imio.guichet.services.base import GuichetService
from imio.guichet.services.submissions.base import json_object
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


RETRY_FAILED = "retry-failed"


def serialize_outbox(context, state) -> dict:
    return {
        "@id": f"{context.absolute_url()}/@guichet-mail-outbox",
        "pending": state.pending,
        "failed": state.failed,
        "attempts": state.attempts,
    }


class MailOutboxGet(GuichetService):
    def reply(self):
        return serialize_outbox(self.context, admin.read_mail_outbox(self.caller))


class MailOutboxPost(GuichetService):
    def reply(self):
        # A JSON API authenticated per request, not by a browser cookie
        # alone: plone.restapi's own services disable CSRF the same way.
        alsoProvides(self.request, IDisableCSRFProtection)
        action = json_object(self.request, {"action"}).get("action")
        if action != RETRY_FAILED:
            raise InvalidInput(f'"action" must be "{RETRY_FAILED}".')
        retried = admin.retry_failed_mail(self.caller)
        state = admin.read_mail_outbox(self.caller)
        return {**serialize_outbox(self.context, state), "retried": retried}
