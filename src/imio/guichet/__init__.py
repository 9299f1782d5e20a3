"""imio.guichet: online procedures, citizen submissions and a back-office API."""

from zope.i18nmessageid import MessageFactory


PACKAGE_NAME = "imio.guichet"

_ = MessageFactory(PACKAGE_NAME)
