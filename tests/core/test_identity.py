"""Verified identities (OpenID Connect) in the core: the level a procedure
requires, what a verified filing records, the binding of an account to the
person, the claims' mapping. The login itself runs against a real provider
in tests/browser/test_identity_in_browser.py."""

from fixtures.forms import VALID_DATA
from imio.guichet import errors
from imio.guichet.accounts import detach_account
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.identities import identity_key
from imio.guichet.identities import level_reaches
from imio.guichet.identities import remember_verified_identity
from imio.guichet.identities import stored_identity
from imio.guichet.identities import subject_identity_key
from imio.guichet.identities import verified_identity_of
from imio.guichet.identities import VerifiedIdentity
from imio.guichet.oidc.flow import LoginFailed
from imio.guichet.oidc.flow import map_claims
from imio.guichet.oidc.flow import pkce_challenge
from imio.guichet.oidc.settings import IOpenIDSettings
from imio.guichet.prefill.api import prefill_values
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.usecases import drafts
from imio.guichet.usecases.filing import file_submission
from plone import api

import pytest


ISSUER = "https://idp.example.be"
#: A valid (invented) national register number, and a BIS number.
NRN = "85031412302"


def verified(level: str | None = "substantial", **changes) -> VerifiedIdentity:
    values = {
        "issuer": ISSUER,
        "provider": "itsme / eID",
        "subject": "subject-of-sophie",
        "level": level,
        "acr": "http://eidas.europa.eu/LoA/substantial",
        "national_number": NRN,
        "given_name": "Sophie",
        "family_name": "Lambert",
        "email": "sophie@example.org",
        "verified_at": "2026-12-02T10:00:00+00:00",
        "login_id": "login-1",
    }
    return VerifiedIdentity(**{**values, **changes})


ANONYMOUS = Caller(user_id=None, client_address="192.0.2.7")
PASSWORD = Caller(user_id="jeanne", client_address="192.0.2.8")
SOPHIE = Caller(user_id="oidc-sophie", client_address="192.0.2.9", identity=verified())
WEAK = Caller(
    user_id="oidc-weak", client_address="192.0.2.10", identity=verified(level="low")
)


@pytest.fixture
def verified_procedure(procedure):
    procedure.require_verified_identity = True
    return procedure


class TestLevel:
    def test_levels_in_order(self):
        assert level_reaches("high", "substantial")
        assert level_reaches("substantial", "substantial")
        assert not level_reaches("low", "substantial")
        assert not level_reaches(None, "substantial")
        assert not level_reaches("anything", "low")

    @pytest.mark.parametrize(
        ("caller", "status"), [(ANONYMOUS, 401), (PASSWORD, 403), (WEAK, 403)]
    )
    def test_below_the_level_refused_naming_it(
        self, verified_procedure, caller, status
    ):
        with pytest.raises(errors.IdentityLevelRequired) as refused:
            file_submission(caller, verified_procedure, VALID_DATA)
        assert refused.value.status == status
        assert refused.value.details == {"required_level": "substantial"}
        assert len(get_store(create=True)) == 0

    def test_verified_filing_records_the_provider_and_values(self, verified_procedure):
        filed = file_submission(SOPHIE, verified_procedure, VALID_DATA)
        record = filed.submission.verified_identity
        assert record == {
            "provider": "itsme / eID",
            "issuer": ISSUER,
            "level": "substantial",
            "verified_at": "2026-12-02T10:00:00+00:00",
            "national_number": NRN,
            "given_name": "Sophie",
            "family_name": "Lambert",
        }
        shown = serialize_submission(filed.submission, {})
        assert shown["verified_identity"] == record

    def test_other_procedures_unchanged(self, procedure):
        assert file_submission(ANONYMOUS, procedure, VALID_DATA).submission
        filed = file_submission(PASSWORD, procedure, VALID_DATA)
        assert filed.submission.verified_identity is None

    def test_form_open_to_all_and_drafts_kept_for_identification(
        self, verified_procedure
    ):
        # Even a procedure that also asks for a login: the form is shown and
        # what was typed is kept while the citizen identifies.
        verified_procedure.allow_anonymous = False
        kept = drafts.keep_for_identification(
            PASSWORD, verified_procedure, lambda: {"name": "Sophie"}
        )
        assert kept.draft.owner is None and kept.secret
        opened = drafts.open_draft(SOPHIE, kept.draft.id, secret=kept.secret)
        assert opened.data == {"name": "Sophie"}


