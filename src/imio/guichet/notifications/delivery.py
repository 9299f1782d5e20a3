"""Queue e-mails in the transaction that makes them: they are sent if, and
once, it commits, by the outbox's worker (:mod:`.outbox`), never from the
request. A Plone MailHost's own queue (``smtp_queue``) is not used: the
outbox replaces it."""

from imio.guichet.notifications import outbox
from imio.guichet.notifications.composing import Composed
from plone import api


def queue_messages(messages: list[Composed | None]) -> int:
    """Queue ``messages`` (None ones are skipped: no e-mail to send) in the
    site's outbox; return how many were queued."""
    messages = [message for message in messages if message is not None]
    if not messages:
        return 0
    return outbox.queue(api.portal.get(), messages)
