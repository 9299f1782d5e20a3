"""The search index kept up to date by the submission events (see
search.py; registered in configure.zcml)."""

from imio.guichet.storage import in_a_site
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.events import DELETED
from plone import api


def account_name(submission) -> str:
    """The full name of the account that filed the submission, if any."""
    if not submission.submitter:
        return ""
    user = api.user.get(userid=submission.submitter)
    return (user.getProperty("fullname", "") or "") if user is not None else ""


def submission_created(event) -> None:
    store = get_store() if in_a_site() else None
    if store is not None:
        search.index(store, event.submission, account_name(event.submission))


def submission_changed(event) -> None:
    """A change of state or a message: a citizen's answer adds its words;
    an erasure (its answers emptied) takes the others away."""
    store = get_store() if in_a_site() else None
    if store is not None:
        search.reindex(store, event.submission, account_name(event.submission))


def submission_erased(event) -> None:
    """Anonymised: only what is left (its not personal answers) stays
    findable; deleted: out of the index."""
    if event.how == DELETED:
        submission_removed(event)
    else:
        submission_changed(event)


def submission_removed(event) -> None:
    """A submission erased or removed: out of the index."""
    store = get_store() if in_a_site() else None
    if store is not None:
        search.unindex(store, store.key_of(event.submission), event.submission)


def build_index(batch: int = 1_000) -> int:
    """Index every submission of the site (the upgrade to 1016)."""
    store = get_store()
    if store is None:
        return 0
    return search.build(store, batch=batch, account_name=account_name)
