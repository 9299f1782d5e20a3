"""Searching requests (issue #13): the private index in the submission
store, the query's rules (accents, case, identifiers by exact value, words
by prefix), the scope of what the caller may read, and the index kept up
to date on changes and removal."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.forms import VALID_DATA
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidQuery
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import post_message
from imio.guichet.submissions.handling import reply_as_citizen
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.usecases import staff
from plone import api

import pytest
import transaction


IDENTIFIERS_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="name" type="zope.schema.TextLine">
      <title>Nom</title>
    </field>
    <field name="niss" type="imio.guichet.forms.fields.NISS">
      <title>Numéro de registre national</title>
    </field>
    <field name="company" type="imio.guichet.forms.fields.EnterpriseNumber">
      <title>Numéro d'entreprise</title>
      <required>False</required>
    </field>
    <field name="email" type="plone.schema.email.Email">
      <title>E-mail</title>
    </field>
  </schema>
</model>
"""

NISS = "85.07.30-033.28"  # stored as 85073003328
COMPANY = "BE 0403.170.701"  # stored as 0403170701


def as_user(who: str) -> Caller:
    return Caller(user_id=who, channel=REST)


def found(who: str, q: str, **filters) -> list[str]:
    """The references ``who`` finds with ``q`` on the site, newest first."""
    query = ListingQuery.parse({"q": q, "sort_order": "descending", **filters})
    with api.env.adopt_user(username=who):
        page = staff.list_submissions(as_user(who), query)
    return [submission.reference for submission in page.items]


@pytest.fixture(params=["waiting", "settled"])
def filed(request, site):
    """On X: Élodie Lambert, Jeanne Dupont; on Y: Élodie Martin; on N (of
    identifiers, read by backoffice_x): Marc Durand with a national number,
    an enterprise number and an e-mail; their terms waiting in the backlog
    or settled in the trees (every search must find the same)."""
    x, y = site.demarches.x, site.demarches.y
    with api.env.adopt_roles(["Manager"]):
        n = api.content.create(
            site.demarches,
            "imio.guichet.Procedure",
            id="n",
            title="Identifiants",
            form_schema=IDENTIFIERS_FORM,
            **PRIVACY_INFORMATION,
        )
        api.content.transition(n, "publish")
        api.user.grant_roles(
            username="backoffice_x", obj=n, roles=["GuichetBackOffice"]
        )
        when = datetime(2026, 3, 1, 10, tzinfo=UTC)
        result = {
            "elodie": submit(
                x,
                {**VALID_DATA, "name": "Élodie Lambert", "comment": "Rue de l'Église"},
                submitter=None,
                now=when,
            ),
            "jeanne": submit(x, VALID_DATA, submitter=None, now=when.replace(day=2)),
            "martin": submit(
                y,
                {**DEFAULT_FORM_DATA, "first_name": "Elodie", "last_name": "Martin"},
                submitter=None,
                now=when.replace(day=3),
            ),
            "durand": submit(
                n,
                {
                    "name": "Marc Durand",
                    "niss": NISS,
                    "company": COMPANY,
                    "email": "Marc.Durand@Example.be",
                },
                submitter=None,
                now=when.replace(day=4),
            ),
        }
    transaction.commit()
    if request.param == "settled":
        # What the settling step does seconds later: the terms in the trees.
        search.settle(get_store(), search.clock() + 3 * search.BACKLOG_SECONDS)
        transaction.commit()
    return {name: submission.reference for name, submission in result.items()}


class TestTerms:
    def test_words_are_folded_cut_and_stop_words_left_out(self):
        assert search.words("Élodie DUPONT de l'Église") == [
            "elodie",
            "dupont",
            "eglise",
        ]
        assert search.words("a" * 50) == ["a" * search.MAX_WORD]

    def test_identifiers_are_whole_values_normalised(self):
        assert search.identifier("85.07.30-033.28") == "#nn:85073003328"
        assert search.identifier("85073003328") == "#nn:85073003328"
        assert search.identifier("BE 0403.170.701") is None  # "BE" kept: a word
        assert search.identifier("0403.170.701") == "#be:0403170701"
        assert search.identifier("85073003329") is None  # wrong check digits
        assert search.identifier("Jo@Example.BE") == "#@:jo@example.be"

    def test_a_query_of_a_number_is_never_a_prefix(self):
        # Numbers are not words: one that is no identifier finds nothing.
        assert search.parse_search("850730") == ()
        assert search.parse_search("Dupont 850730") == ()
        assert search.words("rue Haute 12, 5000 Namur") == ["rue", "haute", "namur"]
        assert search.parse_search("dup") == (search.Lookup("dup", prefix=True),)
        assert search.parse_search("jo") == (search.Lookup("jo"),)
        assert search.parse_search("le la les") == ()


