"""The PDF receipt of a submission: what a citizen keeps of their request.

Made with reportlab (pure Python, no system package). Text is set in the
Vera fonts that reportlab ships, which hold every Latin letter with its
accents and the euro sign. The receipt shows who received the request
(the site's title: the municipality), the procedure, the reference in
large type, the date and time in the site's time zone, the answers laid
out like the form (files by their names) and how to follow the request.
It takes no request: the view (browser/receipt.py) checks who may have it.

Who issues it (:class:`Issuer`, :func:`issuer_of`): the authority's
official name, address and logo from the Guichet control panel (the
site's title and logo when they are not set), and the contact of the
service that handles the procedure (the procedure's "Service and
contact").
"""

from dataclasses import dataclass
from html import escape
from imio.guichet import _
from imio.guichet.authority import get_authority
from imio.guichet.content.translations import title_in
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.display import submission_answers
from imio.guichet.i18n import translate_for
from imio.guichet.privacy.notice import FULL_TEXT
from imio.guichet.privacy.notice import HEADING as PRIVACY_HEADING
from imio.guichet.privacy.notice import Notice
from imio.guichet.submissions.storage import Submission
from io import BytesIO
from lxml import html as lxml_html
from plone import api
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image
from reportlab.platypus import KeepTogether
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer
from reportlab.platypus import Table
from reportlab.platypus import TableStyle
from zope.i18nmessageid import Message

import base64
import binascii
import logging
import re
import reportlab
import unicodedata


logger = logging.getLogger(__name__)


FONT = "GuichetVera"
BOLD = "GuichetVera-Bold"

TITLE = _("receipt_title", default="Acknowledgement of receipt")
RECEIVED = _(
    "receipt_received",
    default="We received your request on ${date}.",
)
REFERENCE = _("label_reference", default="Reference")
ANSWERS = _("receipt_answers", default="What you sent")
FOLLOW = _("receipt_follow", default="Follow your request")
FOLLOW_HELP = _(
    "receipt_follow_help",
    default="This link shows the state of your request and the service's "
    "messages. Keep it private: whoever has it can see your request.",
)
CONTACT = _("receipt_contact", default="Contact the service")
NOTICE = _(
    "receipt_notice",
    default="This document acknowledges that your request was received; it "
    "does not say that it is accepted. Please mention the reference whenever "
    "you contact the service about it.",
)


@dataclass(frozen=True)
class Issuer:
    """Who issues the receipt: the authority, and the procedure's service."""

    name: str
    address: str = ""
    #: PNG or JPEG bytes, or None.
    logo: bytes | None = None
    #: The service's contact, as plain text (lines kept).
    contact: str = ""


#: The tallest and widest the logo is drawn (its proportions kept).
LOGO_HEIGHT = 18 * mm
LOGO_WIDTH = 45 * mm


def _named_file_data(value) -> bytes | None:
    """The bytes of an image stored as the image widget stores it in the
    registry (``filenameb64:…;datab64:…``), or None."""
    if not value:
        return None
    if isinstance(value, str):
        value = value.encode("ascii", "replace")
    _filename, _, data = value.partition(b";")
    _prefix, _, encoded = data.partition(b":")
    try:
        return base64.standard_b64decode(encoded) or None
    except (binascii.Error, ValueError):
        return None


def html_to_lines(text: str) -> str:
    """Rich text as plain text, a line per paragraph, list item or break."""
    if not text or not text.strip():
        return ""
    marked = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6])>", "\n", text)
    plain = lxml_html.fromstring(f"<div>{marked}</div>").text_content()
    lines = (" ".join(line.split()) for line in plain.splitlines())
    return "\n".join(line for line in lines if line)