class TestAuthenticValues:
    FORM = """<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="niss" type="imio.guichet.forms.fields.NISS"
           guichet:prefill="identity:national_number" guichet:authentic="true">
      <title>NISS</title>
    </field>
    <field name="last_name" type="zope.schema.TextLine"
           guichet:prefill="identity:family_name" guichet:authentic="true">
      <title>Nom</title>
    </field>
  </schema>
</model>"""

    def test_the_verified_values_win_over_what_is_sent(self, verified_procedure):
        verified_procedure.form_schema = self.FORM
        remember_verified_identity(SOPHIE.user_id, SOPHIE.identity)
        filed = file_submission(
            SOPHIE,
            verified_procedure,
            {"niss": "92070445647", "last_name": "Quelqu'un d'autre"},
        )
        assert filed.submission.data == {"niss": NRN, "last_name": "Lambert"}

    def test_the_identity_source(self, procedure):
        remember_verified_identity("oidc-sophie", verified())
        procedure.form_schema = self.FORM
        schema = IOnlineForm(procedure).get_form_schema()
        assert prefill_values(schema, "oidc-sophie") == {
            "niss": NRN,
            "last_name": "Lambert",
        }
        assert prefill_values(schema, "jeanne") == {}


class TestBinding:
    def test_the_session_that_verified_only(self, portal):
        remember_verified_identity("oidc-sophie", verified())
        assert verified_identity_of("oidc-sophie", "login-1") == verified()
        # A password login to the same account, or an older session.
        assert verified_identity_of("oidc-sophie", None) is None
        assert verified_identity_of("oidc-sophie", "login-0") is None
        assert verified_identity_of("jeanne", "login-1") is None

    def test_the_key_is_the_persons(self, portal):
        key = remember_verified_identity("oidc-sophie", verified())
        assert key == subject_identity_key(ISSUER, "subject-of-sophie")
        assert identity_key("oidc-sophie") == key
        # Another login of the same person: the same key.
        again = remember_verified_identity("oidc-sophie", verified(login_id="login-2"))
        assert again == key

    def test_an_account_made_again_with_the_same_login_gets_nothing(self, procedure):
        """A local account deleted and made again with the same login is
        another person: the old requests are not its."""
        filed = file_submission(PASSWORD, procedure, VALID_DATA)
        old_key = filed.submission.submitter_key
        detach_account("jeanne")
        assert identity_key("jeanne") is None
        again = file_submission(PASSWORD, procedure, VALID_DATA)
        assert again.submission.submitter_key != old_key
        store = get_store()
        assert store.count_submitted_by(again.submission.submitter_key) == 1
        assert store.count_submitted_by(old_key) == 0
        assert filed.submission.submitter is None

    def test_a_deleted_accounts_verified_identity_is_forgotten(self, portal):
        remember_verified_identity("oidc-sophie", verified())
        detach_account("oidc-sophie")
        assert stored_identity("oidc-sophie") is None
        assert verified_identity_of("oidc-sophie", "login-1") is None


class TestClaims:
    @pytest.fixture
    def mapping(self, portal):
        for name, value in {
            "issuer": ISSUER,
            "national_number_claim": "nin",
            "acr_levels": "urn:be:substantial -> substantial\nurn:be:low -> low",
        }.items():
            api.portal.set_registry_record(name, value, interface=IOpenIDSettings)

    def test_mapped_by_the_settings(self, mapping):
        claims = {
            "sub": "abc",
            "nin": "85.03.14-123.02",
            "given_name": "Luc",
            "family_name": "Dupont",
            "email": "luc@example.org",
            "acr": "urn:be:substantial",
        }
        identity = map_claims(claims, claims)
        assert identity.subject == "abc"
        assert identity.national_number == NRN
        assert (identity.given_name, identity.family_name) == ("Luc", "Dupont")
        assert identity.level == "substantial"
        assert identity.issuer == ISSUER

    def test_level_from_the_id_token_only(self, mapping):
        userinfo = {"sub": "abc", "acr": "urn:be:substantial"}
        identity = map_claims(userinfo, {"sub": "abc", "acr": "urn:be:low"})
        assert identity.level == "low"
        assert map_claims({"sub": "abc"}, {"sub": "abc", "acr": "other"}).level is None

    def test_an_invalid_national_number_is_dropped(self, mapping):
        claims = {"sub": "abc", "nin": "85031412303"}
        assert map_claims(claims, claims).national_number is None

    def test_no_subject_no_login(self, mapping):
        with pytest.raises(LoginFailed):
            map_claims({"nin": NRN}, {"nin": NRN})

    def test_pkce_challenge(self):
        # RFC 7636, appendix B.
        verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
