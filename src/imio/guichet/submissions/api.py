"""Domain functions on submissions: file, find, list.

These take no request: the REST services and the browser views parse
their input, call these, and map the exceptions below to HTTP statuses or
form errors.
"""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import UTC
from functools import partial
from imio.guichet import _
from imio.guichet import errors
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import InvalidData
from imio.guichet.errors import InvalidQuery
from imio.guichet.forms.validation import clean_data
from imio.guichet.identities import identity_key
from imio.guichet.identities import VerifiedIdentity
from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.prefill.api import apply_sources
from imio.guichet.prefill.api import provenance
from imio.guichet.storage import site_store
from imio.guichet.storage import time_key
from imio.guichet.submissions import search as search_index
from imio.guichet.submissions.attachments import make_attachments
from imio.guichet.submissions.due import due_date
from imio.guichet.submissions.events import SubmissionCreatedEvent
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.references import normalize_reference
from imio.guichet.submissions.search import Lookup
from imio.guichet.submissions.search import SMALL_MATCH
from imio.guichet.submissions.states import INITIAL_STATE
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import cursor_key
from imio.guichet.submissions.storage import due_day
from imio.guichet.submissions.storage import key_of_cursor
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import STORE_KEY
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.timezones import site_timezone
from itertools import islice
from itertools import takewhile
from plone import api
from plone.uuid.interfaces import IUUID
from typing import Any
from zope.event import notify

import hashlib
import json
import re
import transaction


DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_SORT_KEY = re.compile(r"^[0-9]{17}:[0-9a-f]{32}\Z")
#: A listing's cursor: where it stopped in creation order, or in due-date
#: order (``due:<day>:...``), or in state order (``state:<rank>:...``).
_LISTING_KEY = re.compile(
    r"^(?:due:[0-9]{1,7}:|state:[0-9]{1,2}:)?[0-9]{17}:[0-9a-f]{32}\Z"
)
#: What a listing may be sorted on (``sort_on``).
SORT_ON = ("created", "due", "state")
#: States in which the service's clock runs: a request still in one of
#: them after its due day is late (waiting for the citizen, it is not).
RUNNING_STATES = ("submitted", "received", "in_progress")

__all__ = [
    "InvalidData",
    "InvalidQuery",
    "LoginRequired",
    "Page",
    "ProcedureClosed",
    "get_store",
    "get_submission",
    "list_submissions",
    "list_submitted_by",
    "submit",
]


#: The tree's refusals that :func:`submit` raises, importable from here.
ProcedureClosed = errors.ProcedureClosed
LoginRequired = errors.LoginRequired


def get_store(create: bool = False) -> SubmissionStore | None:
    """The site's submission store (created on demand when ``create``)."""
    return site_store(STORE_KEY, SubmissionStore, create=create)


def reference_prefix() -> str:
    """The prefix of new references, from the Guichet control panel."""
    return (
        api.portal.get_registry_record(
            "reference_prefix", interface=IGuichetSettings, default=""
        )
        or ""
    )


def current_submitter() -> str | None:
    """The user id of the logged-in citizen, None when anonymous."""
    return None if api.user.is_anonymous() else api.user.get_current().getId()


def _unique_reference(store: SubmissionStore) -> str:
    prefix = reference_prefix()
    while True:
        reference = new_reference(prefix)
        if not store.reference_taken(reference):
            return reference


def check_open(
    procedure,
    submitter: str | None,
    now: datetime | None = None,
    language: str | None = None,
):
    """Whether ``procedure``'s form may be filled now (filed, or kept as a
    draft) by ``submitter`` (None: anonymous); raises
    :class:`ProcedureClosed` or :class:`LoginRequired` (said to a reader
    of ``language``)."""
    availability = get_availability(procedure, now, language)
    if not availability.is_open:
        raise ProcedureClosed(availability.reason)
    form = IOnlineForm(procedure)
    # A procedure asking for a verified identity shows its form to all (what
    # was typed survives the identification): filing checks the level.
    if (
        submitter is None
        and not form.allow_anonymous
        and not form.require_verified_identity
    ):
        raise LoginRequired(
            _(
                "reason_login_required",
                default="Please log in to apply for this procedure.",
            )
        )


