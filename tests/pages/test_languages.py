"""The guichet's pages, e-mails and PDF receipt in Dutch, German and
English (issue #17): no French and no English source text in them.

Each page is rendered with the visitor's language negotiated by Plone from
``Accept-Language`` (the site offers fr, nl, de and en). The texts looked
for are every message of our catalog in French and in its English default
(where the page's language says it otherwise), and the English texts of
Plone and z3c.form widgets that once showed on the guichet's pages.
"""

from dataclasses import dataclass
from dataclasses import field
from fixtures.catalogs import catalog_path
from fixtures.catalogs import default_text
from fixtures.catalogs import POT
from fixtures.catalogs import read_catalog
from fixtures.catalogs import VARIABLE
from fixtures.files import PDF
from fixtures.forms import VALID_DATA
from fixtures.mail import body
from fixtures.pages import browser_in
from fixtures.pages import negotiate_languages
from imio.guichet.notifications.messages import confirmation_message
from imio.guichet.notifications.messages import state_change_message
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.submissions.receipt import Issuer
from imio.guichet.submissions.receipt import receipt_pdf
from imio.guichet.submissions.tracking import tracking_secret
from io import BytesIO
from lxml import html as lxml_html
from plone import api
from pypdf import PdfReader

import pytest
import re
import transaction


#: Field labels and choices without a language: the procedure's own texts
#: are the webmaster's, not the interface's.
STEPS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Q-name</title>
    </field>
    <field name="kind" type="zope.schema.Choice">
      <title>Q-kind</title>
      <required>False</required>
      <values>
        <element key="a">K-a</element>
        <element key="b">K-b</element>
      </values>
    </field>
    <field name="count" type="zope.schema.Int">
      <title>Q-count</title>
      <required>False</required>
    </field>
    <field name="day" type="zope.schema.Date">
      <title>Q-day</title>
      <required>False</required>
    </field>
    <fieldset name="documents" label="S-documents">
      <field name="plan" type="plone.namedfile.field.NamedBlobFile">
        <title>Q-plan</title>
        <required>False</required>
      </field>
      <field name="agree" type="zope.schema.Bool">
        <title>Q-agree</title>
        <required>False</required>
      </field>
    </fieldset>
  </schema>
