"""The citizen's use cases called directly, with an explicit Caller: no
request, no view, no service."""

from dataclasses import dataclass
from fixtures.forms import VALID_DATA
from imio.guichet import errors
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.submissions import protection
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.usecases import citizen
from imio.guichet.usecases import drafts
from imio.guichet.usecases.filing import file_submission
from plone import api

import pytest
import transaction


ANONYMOUS = Caller(user_id=None, client_address="192.0.2.7", language="fr")
JEANNE = Caller(user_id="jeanne", client_address="192.0.2.8", language="nl")
PAUL = Caller(user_id="paul", client_address="192.0.2.9")


def commit_hooks_run():
    """Run the after-commit hooks of the transaction as a commit would."""
    for hook, args, kwargs in transaction.get().getAfterCommitHooks():
        hook(True, *args, **kwargs)


@pytest.fixture
def limit_of_one(procedure):
    api.portal.set_registry_record(protection.SETTING, 1)


class TestFiling:
    def test_files_with_the_callers_identity_and_language(self, procedure):
        filed = file_submission(JEANNE, procedure, VALID_DATA)
        assert not filed.replayed
        assert filed.submission.submitter == "jeanne"
        assert filed.submission.language == "nl"
        assert get_store().get(filed.submission.id) is filed.submission

    def test_refused_answers_name_every_faulty_field(self, procedure):
        with pytest.raises(errors.InvalidData) as refused:
            file_submission(ANONYMOUS, procedure, {"name": "x" * 51})
        assert refused.value.status == 400
        codes = {(e.field, e.code) for e in refused.value.fields}
        assert ("name", "too_long") in codes
        assert ("email", "required") in codes
        assert len(get_store(create=True)) == 0

    def test_closed_procedure(self, procedure):
        procedure.submissions_open = False
        with pytest.raises(errors.ProcedureClosed) as refused:
            file_submission(JEANNE, procedure, VALID_DATA)
        assert refused.value.status == 403

    def test_login_required(self, procedure):
        procedure.allow_anonymous = False
        with pytest.raises(errors.LoginRequired) as refused:
            file_submission(ANONYMOUS, procedure, VALID_DATA)
        assert refused.value.status == 401
        assert file_submission(JEANNE, procedure, VALID_DATA).submission

    def test_honeypot(self, procedure):
        with pytest.raises(errors.InvalidInput) as refused:
            file_submission(ANONYMOUS, procedure, VALID_DATA, honeypot="http://spam")
        assert "could not be sent" in refused.value.message.default
        # A logged-in citizen's form has no honeypot to fill.
        assert file_submission(JEANNE, procedure, VALID_DATA, honeypot="x")

    def test_anonymous_rate_counted_after_commit_per_client(
        self, procedure, limit_of_one
    ):
        file_submission(ANONYMOUS, procedure, VALID_DATA)
        # Not counted before the commit: a retried request counts once.
        file_submission(ANONYMOUS, procedure, VALID_DATA)
        commit_hooks_run()
        with pytest.raises(errors.TooManyRequests) as refused:
            file_submission(ANONYMOUS, procedure, VALID_DATA)
        assert refused.value.status == 429
        assert int(refused.value.headers["Retry-After"]) > 3000
        other_client = Caller(user_id=None, client_address="198.51.100.1")
        assert file_submission(other_client, procedure, VALID_DATA)
        assert file_submission(JEANNE, procedure, VALID_DATA)  # not limited

    def test_replays_are_not_counted(self, procedure, limit_of_one):
        for _n in range(2):
            filed = file_submission(
                ANONYMOUS, procedure, VALID_DATA, idempotency_key="k1"
            )
        assert filed.replayed
        commit_hooks_run()
        assert len(protection._limiter._events[ANONYMOUS.client_address]) == 1

    def test_idempotency_key_errors_are_the_trees(self, procedure):
        file_submission(JEANNE, procedure, VALID_DATA, idempotency_key="k2")
        other = {**VALID_DATA, "copies": 3}
        with pytest.raises(errors.Conflict):
            file_submission(JEANNE, procedure, other, idempotency_key="k2")
        with pytest.raises(errors.InvalidInput):
            file_submission(JEANNE, procedure, VALID_DATA, idempotency_key="é")

    def test_unreadable_form(self, procedure):
        procedure.form_schema = "<model>not a form"
        with pytest.raises(errors.Unavailable) as refused:
            file_submission(JEANNE, procedure, VALID_DATA)
        assert refused.value.status == 503