def submit(
    procedure,
    data: Mapping[str, Any],
    *,
    submitter: str | None,
    language: str | None = None,
    now: datetime | None = None,
    identity: VerifiedIdentity | None = None,
    reader_language: str | None = None,
) -> Submission:
    """File ``data`` as a new submission of ``procedure``.

    ``submitter`` is the logged-in citizen's user id, or None when
    anonymous; ``identity``, what an identity provider verified of them
    (recorded as authentic with the submission). Raises
    :class:`ProcedureClosed`, :class:`LoginRequired`, or
    :class:`InvalidData` (with every faulty field), or
    :class:`~imio.guichet.forms.model.InvalidFormSchema` when the stored
    form cannot be read; nothing is stored then. A refused field's limit
    is written for readers of ``reader_language`` (the caller's, whose
    language the refusal is translated into; None: ``language``), and so
    is why the procedure is closed (the date it closed on).
    """
    reader_language = reader_language or language
    check_open(procedure, submitter, now, reader_language)
    form = IOnlineForm(procedure)
    if procedure._p_jar is not None:
        # Validated against this version of the form: should a webmaster
        # replace it concurrently, this commit must conflict (and be
        # retried) rather than point at a form it was not checked against.
        procedure._p_jar.readCurrent(procedure)
    version = form.form_schema_version
    schema = form.get_form_schema(version)
    # A logged-in citizen cannot override what an authentic source says
    # (once only), unless the procedure or the field lets them correct it.
    data, answered = apply_sources(
        schema, data, submitter, allow_correcting=form.allow_correcting_prefill
    )
    files = {}
    cleaned = clean_data(
        schema,
        data,
        context=procedure,
        attachments=files,
        language=reader_language,
    )
    store = get_store(create=True)
    # Taken as late as possible: listings are in creation order.
    now = now or datetime.now(UTC)
    key = store.new_key(now)
    submission = Submission(
        key=key,
        submission_id=new_submission_id(key),
        reference=_unique_reference(store),
        procedure_uid=IUUID(procedure),
        schema_version=version,
        data=cleaned,
        created=now,
        submitter=submitter,
        submitter_key=identity_key(submitter, create=True),
        language=language,
    )
    if files:
        submission.attachments = make_attachments(files)
    if identity is not None:
        submission.verified_identity = identity.record()
    sources = provenance(answered, cleaned, language)
    if sources:
        submission.prefill_sources = sources
    submission.due = due_date(procedure, now)
    submission.add_event(
        {
            "action": "submit",
            "date": now.isoformat(),
            "actor": submitter,
            "from_state": None,
            "to_state": INITIAL_STATE,
        }
    )
    store.add(submission)
    notify(SubmissionCreatedEvent(submission, procedure))
    return submission


#: How long a retried request is recognised by its Idempotency-Key.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}\Z")  # printable ASCII


class IdempotencyKeyReused(errors.Conflict):
    """The key was already used for a different request."""

    code = "idempotency_key_reused"


class InvalidIdempotencyKey(errors.InvalidInput):
    """The key is not 1 to 200 printable ASCII characters."""

    code = "invalid_idempotency_key"


def _fingerprint_default(value: Any) -> Any:
    data = getattr(value, "data", None)
    if isinstance(data, bytes):  # a file of the HTML form (forms.uploads)
        digest = hashlib.sha256(data).hexdigest()
        return {"filename": getattr(value, "filename", ""), "sha256": digest}
    return str(value)


def _fingerprint(data: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, default=_fingerprint_default
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_idempotency_key(idempotency_key: str) -> None:
    if not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 1 to 200 printable ASCII characters"
        )


def _idempotency_scope(procedure, idempotency_key: str) -> str:
    return f"{IUUID(procedure)}:{idempotency_key}"