</model>
"""

#: English texts of other packages' widgets and forms, as they showed on
#: the guichet's pages before it replaced or translated them.
FOREIGN_ENGLISH = [
    "Allowed types",
    "application/pdf",
    "Required input is missing",
    "There were some errors",
    "Please correct the indicated errors",
    "The system could not process the given value",
    "Keep existing file",
    "Replace with new file",
    "No value",
    "The entered value is not a valid",
]

#: Visible texts: text nodes and the attributes a person reads or hears.
_READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
_SKIPPED = ("script", "style", "template")


def visible_texts(page: str) -> list[str]:
    root = lxml_html.fromstring(page)
    texts = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in _SKIPPED and element.text:
            texts.append(element.text)
        parent = element.getparent()
        if element.tail and parent is not None and parent.tag not in _SKIPPED:
            texts.append(element.tail)
        texts.extend(element.get(name) or "" for name in _READ_ATTRIBUTES)
        if element.tag in ("input", "button") and element.get("type") in (
            "submit",
            "button",
        ):
            texts.append(element.get("value") or "")
    return [" ".join(text.split()) for text in texts if text.strip()]


@dataclass
class SourceTexts:
    """What must not show in a language."""

    #: Sentences (of 12 characters or more) looked for inside texts.
    parts: set[str] = field(default_factory=set)
    #: Short texts without variables, looked for as a whole text.
    whole: set[str] = field(default_factory=set)
    #: Messages with variables, any value in their place.
    patterns: list[re.Pattern] = field(default_factory=list)


def source_texts(language: str) -> SourceTexts:
    """Every message of our catalog in French and, but in English, its
    English default, where ``language`` says it otherwise."""
    template = [m for m in read_catalog(POT) if m.id]
    french = {m.id: m.string for m in read_catalog(catalog_path("fr")) if m.id}
    target = {m.id: m.string for m in read_catalog(catalog_path(language)) if m.id}
    sources = [(m.id, french[m.id]) for m in template]
    if language != "en":
        sources += [(m.id, default_text(m)) for m in template]
    found = SourceTexts()
    for msgid, text in sources:
        translated = target[msgid]
        if text == translated:
            continue
        if not VARIABLE.search(text):
            found.whole.add(" ".join(text.split()).rstrip(" :"))
        for line in text.splitlines():
            literals = VARIABLE.split(" ".join(line.split()))[::2]
            if len("".join(literals).strip()) >= 8 and VARIABLE.search(line):
                pattern = ".+?".join(re.escape(literal) for literal in literals)
                found.patterns.append(re.compile(pattern))
            for literal in literals:
                sentence = literal.strip(" :;,.()")
                if len(sentence) >= 12 and sentence not in translated:
                    found.parts.add(sentence)
    if language != "en":
        found.parts.update(FOREIGN_ENGLISH)
    return found


def leaks(page: str, language: str) -> list[str]:
    return leaks_in(visible_texts(page), language)


def leaks_in(texts: list[str], language: str) -> list[str]:
    sources = source_texts(language)
    found = []
    for text in texts:
        if text.rstrip(" :") in sources.whole:
            found.append(text)
        found.extend(f"{part!r} in {text!r}" for part in sources.parts if part in text)
        found.extend(
            f"{pattern.pattern!r} in {text!r}"
            for pattern in sources.patterns
            if pattern.search(text)
        )
    return found


@pytest.fixture
def multilingual_site(site):
    """The test site in four languages, negotiated from Accept-Language,
    with a form in two steps."""
    negotiate_languages(["fr", "nl", "de", "en"])
    with api.env.adopt_roles(["Manager"]):
        site.demarches.x.form_schema = STEPS_FORM
    transaction.commit()
    return site


def click(browser, name: str) -> None:
    browser.getControl(name=f"form.buttons.{name}").click()


def check(pages: dict, name: str, browser, language: str) -> None:
    assert f'lang="{language}"' in browser.contents, f"{name} not in {language}"
    pages[name] = leaks(browser.contents, language)


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_citizen_pages_in_language(multilingual_site, language):
    site = multilingual_site
    procedure = site.demarches.x
    pages = {}
    browser = browser_in(site, language)

    browser.open(procedure.absolute_url())
    check(pages, "procedure page", browser, language)

    browser.open(procedure.absolute_url() + "/@@submit")
    check(pages, "form, first step", browser, language)

    browser.getControl(name="form.widgets.count").value = "douze"
    click(browser, "next")  # the required name is missing, the count wrong
    assert "form-widgets-name-error" in browser.contents
    assert "form-widgets-count-error" in browser.contents
    check(pages, "form with an error", browser, language)

    browser.getControl(name="form.widgets.name").value = "Jeanne"
    browser.getControl(name="form.widgets.count").value = "12"
    click(browser, "next")
    check(pages, "form, second step", browser, language)

    browser.getControl(name="form.widgets.plan").add_file(
        BytesIO(PDF), "application/pdf", "plan.pdf"
    )
    click(browser, "next")
    check(pages, "review", browser, language)

    click(browser, "send")
    assert "@@confirmation" in browser.url
    check(pages, "confirmation", browser, language)

    browser.getLink(url="@@track-request").click()
    check(pages, "tracking page", browser, language)

    drafts = browser_in(site, language)
    drafts.open(procedure.absolute_url() + "/@@submit")
    drafts.getControl(name="form.widgets.name").value = "Jeanne"
    click(drafts, "save_draft")
    check(pages, "draft saved", drafts, language)

    assert {name: found for name, found in pages.items() if found} == {}


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_my_requests_and_staff_pages_in_language(multilingual_site, language):
    site = multilingual_site
    with api.env.adopt_roles(["Manager"]):
        filed = submit(
            site.demarches.x,
            {"name": "Jeanne", "kind": "a", "day": "2026-03-01", "agree": True},
            submitter="citizen_a",
            language=language,
        )
    transaction.commit()
    pages = {}

    citizen = browser_in(site, language, "citizen_a")
    citizen.open(site.absolute_url() + "/@@my-requests")
    assert filed.reference in citizen.contents
    check(pages, "Mes démarches", citizen, language)

    staff = browser_in(site, language, "backoffice_x")
    staff.open(site.absolute_url() + "/@@guichet-requests")
    check(pages, "staff: requests", staff, language)

    staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed.id}")
    assert filed.reference in staff.contents
    check(pages, "staff: a request", staff, language)

    transaction.begin()
    submission = get_store().get(filed.id)
    for state in ("in_progress", "waiting_citizen"):
        update_state(
            submission,
            state,
            seen_etag=etag(submission),
            user_id="backoffice_x",
            public_message="M-1" if state == "waiting_citizen" else "",
        )
    secret = tracking_secret(get_store(), submission)
    transaction.commit()
    citizen.open(
        f"{site.absolute_url()}/@@track-request"
        f"?reference={filed.reference}&secret={secret}"
    )
    assert 'name="message"' in citizen.contents  # the answer's form
    check(pages, "tracking: the service asks", citizen, language)
    staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed.id}")
    check(pages, "staff: a request waiting for the citizen", staff, language)

    assert {name: found for name, found in pages.items() if found} == {}


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_mails_and_receipt_in_language(procedure, language):
    """What the citizen receives is in the submission's language."""
    api.portal.set_registry_record("plone.email_from_address", "g@example.org")
    with api.env.adopt_roles(["Manager"]):
        submission = submit(procedure, VALID_DATA, submitter=None, language=language)
    store = get_store()
    event = change_state(
        store, submission, "received", user_id="x", public_message="Merci"
    )
    texts = []
    for message in (
        confirmation_message(store, submission, procedure).parsed(),
        state_change_message(store, submission, procedure, event).parsed(),
    ):
        texts += [message["Subject"], *body(message).splitlines()]
    pdf = receipt_pdf(
        submission,
        procedure,
        issuer=Issuer(name="X"),
        tracking_url="https://x.example/t",
    )
    reader = PdfReader(BytesIO(pdf))
    texts += [" ".join(page.extract_text().split()) for page in reader.pages]
    assert submission.reference in texts[0]
    assert leaks_in(texts, language) == []


