"""The ``@drafts`` services: parse, call the use case, serialise."""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import NotFound
from imio.guichet.services.drafts import DRAFT_SECRET_HEADER
from imio.guichet.services.drafts import draft_url
from imio.guichet.services.drafts import serialize_draft
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.traversal import PathService
from imio.guichet.usecases import drafts
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.services import Service
from zope.interface import alsoProvides


BODY = 'The body must be {"data": {...}}, the form\'s fields in "data".'


def answers_of(request) -> dict:
    """The ``data`` object of the JSON body (InvalidInput if none)."""
    body = json_object(request, {"data"})
    if not isinstance(body.get("data"), dict):
        raise InvalidInput(BODY)
    return body["data"]


class DraftsPost(Service):
    """POST {procedure}/@drafts: save a new draft of the procedure's form."""

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        caller = caller_from_request(self.request, REST)
        try:
            saved = drafts.save_draft(caller, self.context, answers_of(self.request))
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", draft_url(saved.draft))
        # Sent once: only its hash is kept.
        secret = {"secret": saved.secret} if saved.secret else {}
        return {**serialize_draft(saved.draft), **secret}


class DraftService(PathService):
    """{site}/@drafts/{id}: one draft, for its owner or with its secret;
    subclasses ``act(caller, draft_id, secret)``."""

    def reply(self):
        caller = caller_from_request(self.request, REST)
        secret = self.request.getHeader(DRAFT_SECRET_HEADER) or None
        try:
            if len(self.path) != 1:
                raise NotFound()
            return self.act(caller, self.path[0], secret)
        except GuichetError as exc:
            return guichet_error(self.request, exc)


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