def replay_of(
    procedure,
    idempotency_key: str,
    *,
    submitter: str | None,
    data: Mapping[str, Any] | None,
    draft_id: str | None = None,
) -> Submission | None:
    """The submission this key filed earlier from the same request, or None.

    The same request is the same submitter, draft (``draft_id``) and data;
    ``data`` None (a draft filed as saved) matches on the draft alone, as
    the draft is deleted once filed and its answers are gone with it.
    Raises :class:`InvalidIdempotencyKey` or, for the same key with
    another request, :class:`IdempotencyKeyReused`.
    """
    _check_idempotency_key(idempotency_key)
    store = get_store()
    if store is None:
        return None
    found = store.remembered_request(_idempotency_scope(procedure, idempotency_key))
    if found is None:
        return None
    submission, earlier = found
    if datetime.now(UTC) - earlier["date"] >= IDEMPOTENCY_WINDOW:
        return None
    same_data = data is None and draft_id is not None
    same_data = same_data or earlier["fingerprint"] == _fingerprint(data)
    same_request = (
        same_data
        and earlier["submitter"] == submitter
        and earlier.get("draft") == draft_id
    )
    if not same_request:
        raise IdempotencyKeyReused("this Idempotency-Key was used for another request")
    return submission


def submit_once(
    procedure,
    data: Mapping[str, Any],
    *,
    idempotency_key: str | None,
    submitter: str | None,
    language: str | None = None,
    draft_id: str | None = None,
    identity: VerifiedIdentity | None = None,
    reader_language: str | None = None,
) -> tuple[Submission, bool]:
    """:func:`submit`, unless this key already filed this very request here
    (:func:`replay_of`; ``draft_id`` is the draft ``data`` comes from).

    Returns the submission and whether it was filed earlier (a retry of a
    request whose answer was lost). Without a key, always files. The same
    key with another request raises :class:`IdempotencyKeyReused`; a
    malformed key, :class:`InvalidIdempotencyKey`.
    """
    filing = partial(
        submit,
        procedure,
        data,
        submitter=submitter,
        language=language,
        identity=identity,
        reader_language=reader_language,
    )
    if idempotency_key is None:
        return filing(), False
    earlier = replay_of(
        procedure,
        idempotency_key,
        submitter=submitter,
        data=data,
        draft_id=draft_id,
    )
    if earlier is not None:
        return earlier, True
    submission = filing()
    get_store(create=True).remember_request(
        submission,
        {
            "scope": _idempotency_scope(procedure, idempotency_key),
            "fingerprint": _fingerprint(data),
            "submitter": submitter,
            "draft": draft_id,
            "date": datetime.now(UTC),
        },
    )
    return submission, False


def get_submission(submission_id: str) -> Submission | None:
    """The submission with this id, or None."""
    store = get_store()
    if store is None or not isinstance(submission_id, str):
        return None
    return store.get(submission_id)


def find_by_reference(typed) -> Submission | None:
    """The submission of a reference as a person typed it (any case, with
    or without dash), or None (also for anything but text)."""
    reference = normalize_reference(typed) if isinstance(typed, str) else None
    store = get_store()
    if reference is None or store is None:
        return None
    return store.by_reference(reference)


@dataclass(frozen=True)
class Page:
    """One page of a listing.

    ``next_cursor`` is None on the last page; ``resume_cursor`` is always
    where a later listing should start to get what came after this page.
    """

    items: list[Submission]
    total: int | None
    next_cursor: str | None
    resume_cursor: str | None


def encode_cursor(text: str) -> str:
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, key_pattern: re.Pattern = _LISTING_KEY) -> str:
    """The key a cursor stands for; :class:`InvalidQuery` if forged."""
    try:
        key = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        key = ""
    if not key_pattern.match(key):
        raise InvalidQuery(f"{cursor!r} is not a cursor of this listing")
    return key


def _page(
    store: SubmissionStore,
    keys: Iterator[int],
    limit: int,
    cursor: str | None,
    cursor_text: Callable[[Submission, int], str] = cursor_key,
) -> tuple[list[Submission], str | None, str | None]:
    """Read ``limit`` keys (and one more, to know whether more follow).

    Returns the submissions, the cursor of the next page (None on the last
    one) and where a later listing should resume (kept on the last page
    too, so that a back office can come back later for what came since).
    """
    taken = list(islice(keys, limit + 1))
    has_more = len(taken) > limit
    taken = taken[:limit]
    items = [store.by_key(key) for key in taken]
    resume_cursor = (
        encode_cursor(cursor_text(items[-1], taken[-1])) if taken else cursor
    )
    return items, (resume_cursor if has_more else None), resume_cursor


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE_SIZE}")