def issuer_of(procedure) -> Issuer:
    """The receipt's issuer: the authority of its control panel (the
    site's title and logo by default) and ``procedure``'s contact."""
    authority = get_authority()
    logo = _named_file_data(authority.logo or None) or _named_file_data(
        api.portal.get_registry_record("plone.site_logo", default=None)
    )
    contact = getattr(procedure, "contact", None) if procedure is not None else None
    return Issuer(
        name=authority.official_name.strip() or api.portal.get().Title(),
        address="\n".join(authority.address_lines),
        logo=logo,
        contact=html_to_lines(contact.output or "") if contact is not None else "",
    )


def _logo(data: bytes | None):
    """The logo as a flowable, scaled to fit; None if it is not an image
    reportlab can read (a receipt never fails for its logo)."""
    if not data:
        return None
    try:
        width, height = ImageReader(BytesIO(data)).getSize()
    except Exception:  # PIL says why in many ways; the receipt goes on
        logger.warning("The authority's logo is not a readable image")
        return None
    scale = min(LOGO_HEIGHT / height, LOGO_WIDTH / width)
    return Image(BytesIO(data), width=width * scale, height=height * scale)


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    # Bundled with reportlab (reportlab/fonts), found on its search path.
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=11),
        "site": ParagraphStyle("site", base, fontName=BOLD, fontSize=12, leading=15),
        "title": ParagraphStyle(
            "title", base, fontName=BOLD, fontSize=18, leading=22, spaceAfter=4
        ),
        "procedure": ParagraphStyle("procedure", base, fontSize=13, leading=17),
        "reference": ParagraphStyle(
            "reference",
            base,
            fontName=BOLD,
            fontSize=26,
            leading=32,
            alignment=TA_CENTER,
        ),
        "label": ParagraphStyle(
            "label", base, alignment=TA_CENTER, textColor=colors.HexColor("#555555")
        ),
        "heading": ParagraphStyle(
            "heading", base, fontName=BOLD, fontSize=12, leading=15, spaceBefore=8
        ),
        "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=12),
        "cell_title": ParagraphStyle("cell_title", base, fontName=BOLD, fontSize=9.5),
    }


def _text(value) -> str:
    """Escaped for reportlab's paragraph markup; line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


#: For other documents built of the receipt's parts.
paragraph_text = _text


def issuer_flowables(issuer: Issuer, styles) -> list:
    """Who issues the document (logo, name, address), as flowables."""
    width = A4[0] - 40 * mm
    identity = [Paragraph(_text(issuer.name), styles["site"])]
    if issuer.address:
        identity.append(Paragraph(_text(issuer.address), styles["small"]))
    logo = _logo(issuer.logo)
    if logo is not None:
        heading = Table(
            [[logo, identity]],
            colWidths=[logo.drawWidth + 6 * mm, width - logo.drawWidth - 6 * mm],
        )
        heading.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [heading]
    return list(identity)


def answers_flowables(submission, procedure, tr, styles, language) -> list:
    """The answers of ``submission`` laid out like its form, as reportlab
    flowables (a table per section): the receipt's, and what a citizen's
    download of their data shows of each request."""
    width = A4[0] - 40 * mm
    story = []
    for section in submission_answers(submission, procedure, language):
        rows = [
            [
                Paragraph(_text(tr(row["title"])), styles["cell_title"]),
                Paragraph(_text(tr(row["value"])), styles["cell"]),
            ]
            for row in section["rows"]
        ]
        # Rows may split across pages: an answer can be longer than a page.
        table = Table(rows, colWidths=[width * 0.35, width * 0.65], splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        if section["label"]:
            story.append(Paragraph(_text(tr(section["label"])), styles["cell_title"]))
        story.extend([table, Spacer(1, 3 * mm)])
    return story


def pdf_styles() -> dict[str, ParagraphStyle]:
    """The receipt's fonts (registered once) and paragraph styles."""
    _register_fonts()
    return _styles()


def build_pdf(story: list, *, title: str, author: str) -> bytes:
    """``story`` as an A4 PDF, the same bytes for the same story."""
    output = BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator=f"imio.guichet (reportlab {reportlab.Version})",
        # Never a creation date or random id that would make two
        # downloads of the same document differ.
        invariant=True,
    )
    document.build(story)
    return output.getvalue()


