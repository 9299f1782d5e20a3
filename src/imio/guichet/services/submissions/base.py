"""What the services on submissions share: the id and action read from the
URL, and the JSON body."""

from imio.guichet.content.translations import canonical_uid
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import NotFound
from imio.guichet.services.base import GuichetService
from imio.guichet.services.base import read_json_body
from plone.base.interfaces import IPloneSiteRoot


class SubmissionService(GuichetService):
    """Takes what follows the service's name: ``{id}`` and, for actions,
    ``@action``."""

    @property
    def within(self) -> str | None:
        """The procedure the service is called on (None: the site); only
        its submissions are found there."""
        if IPloneSiteRoot.providedBy(self.context):
            return None
        return canonical_uid(self.context)

    @property
    def submission_id(self) -> str:
        if not self.path:
            raise NotFound("No such submission.")
        return self.path[0]


def json_object(request, allowed: set[str]) -> dict:
    """The JSON object in the body (empty body: ``{}``); raises
    :class:`~imio.guichet.errors.InvalidInput`."""
    body = read_json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    unexpected = sorted(set(body) - allowed)
    if unexpected:
        raise InvalidInput(f"Unknown keys: {', '.join(unexpected)}")
    return body


def message_and_files(
    request, allowed: frozenset[str] = frozenset()
) -> tuple[str, list]:
    """``{"message": "...", "files": [file objects]}`` (and the ``allowed``
    other keys): the message and its files; raises
    :class:`~imio.guichet.errors.InvalidInput`."""
    body = json_object(request, {"message", "files", *allowed})
    message, files = body.get("message") or "", body.get("files") or []
    if not isinstance(message, str):
        raise InvalidInput('"message" must be text.')
    if not isinstance(files, list):
        raise InvalidInput('"files" must be a list of file objects.')
    return message, files