def list_submissions(
    *,
    procedure_uids: Iterable[str] | None = None,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    unacknowledged: bool = False,
    created_from: date | None = None,
    created_to: date | None = None,
    descending: bool = False,
    sort_on: str = "created",
    assignees: Iterable[str] | None = None,
    overdue_on: date | None = None,
    due_before: date | None = None,
    search: tuple[Lookup, ...] | None = None,
) -> Page:
    """Submissions in ``sort_on`` order (creation, due date or state, then
    creation; the other way if ``descending``), one page after ``cursor``.

    ``procedure_uids=None`` lists every procedure; otherwise only those
    (an empty collection lists nothing); ``unacknowledged`` keeps only what
    no back office took yet; ``assignees`` only what is assigned to one of
    these principals; ``created_from`` and ``created_to`` are days of the
    site's calendar, both included (in creation or state order);
    ``overdue_on`` keeps the requests still running (see
    :data:`RUNNING_STATES`) whose due day is before that day, and
    ``due_before`` those due before that day (both in due-date order).
    ``search`` (see :func:`.search.parse_search`) keeps the submissions
    that hold every term of a query.
    Reading a page costs O(log n + limit), whatever the number of stored
    submissions: each filter is an index. ``total`` comes from the index
    lengths; it is None when that would need reading a range.
    """
    if unacknowledged and (state or assignees is not None):
        raise InvalidQuery("the acknowledged filter combines with no other")
    if state is not None and state not in STATES:
        raise InvalidQuery(f"unknown state {state!r}; states: {', '.join(STATES)}")
    if sort_on not in SORT_ON:
        raise InvalidQuery(f"sort_on is one of {', '.join(SORT_ON)}")
    due_filtered = overdue_on is not None or due_before is not None
    dated = created_from is not None or created_to is not None
    if due_filtered and sort_on != "due" or dated and sort_on == "due":
        raise InvalidQuery("due-date filters list in due-date order only")
    if unacknowledged and sort_on != "created":
        raise InvalidQuery("the acknowledged filter lists in creation order only")
    _check_limit(limit)
    cursor_text = decode_cursor(cursor) if cursor else None
    if cursor_text is not None and _cursor_sort(cursor_text) != sort_on:
        raise InvalidQuery(f"{cursor!r} is not a cursor of this listing")
    store = get_store()
    if store is None:
        return Page([], 0, None, cursor)
    uids = None if procedure_uids is None else sorted(set(procedure_uids))
    principals = None if assignees is None else sorted(set(assignees))
    if sort_on == "due":
        entries = _due_entries(
            store,
            uids=uids,
            state=state,
            assignees=principals,
            after=None if cursor_text is None else _due_cursor(store, cursor_text),
            descending=descending,
            overdue_on=overdue_on,
            due_before=due_before,
        )
        keys = (key for _day, key in entries)
        text = _due_cursor_text
    elif sort_on == "state":
        keys = _by_state(
            store,
            uids=uids,
            state=state,
            assignees=principals,
            after=None if cursor_text is None else _state_cursor(store, cursor_text),
            descending=descending,
            created_from=created_from,
            created_to=created_to,
        )
        text = _state_cursor_text
    else:
        after = None if cursor_text is None else key_of_cursor(store, cursor_text)
        keys = _dated(
            store,
            uids=uids,
            state=state,
            unacknowledged=unacknowledged,
            after=after,
            descending=descending,
            created_from=created_from,
            created_to=created_to,
            assignees=principals,
        )
        text = cursor_key
    if principals is not None and uids is not None:
        # The assignees' indexes span procedures: keep those of the scope.
        scope = set(uids)
        keys = (k for k in keys if store.by_key(k).procedure_uid in scope)
    if search is not None:
        keys, total = _searched(
            store,
            search,
            keys,
            uids=uids,
            state=state,
            unacknowledged=unacknowledged,
            assignees=principals,
            created_from=created_from,
            created_to=created_to,
            overdue_on=overdue_on,
            due_before=due_before,
            sort_on=sort_on,
            cursor_text=cursor_text,
            descending=descending,
        )
        items, next_cursor, resume_cursor = _page(store, keys, limit, cursor, text)
        return Page(items, total, next_cursor, resume_cursor)
    items, next_cursor, resume_cursor = _page(store, keys, limit, cursor, text)
    if dated or due_filtered or (principals is not None and uids is not None):
        total = None
    elif principals is not None:
        total = store.count_assigned(principals, state)
    else:
        total = _count(store, uids, state, unacknowledged)
    return Page(items, total, next_cursor, resume_cursor)


