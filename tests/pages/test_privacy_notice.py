"""Issue #15: citizens are told before they give their data. The notice
is on the form's first step and on its review step, links to the full
text, and the PDF receipt repeats it."""

from fixtures.forms import PRIVACY_INFORMATION
from fixtures.pages import fill_valid
from imio.guichet.privacy.notice import procedure_retention
from imio.guichet.privacy.notice import RETENTION_ANONYMISE
from imio.guichet.privacy.notice import RETENTION_DELETE
from imio.guichet.privacy.notice import retention_sentence
from io import BytesIO
from plone import api
from plone.testing.zope import Browser
from pypdf import PdfReader
from zope.i18n import translate

import pytest
import re
import transaction


PURPOSE = PRIVACY_INFORMATION["privacy_purpose"]
#: A form in steps: its first step, a second one, then the review.
STEPS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
    </field>
    <fieldset name="more" label="Précisions">
      <field name="details" type="zope.schema.Text">
        <title>Détails</title>
      </field>
    </fieldset>
  </schema>
</model>
"""


def notice_of(html: str) -> str | None:
    """The text of the page's privacy notice, or None."""
    match = re.search(
        r'<section class="guichet-privacy-notice.*?</section>', html, re.DOTALL
    )
    if match is None:
        return None
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split()).replace(
        "&#x27;", "'"
    )


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def browser_on(site, form: str | None = None) -> Browser:
    if form is not None:
        with api.env.adopt_roles(["Manager"]):
            site.demarches.x.form_schema = form
        transaction.commit()
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    return browser


class TestRetentionSentence:
    def test_the_seam(self):
        assert retention_sentence(None, None) is None
        assert retention_sentence(0, "delete") is None
        kept = retention_sentence(365, None, "en")
        assert kept == RETENTION_ANONYMISE["other"]
        assert kept.mapping == {"count": 365}
        assert retention_sentence(30, "delete", "en") == RETENTION_DELETE["other"]

    @pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
    def test_days_counted_as_the_reader_counts(self, language):
        """A period of 1 day (the least a procedure sets) is "1 day", never
        "1 days": two whole messages, the days in ``${count}``."""
        for action, forms in (
            ("anonymise", RETENTION_ANONYMISE),
            ("delete", RETENTION_DELETE),
        ):
            one = retention_sentence(1, action, language)
            assert (one, one.mapping) == (forms["one"], {"count": 1})
            two = retention_sentence(2, action, language)
            assert (two, two.mapping) == (forms["other"], {"count": 2})
        assert translate(retention_sentence(1, "delete", "en")) == (
            "Your request is kept 1 day after it ends (closed, rejected or "
            "withdrawn); then it is deleted."
        )

    def test_the_procedures_else_the_sites(self, portal, procedure):
        # The site's default (1825 days, anonymised) until the procedure
        # sets its own.
        site_default = procedure_retention(procedure)
        assert site_default == RETENTION_ANONYMISE["other"]
        assert site_default.mapping == {"count": 1825}
        procedure.retention_days = 730
        procedure.retention_action = "delete"
        own = procedure_retention(procedure, "nl")
        assert own == RETENTION_DELETE["other"]
        assert own.mapping == {"count": 730}
        procedure.retention_days = 1
        assert procedure_retention(procedure, "nl") == RETENTION_DELETE["one"]


class TestOnTheForm:
    def test_one_page_form(self, site):
        notice = notice_of(browser_on(site).contents)
        assert notice is not None
        assert PURPOSE in notice
        assert "Code civil, livre 1er, titre 2" in notice  # the law
        assert "Service État civil" in notice  # the recipients
        assert "dpo@example.org" in notice
        # The site's default period, as the procedure sets none.
        assert "Your request is kept 1825 days after it ends" in notice

    def test_first_and_review_steps_only(self, site):
        browser = browser_on(site, STEPS_FORM)
        assert PURPOSE in notice_of(browser.contents)
        browser.getControl(name="form.widgets.name").value = "Jeanne"
        browser.getControl(name="form.buttons.next").click()
        assert "form.widgets.details" in browser.contents
        assert notice_of(browser.contents) is None
        browser.getControl(name="form.widgets.details").value = "Merci"
        browser.getControl(name="form.buttons.next").click()
        assert "guichet-review" in browser.contents
        assert PURPOSE in notice_of(browser.contents)

    def test_retention_when_the_procedure_has_it(self, site):
        site.demarches.x.retention_days = 365
        transaction.commit()
        notice = notice_of(browser_on(site).contents)
        assert "365 days after it ends" in notice

    def test_one_day_is_one_day(self, site):
        """On the form and on the full text: "1 day", never "1 days"."""
        site.demarches.x.retention_days = 1
        transaction.commit()
        browser = browser_on(site)
        assert "kept 1 day after it ends" in notice_of(browser.contents)
        browser.getLink(url="@@guichet-privacy").click()
        assert "kept 1 day after it ends" in browser.contents
        assert "1 days" not in browser.contents

    def test_links_to_the_full_text(self, site):
        browser = browser_on(site)
        browser.getLink(url="@@guichet-privacy").click()
        assert browser.url.endswith("/demarches/x/@@guichet-privacy")
        page = browser.contents.replace("&#x27;", "'")
        assert PURPOSE in page
        assert "dpo@example.org" in page
        assert "Data Protection Authority" in page


class TestOnTheReceipt:
    def test_one_day_on_the_receipt(self, site):
        site.demarches.x.retention_days = 1
        transaction.commit()
        browser = browser_on(site)
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        browser.getLink(url="@@receipt").click()
        text = text_of(browser.contents)
        assert "kept 1 day after it ends" in text
        assert "1 days" not in text

    def test_the_receipt_repeats_it(self, site):
        browser = browser_on(site)
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        browser.getLink(url="@@receipt").click()
        assert browser.headers["Content-Type"] == "application/pdf"
        text = text_of(browser.contents)
        assert PURPOSE in text
        assert "Service État civil" in text
        assert "dpo@example.org" in text
        assert "kept 1825 days after it ends" in text
        # The full text, at the site's public address.
        assert f"{site.absolute_url()}/demarches/x/@@guichet-privacy" in (
            text.replace(" ", "")
        )
