"""The e-mail outbox: messages kept in the ZODB until an SMTP server took them.

An e-mail is queued in the transaction that files or changes a submission
(or saves a draft): it exists if and only if that transaction commits, and
survives a restart. Nothing is sent from the request: a background thread
(:mod:`imio.guichet.outbox_worker`, as for webhooks) sends it after the commit,
with a short timeout, and retries with an exponential backoff; after
``MAX_ATTEMPTS`` (or a permanent refusal, SMTP 5xx) the message is kept as
*failed*, for a Site Administrator to see and send again.

Why smtplib and not the MailHost: ``MailHost._send`` goes through
``zope.sendmail``'s ``SMTPMailer``, which opens its connection without a
timeout (a server that accepts and never answers holds the thread for
ever), and its queue is the one that did not resend (see the docs). The
server, port and credentials are Plone's Mail control panel settings
(``IMailSchema``), which is also where the MailHost takes them from.
"""

from BTrees.OOBTree import OOBTree
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from functools import partial
from imio.guichet import outbox_worker
from imio.guichet.backlog import Backlog
from imio.guichet.backlog import queue_backlog
from imio.guichet.metrics import counters
from imio.guichet.notifications.composing import Composed
from imio.guichet.storage import CompactRecord
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import site_store
from imio.guichet.storage import sort_key
from imio.guichet.storage import TimeMap
from pathlib import Path
from persistent import Persistent
from plone.base.interfaces.controlpanel import IMailSchema
from plone.registry.interfaces import IRegistry
from transaction.interfaces import TransientError
from ZODB.POSException import ConflictError
from ZODB.POSException import POSKeyError
from ZODB.POSException import StorageError
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import hashlib
import logging
import os
import smtplib
import ssl
import time
import transaction
import uuid
import zlib


logger = logging.getLogger("imio.guichet.notifications.delivery")

ANNOTATION_KEY = "imio.guichet.mail_outbox"

#: Delay after the n-th failed attempt: BACKOFF_BASE * 2**(n - 1), at most
#: BACKOFF_MAX; after MAX_ATTEMPTS the message is marked failed.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about 14.5 hours of retries in all
#: Seconds an SMTP server has to answer each step (environment variable
#: ``GUICHET_SMTP_TIMEOUT`` overrides it).
DEFAULT_TIMEOUT = 10.0
#: How long an instance may take to send a batch of messages before another
#: may (at least, see lease_seconds: twice the longest conversation of one
#: of its messages, every step of it timing out).
LEASE = timedelta(minutes=5)
#: Attempts kept in the log shown to Site Administrators.
LOG_SIZE = 200
#: Messages sent together: leased by one commit, handed over one SMTP
#: connection, their outcomes recorded by one commit. A burst of filings
#: leaves many due at once, and two commits and a connection per message
#: were most of what the worker cost (bench/README.md).
BATCH = 50


def smtp_timeout() -> float:
    value = os.environ.get("GUICHET_SMTP_TIMEOUT", "")
    try:
        return float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


#: zlib's preset dictionaries a body may be compressed with: version ->
#: (file, its sha256). E-mails of one template share most of their bytes,
#: which compressing each alone cannot use (the confirmation of
#: tests/core/test_mail_records.py: about a third of its size compressed
#: alone). Frozen: a body names the version it was compressed with, and
#: reading it needs that very dictionary; a new one is a new file and a
#: new version (scripts/make_mail_dictionary.py), the old ones stay.
_DICTIONARY_FILES = {
    1: (
        "mail-dictionary-1.zdict",
        "cf9dbe7741b6a2c200913bb072d612e45b05f3cb1de1e5f297b3affe85f4fca2",
    ),
}
#: The dictionary new bodies are compressed with.
MAIL_DICTIONARY = 1