def _searched(
    store: SubmissionStore,
    search: tuple[Lookup, ...],
    keys: Iterator[int],
    *,
    uids: list[str] | None,
    state: str | None,
    unacknowledged: bool,
    assignees: list[str] | None,
    created_from: date | None,
    created_to: date | None,
    overdue_on: date | None,
    due_before: date | None,
    sort_on: str,
    cursor_text: str | None,
    descending: bool,
) -> tuple[Iterator[int], int | None]:
    """The keys of a listing (``keys``: its own, in its order) that hold
    every term of ``search``, in that order after the cursor, and their
    total (None when unknown)."""
    dated = created_from is not None or created_to is not None
    due_filtered = overdue_on is not None or due_before is not None
    filtered = (
        state is not None or unacknowledged or assignees is not None or due_filtered
    )
    after = None
    if sort_on == "created" and cursor_text is not None:
        after = key_of_cursor(store, cursor_text)
    start = _day_start_key(created_from) if created_from else None
    end = _day_end_key(created_to) if created_to else None
    if sort_on == "created" and not filtered:
        # What matches is in creation order already: read from the cursor
        # (and the days asked for) up to the page's end.
        low, high = _bounds(after, start, end, descending)
        keys, total = search_index.matching(
            store,
            search,
            uids,
            low=low,
            high=high,
            descending=descending,
            small=SMALL_MATCH,
        )
        return keys, None if dated else total
    found = search_index.search(store, search, uids)
    if sort_on == "state" and not filtered and len(found) <= SMALL_MATCH:
        # Few, in the order of states: each state's index says which of
        # them it holds, without reading them.
        low, high = _bounds(None, start, end, descending)
        keys = _by_state_matched(
            store,
            found,
            uids=uids,
            after=None if cursor_text is None else _state_cursor(store, cursor_text),
            start=start,
            end=end,
            descending=descending,
        )
        return keys, sum(
            1 for _key in search_index.keys_between(found, low, high, False)
        )
    if len(found) > SMALL_MATCH:
        # Many match: the listing's index, keeping what matches.
        keys = (k for k in keys if k in found)
        total = None
    else:
        # Few: those, filtered and sorted (every filter is checked on
        # each, so the total is known).
        matched = _filtered(
            store,
            found,
            state=state,
            unacknowledged=unacknowledged,
            assignees=assignees,
            created=(
                _day_start_key(created_from) if created_from else None,
                _day_end_key(created_to) if created_to else None,
            ),
            overdue_on=overdue_on,
            due_before=due_before,
        )
        total = len(matched)
        keys = _sorted_after(store, matched, sort_on, cursor_text, descending)
    return keys, total


def _dated_matches(
    found,
    *,
    after: int | None,
    start: int | None,
    end: int | None,
    descending: bool,
) -> Iterator[int]:
    """The keys of a search's result set (in creation order) after the
    cursor, from ``start`` (included) to ``end`` (excluded); ``found`` is a
    set of keys, or one key."""
    low, high = _bounds(after, start, end, descending)
    if low is not None and high is not None and low > high:
        return iter(())
    if isinstance(found, int):  # the key of a term of one request
        inside = (low is None or found >= low) and (high is None or found <= high)
        return iter((found,) if inside else ())
    return search_index.keys_between(found, low, high, descending)


def _bounds(
    after: int | None, start: int | None, end: int | None, descending: bool
) -> tuple[int | None, int | None]:
    """The first and last keys (both included, None: no bound) after the
    cursor ``after``, from ``start`` (included) to ``end`` (excluded)."""
    low, high = start, None if end is None else end - 1
    if after is not None:
        if descending:
            high = after - 1 if high is None else min(high, after - 1)
        else:
            low = after + 1 if low is None else max(low, after + 1)
    return low, high


