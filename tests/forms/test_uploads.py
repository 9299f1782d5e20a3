"""Issue #3 file uploads and issue #4 GET @submissions/{id}/@attachments/{name}."""

from fixtures.files import EXE
from fixtures.files import PDF
from fixtures.files import PNG
from fixtures.forms import FIELDS_FORM
from fixtures.forms import FIELDS_VALID
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.uploads import sniff
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.attachments import stream
from imio.guichet.submissions.storage import Submission
from io import BytesIO
from jsonschema import Draft202012Validator
from plone.formwidget.namedfile.interfaces import IFileUploadTemporaryStorage
from plone.testing.zope import Browser
from ZODB.blob import Blob

import base64
import hashlib
import pytest
import transaction
import zipfile


def as_json(data: bytes, filename="piece.pdf", content_type="application/pdf"):
    return {
        "filename": filename,
        "content-type": content_type,
        "data": base64.b64encode(data).decode(),
    }


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT = zipped(
    {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}
)
DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})


@pytest.mark.parametrize(
    "data,kind",
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (ODT, "odt"),
        (DOCX, "docx"),
        (EXE, None),
        (b"PK\x03\x04 not really a zip", None),
        (zipped({"evil.exe": EXE}), None),
        (b"<html><script>alert(1)</script>", None),
        (b" %PDF-1.4", None),
    ],
)
def test_sniffing_reads_the_content(data, kind):
    assert sniff(data) == kind


def test_content_disposition_is_safe():
    header = content_disposition('évaluation "finale"\r\n.pdf')
    assert header.startswith('attachment; filename="evaluation _finale___.pdf"')
    assert "filename*=UTF-8''%C3%A9valuation%20%22finale%22%0D%0A.pdf" in header
    assert "\r" not in header and "\n" not in header
    assert content_disposition("日本.pdf").startswith('attachment; filename="__.pdf";')
    assert content_disposition("...").startswith('attachment; filename="file";')


# -- the core: clean_data against the procedure's limits


class Limits:
    """A procedure's upload settings, as clean_data reads them."""

    def __init__(self, **settings):
        self.__dict__.update(settings)


@pytest.fixture
def schema(portal):
    return check_form_schema(FIELDS_FORM)


def refused(schema, data, context=None):
    with pytest.raises(InvalidData) as error:
        clean_data(schema, data, context)
    return {e.field: e.code for e in error.value.errors}


def test_data_keeps_a_descriptor_and_the_file_goes_aside(schema):
    files = {}
    data = {**FIELDS_VALID, "document": as_json(PDF, "C:\\tmp\\é.pdf")}
    cleaned = clean_data(schema, data, None, files)
    assert cleaned["document"] == {
        "filename": "é.pdf",
        "content-type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "attachment": "document",
    }
    assert files["document"].data == PDF


@pytest.mark.parametrize(
    "value,code",
    [
        (as_json(EXE, "facture.pdf"), "file_type"),  # an .exe renamed .pdf
        (as_json(PNG, "photo.png", "image/png"), None),
        ({**as_json(PDF), "encoding": "base64"}, None),  # as plone.restapi sends
        ({**as_json(PDF), "encoding": "latin-1"}, "invalid_file"),
        (as_json(b""), "empty_file"),
        ({**as_json(PDF), "data": "JVBERi0x$$$"}, "invalid_base64"),
        ({**as_json(PDF), "data": "JVBERi0"}, "invalid_base64"),  # padding
        ({**as_json(PDF), "data": "JVBE Ri0x"}, "invalid_base64"),
        ({**as_json(PDF), "data": "é"}, "invalid_base64"),
        ({**as_json(PDF), "size": 3}, "invalid_file"),
        ({"data": as_json(PDF)["data"]}, "invalid_file"),
        ("JVBERi0x", "invalid_file"),
        ({**as_json(PDF), "data": None}, "invalid_file"),
    ],
)
def test_files_refused_with_a_reason(schema, value, code):
    data = {**FIELDS_VALID, "document": value}
    if code is None:
        assert "document" in clean_data(schema, data)
    else:
        assert refused(schema, data) == {"document": code}


