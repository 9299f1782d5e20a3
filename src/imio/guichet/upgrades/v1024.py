"""1024: procedures are translatable where plone.app.multilingual is
installed (it gives its behavior only to the types present when it was
installed itself); nothing changes on a site without it."""

from imio.guichet.content.translations import make_procedures_translatable
from plone import api


def make_translatable():
    make_procedures_translatable(api.portal.get())