class TestDrafts:
    def test_anonymous_draft_opens_with_its_secret(self, procedure):
        saved = drafts.save_draft(ANONYMOUS, procedure, {"name": "Jeanne"})
        assert saved.secret and saved.draft.owner is None
        assert saved.draft.language == "fr"
        opened = drafts.open_draft(ANONYMOUS, saved.draft.id, secret=saved.secret)
        assert opened is saved.draft
        for caller, secret in ((ANONYMOUS, None), (ANONYMOUS, "x"), (JEANNE, None)):
            with pytest.raises(errors.NotFound):
                drafts.open_draft(caller, saved.draft.id, secret=secret)

    def test_owner_only(self, procedure):
        saved = drafts.save_draft(JEANNE, procedure, {"name": "Jeanne"})
        assert saved.secret is None
        assert drafts.open_draft(JEANNE, saved.draft.id) is saved.draft
        with pytest.raises(errors.NotFound):
            drafts.open_draft(PAUL, saved.draft.id)
        with pytest.raises(errors.NotFound):
            drafts.update_draft(PAUL, saved.draft.id, {"name": "Paul"})
        with pytest.raises(errors.NotFound):
            drafts.delete_draft(PAUL, saved.draft.id)
        assert drafts.my_drafts(JEANNE) == [saved.draft]
        assert drafts.my_drafts(PAUL) == []
        assert drafts.my_drafts(ANONYMOUS) == []

    def test_saved_again_and_deleted(self, procedure):
        saved = drafts.save_draft(JEANNE, procedure, {"name": "Jeanne"})
        drafts.update_draft(JEANNE, saved.draft.id, {"name": "Jeanne D", "copies": 2})
        assert saved.draft.data == {"name": "Jeanne D", "copies": 2}
        assert drafts.delete_draft(JEANNE, saved.draft.id) == "jeanne"
        assert get_draft_store().get(saved.draft.id) is None

    def test_not_for_another_procedure(self, procedure):
        saved = drafts.save_draft(JEANNE, procedure, {"name": "Jeanne"})
        with api.env.adopt_roles(["Manager"]):
            other = api.content.create(
                procedure.aq_parent, "imio.guichet.Procedure", id="autre"
            )
        with pytest.raises(errors.NotFound):
            drafts.open_draft(JEANNE, saved.draft.id, procedure=other)

    def test_protected_like_filing(self, procedure, limit_of_one):
        with pytest.raises(errors.InvalidInput):
            drafts.save_draft(ANONYMOUS, procedure, {}, honeypot="spam")
        saved = drafts.save_draft(ANONYMOUS, procedure, {"name": "A"})
        commit_hooks_run()
        with pytest.raises(errors.TooManyRequests):
            drafts.save_draft(ANONYMOUS, procedure, {"name": "B"})
        with pytest.raises(errors.TooManyRequests):
            file_submission(ANONYMOUS, procedure, VALID_DATA)
        # Saving one's draft again is no new entry.
        drafts.update_draft(
            ANONYMOUS, saved.draft.id, {"name": "C"}, secret=saved.secret
        )
        assert saved.draft.data == {"name": "C"}

    def test_closed_procedure_takes_no_draft(self, procedure):
        procedure.submissions_open = False
        with pytest.raises(errors.ProcedureClosed):
            drafts.save_draft(JEANNE, procedure, {"name": "Jeanne"})

    def test_refusals_are_the_trees(self, procedure):
        with pytest.raises(errors.GuichetError) as refused:
            drafts.save_draft(JEANNE, procedure, {"comment": "x" * 100_001})
        assert refused.value.status == 400
        assert refused.value.code == "draft_refused"

    def test_filing_a_draft(self, procedure):
        saved = drafts.save_draft(ANONYMOUS, procedure, VALID_DATA)
        with pytest.raises(errors.NotFound):
            file_submission(ANONYMOUS, procedure, None, draft_id=saved.draft.id)
        filed = file_submission(
            ANONYMOUS,
            procedure,
            None,
            draft_id=saved.draft.id,
            draft_secret=saved.secret,
        )
        assert filed.submission.data["name"] == VALID_DATA["name"]
        assert get_draft_store().get(saved.draft.id) is None

    def test_filing_a_draft_with_new_answers(self, procedure):
        saved = drafts.save_draft(JEANNE, procedure, {"name": "Brouillon"})
        with pytest.raises(errors.InvalidData):
            file_submission(JEANNE, procedure, None, draft_id=saved.draft.id)
        assert get_draft_store().get(saved.draft.id) is saved.draft  # kept
        filed = file_submission(JEANNE, procedure, VALID_DATA, draft_id=saved.draft.id)
        assert filed.submission.data["name"] == "Jeanne Dupont"
        assert get_draft_store().get(saved.draft.id) is None