def _dictionaries() -> dict[int, bytes]:
    """Each released dictionary, checked: a damaged file stops the instance
    at its start, instead of failing every e-mail queued with it."""
    found = {}
    for version, (name, digest) in _DICTIONARY_FILES.items():
        data = (Path(__file__).parent / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise RuntimeError(f"{name} is not the released mail dictionary")
        found[version] = data
    return found


MAIL_DICTIONARIES = _dictionaries()


class UnknownMailDictionary(LookupError):
    """A body compressed by a later release (retried: that release's
    instances send it, or this one once upgraded)."""


class MailBody(Persistent):
    """A message's bytes, apart from its :class:`Mail`: written once, when
    queued, while the mail is written again on every attempt (its lease,
    its outcome). Kept compressed (zlib, with a preset dictionary of the
    default messages: :data:`MAIL_DICTIONARIES`): every filing writes one."""

    #: False for bodies stored before they were compressed.
    compressed = False
    #: The version of the dictionary it was compressed with; None for
    #: bodies compressed before dictionaries.
    dictionary = None

    def __init__(self, data: bytes):
        compressor = zlib.compressobj(level=9, zdict=MAIL_DICTIONARIES[MAIL_DICTIONARY])
        self.data = compressor.compress(data) + compressor.flush()
        self.compressed = True
        self.dictionary = MAIL_DICTIONARY

    @property
    def message(self) -> bytes:
        if not self.compressed:
            return self.data
        if self.dictionary is None:
            return zlib.decompress(self.data)
        dictionary = MAIL_DICTIONARIES.get(self.dictionary)
        if dictionary is None:
            raise UnknownMailDictionary(f"mail dictionary {self.dictionary}")
        decompressor = zlib.decompressobj(zdict=dictionary)
        message = decompressor.decompress(self.data) + decompressor.flush()
        if not decompressor.eof or decompressor.unused_data:
            # As zlib.decompress: a cut or padded body is damaged, not sent.
            raise zlib.error("incomplete or damaged mail body")
        return message


class Mail(CompactRecord):
    """One message to send, as bytes (its :class:`MailBody`), with its
    envelope; written as a compact record (every filing queues one or two,
    each written again by its lease)."""

    RECORD = (
        "id",
        "body",
        "mfrom",
        "mto",
        "subject",
        "queued",
        "attempts",
        "next_attempt",
        "leased_until",
        "last_error",
        "failed",
        "arrival_key",
        "left_queue_at",
    )
    RECORD_TIMES = frozenset({"queued", "next_attempt", "leased_until", "failed"})

    #: None for messages queued before bodies were kept apart (their bytes
    #: are in their own ``message`` attribute).
    body = None

    #: Its key in the outbox's ``pending`` (when it arrived there).
    arrival_key = None

    def __init__(self, message: Composed, *, now: datetime):
        self.id = uuid.uuid4().hex
        self.body = MailBody(message.data)
        self.mfrom = message.sender
        self.mto = message.recipients
        #: For the logs and the Site Administrator: a reference, a procedure
        #: and a state, never the citizen's data (see messages.py).
        self.subject = message.subject
        self.queued = now
        self.attempts = 0
        self.next_attempt = now
        #: Set while an instance is sending it, so that others leave it.
        self.leased_until = None
        self.last_error = None
        self.failed = None  # when it was given up

    @property
    def message(self) -> bytes:
        if self.body is not None:
            return self.body.message
        return vars(self)["message"]  # queued before bodies were kept apart


class MailOutbox(Persistent):
    def __init__(self):
        # Keyed by when each message (re)entered the outbox, in shards:
        # concurrent filings each add messages without conflicts; how many
        # wait and since when are read without loading them (backlog.py).
        self.pending = TimeMap()  # arrival key -> Mail
        self.failed = ShardedMap()  # id -> Mail, given up
        self.log = OOBTree()  # sort key -> attempt (dict)

    def add(self, mail: Mail, arrived: datetime | None = None) -> None:
        """Queue ``mail``: new (it arrives when it was queued), or failed and
        given a new round (it arrives again, ``arrived``)."""
        mail.arrival_key = self.pending.add(arrived or mail.queued, mail)

    def pending_mail(self, mail: Mail) -> Mail | None:
        """``mail`` as it is pending now (None: sent or given up meanwhile)."""
        if mail.arrival_key is None:
            return None
        current = self.pending.get(mail.arrival_key)
        return current if current is not None and current.id == mail.id else None

    def remove_pending(self, mail: Mail) -> None:
        """Take ``mail`` out of what waits (it is not written: a message
        that leaves for good is never read again, and one that fails is
        written anyway)."""
        if mail.arrival_key is not None:
            self.pending.pop(mail.arrival_key)

    def backlog(self) -> Backlog:
        """How many messages wait, and since when (O(shards · log n))."""
        return queue_backlog(self.pending)

    def failed_count(self) -> int:
        # Given up messages wait for a Site Administrator: a handful, and
        # only their keys are read.
        return sum(1 for _key in self.failed)

    def pending_mails(self) -> list[Mail]:
        return list(self.pending.values())

    def failed_mails(self) -> list[Mail]:
        return [self.failed[key] for key in list(self.failed)]

    def log_attempt(self, attempt: dict, now: datetime) -> None:
        self.log[sort_key(now, uuid.uuid4().hex[:8])] = attempt
        while len(self.log) > LOG_SIZE:
            del self.log[self.log.minKey()]

    def attempts(self, limit: int) -> list[dict]:
        """The last ``limit`` logged attempts, newest first."""
        newest = []
        for key in reversed(self.log.keys()):
            newest.append(dict(self.log[key]))
            if len(newest) >= limit:
                break
        return newest


def get_outbox(site=None, create: bool = False) -> MailOutbox | None:
    """The site's e-mail outbox; None when nothing was ever queued."""
    return site_store(ANNOTATION_KEY, MailOutbox, create=create, site=site)


def masked(address: str) -> str:
    """``j…@example.org``: enough to tell recipients apart, not to read
    the citizen's address."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "…"
    return f"{local[:1]}…@{domain}"


# -- sending -----------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    userid: str | None
    password: str | None


def smtp_settings() -> SmtpSettings:
    """The Mail control panel's server (read in the worker's transaction)."""
    settings = getUtility(IRegistry).forInterface(IMailSchema, prefix="plone")
    return SmtpSettings(
        settings.smtp_host or "localhost",
        settings.smtp_port or 25,
        settings.smtp_userid or None,
        settings.smtp_pass or None,
    )


@dataclass(frozen=True)
class Attempt:
    error: str | None  # None: the server took the message
    permanent: bool = False  # a 5xx answer: retrying would not help

    @property
    def accepted(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Envelope:
    """What the SMTP server is handed for a message, read from the ZODB
    before the conversation."""

    mfrom: str
    mto: list[str]
    message: bytes


def envelope(mail: Mail) -> Envelope | Attempt:
    """``mail``'s envelope; else a failed attempt: for good when its body is
    missing or damaged (every retry would read it again), retried when it
    could not be read otherwise (it backs off, and never holds back the
    others). Conflicts and the storage's own errors go up."""
    try:
        return Envelope(mail.mfrom, list(mail.mto), mail.message)
    except (POSKeyError, zlib.error) as failure:
        return Attempt(f"Unreadable message: {type(failure).__name__}", permanent=True)
    except (ConflictError, TransientError, StorageError):
        raise
    except Exception as failure:
        return Attempt(f"Unreadable message: {type(failure).__name__}")


