"""The guichet's own field classes in a form's XML (plone.supermodel) and
in the form editor (plone.schemaeditor), registered from the kinds.

``<guichet:fieldKinds />`` (see configure.zcml) registers, for every kind
with an ``editor_title`` (the field classes of forms.fields), the
supermodel handler that reads and writes ``<field type="...">`` and the
schema editor's factory that offers it: a new kind needs no ZCML of its
own.
"""

from imio.guichet.forms.kinds import KINDS
from plone.schemaeditor.fields import FieldFactory
from plone.schemaeditor.interfaces import IFieldFactory
from plone.supermodel.exportimport import BaseHandler
from plone.supermodel.interfaces import IFieldExportImportHandler
from zope.component.zcml import utility
from zope.interface import Interface


class IFieldKindsDirective(Interface):
    """``<guichet:fieldKinds />`` takes no attribute."""


def own_field_classes() -> list[tuple[str, type, object]]:
    """(dotted name, field class, editor title) of the kinds' own classes."""
    return [
        (f"{cls.__module__}.{cls.__name__}", cls, kind.editor_title)
        for kind in KINDS
        if kind.editor_title is not None
        for cls in kind.field_classes
    ]


def field_kinds(_context) -> None:
    """Handler of ``<guichet:fieldKinds />``."""
    for name, cls, title in own_field_classes():
        utility(
            _context,
            provides=IFieldExportImportHandler,
            component=BaseHandler(cls),
            name=name,
        )
        utility(
            _context,
            provides=IFieldFactory,
            component=FieldFactory(cls, title),
            name=name,
        )