class TestSearch:
    def test_accents_and_case_do_not_matter(self, filed):
        for q in ("elodie", "ÉLODIE", "Élodie", "eLoDiE"):
            assert found("siteadmin", q) == [filed["martin"], filed["elodie"]], q
        assert found("siteadmin", "ÉLODIE LAMBERT") == [filed["elodie"]]
        assert found("siteadmin", "eglise") == [filed["elodie"]]

    def test_words_by_their_beginning(self, filed):
        assert found("siteadmin", "lamb") == [filed["elodie"]]
        assert found("siteadmin", "dupo") == [filed["jeanne"]]
        assert found("siteadmin", "ambert") == []  # not inside a word

    def test_national_number_by_exact_value_in_any_writing(self, filed):
        for q in ("85073003328", "85.07.30-033.28", "850730 03328", " 85.07.30.033.28"):
            assert found("backoffice_x", q) == [filed["durand"]], q
        for q in ("850730", "8507300332", "85073003"):
            assert found("backoffice_x", q) == [], q

    def test_enterprise_number_and_email(self, filed):
        for q in ("0403170701", "0403.170.701", "403170701"):
            assert found("backoffice_x", q) == [filed["durand"]], q
        assert found("backoffice_x", "040317") == []
        assert found("backoffice_x", "marc.durand@example.be") == [filed["durand"]]
        assert found("backoffice_x", "MARC.Durand@example.BE") == [filed["durand"]]
        assert found("backoffice_x", "durand") == [filed["durand"]]

    def test_combined_with_filters_and_sorted(self, filed):
        assert found("siteadmin", "elodie", state="received") == []
        assert found("siteadmin", "elodie", sort_order="ascending") == [
            filed["elodie"],
            filed["martin"],
        ]
        assert found("siteadmin", "elodie", sort_on="state") == [
            filed["martin"],
            filed["elodie"],
        ]
        assert found("siteadmin", "elodie", to="2026-03-02") == [filed["elodie"]]

    def test_pages_follow_with_the_cursor(self, filed):
        query = ListingQuery.parse({"q": "elodie", "limit": "1"})
        with api.env.adopt_user(username="siteadmin"):
            first = staff.list_submissions(as_user("siteadmin"), query)
            assert [s.reference for s in first.items] == [filed["elodie"]]
            assert first.total == 2
            query = ListingQuery.parse(
                {"q": "elodie", "limit": "1", "cursor": first.next_cursor}
            )
            second = staff.list_submissions(as_user("siteadmin"), query)
        assert [s.reference for s in second.items] == [filed["martin"]]
        assert second.next_cursor is None

    def test_a_too_long_query_is_refused(self, filed):
        with pytest.raises(InvalidQuery) as refused:
            ListingQuery.parse({"q": "x" * (search.MAX_QUERY + 1)})
        assert refused.value.fields[0].code == "search_too_long"


class TestScope:
    @pytest.mark.parametrize(
        "q", ["elodie", "Élodie Martin", "martin", "jeanne@example.org", "dupont"]
    )
    def test_staff_of_x_never_find_ys_requests(self, filed, q):
        assert filed["martin"] not in found("backoffice_x", q)

    @pytest.mark.parametrize(
        "q", ["elodie", "lambert", "jeanne", "85073003328", "0403170701", "durand"]
    )
    def test_staff_of_y_never_find_xs_requests(self, filed, q):
        references = found("backoffice_y", q)
        assert filed["elodie"] not in references
        assert filed["jeanne"] not in references
        assert filed["durand"] not in references

    def test_the_procedure_filter_narrows_the_search(self, site, filed):
        uid_x = api.content.get_uuid(site.demarches.x)
        assert found("siteadmin", "elodie", procedure=uid_x) == [filed["elodie"]]
        uid_y = api.content.get_uuid(site.demarches.y)
        with pytest.raises(Forbidden):
            found("backoffice_x", "elodie", procedure=uid_y)

    @pytest.mark.parametrize("who", ["citizen_a", "editor"])
    def test_citizens_cannot_search(self, filed, who):
        with pytest.raises(Forbidden):
            found(who, "elodie")