def test_limits_of_the_procedure(schema):
    small = Limits(max_file_size=1, max_files=1, allowed_file_types=["png"])
    big_png = PNG + b"\x00" * (1024 * 1024)
    assert refused(
        schema, {**FIELDS_VALID, "photo": as_json(big_png, "a.png")}, small
    ) == {"photo": "file_too_large"}
    assert refused(schema, {**FIELDS_VALID, "document": as_json(PDF)}, small) == {
        "document": "file_type"  # not allowed here
    }
    two = {
        **FIELDS_VALID,
        "document": as_json(PNG, "a.png"),
        "photo": as_json(PNG, "b.png"),
    }
    assert refused(schema, two, small) == {"photo": "too_many_files"}
    none = Limits(max_files=0)
    assert refused(schema, {**FIELDS_VALID, "document": as_json(PDF)}, none) == {
        "document": "too_many_files"
    }


def test_json_schema_of_a_file_agrees_with_the_server(schema):
    published = form_json_schema(
        schema, schema_id="x", title="t", version=1, context=Limits(max_file_size=2)
    )
    document = published["properties"]["document"]
    assert document["x-guichet-type"] == "file"
    assert document["x-guichet-max-size"] == 2 * 1024 * 1024
    assert document["x-guichet-allowed-types"] == [
        "application/pdf",
        "image/png",
        "image/jpeg",
    ]
    assert document["properties"]["data"]["contentEncoding"] == "base64"
    validator = Draft202012Validator(published)
    good = {**FIELDS_VALID, "document": as_json(PDF)}
    assert validator.is_valid(good)
    restapi_style = {**as_json(PDF), "encoding": "base64"}
    assert validator.is_valid({**good, "document": restapi_style})
    for bad in (
        {**as_json(PDF), "data": "JVBERi0"},
        {**as_json(PDF), "data": "JVBE Ri0x"},
        {**as_json(PDF), "size": 3},
        {"data": as_json(PDF)["data"]},
        {**as_json(PDF), "data": ""},
        {**as_json(PDF), "encoding": "latin-1"},
    ):
        assert not validator.is_valid({**FIELDS_VALID, "document": bad})
        assert "document" in refused(schema, {**FIELDS_VALID, "document": bad})


def test_committed_blob_is_streamed_from_its_file(tmp_path):
    from imio.guichet.forms.uploads import CheckedUpload
    from imio.guichet.submissions.attachments import Attachment
    from ZODB.DB import DB
    from ZODB.FileStorage import FileStorage
    from ZPublisher.Iterators import filestream_iterator

    storage = FileStorage(str(tmp_path / "Data.fs"), blob_dir=str(tmp_path / "blobs"))
    database = DB(storage)
    try:
        with database.transaction() as conn:
            upload = CheckedUpload("a.pdf", "application/pdf", PDF)
            conn.root()["a"] = Attachment(upload)
        with database.transaction() as conn:
            body = stream(conn.root()["a"])
            assert isinstance(body, filestream_iterator)
            assert b"".join(body) == PDF
            body.close()
    finally:
        database.close()


def test_uncommitted_blob_streams_its_bytes():
    class Holder:
        blob = Blob()

    with Holder.blob.open("w") as out:
        out.write(PDF)
    assert stream(Holder) == PDF


# -- over HTTP


@pytest.fixture
def upload_site(site):
    site.demarches.x.form_schema = FIELDS_FORM
    transaction.commit()
    return site


def stored_count():
    transaction.begin()
    store = get_store()
    return 0 if store is None else len(store)


def file_submission(session, **files):
    return session.post(
        "demarches/x/@submissions", json={"data": {**FIELDS_VALID, **files}}
    )


