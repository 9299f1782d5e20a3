"""What every service of the guichet shares: its caller, and the one way a
refusal of the core becomes an answer."""

from functools import cached_property
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.methods import refuse_method
from imio.guichet.services.methods import serves
from imio.guichet.services.traversal import PathService

import json


class GuichetService(PathService):
    """A service whose ``reply()`` parses, calls a use case and serializes:
    a :class:`~imio.guichet.errors.GuichetError` raised on the way is
    answered here, as JSON with its status and headers.

    It takes what follows its name in the URL (``self.path``), and
    ``paths`` are those it serves (``services/methods.py``): any other is
    answered 405 (or 404) before ``reply()``, whichever method's service
    traversed it."""

    paths = ((),)
    #: The longest path of the guichet: @submissions/{id}/@attachments/{name}.
    max_path = 3

    @cached_property
    def caller(self) -> Caller:
        return caller_from_request(self.request, REST)

    def render(self):
        try:
            if not serves(self.paths, tuple(getattr(self, "path", ()))):
                refuse_method(self)
            return super().render()
        except GuichetError as exc:
            answer = guichet_error(self.request, exc)
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(answer, indent=2, sort_keys=True, separators=(", ", ": "))