class TestKeptUpToDate:
    def submission(self, reference):
        return get_store().by_reference(reference)

    def test_a_citizens_answer_is_found(self, filed):
        submission = self.submission(filed["jeanne"])
        with api.env.adopt_roles(["Manager"]):
            update_state(
                submission,
                "in_progress",
                seen_etag=etag(submission),
                user_id="backoffice_x",
            )
            update_state(
                submission,
                "waiting_citizen",
                seen_etag=etag(submission),
                user_id="backoffice_x",
                public_message="Quel est votre quartier ?",
            )
            reply_as_citizen(
                submission,
                "Jambes, près de la Meuse",
                seen_etag=etag(submission),
                user_id=None,
            )
        transaction.commit()
        assert found("siteadmin", "meuse") == [filed["jeanne"]]
        # Staff's own words are not the applicant's.
        assert found("siteadmin", "quartier") == []

    def test_a_staff_message_writes_nothing_to_the_index(self, filed):
        submission = self.submission(filed["jeanne"])
        terms = submission.search_terms
        with api.env.adopt_roles(["Manager"]):
            post_message(
                submission,
                "Votre dossier avance",
                actor=STAFF,
                seen_etag=etag(submission),
                user_id="backoffice_x",
            )
        assert submission.search_terms is terms
        assert found("siteadmin", "dossier") == []

    def test_erased_answers_and_removal_leave_the_index(self, filed):
        store = get_store()
        submission = self.submission(filed["elodie"])
        submission.data = {**submission.data, "name": "Anonyme", "comment": ""}
        search.reindex(store, submission)
        transaction.commit()
        assert found("siteadmin", "lambert") == []
        assert found("siteadmin", "anonyme") == [filed["elodie"]]
        search.unindex(store, store.key_of(submission))
        transaction.commit()
        assert found("siteadmin", "anonyme") == []
        assert found("siteadmin", "jeanne") == [filed["jeanne"]]
        # The emptied terms leave the procedure's tree (or never enter it).
        search.settle(store, search.clock() + 3 * search.BACKLOG_SECONDS)
        tree = store._search.get(submission.procedure_uid, {})
        assert "anonyme" not in tree and "lambert" not in tree

    def test_nothing_reaches_portal_catalog(self, site, filed):
        catalog = api.portal.get_tool("portal_catalog")
        with api.env.adopt_roles(["Manager"]):
            for text in ("Lambert", "Durand", "85073003328", "Elodie"):
                assert len(catalog(SearchableText=text)) == 0


class TestReadingMatches:
    """A search's result set read from a cursor, within days, both ways."""

    def test_bounds_and_cursor(self):
        from BTrees.LLBTree import LLSet
        from imio.guichet.submissions.api import _dated_matches

        found = LLSet([10, 20, 30, 40, 50])

        def read(**kw):
            args = {"after": None, "start": None, "end": None, "descending": False}
            return list(_dated_matches(found, **{**args, **kw}))

        assert read() == [10, 20, 30, 40, 50]
        assert read(descending=True) == [50, 40, 30, 20, 10]
        assert read(after=20) == [30, 40, 50]
        assert read(after=40, descending=True) == [30, 20, 10]
        assert read(start=20, end=50) == [20, 30, 40]
        assert read(start=20, end=50, descending=True) == [40, 30, 20]
        assert read(start=20, end=50, after=30, descending=True) == [20]
        assert read(start=35, end=36) == []
        assert read(after=50) == []


class TestManyMatches:
    """Past SMALL_MATCH matches, a one-word search in creation order merges
    its sets lazily, and a filtered one reads the listing's index: the same
    requests, in the same order, as with few."""

    @pytest.fixture(autouse=True)
    def many(self, monkeypatch):
        from imio.guichet.submissions import api as submissions_api

        monkeypatch.setattr(submissions_api, "SMALL_MATCH", 0)

    def test_the_same_requests(self, filed):
        assert found("siteadmin", "elodie") == [filed["martin"], filed["elodie"]]
        assert found("siteadmin", "ELODIE", sort_order="ascending") == [
            filed["elodie"],
            filed["martin"],
        ]
        assert found("siteadmin", "lamb") == [filed["elodie"]]
        assert found("siteadmin", "elodie", to="2026-03-02") == [filed["elodie"]]
        assert found("siteadmin", "elodie", state="received") == []
        assert found("siteadmin", "elodie", sort_on="state") == [
            filed["martin"],
            filed["elodie"],
        ]
        assert found("backoffice_x", "85.07.30-033.28") == [filed["durand"]]
        assert filed["martin"] not in found("backoffice_x", "elodie")

    def test_pages_and_total(self, filed):
        query = ListingQuery.parse({"q": "elodie", "limit": "1"})
        with api.env.adopt_user(username="siteadmin"):
            first = staff.list_submissions(as_user("siteadmin"), query)
            query = ListingQuery.parse(
                {"q": "elodie", "limit": "1", "cursor": first.next_cursor}
            )
            second = staff.list_submissions(as_user("siteadmin"), query)
        assert first.total is None  # past SMALL_MATCH: not counted
        assert [s.reference for s in first.items + second.items] == [
            filed["elodie"],
            filed["martin"],
        ]
        assert second.next_cursor is None