@dataclass
class Part:
    """A file part of an HTML form."""

    filename: str
    data: bytes

    def read(self, size: int) -> bytes:
        return self.data[:size]


class TestCitizen:
    @pytest.fixture
    def filed(self, procedure):
        return file_submission(JEANNE, procedure, VALID_DATA).submission

    def test_own_and_tracked_requests(self, filed):
        assert citizen.own_request(JEANNE, filed.reference.lower()) is filed
        with pytest.raises(errors.NotFound):
            citizen.own_request(PAUL, filed.reference)
        secret = tracking_secret(get_store(), filed)
        assert citizen.tracked_request(ANONYMOUS, filed.reference, secret) is filed
        for wrong in (None, "x", secret[:-1]):
            with pytest.raises(errors.NotFound):
                citizen.tracked_request(ANONYMOUS, filed.reference, wrong)

    def ask(self, submission):
        for state in ("received", "in_progress", "waiting_citizen"):
            update_state(
                submission,
                state,
                seen_etag=etag(submission),
                user_id="agent",
                public_message="Envoyez votre fiche." if state.startswith("w") else "",
            )

    def test_answer_with_files(self, filed):
        self.ask(filed)
        too_many = [Part(f"p{n}.pdf", b"%PDF-1.4\n") for n in range(50)]
        with pytest.raises(errors.InvalidData) as refused:
            citizen.answer(
                JEANNE, filed.id, "Voici", seen_etag=etag(filed), files=too_many
            )
        assert [(e.field, e.code) for e in refused.value.fields] == [
            ("files", "too_many_files")
        ]
        assert filed.state == "waiting_citizen"
        citizen.answer(JEANNE, filed.id, "Voici", seen_etag=etag(filed))
        assert filed.state == "in_progress"
        assert filed.history[-1]["actor"] == "jeanne"

    def test_withdraw(self, filed):
        citizen.withdraw(JEANNE, filed.id, seen_etag=etag(filed))
        assert filed.state == "withdrawn"

    def test_answer_and_withdraw_open_the_request_themselves(self, filed):
        self.ask(filed)
        secret = tracking_secret(get_store(), filed)
        for caller, key, wrong in (
            (PAUL, filed.id, None),
            (ANONYMOUS, filed.reference, None),
            (ANONYMOUS, filed.reference, secret[:-1]),
        ):
            with pytest.raises(errors.NotFound):
                citizen.answer(
                    caller, key, "Voici", secret=wrong, seen_etag=etag(filed)
                )
            with pytest.raises(errors.NotFound):
                citizen.withdraw(caller, key, secret=wrong, seen_etag=etag(filed))
        assert filed.state == "waiting_citizen"
        answered = citizen.answer(
            ANONYMOUS, filed.reference, "Voici", secret=secret, seen_etag=etag(filed)
        )
        assert answered is filed and filed.state == "in_progress"

    def test_the_version_read_is_required_as_for_staff(self, filed):
        with pytest.raises(errors.VersionRequired):
            citizen.withdraw(JEANNE, filed.id, seen_etag=None)
        with pytest.raises(errors.StaleVersion) as stale:
            citizen.withdraw(JEANNE, filed.id, seen_etag='"old"')
        assert stale.value.headers == {"ETag": etag(filed)}
        with pytest.raises(errors.TransitionNotAllowed):
            citizen.answer(JEANNE, filed.id, "Voici", seen_etag=etag(filed))
        assert filed.state == "submitted"
        assert citizen.may_withdraw(filed) and not citizen.may_answer(filed)

    def test_receipt(self, filed):
        secret = tracking_secret(get_store(), filed)
        by_link = citizen.open_receipt(ANONYMOUS, filed.reference, secret)
        assert by_link.by_citizen and by_link.submission is filed
        assert citizen.open_receipt(JEANNE, filed.reference, None).by_citizen
        with pytest.raises(errors.NotFound):
            citizen.open_receipt(PAUL, filed.reference, None)
        with pytest.raises(errors.NotFound):
            citizen.open_receipt(ANONYMOUS, "ZZZZ-ZZZZ", secret)

    def test_receipt_for_staff_who_may_read_it(self, filed):
        # (Its audit record is asserted over HTML in test_receipt.py.)
        manager = Caller(user_id="admin", channel=HTML)
        with api.env.adopt_roles(["Manager"]):
            access = citizen.open_receipt(manager, filed.reference, None)
        assert not access.by_citizen