@pytest.fixture
def filed_pdf(upload_site, session_for):
    response = file_submission(
        session_for("Anonymous"), document=as_json(PDF, "Pièce jointe.pdf")
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


class TestRESTUploads:
    def test_good_pdf_is_stored_as_a_blob(self, filed_pdf):
        transaction.begin()
        submission: Submission = get_store().get(filed_pdf)
        assert submission.data["document"]["content-type"] == "application/pdf"
        assert "data" not in submission.data["document"]
        attachment = submission.attachments["document"]
        assert isinstance(attachment.blob, Blob)
        with attachment.blob.open() as data:
            assert data.read() == PDF
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        assert list(submission.attachments) == ["document"]

    def test_download_with_safe_headers(self, filed_pdf, session_for):
        response = session_for("backoffice_x").get(
            f"@submissions/{filed_pdf}/@attachments/document"
        )
        assert response.status_code == 200, response.text
        assert response.content == PDF
        headers = response.headers
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Length"] == str(len(PDF))
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"] == (
            'attachment; filename="Piece jointe.pdf"; '
            "filename*=UTF-8''Pi%C3%A8ce%20jointe.pdf"
        )

    def test_download_is_never_cached(self, filed_pdf, session_for):
        """Set by headers.py for every guichet page, streamed files too."""
        response = session_for("backoffice_x").get(
            f"@submissions/{filed_pdf}/@attachments/document"
        )
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Referrer-Policy"] == "same-origin"

    def test_submission_links_its_files(self, filed_pdf, session_for):
        from imio.guichet.services.openapi.get import openapi_document

        office = session_for("backoffice_x")
        answer = office.get(f"@submissions/{filed_pdf}").json()
        schema = {**openapi_document(), "$ref": "#/components/schemas/Submission"}
        Draft202012Validator(schema).validate(answer)
        [link] = answer["attachments"]
        assert link["name"] == answer["data"]["document"]["attachment"]
        assert link["size"] == len(PDF)
        assert office.get(link["@id"]).content == PDF

    @pytest.mark.parametrize(
        "who,status",
        [
            ("Anonymous", 401),
            ("citizen_a", 403),
            ("editor", 403),
            ("backoffice_y", 403),
            ("backoffice_x", 200),
            ("siteadmin", 200),
            ("Manager", 200),
        ],
    )
    def test_who_may_download(self, filed_pdf, session_for, who, status):
        response = session_for(who).get(
            f"@submissions/{filed_pdf}/@attachments/document"
        )
        assert response.status_code == status
        if status != 200:
            assert response.json()["error"]["type"] in ("Unauthorized", "Forbidden")
            assert PDF not in response.content

    def test_download_is_audited(self, filed_pdf, session_for):
        session_for("backoffice_x").get(
            f"@submissions/{filed_pdf}/@attachments/document"
        )
        session_for("backoffice_y").get(
            f"@submissions/{filed_pdf}/@attachments/document"
        )
        items = session_for("siteadmin").get("@guichet-audit").json()["items"]
        assert [(i["actor"], i["action"], i["details"]) for i in items] == [
            ("backoffice_x", "download", {"attachment": "document"})
        ]

    @pytest.mark.parametrize(
        "path", ["@attachments/photo", "@attachments/nope", "@attachments", "@other/x"]
    )
    def test_unknown_attachment_is_a_json_404(self, filed_pdf, session_for, path):
        response = session_for("backoffice_x").get(f"@submissions/{filed_pdf}/{path}")
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "NotFound"

    def test_unknown_submission(self, filed_pdf, session_for):
        response = session_for("backoffice_x").get("@submissions/nope/@attachments/x")
        assert response.status_code == 404

    @pytest.mark.parametrize(
        "files,errors",
        [
            ({"document": as_json(EXE, "facture.pdf")}, {"document": "file_type"}),
            (
                {"document": {**as_json(PDF), "data": "%%%="}},
                {"document": "invalid_base64"},
            ),
            (
                {"document": as_json(PDF), "photo": as_json(EXE, "x.png", "image/png")},
                {"photo": "file_type"},
            ),
        ],
    )
    def test_refused_files_store_nothing(self, upload_site, session_for, files, errors):
        before = stored_count()
        response = file_submission(session_for("Anonymous"), **files)
        assert response.status_code == 400
        body = response.json()["error"]
        assert {e["field"]: e["code"] for e in body["errors"]} == errors
        assert all(e["message"] for e in body["errors"])
        assert stored_count() == before

    def test_oversize_and_too_many(self, upload_site, session_for):
        procedure = upload_site.demarches.x
        procedure.max_file_size = 1
        procedure.max_files = 1
        transaction.commit()
        anon = session_for("Anonymous")
        before = stored_count()
        big = as_json(PDF + b"\x00" * (1024 * 1024))
        response = file_submission(anon, document=big)
        assert response.status_code == 400
        assert response.json()["error"]["errors"][0]["code"] == "file_too_large"
        response = file_submission(
            anon, document=as_json(PDF), photo=as_json(PNG, "p.png")
        )
        assert response.status_code == 400
        assert response.json()["error"]["errors"][0] == {
            "field": "photo",
            "code": "too_many_files",
            "message": "Too many files are attached to this request.",
        }
        assert stored_count() == before
        # Far beyond what the form may need: refused before reading it.
        huge = as_json(PDF + b"\x00" * (4 * 1024 * 1024))
        assert file_submission(anon, document=huge).status_code == 413

    def test_form_schema_describes_the_procedure_limits(self, upload_site, session_for):
        upload_site.demarches.x.allowed_file_types = ["pdf", "docx"]
        transaction.commit()
        published = session_for("Anonymous").get("demarches/x/@form-schema").json()
        assert published["properties"]["document"]["x-guichet-allowed-types"] == [
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ]