def worst_seconds(recipients, timeout: float) -> float:
    """How long handing a message to ``recipients`` and recording it may
    take, every step timing out: MAIL, a RCPT each, DATA, the message
    sent, the answer to it, a reset after a refusal, and the record."""
    return (6 + len(recipients)) * timeout


def lease_seconds(mails: list[Mail], timeout: float) -> float:
    """How long a batch is leased: :data:`LEASE`, or twice the worst time of
    one of its messages if longer (a large timeout, many recipients): a
    batch starts no message its lease may not cover (see :func:`deliver`)."""
    longest = max((worst_seconds(mail.mto, timeout) for mail in mails), default=0)
    return max(LEASE.total_seconds(), 2 * longest)


def connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    """A conversation with the SMTP server, greeted (and logged in)."""
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.userid:
            smtp.login(settings.userid, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


@dataclass
class Handed:
    """What :func:`deliver` did."""

    #: One attempt per message, from the first (the rest was not tried).
    attempts: list[Attempt]
    #: Whether the server stopped taking messages (down, slow, a 4xx, the
    #: conversation ended): the pass ends, the rest waits for the next.
    stopped: bool = False


def deliver(
    smtp: smtplib.SMTP,
    envelopes: list[Envelope | Attempt],
    *,
    lease_ends: float,
    timeout: float,
    opened: bool = True,
) -> Handed:
    """Hand ``envelopes`` to the server over ``smtp``, in order (no ZODB
    access here). A message refused for good (SMTP 5xx) does not stop the
    others (smtplib resets the conversation after a refusal); a failure the
    next message would meet too (the server down, slow, answering 4xx, or
    ending the conversation) stops them all; a message the lease may no
    longer cover (``lease_ends``, by ``time.monotonic()``, see
    :func:`worst_seconds`; it covers the first) is not started, nor the
    rest. A conversation the server ends after taking messages (a limit of
    messages per connection) counts no attempt for the next one, unless it
    is the first of the conversation (``opened``)."""
    handed = Handed([])
    attempts = handed.attempts
    tried = 0
    for given in envelopes:
        if smtp.sock is None:
            handed.stopped = True
            break
        if isinstance(given, Attempt):  # unreadable: nothing to hand over
            attempts.append(given)
            continue
        if tried and time.monotonic() + worst_seconds(given.mto, timeout) > lease_ends:
            break
        first = opened and not tried
        tried += 1
        try:
            smtp.sendmail(given.mfrom, given.mto, given.message)
        except Exception as failure:
            if smtp.sock is None or _conversation_ended(failure):
                smtp.close()  # (smtplib keeps it open after a 421 to DATA)
                handed.stopped = True
                if not first:
                    break  # never handed over: free for the next conversation
            attempts.append(_failed(failure))
            if _transient(attempts[-1]):
                handed.stopped = True
                break
        else:
            attempts.append(Attempt(None))
    return handed


def _conversation_ended(failure: Exception) -> bool:
    """Whether the server closed the conversation (421, or hung up)."""
    return isinstance(failure, smtplib.SMTPServerDisconnected) or (
        isinstance(failure, smtplib.SMTPResponseException) and failure.smtp_code == 421
    )


def goodbye(smtp: smtplib.SMTP) -> None:
    """End the conversation; a server that misses it changes nothing sent."""
    try:
        smtp.quit()
    except Exception as failure:
        logger.debug("The SMTP server missed our goodbye: %s", failure)
        smtp.close()


def _transient(attempt: Attempt) -> bool:
    return not attempt.accepted and not attempt.permanent


def _unreachable(failure: Exception) -> Attempt:
    """An attempt that never reached the message: the connection, greeting,
    TLS or login failed. Never a refusal of the message, whatever the code
    (a wrong password in the Mail control panel must not give up every
    waiting message): retried."""
    return Attempt(_described(failure))


def _described(failure: Exception) -> str:
    return f"{type(failure).__name__}: {failure}"[:300]


def _failed(failure: Exception) -> Attempt:
    """The attempt ``failure`` ended: permanent for an SMTP 5xx answer to
    the message (its recipients, its content), never when the server
    refuses our sender (the site's: a relay or an authentication to set up,
    which every message would meet)."""
    if isinstance(failure, smtplib.SMTPSenderRefused):
        answer = f"SMTP {failure.smtp_code}: {_text(failure.smtp_error)}"
        return Attempt(f"Sender refused: {answer}"[:300])
    if isinstance(failure, smtplib.SMTPResponseException):
        return Attempt(
            f"SMTP {failure.smtp_code}: {_text(failure.smtp_error)}"[:300],
            permanent=500 <= failure.smtp_code < 600,
        )
    if isinstance(failure, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in failure.recipients.values()]
        return Attempt(
            f"Recipients refused: {sorted(set(codes))}",
            permanent=all(500 <= code < 600 for code in codes),
        )
    # Refused, timed out, TLS, DNS, the connection lost...
    return Attempt(_described(failure))


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def backoff(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)


def _free(mail: Mail, now: datetime) -> bool:
    return mail.leased_until is None or mail.leased_until <= now


def due(outbox: MailOutbox, now: datetime) -> list[Mail]:
    """Pending messages whose time has come and that nobody is sending."""
    return sorted(
        (m for m in outbox.pending_mails() if m.next_attempt <= now and _free(m, now)),
        key=lambda mail: mail.next_attempt,
    )


def next_due(outbox: MailOutbox) -> datetime | None:
    """When the earliest pending message is due (or its lease ends)."""
    return min(
        (
            max(m.next_attempt, m.leased_until or m.next_attempt)
            for m in outbox.pending_mails()
        ),
        default=None,
    )


def record(outbox: MailOutbox, mail: Mail, attempt: Attempt, now: datetime) -> str:
    """Keep the attempt in the outbox's log; retire, reschedule or give up
    the message. Returns the outcome: ``sent``, ``retrying`` or ``failed``
    (:func:`logged` tells the process's log, once committed).

    A message sent at its first attempt is not logged, nor written again:
    nearly every message is, and logging each would write a bucket of the
    log per filing (that is what the log is not for: it shows what went
    wrong, and what was sent after it did)."""
    if attempt.accepted and mail.attempts == 0:
        outbox.remove_pending(mail)
        return "sent"
    mail.attempts += 1
    mail.leased_until = None
    mail.last_error = attempt.error
    if attempt.accepted:
        outcome = "sent"
        outbox.remove_pending(mail)
    elif attempt.permanent or mail.attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        mail.failed = now
        outbox.remove_pending(mail)
        outbox.failed[mail.id] = mail
    else:
        outcome = "retrying"
        mail.next_attempt = now + backoff(mail.attempts)
    outbox.log_attempt(
        {
            "date": now.isoformat(),
            "mail": mail.id,
            "subject": mail.subject,
            "recipients": [masked(a) for a in mail.mto],
            "attempt": mail.attempts,
            "error": attempt.error,
            "outcome": outcome,
            "next_attempt": (
                mail.next_attempt.isoformat() if outcome == "retrying" else None
            ),
        },
        now,
    )
    return outcome


def logged(recorded: list[tuple[Mail, Attempt, str]]) -> list[str]:
    """Log the failed attempts ``recorded`` (message, attempt, outcome), once
    committed (a record whose commit conflicted was never made: another
    worker's stands); return their outcomes."""
    for mail, attempt, outcome in recorded:
        if not attempt.accepted:
            # Which message, without its content nor the citizen's address.
            logger.error(
                "Could not send the e-mail %r to %s (attempt %d, %s): %s",
                mail.subject,
                ", ".join(masked(a) for a in mail.mto),
                mail.attempts,
                outcome,
                attempt.error,
            )
    return [outcome for _mail, _attempt, outcome in recorded]


def _now() -> datetime:
    return datetime.now(UTC)


def send_due(
    outbox: MailOutbox,
    commit,
    abort,
    *,
    settings: SmtpSettings,
    timeout: float,
    on_outcome: Callable[[str], None] | None = None,
) -> int:
    """Send every due message once; return how many were attempted.

    The server is reached first: when it cannot be, the first due message
    takes the failed attempt (its backoff) and the others wait, unwritten
    (an outage must not rewrite the whole backlog at every pass). Then the
    messages go over that one conversation by batches, each leased by one
    commit before it is sent (another worker, here or on another instance,
    then leaves it; if two lease a message at once, one commit conflicts
    and that one skips the batch), its outcomes committed together, then
    told to ``on_outcome`` (the metrics). The first batch is one message (a
    server refusing every message for now costs one written per pass), the
    next ones up to :data:`BATCH`. A batch starts no message its lease may
    no longer cover (:func:`lease_seconds`): the rest is leased again in
    the next batch, so that no worker taking over a lease run out sends a
    message twice.
    """
    candidates = due(outbox, _now())
    if not candidates:
        return 0
    try:
        smtp = connect(settings, timeout)
    except Exception as failure:
        outcomes = _note_unreachable(outbox, candidates[0], failure, commit, abort)
        _tell(on_outcome, outcomes)
        return len(outcomes)
    attempted = 0
    remaining = candidates
    size = 1  # until a message is tried: does the server take any now?
    try:
        while remaining:
            chosen, remaining = remaining[:size], remaining[size:]
            leased_at = time.monotonic()
            try:
                batch, seconds = _leased(outbox, chosen, timeout)
                if not batch:
                    continue  # sent or leased by another worker meanwhile
                envelopes = [envelope(mail) for mail in batch]
                commit()
            except ConflictError:
                abort()
                continue
            handed = deliver(
                smtp,
                envelopes,
                lease_ends=leased_at + seconds,
                timeout=timeout,
                opened=attempted == 0,
            )
            attempts = handed.attempts
            attempted += len(attempts)
            _tell(on_outcome, _record_committed(outbox, batch, attempts, commit, abort))
            if handed.stopped:
                break  # the server is down, slow or gone: the rest wait
            if len(attempts) < len(batch):
                # Its lease could not cover more (a slow server): the rest
                # in batches as large as that one, newly leased.
                remaining = batch[len(attempts) :] + remaining
                size = max(1, len(attempts))
            elif attempted:
                size = BATCH
    finally:
        goodbye(smtp)
    return attempted


def _tell(on_outcome: Callable[[str], None] | None, outcomes: list[str]) -> None:
    if on_outcome is not None:
        for outcome in outcomes:
            on_outcome(outcome)


def _note_unreachable(
    outbox: MailOutbox, candidate: Mail, failure: Exception, commit, abort
) -> list[str]:
    """Record the failed attempt to reach the server on ``candidate``, if
    no other worker holds it meanwhile; its outcome (none on a conflict:
    another worker is busy with the outbox, the next pass tells)."""
    try:
        mail = outbox.pending_mail(candidate)
        now = _now()
        if mail is None or not _free(mail, now):
            return []
        attempt = _unreachable(failure)
        recorded = [(mail, attempt, record(outbox, mail, attempt, now))]
        commit()
    except ConflictError:
        abort()
        return []
    return logged(recorded)


def _leased(
    outbox: MailOutbox, candidates: list[Mail], timeout: float
) -> tuple[list[Mail], float]:
    """Of ``candidates``, those still due and free, leased (uncommitted),
    and for how many seconds (:func:`lease_seconds`)."""
    now = _now()
    free = []
    for candidate in candidates:
        mail = outbox.pending_mail(candidate)
        if mail is not None and mail.next_attempt <= now and _free(mail, now):
            free.append(mail)
    seconds = lease_seconds(free, timeout)
    for mail in free:
        mail.leased_until = now + timedelta(seconds=seconds)
    return free, seconds


def _record_committed(
    outbox: MailOutbox, batch: list[Mail], attempts: list[Attempt], commit, abort
) -> list[str]:
    """Record and commit the attempts made (the first messages of
    ``batch``), and free the messages not attempted; return the outcomes
    (none when they could not be recorded)."""

    def write() -> list[tuple[Mail, Attempt, str]]:
        now = _now()
        recorded = []
        for position, sent in enumerate(batch):
            mail = outbox.pending_mail(sent)
            if mail is None:
                continue
            if position < len(attempts):
                attempt = attempts[position]
                recorded.append((mail, attempt, record(outbox, mail, attempt, now)))
            else:  # not attempted: free for the next pass
                mail.leased_until = None
        return recorded

    recorded = outbox_worker.record_committed(write, commit, abort)
    if recorded is None:
        logger.warning(
            "Could not record the attempts to send e-mails: %d left leased (%s...)",
            len(batch),
            batch[0].id,
        )
        return []
    return logged(recorded)


def send_due_on_site(site, commit, abort) -> datetime | None:
    """One pass of the worker over ``site``'s outbox."""
    outbox = get_outbox(site)
    if outbox is None:
        return None
    previous = getSite()
    setSite(site)  # the registry of the site's settings
    try:
        send_due(
            outbox,
            commit,
            abort,
            settings=smtp_settings(),
            timeout=smtp_timeout(),
            on_outcome=partial(counters.count_mail_attempt, site),
        )
        outbox_worker.sweep_committed(outbox.pending, commit, abort)
        abort()  # see what others committed meanwhile
        return next_due(outbox)
    finally:
        setSite(previous)


def _has_pending(site) -> bool:
    outbox = get_outbox(site)
    return outbox is not None and next(iter(outbox.pending), None) is not None


MAIL = outbox_worker.OutboxKind("mail", _has_pending, send_due_on_site)


def queue(site, messages: list[Composed]) -> int:
    """Put ``messages`` in the site's outbox, in the current transaction;
    the worker sends them once it commits."""
    outbox = get_outbox(site, create=True)
    now = _now()
    for message in messages:
        outbox.add(Mail(message, now=now))
    outbox_worker.wake_after_commit(MAIL, site)
    return len(messages)


def retry_failed(site) -> int:
    """Give every failed message a new round of attempts, now."""
    outbox = get_outbox(site)
    if outbox is None:
        return 0
    now = _now()
    mails = outbox.failed_mails()
    for mail in mails:
        outbox.failed.pop(mail.id)
        mail.attempts = 0
        mail.failed = None
        mail.next_attempt = now
        outbox.add(mail, now)
    if mails:
        outbox_worker.wake_after_commit(MAIL, site)
    return len(mails)


def resume_pending(event) -> None:
    """On start-up, send what was left pending (IDatabaseOpenedWithRoot)."""
    outbox_worker.resume_pending(MAIL, event)


@dataclass(frozen=True)
class OutboxState:
    pending: int
    failed: int
    #: Logged attempts, newest first.
    attempts: list[dict]


def state(site, limit: int = 50) -> OutboxState:
    outbox = get_outbox(site)
    if outbox is None:
        return OutboxState(0, 0, [])
    return OutboxState(
        outbox.backlog().pending, outbox.failed_count(), outbox.attempts(limit)
    )


def flush(site, *, wait: float = 30.0) -> None:
    """Send what is due now, in the caller's thread, and wait (at most
    ``wait`` seconds) for messages another worker is sending: what tests
    call instead of sleeping. Uses its own connection: the caller's
    transaction is left alone (commit first what should be sent)."""
    db, path = site._p_jar.db(), site.getPhysicalPath()
    deadline = time.monotonic() + wait
    while True:
        outbox_worker.run_once(MAIL, db, path)
        with outbox_worker.pass_lock(MAIL, db, path):  # the worker's pass done
            busy = _in_flight(db, path)
        if not busy or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _in_flight(db, path) -> bool:
    """Whether a message is due now or being sent by a worker."""
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        outbox = get_outbox(outbox_worker.open_site(connection, path))
        now = _now()
        return outbox is not None and any(
            m.next_attempt <= now or not _free(m, now) for m in outbox.pending_mails()
        )
    finally:
        manager.abort()
        connection.close()
