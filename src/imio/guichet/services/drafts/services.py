"""The ``@drafts`` services: parse, call the use case, serialise (a
refusal is answered by :class:`~imio.guichet.services.base.GuichetService`)."""

from imio.guichet.errors import InvalidInput
from imio.guichet.errors import NotFound
from imio.guichet.services.base import GuichetService
from imio.guichet.services.drafts import DRAFT_SECRET_HEADER
from imio.guichet.services.drafts import draft_url
from imio.guichet.services.drafts import serialize_draft
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.usecases import drafts
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


BODY = 'The body must be {"data": {...}}, the form\'s fields in "data".'


def answers_of(request) -> dict:
    """The ``data`` object of the JSON body (InvalidInput if none)."""
    body = json_object(request, {"data"})
    if not isinstance(body.get("data"), dict):
        raise InvalidInput(BODY)
    return body["data"]


class DraftsPost(GuichetService):
    """POST {procedure}/@drafts: save a new draft of the procedure's form."""

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        answers = answers_of(self.request)
        saved = drafts.save_draft(self.caller, self.context, answers)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", draft_url(saved.draft))
        # Sent once: only its hash is kept.
        secret = {"secret": saved.secret} if saved.secret else {}
        return {**serialize_draft(saved.draft), **secret}


class DraftService(GuichetService):
    """{site}/@drafts/{id}: one draft, for its owner or with its secret;
    subclasses ``act(caller, draft_id, secret)``."""

    paths = ((ANY,),)

    def reply(self):
        if len(self.path) != 1:
            raise NotFound()
        secret = self.request.getHeader(DRAFT_SECRET_HEADER) or None
        return self.act(self.caller, self.path[0], secret)


class DraftGet(DraftService):
    def act(self, caller, draft_id, secret):
        self.request.response.setHeader("Cache-Control", "private, no-store")
        return serialize_draft(drafts.open_draft(caller, draft_id, secret=secret))


class DraftPatch(DraftService):
    """Replace the draft's answers (``{"data": {...}}``, all of them)."""

    def act(self, caller, draft_id, secret):
        alsoProvides(self.request, IDisableCSRFProtection)
        answers = answers_of(self.request)
        draft = drafts.update_draft(caller, draft_id, answers, secret=secret)
        return serialize_draft(draft)


class DraftDelete(DraftService):
    def act(self, caller, draft_id, secret):
        alsoProvides(self.request, IDisableCSRFProtection)
        drafts.delete_draft(caller, draft_id, secret=secret)
        return self.reply_no_content()