# -- the HTML form


@pytest.fixture
def browser(upload_site):
    browser = Browser(upload_site.aq_parent)
    browser.handleErrors = False
    browser.open(upload_site.demarches.x.absolute_url() + "/@@submit")
    browser.getControl(name="form.widgets.niss").value = FIELDS_VALID["niss"]
    return browser


def attach(browser, name, data, filename, content_type="application/pdf"):
    control = browser.getControl(name=f"form.widgets.{name}")
    control.add_file(BytesIO(data), content_type, filename)


class TestHTMLUploads:
    def test_form_is_multipart(self, browser):
        assert 'enctype="multipart/form-data"' in browser.contents
        assert 'accept="application/pdf, image/png, image/jpeg"' in browser.contents
        # In words, not the widget's "Allowed types: application/pdf, ...".
        assert "PDF, PNG or JPEG, up to 10 MB." in browser.contents
        assert 'aria-describedby="form-widgets-document-limits"' in browser.contents
        assert "Allowed types" not in browser.contents

    def test_good_pdf_is_stored(self, browser):
        attach(browser, "document", PDF, "piece.pdf")
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" in browser.url
        reference = browser.url.split("reference=")[1]
        transaction.begin()
        submission = get_store().by_reference(reference)
        assert submission.data["document"]["filename"] == "piece.pdf"
        with submission.attachments["document"].blob.open() as data:
            assert data.read() == PDF

    def test_too_many_files_refused_next_to_the_last(self, browser, upload_site):
        upload_site.demarches.x.max_files = 1
        transaction.commit()
        before = stored_count()
        attach(browser, "document", PDF, "a.pdf")
        attach(browser, "photo", PNG, "b.png", "image/png")
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" not in browser.url
        field = browser.contents.split('id="formfield-form-widgets-photo"')[1]
        assert "Too many files" in field
        assert stored_count() == before

    def test_disguised_file_refused_next_to_its_field(self, browser, upload_site):
        before = stored_count()
        attach(browser, "document", EXE, "facture.pdf")
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" not in browser.url
        field = browser.contents.split('id="formfield-form-widgets-document"')[1]
        field = field.split('id="formfield-form-widgets-')[0]
        assert "not accepted" in field or "pas accepté" in field
        assert stored_count() == before
        # Nothing of the refused file is kept for a next try either.
        assert 'name="form.widgets.document.file_upload_id"' not in browser.contents
        transaction.begin()
        temporary = IFileUploadTemporaryStorage(upload_site).upload_map
        assert len(temporary) == 0


