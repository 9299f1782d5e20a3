"""The citizens' rights, through their use cases with an explicit Caller:
a citizen's download holds exactly their requests; national register
numbers are masked for staff without the permission (listing, request,
export, receipt); the person lookup finds by number (any formatting) and
by e-mail (any case) among the caller's procedures only; every lookup and
export is in the audit trail, the person masked."""

from fixtures.rights import file_rights_requests
from fixtures.rights import NRN_A
from fixtures.rights import NRN_B
from fixtures.rights import NRN_NOBODY
from imio.guichet.audit import iter_records
from imio.guichet.caller import Caller
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import LoginRequired
from imio.guichet.permissions import ViewNationalRegisterNumbers
from imio.guichet.rights.nrn import mask
from imio.guichet.rights.nrn import normalize
from imio.guichet.rights.person import PersonQuery
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.usecases import citizen
from imio.guichet.usecases import rights
from imio.guichet.usecases import staff
from plone import api

import csv
import io
import json
import pytest


MASKED_A = "85.07.30-***.**"


def caller(who: str | None) -> Caller:
    return Caller(user_id=who)


@pytest.fixture
def filed(site):
    return file_rights_requests(site)


def grant_numbers(site, role="GuichetBackOffice"):
    """The permission to see numbers in full, given to the back offices."""
    site.manage_permission(
        ViewNationalRegisterNumbers, ["Manager", "Site Administrator", role], True
    )


class TestNumbers:
    @pytest.mark.parametrize(
        "typed",
        ["85.07.30-033.28", "85073003328", " 850730 033 28 ", "85.07.30.033-28"],
    )
    def test_any_formatting(self, typed):
        assert normalize(typed) == NRN_A

    @pytest.mark.parametrize("typed", ["85073003329", "1234", "", None, 85073003328])
    def test_not_a_number(self, typed):
        assert normalize(typed) is None

    def test_mask_keeps_the_birth_date_only(self):
        assert mask(NRN_A) == MASKED_A
        assert mask("short") == "**.**.**-***.**"


class TestCitizenDownload:
    def test_exactly_their_requests(self, site, filed):
        with api.env.adopt_user(username="citizen_a"):
            data = rights.my_data(caller("citizen_a"), site_url="http://site")
        references = {request["reference"] for request in data["requests"]}
        assert references == {filed["a1"].reference, filed["a2"].reference}
        with api.env.adopt_user(username="citizen_b"):
            data_b = rights.my_data(caller("citizen_b"), site_url="http://site")
        assert {r["reference"] for r in data_b["requests"]} == {
            filed["b1"].reference,
            filed["b2"].reference,
        }
        # Their own number is theirs: never masked for them.
        a1 = next(r for r in data["requests"] if r["id"] == filed["a1"].id)
        assert a1["data"]["niss"] == NRN_A
        assert a1["history"][0]["by"] == "citizen"
        assert "actor" not in a1["history"][0]
        assert data["account"]["email"] == "citizen_a@example.org"
        assert data["account"]["user_id"] == "citizen_a"
        # Nothing of anyone else's anywhere in the document.
        text = json.dumps(data)
        assert NRN_B not in text and filed["anon"].reference not in text

    def test_drafts_included(self, site, filed):
        from imio.guichet.drafts.api import save_draft

        save_draft(site.demarches.z, {"comment": "à finir"}, "citizen_a")
        with api.env.adopt_user(username="citizen_a"):
            data = rights.my_data(caller("citizen_a"), site_url="http://site")
        assert [d["data"] for d in data["drafts"]] == [{"comment": "à finir"}]
        with api.env.adopt_user(username="citizen_b"):
            assert rights.my_data(caller("citizen_b"), site_url="x")["drafts"] == []

    def test_pdf(self, site, filed):
        with api.env.adopt_user(username="citizen_a"):
            pdf = rights.my_data_pdf(caller("citizen_a"))
        assert pdf.startswith(b"%PDF")

    def test_anonymous_must_log_in(self, site, filed):
        with pytest.raises(LoginRequired):
            rights.my_data(caller(None), site_url="http://site")
        with pytest.raises(LoginRequired):
            rights.my_data_pdf(caller(None))


