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
from plone.restapi.services import Service

import json


class GuichetService(Service):
    """A service whose ``reply()`` parses, calls a use case and serializes:
    a :class:`~imio.guichet.errors.GuichetError` raised on the way is
    answered here, as JSON with its status and headers.

    ``paths`` are the paths below the service's name that it serves
    (``services/methods.py``); any other is answered 405 (or 404) before
    ``reply()``."""

    paths = ((),)

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
