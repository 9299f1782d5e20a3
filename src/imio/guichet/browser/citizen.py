"""The citizen's side: "Mes démarches" for logged-in citizens, and the
tracking page that a secret link opens for those who applied anonymously.

Both show a submission's state, history and the service's public messages
(never internal notes), and let the citizen answer when the service waits
for them, or withdraw a request not yet taken up, through the same core
functions (handling.reply_as_citizen / withdraw) and with the version seen.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.chrome import ICitizenPage
from imio.guichet.browser.display import read_in
from imio.guichet.browser.display import single
from imio.guichet.browser.display import SubmissionPage
from imio.guichet.browser.display import summary_rows
from imio.guichet.browser.drafts import DELETE_VIEW
from imio.guichet.browser.drafts import draft_rows
from imio.guichet.browser.errors import field_messages
from imio.guichet.browser.errors import set_answer_status
from imio.guichet.browser.errors import show_on_page
from imio.guichet.browser.language_switcher import CHOOSE_LANGUAGE
from imio.guichet.browser.language_switcher import chosen_language
from imio.guichet.browser.receipt import receipt_url
from imio.guichet.browser.requests import CursorPages
from imio.guichet.browser.rights import MY_DATA_VIEW
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidData
from imio.guichet.errors import NotFound
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.i18n import counted
from imio.guichet.submissions.api import InvalidQuery
from imio.guichet.submissions.api import list_submitted_by
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.attachments import stream
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.tracking import TRACKING_VIEW
from imio.guichet.usecases.citizen import answer
from imio.guichet.usecases.citizen import download_attachment
from imio.guichet.usecases.citizen import may_answer
from imio.guichet.usecases.citizen import may_withdraw
from imio.guichet.usecases.citizen import may_write
from imio.guichet.usecases.citizen import own_request
from imio.guichet.usecases.citizen import REQUEST_NOT_FOUND
from imio.guichet.usecases.citizen import tracked_request
from imio.guichet.usecases.citizen import withdraw
from imio.guichet.usecases.citizen import write
from plone import api
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zExceptions import NotFound as PageNotFound
from zExceptions import Unauthorized
from zope.interface import implementer


MY_REQUESTS_VIEW = "@@my-requests"

FILE_VIEW = "@@request-file"

NOT_FOUND = REQUEST_NOT_FOUND
ANSWER_SENT = _("info_answer_sent", default="Your answer was sent.")
MESSAGE_SENT = _("info_message_sent", default="Your message was sent.")
WITHDRAW_CONFIRM_REQUIRED = _(
    "error_withdraw_confirm",
    default="Tick the box to confirm: a withdrawal cannot be undone.",
)

#: What an answer may come with (i18n.counted).
ANSWER_FILES = {
    "one": _(
        "help_answer_files_one",
        default="Up to ${count} file of ${size} MB at most: ${types}.",
    ),
    "other": _(
        "help_answer_files_other",
        default="Up to ${count} files of ${size} MB at most: ${types}.",
    ),
}


@implementer(ICitizenPage)
class CitizenRequestPage(CallerOfRequest, SubmissionPage, BrowserView):
    """One submission for the citizen who filed it: what the subclasses
    share once they found it (``find``) from the request's parameters."""

    detail = ViewPageTemplateFile("templates/citizen_request.pt")
    view_name = ""
    #: Parameters that identify the submission (kept in forms and links).
    key_parameters: tuple[str, ...] = ("reference",)

    def find(self) -> Submission | None:
        raise NotImplementedError

    def user_id(self) -> str | None:
        return self.caller.user_id

    def show_submission(self):
        self.errors = {}
        self.submission = self.find()
        if self.submission is None:
            # The same answer for an unknown reference, a wrong secret and
            # someone else's request: no hint whether it exists.
            self.request.response.setStatus(404)
            self.not_found = NOT_FOUND
            return self.detail()
        self.not_found = None
        # A request is read in the language it was filed in, as its e-mails
        # and its receipt are: the page, its messages and the form's labels;
        # in another when the reader chose it with the language switcher.
        read_in(
            self.request,
            chosen_language(self.request) or self.submission.language,
        )
        if self.request.method == "POST":
            answer = self.act()
            if answer is not None:
                return answer
        return self.detail()

    def act(self):
        CheckAuthenticator(self.request)
        form = self.request.form
        seen_etag = single(form, "etag")
        # The use cases open the request again, as this page did.
        key, secret = self.submission.reference, single(form, "secret")
        try:
            texts = {"reply": (answer, ANSWER_SENT), "write": (write, MESSAGE_SENT)}
            sent = next((texts[name] for name in texts if name in form), None)
            if sent is not None:
                use_case, done = sent
                use_case(
                    self.caller,
                    key,
                    single(form, "message"),
                    secret=secret,
                    seen_etag=seen_etag,
                    files=self.sent_files(),
                )
            elif "withdraw" in form:
                if not single(form, "confirm"):
                    # Asked on the page, before anything is done: a
                    # withdrawal cannot be undone.
                    self.errors["confirm"] = WITHDRAW_CONFIRM_REQUIRED
                    self.request.response.setStatus(400)
                    return None
                withdraw(self.caller, key, secret=secret, seen_etag=seen_etag)
                done = _(
                    "info_request_withdrawn", default="Your request was withdrawn."
                )
            else:
                return None
        except InvalidData as invalid:
            # Next to the files: the answer was not sent.
            set_answer_status(self.request, invalid)
            self.errors.update(field_messages(invalid.fields))
            self.error_codes = {error.field: error.code for error in invalid.fields}
            return None
        except GuichetError as refused:
            show_on_page(self, refused)
            return None
        api.portal.show_message(done, self.request)
        self.request.response.redirect(self.self_url(), status=303)
        return ""

    def sent_files(self) -> list:
        """The files sent with an answer (the form's ``files:list``); an
        empty file input sends a part without a name."""
        sent = self.request.form.get("files") or []
        return [
            item
            for item in (sent if isinstance(sent, list) else [sent])
            if getattr(item, "filename", None)
        ]

    def upload_limits(self):
        return upload_limits(self.procedure)

    def answer_files_help(self, limits):
        """ "Up to 5 files of 10 MB at most: PDF, PNG.", counted and
        written as the page's language does."""
        language = self.page_language()
        return counted(
            ANSWER_FILES,
            limits.max_files,
            language,
            size=limits.max_size_mb(language),
            types=", ".join(limits.allowed_labels),
        )

    # -- for the template -------------------------------------------------

    def action_url(self) -> str:
        return f"{api.portal.get().absolute_url()}/{self.view_name}"

    def key_values(self) -> dict:
        values = {name: single(self.request.form, name) for name in self.key_parameters}
        chosen = chosen_language(self.request)
        if chosen:
            # The language chosen stays through the page's forms and links.
            values[CHOOSE_LANGUAGE] = chosen
        return values

    def self_url(self) -> str:
        return f"{self.action_url()}?{urlencode(self.key_values())}"

    def receipt_url(self) -> str:
        """The PDF receipt, opened like this page (secret or login)."""
        return receipt_url(self.submission, self.key_values().get("secret"))

    def may_reply(self) -> bool:
        return may_answer(self.submission)

    def may_withdraw(self) -> bool:
        return may_withdraw(self.submission)

    def may_write(self) -> bool:
        return may_write(self.submission)

    def attachment_url(self, name: str) -> str:
        """Where the citizen downloads a file of the request, opened like
        this page (secret or login)."""
        query = {**self.key_values(), "name": name}
        return f"{api.portal.get().absolute_url()}/{FILE_VIEW}?{urlencode(query)}"

    def question(self) -> str:
        """What the service asked, when it waits for the citizen."""
        for event in reversed(self.submission.history):
            if event.get("to_state") == "waiting_citizen":
                return event.get("public_message") or ""
        return ""