def _by_state_matched(
    store: SubmissionStore,
    found,
    *,
    uids: list[str] | None,
    after: tuple[int, int] | None,
    start: int | None,
    end: int | None,
    descending: bool,
) -> Iterator[int]:
    """The keys of ``found`` (a set) in the lifecycle's order of states,
    then creation order (both reversed if ``descending``), after the
    cursor ``after`` (a state's rank and a key), from ``start`` to ``end``."""
    ranked = list(enumerate(STATES))
    for rank, name in reversed(ranked) if descending else ranked:
        if after is not None and (rank > after[0] if descending else rank < after[0]):
            continue
        indexes = store.listing_indexes(uids, name)
        if not indexes:
            continue
        since = after[1] if after is not None and rank == after[0] else None
        low, high = _bounds(since, start, end, descending)
        for key in search_index.keys_between(found, low, high, descending):
            if any(key in index for index in indexes):
                yield key


def _filtered(
    store: SubmissionStore,
    keys: Iterable[int],
    *,
    state: str | None,
    unacknowledged: bool,
    assignees: list[str] | None,
    created: tuple[int | None, int | None],
    overdue_on: date | None,
    due_before: date | None,
) -> list[Submission]:
    """The submissions of ``keys`` that the listing's filters keep (the
    same rules as its indexes)."""
    start, end = created
    kept = []
    for key in keys:
        if (start is not None and key < start) or (end is not None and key >= end):
            continue
        submission = store.by_key(key)
        if submission is None:
            continue
        if state is not None and submission.state != state:
            continue
        if unacknowledged and submission.acknowledgement is not None:
            continue
        if assignees is not None and submission.assignee not in assignees:
            continue
        day = due_day(submission)
        if overdue_on is not None and (
            submission.state not in RUNNING_STATES or day >= overdue_on.toordinal()
        ):
            continue
        if due_before is not None and day >= due_before.toordinal():
            continue
        kept.append(submission)
    return kept


def _sorted_after(
    store: SubmissionStore,
    submissions: list[Submission],
    sort_on: str,
    cursor_text: str | None,
    descending: bool,
) -> Iterator[int]:
    """The keys of ``submissions`` in the listing's order, after the cursor."""
    ranks = {state: rank for rank, state in enumerate(STATES)}

    def place(submission: Submission) -> tuple[int, int]:
        key = store.key_of(submission)
        if sort_on == "due":
            return due_day(submission), key
        if sort_on == "state":
            return ranks[submission.state], key
        return 0, key

    after = None
    if cursor_text is not None:
        if sort_on == "due":
            after = _due_cursor(store, cursor_text)
        elif sort_on == "state":
            after = _state_cursor(store, cursor_text)
        else:
            after = 0, key_of_cursor(store, cursor_text)
    places = sorted(map(place, submissions), reverse=descending)
    for found in places:
        if after is None or (found < after if descending else found > after):
            yield found[1]


def _cursor_sort(text: str) -> str:
    """What the listing that gave this cursor's text was sorted on."""
    if text.startswith("due:"):
        return "due"
    if text.startswith("state:"):
        return "state"
    return "created"


def _due_cursor_text(submission: Submission, key: int) -> str:
    return f"due:{due_day(submission)}:{cursor_key(submission, key)}"


def _due_cursor(store: SubmissionStore, text: str) -> tuple[int, int]:
    _due, day, rest = text.split(":", 2)
    return int(day), key_of_cursor(store, rest)


def _state_cursor_text(submission: Submission, key: int) -> str:
    rank = list(STATES).index(submission.state)
    return f"state:{rank}:{cursor_key(submission, key)}"


def _state_cursor(store: SubmissionStore, text: str) -> tuple[int, int]:
    _state, rank, rest = text.split(":", 2)
    return int(rank), key_of_cursor(store, rest)


