"""What is worked out of a form's schema, once per schema.

A form's schema is built from one text of its XML (``forms.model`` keeps
the schemas it parsed, by XML text) and never changes afterwards: saving
the form again gives new XML, hence a new schema object. So what the
guichet derives from a schema on every request (its conditions, its steps)
is kept on the schema object itself, computed the first time it is asked:
it lives and dies with the schema (bounded as ``forms.model``'s cache is),
and a new version of the form starts with nothing.

Never key a cache on the schema itself: every form's schema has the same
name and module, so any two of them compare equal and hash alike.
"""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar


_ATTRIBUTE = "_imio_guichet_derived"
T = TypeVar("T")


def per_schema(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate ``function(schema)``, whose result depends on the schema
    only and is never changed by its callers (return immutable values):
    it is computed once per schema object."""
    key = f"{function.__module__}.{function.__qualname__}"

    @wraps(function)
    def derived(schema) -> T:
        memo = schema.__dict__.get(_ATTRIBUTE)
        if memo is None:
            # Two threads may both compute it: same value, no harm.
            memo = {}
            setattr(schema, _ATTRIBUTE, memo)
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = function(schema)
            return value

    derived.uncached = function
    return derived