class MyRequestsView(CursorPages, CitizenRequestPage):
    """ "Mes démarches": the logged-in citizen's own submissions, and one of
    them when a reference is given."""

    view_name = MY_REQUESTS_VIEW

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to see your requests.")
        if single(self.request.form, "reference"):
            return self.show_submission()
        return self.index()

    def find(self) -> Submission | None:
        try:
            return own_request(self.caller, single(self.request.form, "reference"))
        except NotFound:
            return None

    @cached_property
    def page(self):
        cursor = single(self.request.form, "cursor") or None
        try:
            return list_submitted_by(self.user_id(), cursor=cursor, descending=True)
        except InvalidQuery:
            return list_submitted_by(self.user_id(), descending=True)

    def url_of(self, submission: Submission) -> str:
        return f"{self.action_url()}?{urlencode({'reference': submission.reference})}"

    def rows(self) -> list[dict]:
        # Each request under its procedure's title in the language it was
        # filed in (the title the citizen saw), the page in the reader's.
        rows = summary_rows(
            self.page.items,
            self.url_of,
            in_their_language=True,
            language=api.portal.get_current_language(),
        )
        for row in rows:
            row["waiting"] = row["state"] == "waiting_citizen"
        return rows

    def page_url(self, **query) -> str:
        return f"{self.action_url()}?{urlencode(query)}" if query else self.action_url()

    def drafts(self) -> list[dict]:
        """The citizen's drafts (not requests: never sent to the service)."""
        return draft_rows(self.caller)

    def delete_draft_url(self) -> str:
        return f"{api.portal.get().absolute_url()}/{DELETE_VIEW}"

    def my_data_url(self, kind: str) -> str:
        """The download of everything held about the citizen's requests."""
        query = urlencode({"format": kind})
        return f"{api.portal.get().absolute_url()}/{MY_DATA_VIEW}?{query}"


class TrackRequestView(CitizenRequestPage):
    """The page a tracking link opens: ``?reference=&secret=``."""

    view_name = TRACKING_VIEW
    key_parameters = ("reference", "secret")

    def __call__(self):
        return self.show_submission()

    def find(self) -> Submission | None:
        form = self.request.form
        try:
            return tracked_request(
                self.caller, single(form, "reference"), single(form, "secret")
            )
        except NotFound:
            return None


class RequestFileView(CallerOfRequest, BrowserView):
    """``?reference=&name=[&secret=]``: a file of the request (sent by the
    citizen or by the service), for its citizen; a plain 404 otherwise."""

    def __call__(self):
        form = self.request.form
        try:
            attachment = download_attachment(
                self.caller,
                single(form, "reference"),
                single(form, "name"),
                secret=single(form, "secret") or None,
            )
        except NotFound:
            raise PageNotFound() from None  # no hint whether it exists
        response = self.request.response
        response.setHeader("Content-Type", attachment.content_type)
        response.setHeader("Content-Length", str(attachment.size))
        response.setHeader(
            "Content-Disposition", content_disposition(attachment.filename)
        )
        response.setHeader("Cache-Control", "private, no-store")
        response.setHeader("X-Content-Type-Options", "nosniff")
        return stream(attachment)
