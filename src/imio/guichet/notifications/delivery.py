"""Send e-mails only if the transaction that made them commits.

Products.MailHost's ``send(immediate=False)`` is transactional, but without
a mail queue it connects to the SMTP server when the transaction *votes*:
a server that is down or slow would then abort (or delay) the citizen's
submission itself. So:

- when the MailHost has a queue (``smtp_queue``), messages go to its
  maildir, which ZODB's two-phase commit keeps or drops with the
  transaction, and a thread delivers them;
- otherwise they are sent right after the commit, by an after-commit hook.

Either way, a failure to send is logged and never makes the request fail.
"""

from email.message import EmailMessage
from plone import api

import logging
import transaction


logger = logging.getLogger(__name__)


def send_after_commit(messages: list[EmailMessage]) -> None:
    """Send ``messages`` if, and once, the current transaction commits."""
    messages = [message for message in messages if message is not None]
    if not messages:
        return
    mailhost = api.portal.get_tool("MailHost")
    if getattr(mailhost, "smtp_queue", False):
        for message in messages:
            _send(mailhost, message, immediate=False)
        return
    transaction.get().addAfterCommitHook(_after_commit, args=(mailhost, messages))


def _after_commit(committed: bool, mailhost, messages: list[EmailMessage]) -> None:
    if not committed:
        return
    for message in messages:
        _send(mailhost, message, immediate=True)


def _send(mailhost, message: EmailMessage, *, immediate: bool) -> None:
    try:
        mailhost.send(
            message,
            mto=message["To"],
            mfrom=message["From"],
            immediate=immediate,
        )
    except Exception:
        # The request (already committed, or committing) must not fail for
        # an e-mail: say which one was lost, without its content.
        logger.exception(
            "Could not send the e-mail %r to %s", message["Subject"], message["To"]
        )