class TestMasking:
    def read(self, who, submission):
        with api.env.adopt_user(username=who):
            return staff.read_submission(caller(who), submission.id)

    def test_request_masked_without_the_permission(self, site, filed):
        seen = self.read("backoffice_x", filed["a1"])
        assert seen.data["niss"] == MASKED_A
        assert seen.data["email"] == "Citizen_A@Example.org"
        # Verified identity too.
        seen_b2 = self.read("backoffice_x", filed["b2"])
        assert seen_b2.verified_identity["national_number"] == MASKED_A
        # Nothing stored changed.
        assert filed["a1"].data["niss"] == NRN_A
        assert filed["b2"].verified_identity["national_number"] == NRN_A

    def test_in_full_with_the_permission(self, site, filed):
        assert self.read("siteadmin", filed["a1"]).data["niss"] == NRN_A
        grant_numbers(site)
        assert self.read("backoffice_x", filed["a1"]).data["niss"] == NRN_A

    def test_listing(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"):
            page = staff.list_submissions(caller("backoffice_x"), ListingQuery())
        numbers = {s.data.get("niss") for s in page.items if "niss" in s.data}
        assert numbers == {MASKED_A, "90.02.01-***.**"}

    def test_export(self, site, filed):
        out = io.BytesIO()
        with api.env.adopt_user(username="backoffice_x"):
            staff.export_submissions(
                caller("backoffice_x"), site.demarches.z, ExportQuery(), out.write
            )
        text = out.getvalue().decode()
        assert MASKED_A in text and NRN_A not in text and NRN_B not in text
        out = io.BytesIO()
        with api.env.adopt_user(username="siteadmin"):
            staff.export_submissions(
                caller("siteadmin"), site.demarches.z, ExportQuery(), out.write
            )
        assert NRN_A in out.getvalue().decode()

    def test_staff_receipt(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"):
            access = citizen.open_receipt(
                caller("backoffice_x"), filed["a1"].reference, None
            )
        assert access.submission.data["niss"] == MASKED_A
        with api.env.adopt_user(username="citizen_a"):
            access = citizen.open_receipt(
                caller("citizen_a"), filed["a1"].reference, None
            )
        assert access.submission.data["niss"] == NRN_A

    def test_masked_request_is_read_only(self, site, filed):
        seen = self.read("backoffice_x", filed["a1"])
        with pytest.raises(AttributeError):
            seen.state = "closed"


def lookup(who, **typed):
    with api.env.adopt_user(username=who):
        return rights.find_person(caller(who), PersonQuery.parse(typed))


def references(found) -> set[str]:
    return {submission.reference for submission in found}


class TestPersonLookup:
    @pytest.mark.parametrize(
        "typed", ["85.07.30-033.28", "85073003328", "850730 033 28"]
    )
    def test_by_number_any_formatting(self, site, filed, typed):
        found = lookup("siteadmin", nrn=typed)
        # Its field on z, and a verified identity on x.
        assert references(found) == {filed["a1"].reference, filed["b2"].reference}

    def test_by_email_any_case(self, site, filed):
        found = lookup("siteadmin", email="CITIZEN_a@example.ORG")
        # Answers on z and y (anonymous too), and the account's requests.
        assert references(found) == {
            filed["a1"].reference,
            filed["a2"].reference,
            filed["anon"].reference,
        }

    def test_nobody(self, site, filed):
        assert lookup("siteadmin", nrn=NRN_NOBODY) == []

    def test_through_the_search_index(self, site, filed):
        store = get_store()
        # Out of the index, out of the lookup: it reads the index...
        search.unindex(store, store.key_of(filed["a1"]))
        found = lookup("siteadmin", nrn=NRN_A)
        assert references(found) == {filed["b2"].reference}
        # ... and every request on a store not indexed yet (before 1016).
        store._search = None
        found = lookup("siteadmin", nrn=NRN_A)
        assert references(found) == {filed["a1"].reference, filed["b2"].reference}

    def test_only_the_callers_procedures(self, site, filed):
        # A data protection officer (a site-wide role given the
        # permission) who reads the requests of x and z only.
        site.manage_permission(
            "imio.guichet: Answer data subject requests",
            ["Manager", "Site Administrator", "Reviewer"],
            True,
        )
        api.user.grant_roles(username="backoffice_x", roles=["Reviewer"])
        found = lookup("backoffice_x", email="citizen_a@example.org")
        assert references(found) == {filed["a1"].reference}  # not y's
        # Numbers masked for them, as everywhere.
        assert found[0].data["niss"] == MASKED_A

    def test_permission_required(self, site, filed):
        with api.env.adopt_user(username="backoffice_x"), pytest.raises(Forbidden):
            rights.find_person(caller("backoffice_x"), PersonQuery(nrn=NRN_A))
        with pytest.raises(LoginRequired):
            rights.find_person(caller(None), PersonQuery(nrn=NRN_A))

    def test_faulty_query(self):
        with pytest.raises(InvalidQuery) as refused:
            PersonQuery.parse({"nrn": "85073003329", "email": "nobody"})
        assert {(f.field, f.code) for f in refused.value.fields} == {
            ("nrn", "invalid_niss"),
            ("email", "invalid_email"),
        }
        with pytest.raises(InvalidQuery) as refused:
            PersonQuery.parse({})
        assert refused.value.fields[0].code == "required"


class TestPersonExportAndAudit:
    def export(self, kind, **typed):
        out = io.BytesIO()
        with api.env.adopt_user(username="siteadmin"):
            count = rights.export_person(
                caller("siteadmin"),
                PersonQuery.parse(typed),
                kind,
                out.write,
                site_url="http://site",
            )
        return count, out.getvalue().decode("utf-8")

    def test_csv_is_formula_safe(self, site, filed):
        count, text = self.export("csv", email="citizen_a@example.org")
        assert count == 3
        rows = list(csv.DictReader(io.StringIO(text)))
        messages = [row["value"] for row in rows if row["field"] == "message"]
        assert '\'=HYPERLINK("http://evil")' in messages
        assert {row["reference"] for row in rows} == {
            filed["a1"].reference,
            filed["a2"].reference,
            filed["anon"].reference,
        }

    def test_json(self, site, filed):
        count, text = self.export("json", nrn=NRN_A)
        document = json.loads(text)
        assert count == document["items_total"] == 2
        assert document["person"]["nrn"] == MASKED_A
        assert NRN_A in text  # a Site Administrator sees numbers in full
        assert all("history" in item for item in document["items"])

    def test_unknown_format(self, site, filed):
        with pytest.raises(InvalidQuery):
            self.export("xlsx", nrn=NRN_A)

    def test_audited_without_the_value(self, site, filed, audit_journal):
        lookup("siteadmin", nrn="85.07.30-033.28")
        lookup("siteadmin", nrn=NRN_NOBODY)
        self.export("csv", email="Citizen_A@example.org")
        records = [
            r
            for r in iter_records()
            if r["action"] in ("lookup_person", "export_person")
        ]
        assert [(r["actor"], r["action"]) for r in records] == [
            ("siteadmin", "lookup_person"),
            ("siteadmin", "lookup_person"),
            ("siteadmin", "export_person"),
        ]
        first, nobody, exported = records
        assert first["details"]["nrn"] == MASKED_A
        assert first["details"]["count"] == 2
        assert set(first["references"]) == {
            filed["a1"].reference,
            filed["b2"].reference,
        }
        assert nobody["details"]["count"] == 0  # recorded even when empty
        assert exported["details"]["email"] == "c***@example.org"
        assert exported["details"]["format"] == "csv"
        # Never the value in clear, in the trail nor in the journal's files.
        text = json.dumps(records)
        files = "".join(p.read_text() for p in audit_journal.rglob("*.jsonl"))
        for clear in (NRN_A, "85.07.30-033.28", NRN_NOBODY, "citizen_a@example.org"):
            assert clear not in text and clear not in files