def receipt_pdf(
    submission: Submission,
    procedure,
    *,
    issuer: Issuer,
    tracking_url: str | None = None,
    language: str | None = None,
    privacy: Notice | None = None,
) -> bytes:
    """The receipt of ``submission`` (of ``procedure``) as PDF bytes.

    ``issuer`` names who received the request (its name, address and
    logo at the top, the service's contact below); ``tracking_url`` is how
    the citizen follows it (left out when None). Texts are in ``language``
    (the submission's by default, French when a catalog lacks them).
    ``privacy`` is the procedure's privacy notice, repeated at the end.
    """
    _register_fonts()
    language = language or submission.language

    def tr(message) -> str:
        if isinstance(message, Message):
            return translate_for(message, language)
        return str(message)

    styles = _styles()
    received = Message(
        RECEIVED, mapping={"date": format_datetime(submission.created, language)}
    )
    procedure_title = title_in(procedure, language) if procedure is not None else ""
    story = issuer_flowables(issuer, styles)
    story += [
        Spacer(1, 6 * mm),
        Paragraph(_text(tr(TITLE)), styles["title"]),
        Paragraph(_text(procedure_title), styles["procedure"]),
        Spacer(1, 6 * mm),
        Paragraph(_text(tr(REFERENCE)), styles["label"]),
        Paragraph(_text(submission.reference), styles["reference"]),
        Spacer(1, 4 * mm),
        Paragraph(_text(tr(received)), styles["base"]),
        Spacer(1, 4 * mm),
        Paragraph(_text(tr(ANSWERS)), styles["heading"]),
    ]
    story += answers_flowables(submission, procedure, tr, styles, language)
    if tracking_url:
        story.append(
            KeepTogether(
                [
                    Paragraph(_text(tr(FOLLOW)), styles["heading"]),
                    Paragraph(_text(tr(FOLLOW_HELP)), styles["base"]),
                    Paragraph(
                        f'<link href="{escape(tracking_url)}">'
                        f"{_text(tracking_url)}</link>",
                        styles["small"],
                    ),
                ]
            )
        )
    if issuer.contact:
        story.append(
            KeepTogether(
                [
                    Paragraph(_text(tr(CONTACT)), styles["heading"]),
                    Paragraph(_text(issuer.contact), styles["base"]),
                ]
            )
        )
    if privacy is not None and privacy.rows:
        story.append(Paragraph(_text(tr(PRIVACY_HEADING)), styles["heading"]))
        for head, text in privacy.rows:
            story.append(
                Paragraph(
                    f"<b>{_text(tr(head))}</b>: {_text(tr(text))}", styles["small"]
                )
            )
        story.append(
            Paragraph(
                f"{_text(tr(FULL_TEXT))}: "
                f'<link href="{escape(privacy.full_text_url)}">'
                f"{_text(privacy.full_text_url)}</link>",
                styles["small"],
            )
        )
    story.extend([Spacer(1, 6 * mm), Paragraph(_text(tr(NOTICE)), styles["small"])])

    return build_pdf(
        story, title=f"{tr(TITLE)} {submission.reference}", author=issuer.name
    )


def ascii_name(text: str) -> str:
    """``text`` as a file name any system keeps: lower case ASCII letters
    and digits joined by dashes ("Empfangsbestätigung" ->
    "empfangsbestatigung", "Accusé de réception" -> "accuse-de-reception")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def receipt_filename(submission: Submission, language: str | None = None) -> str:
    """The receipt's file name, in its language (the submission's by
    default, as its text): ``accuse-de-reception-<reference>.pdf`` in
    French, ``ontvangstbewijs-<reference>.pdf`` in Dutch."""
    title = ascii_name(translate_for(TITLE, language or submission.language))
    return f"{title or 'receipt'}-{submission.reference}.pdf"
