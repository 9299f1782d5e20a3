"""Procedure models: a procedure written once by an authority (or the
cooperative) and reused by others with their own local settings.

A model is published as versioned *packages* (``package.py``: one JSON
document, with its JSON Schema in ``package.schema.json``); a site keeps
the versions it published (``publication.py``) and, for each procedure it
made from a model, where it came from (``origin.py``). See docs/models.md.
"""