def _due_entries(
    store: SubmissionStore,
    *,
    uids: list[str] | None,
    state: str | None,
    assignees: list[str] | None,
    after: tuple[int, int] | None,
    descending: bool,
    overdue_on: date | None,
    due_before: date | None,
) -> Iterator[tuple[int, int]]:
    """``(day, key)`` in due-date order after the cursor, within the due
    filters: the indexes are entered at the bound, read up to it."""
    states = [state]
    bounds = []
    if overdue_on is not None:
        states = [s for s in RUNNING_STATES if state in (None, s)]
        bounds.append(overdue_on.toordinal())
    if due_before is not None:
        bounds.append(due_before.toordinal())
    bound = min(bounds) if bounds else None  # days strictly before it
    if descending and bound is not None:
        after = (bound, 0) if after is None else min(after, (bound, 0))
    entries = store.iter_due(uids, states, after, assignees, descending)
    if bound is None or descending:
        return entries
    return takewhile(lambda entry: entry[0] < bound, entries)


def _by_state(
    store: SubmissionStore,
    *,
    uids: list[str] | None,
    state: str | None,
    assignees: list[str] | None,
    after: tuple[int, int] | None,
    descending: bool,
    created_from: date | None,
    created_to: date | None,
) -> Iterator[int]:
    """Keys in the lifecycle's order of states, then creation order (both
    reversed if ``descending``): one state's index after the other."""
    ranked = list(enumerate(STATES))
    for rank, name in reversed(ranked) if descending else ranked:
        if state is not None and name != state:
            continue
        if after is not None and (rank > after[0] if descending else rank < after[0]):
            continue
        yield from _dated(
            store,
            uids=uids,
            state=name,
            unacknowledged=False,
            after=after[1] if after is not None and rank == after[0] else None,
            descending=descending,
            created_from=created_from,
            created_to=created_to,
            assignees=assignees,
        )


def _dated(
    store: SubmissionStore,
    *,
    uids: list[str] | None,
    state: str | None,
    unacknowledged: bool,
    after: int | None,
    descending: bool,
    created_from: date | None,
    created_to: date | None,
    assignees: list[str] | None = None,
) -> Iterator[int]:
    """Keys after the cursor ``after``, within the days asked for: the
    index is entered at the range's first end, read up to its other."""
    start = _day_start_key(created_from) if created_from is not None else None
    end = _day_end_key(created_to) if created_to is not None else None
    if descending:
        first, stop = end, start
    else:
        first, stop = (start - 1 if start is not None else None), end
    if first is not None:
        closer = min if descending else max
        after = first if after is None else closer(after, first)
    keys = store.iter_keys(
        uids,
        state,
        after,
        unacknowledged=unacknowledged,
        descending=descending,
        assignees=assignees,
    )
    if stop is None:
        return keys
    if descending:
        return takewhile(lambda key: key >= stop, keys)
    return takewhile(lambda key: key < stop, keys)


def _count(
    store: SubmissionStore,
    uids: list[str] | None,
    state: str | None,
    unacknowledged: bool = False,
) -> int:
    """From the index lengths: O(procedures), whatever the total."""
    if uids is None:
        return store.count(None, state, unacknowledged)
    return sum(store.count(uid, state, unacknowledged) for uid in uids)


def count_by_state(procedure_uids: Iterable[str] | None = None) -> dict[str, int]:
    """How many submissions are in each state (every state, in order), from
    the index lengths: O(states x procedures), whatever the total."""
    store = get_store()
    uids = None if procedure_uids is None else sorted(set(procedure_uids))
    return {
        state: 0 if store is None else _count(store, uids, state) for state in STATES
    }


def list_submitted_by(
    submitter: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    descending: bool = False,
) -> Page:
    """A citizen's own submissions (by user id), oldest first (newest first
    if ``descending``), one page:
    those of this account, not of an earlier one with the same login (see
    :mod:`imio.guichet.identities`).

    Costs O(log n + limit), through the store's submitter index.
    """
    _check_limit(limit)
    cursor_text = decode_cursor(cursor, _SORT_KEY) if cursor else None
    store = get_store()
    owner = identity_key(submitter)
    if store is None or not owner:
        return Page([], 0, None, cursor)
    after = None if cursor_text is None else key_of_cursor(store, cursor_text)
    keys = store.submitted_by(owner, after, descending)
    items, next_cursor, resume_cursor = _page(store, keys, limit, cursor)
    return Page(items, store.count_submitted_by(owner), next_cursor, resume_cursor)


