"""Public URLs of submissions and summaries of procedures.

One place for what the REST API, the pages and the notifications all show:
where a submission is served, and which procedure it belongs to.

Every URL that leaves the request (e-mails to citizens and staff, the PDF
receipt, draft resume links, webhooks) starts with :func:`public_site_url`,
the site's canonical address from the Guichet control panel, never with
what a request says the host is: a forged ``Host`` (or
``X-Forwarded-Host``) header on a filing must not put the forger's site in
the e-mails it triggers. Pages and API answers shown to the request that
asked may keep the request's own address (``absolute_url()``).
"""

from collections.abc import Iterable
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.content.translations import title_in
from imio.guichet.i18n import base_language
from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.submissions.storage import Submission
from plone import api
from urllib.parse import quote

import logging


logger = logging.getLogger(__name__)

PUBLIC_URL_RECORD = f"{IGuichetSettings.__identifier__}.public_url"


def public_site_url() -> str:
    """The site's canonical public URL, without a final slash.

    The control panel's ``public_url``, recorded when the add-on was
    installed (or upgraded, or the control panel saved) from that request.
    A site without one (made by a script without a real request) falls back
    to the current request's address, with a warning: set it.
    """
    url = api.portal.get_registry_record(PUBLIC_URL_RECORD, default=None)
    if url:
        return url.rstrip("/")
    logger.warning(
        "No public URL in the Guichet control panel: links in e-mails use the "
        "request's address"
    )
    return api.portal.get().absolute_url()


def public_url_of(obj) -> str:
    """The public URL of a content object of the site."""
    site_path = api.portal.get().getPhysicalPath()
    path = obj.getPhysicalPath()[len(site_path) :]
    return "/".join([public_site_url(), *(quote(part) for part in path)])


def remember_public_url(url: str) -> bool:
    """Record ``url`` (an installing or configuring request's address of the
    site) as the public URL, unless one is set already; whether it was."""
    if api.portal.get_registry_record(PUBLIC_URL_RECORD, default=None):
        return False
    if not url.startswith(("http://", "https://")):
        return False  # a script without a request: nothing worth keeping
    api.portal.set_registry_record(PUBLIC_URL_RECORD, url.rstrip("/"))
    return True


def procedure_summaries(uids: Iterable[str]) -> dict[str, dict]:
    """``@id``, UID and title of procedures, in one catalog query."""
    brains = find_online_forms(UID=list(set(uids)))
    return {
        brain.UID: {"@id": brain.getURL(), "UID": brain.UID, "title": brain.Title}
        for brain in brains
    }


def titles_in_their_language(
    submissions: Iterable[Submission],
) -> dict[tuple[str, str], str]:
    """``{(procedure uid, language): title}`` of the submissions' procedures,
    each in the language it was filed in: the title of the procedure's
    translation in that language, the procedure's own where it has none
    (one catalog query for the procedures, one per translation group and
    transaction). The language is the submission's base language ("" when
    it has none)."""
    wanted = {(s.procedure_uid, base_language(s.language)) for s in submissions}
    brains = find_online_forms(UID=list({uid for uid, _language in wanted}))
    procedures = {brain.UID: brain._unrestrictedGetObject() for brain in brains}
    titles = {}
    for uid, language in wanted:
        procedure = procedures.get(uid)
        if procedure is None:
            continue
        titles[uid, language] = title_in(procedure, language)
    return titles


def submission_url(submission: Submission, site_url: str | None = None) -> str:
    """Where the API serves the submission (as the current request reached
    the site: for API answers). ``site_url``: the site's
    ``absolute_url()``, for callers that serialise many submissions."""
    if site_url is None:
        site_url = api.portal.get().absolute_url()
    return f"{site_url}/@submissions/{submission.id}"


def public_submission_url(submission: Submission) -> str:
    """Where the API serves the submission, for a link sent away."""
    return f"{public_site_url()}/@submissions/{submission.id}"