def test_procedures_made_before_the_limits_get_the_defaults(procedure):
    from imio.guichet.forms.uploads import upload_limits
    from imio.guichet.forms.uploads import UploadLimits

    for name in ("max_file_size", "max_files", "allowed_file_types"):
        procedure.__dict__.pop(name, None)
        procedure._p_changed = True
    assert upload_limits(procedure) == UploadLimits(
        max_size=10 * 1024 * 1024, max_files=5, allowed_types=("pdf", "png", "jpeg")
    )
    procedure.allowed_file_types = ["docx", "pdf"]
    assert upload_limits(procedure).allowed_types == ("pdf", "docx")


def test_webmaster_sets_the_limits_on_the_edit_form(upload_site):
    from plone.app.testing import SITE_OWNER_NAME
    from plone.app.testing import SITE_OWNER_PASSWORD

    browser = Browser(upload_site.aq_parent)
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    browser.open(upload_site.demarches.x.absolute_url() + "/edit")
    assert (
        browser.getControl(name="form.widgets.IOnlineForm.max_file_size").value == "10"
    )
    browser.getControl(name="form.widgets.IOnlineForm.max_file_size").value = "2"
    browser.getControl(name="form.widgets.IOnlineForm.max_files").value = "1"
    browser.getControl(
        name="form.widgets.IOnlineForm.allowed_file_types:list"
    ).value = [
        "pdf",
        "docx",
    ]
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    procedure = upload_site.demarches.x
    assert (procedure.max_file_size, procedure.max_files) == (2, 1)
    assert procedure.allowed_file_types == ["pdf", "docx"]


# -- issue #10: names that say what the file is, and nothing more


@pytest.mark.parametrize(
    "sent,kind,kept",
    [
        ("poly.html", "pdf", "poly.html.pdf"),
        ("poly.PDF", "pdf", "poly.PDF"),
        ("photo.JPG", "jpeg", "photo.JPG"),
        ("photo.jpeg", "png", "photo.jpeg.png"),
        ("\u202efdp.exe", "pdf", "fdp.exe.pdf"),
        (
            "fact\u2066ure\u2069\u200e\u200f\u202a\u202b\u202c\u202d.pdf",
            "pdf",
            "facture.pdf",
        ),
        ("a\x00b\x1b\x7f\x85c.pdf", "pdf", "abc.pdf"),
        ("\u202e", "png", "file.png"),
        ("x" * 300 + ".html", "pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(sent, kind, kept):
    from imio.guichet.forms.uploads import clean_filename

    assert clean_filename(sent, kind) == kept


class TestSafeNamesOverHTTP:
    def test_extension_follows_the_detected_type(self, upload_site, session_for):
        response = file_submission(
            session_for("Anonymous"), document=as_json(PDF, "poly.html", "text/html")
        )
        assert response.status_code == 201, response.text
        submission_id = response.json()["id"]
        office = session_for("backoffice_x")
        download = office.get(f"@submissions/{submission_id}/@attachments/document")
        assert download.headers["Content-Type"] == "application/pdf"
        assert 'filename="poly.html.pdf"' in download.headers["Content-Disposition"]
        export = office.get("demarches/x/@submissions-export").text
        assert "poly.html.pdf" in export

    def test_bidirectional_controls_are_dropped(
        self, upload_site, session_for, browser_for
    ):
        response = file_submission(
            session_for("Anonymous"), document=as_json(PDF, "facture\u202efdp.exe")
        )
        submission_id = response.json()["id"]
        transaction.begin()
        filename = get_store().get(submission_id).data["document"]["filename"]
        assert filename == "facturefdp.exe.pdf"
        browser = browser_for("backoffice_x")
        browser.open(
            f"{upload_site.absolute_url()}/@@guichet-request?id={submission_id}"
        )
        assert "facturefdp.exe.pdf" in browser.contents
        assert "\u202e" not in browser.contents

    def test_html_form_names_too(self, browser):
        attach(browser, "document", PDF, "poly.html", "text/html")
        browser.getControl(name="form.buttons.send").click()
        reference = browser.url.split("reference=")[1]
        transaction.begin()
        submission = get_store().by_reference(reference)
        assert submission.data["document"]["filename"] == "poly.html.pdf"
