"""The privacy information's pages: the full text of a procedure's
(``@@guichet-privacy``, public), the notice on its form (see
``submit.SubmitForm.privacy_notice``) and the register of processing
activities for Site Administrators (``@@guichet-register``, its CSV with
``format=csv``)."""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import GuichetError
from imio.guichet.privacy.notice import full_notice
from imio.guichet.privacy.register import COLUMNS
from imio.guichet.usecases.privacy import export_register
from imio.guichet.usecases.privacy import processing_register
from plone import api
from Products.Five.browser import BrowserView
from zope.i18nmessageid import Message


class PrivacyView(BrowserView):
    """@@guichet-privacy: what the procedure's form does with the data of
    whoever fills it (GDPR art. 13), in full."""

    def title(self) -> Message:
        return _(
            "title_privacy_page",
            default="Personal data: ${procedure}",
            mapping={"procedure": self.context.Title()},
        )

    def rows(self) -> list[tuple]:
        # The days counted as the page's reader counts them.
        return full_notice(self.context, api.portal.get_current_language())


class RegisterView(CallerOfRequest, BrowserView):
    """@@guichet-register: the register of processing activities, one
    activity per procedure with an online form; ``format=csv`` downloads
    it."""

    columns = COLUMNS

    def __call__(self):
        try:
            if self.request.form.get("format") == "csv":
                return self.csv()
            self.activities = processing_register(self.caller)
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        return self.index()

    def csv(self):
        body = spooled(lambda write: export_register(self.caller, write))
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader(
            "Content-Disposition",
            'attachment; filename="register-of-processing-activities.csv"',
        )
        return body

    @cached_property
    def csv_url(self) -> str:
        return f"{self.context.absolute_url()}/@@guichet-register?format=csv"