def test_leaks_are_found():
    """The check itself: French and English source texts are found."""
    page = (
        '<html><body><div id="content"><h2>History</h2>'
        '<button type="submit" value="x">Enregistrer le brouillon</button>'
        "<p>Allowed types: application/pdf.</p>"
        '<p title="Les champs marqués comme obligatoires doivent être complétés.">'
        "Geschiedenis</p></div></body></html>"
    )
    found = leaks(page, "nl")
    assert any("History" in text for text in found)
    assert any("Enregistrer le brouillon" in text for text in found)
    assert any("Allowed types" in text for text in found)
    assert any("obligatoires" in text for text in found)
    assert not any("Geschiedenis" in text for text in found)
    # A message made mostly of variables, shown untranslated.
    assert leaks_in(["PDF, PNG or JPEG, up to 10 MB."], "nl")
    assert leaks_in(["3 demandes"], "de")
    assert not leaks_in(["PDF, PNG of JPEG van hoogstens 10 MB."], "nl")
    assert re.search("History", " ".join(found))


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_administration_pages_in_language(multilingual_site, language):
    """The staff's dashboard, the audit log, a citizen's data, the privacy
    notice, and the webmaster's pages (e-mails, form editor, translation)."""
    site = multilingual_site
    with api.env.adopt_roles(["Manager"]):
        submit(
            site.demarches.x,
            {"name": "Jeanne", "kind": "a", "day": "2026-03-01", "agree": True},
            submitter="citizen_a",
            language=language,
        )
    transaction.commit()
    procedure = site.demarches.x.absolute_url()
    pages = {}
    for who, name, url in (
        (
            "backoffice_x",
            "staff dashboard",
            f"{site.absolute_url()}/@@guichet-dashboard",
        ),
        ("siteadmin", "audit log", f"{site.absolute_url()}/@@guichet-audit-log"),
        (None, "privacy information", f"{procedure}/@@guichet-privacy"),
        # The e-mail in the page's language (the French one is French).
        (
            "siteadmin",
            "e-mails",
            f"{procedure}/@@guichet-emails?mail=confirmation&language={language}",
        ),
        ("siteadmin", "form editor", f"{procedure}/++form++fields"),
        (
            "siteadmin",
            "form translation",
            f"{procedure}/@@guichet-translate-form?language=nl",
        ),
    ):
        browser = browser_in(site, language, who)
        browser.open(url)
        check(pages, name, browser, language)

    # A citizen's own data: the JSON is for machines, the PDF for people.
    citizen = browser_in(site, language, "citizen_a")
    citizen.open(f"{site.absolute_url()}/@@my-data?format=pdf")
    reader = PdfReader(BytesIO(citizen.contents))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    pages["my data (PDF)"] = leaks_in(texts, language)

    assert {name: found for name, found in pages.items() if found} == {}