_CHANGE_KEY = re.compile(r"^[0-9a-f]{16}:[0-9a-f]{32}\Z")
#: ``since=0``: the feed from its very beginning.
FEED_START = "0"


def decode_feed_cursor(cursor: str) -> str | None:
    """The change key a feed cursor stands for (None: from the start)."""
    return None if cursor == FEED_START else decode_cursor(cursor, _CHANGE_KEY)


def feed_submissions(
    *,
    procedure_uids: Iterable[str] | None = None,
    since: str = FEED_START,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page:
    """Submissions created or changed after ``since``, oldest change first.

    The cursor follows commit order (see :mod:`imio.guichet.submissions.feed`),
    so a submission committed while a back office was reading is never
    skipped by its next read. A submission appears once, at its latest
    change. ``total`` is the number of items of the page.
    """
    _check_limit(limit)
    after = decode_feed_cursor(since)
    store = get_store()
    if store is None:
        return Page([], 0, None, since)
    uids = None if procedure_uids is None else sorted(set(procedure_uids))
    changes = store.changes_after(
        uids, None if after is None else _change(store, after)
    )
    taken = list(islice(changes, limit + 1))
    has_more = len(taken) > limit
    taken = taken[:limit]
    # A deleted submission is its tombstone (id, reference, procedure).
    items = [store.changed_by_key(key) for _tid, key in taken]
    if not taken:
        return Page([], 0, None, since)
    _release_after_commit(items)
    tid, _key = taken[-1]
    resume_cursor = encode_cursor(f"{tid:016x}:{items[-1].id}")
    return Page(items, len(items), resume_cursor if has_more else None, resume_cursor)


def _release_after_commit(submissions: list) -> None:
    """Turn ``submissions`` back into ghosts once the request's transaction
    is committed (they are shown by then). A back office reads each change
    once: kept whole, a feed read from the start would fill every
    connection's cache with submissions (up to its 30,000 objects) and the
    process's memory with them, instead of the objects pages use."""

    def release(committed: bool) -> None:
        for submission in submissions:
            if getattr(submission, "_p_jar", None) is not None:
                submission._p_deactivate()  # a changed one stays as it is

    transaction.get().addAfterCommitHook(release)


def _change(store: SubmissionStore, text: str) -> tuple[int, int]:
    """The change ``(tid, key)`` a feed cursor's text stands for: a tid in
    16 hex digits, then the id of the submission it changed."""
    tid, submission_id = text.split(":", 1)
    key = store.key_of_id(submission_id)
    if key is None:
        key = store.tombstone_key(submission_id)
    # A submission gone since: after every change of that transaction.
    return int(tid, 16), (1 << 63) - 1 if key is None else key


def iter_submissions(
    procedure_uid: str,
    *,
    state: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    search: tuple[Lookup, ...] | None = None,
) -> Iterator[Submission]:
    """A procedure's submissions in creation order, lazily (for exports).

    Dates are days of the site's calendar, both included. Only the range
    asked for is read, whatever the total. ``search``: only those that
    hold every term of a query (as a listing's).
    """
    if state is not None and state not in STATES:
        raise InvalidQuery(f"unknown state {state!r}")
    store = get_store()
    if store is None:
        return
    keys = _dated(
        store,
        uids=[procedure_uid],
        state=state,
        unacknowledged=False,
        after=None,
        descending=False,
        created_from=created_from,
        created_to=created_to,
    )
    if search is not None:
        found = search_index.search(store, search, [procedure_uid])
        keys = (k for k in keys if k in found)
    for key in keys:
        yield store.by_key(key)


def _day_end_key(day: date) -> int | None:
    """The smallest key after every submission of ``day`` (None: no end)."""
    if day >= date.max:
        return None
    return _day_start_key(day + timedelta(days=1))


def _day_start_key(day: date) -> int:
    """The smallest key of a submission of ``day``."""
    return time_key(datetime.combine(day, time.min, tzinfo=site_timezone()), 0)
