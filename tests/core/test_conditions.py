"""Issue #3: fields and steps shown (and required) only when an earlier
field has a given value: guichet:show-if, enforced by clean_data for every
channel and expressed by @form-schema with JSON Schema if/then."""

from fixtures.forms import CONDITIONS_FORM
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData
from imio.guichet.submissions.api import get_store
from jsonschema import Draft202012Validator
from plone import api
from zope.i18n import translate

import pytest
import transaction


def errors_of(schema, data):
    with pytest.raises(InvalidData) as refused:
        clean_data(schema, data)
    return {e.field: e.code for e in refused.value.errors}


@pytest.fixture
def schema(portal):
    return check_form_schema(CONDITIONS_FORM)


@pytest.fixture
def json_schema(schema):
    result = form_json_schema(schema, schema_id="x", title="t", version=1)
    Draft202012Validator.check_schema(result)
    return result


def with_condition(condition: str, target: str = "height") -> str:
    return CONDITIONS_FORM.replace(
        f'name="{target}" type="zope.schema.Float"\n'
        '           guichet:show-if="scaffolding=true"',
        f'name="{target}" type="zope.schema.Float"\n'
        f'           guichet:show-if="{condition}"',
    )


class TestXMLChecks:
    def test_valid_form(self, schema):
        assert schema is not None

    @pytest.mark.parametrize(
        "condition,problem",
        [
            ("nothing=true", "names no field"),
            ("scaffolding", "must be 'field=value'"),
            ("scaffolding=maybe", "maybe is not a value of scaffolding"),
            ("applicant=person|robot", "robot is not a value of applicant"),
            ("no_scaffolding_reason=x", "must name a field that comes before"),
            ("height=2", "must name a field that comes before"),
        ],
    )
    def test_refused(self, portal, condition, problem):
        with pytest.raises(InvalidFormSchema, match=problem):
            check_form_schema(with_condition(condition))

    def test_a_cycle_is_said(self, portal):
        """ "Vous êtes" asked only if "Assujetti à la TVA" is "yes", which is
        itself asked only depending on "Vous êtes": a cycle, said so."""
        xml = CONDITIONS_FORM.replace(
            '<field name="applicant" type="zope.schema.Choice">',
            '<field name="applicant" type="zope.schema.Choice"'
            ' guichet:show-if="vat=yes">',
        )
        with pytest.raises(InvalidFormSchema) as refused:
            check_form_schema(xml)
        [problem] = refused.value.problems
        assert str(refused.value).count("would form a cycle") == 1
        french = translate(problem, target_language="fr")
        assert "cycle" in french
        assert "Assujetti à la TVA" in french and "Vous êtes" in french

    def test_target_must_be_a_choice_or_a_yes_no(self, portal):
        xml = CONDITIONS_FORM.replace(
            'guichet:show-if="vat=yes"', 'guichet:show-if="org_name=x"'
        )
        with pytest.raises(InvalidFormSchema, match="a choice or a yes/no"):
            check_form_schema(xml)

    def test_fieldset_condition_on_its_own_field(self, portal):
        xml = CONDITIONS_FORM.replace(
            'guichet:show-if="applicant=company|association"',
            'guichet:show-if="vat=yes"',
        )
        with pytest.raises(InvalidFormSchema, match="“Votre organisation”"):
            check_form_schema(xml)

    def test_fieldset_condition_value_checked(self, portal):
        xml = CONDITIONS_FORM.replace(
            'guichet:show-if="applicant=company|association"',
            'guichet:show-if="applicant=firm"',
        )
        with pytest.raises(InvalidFormSchema, match="firm is not a value"):
            check_form_schema(xml)


class TestCleanData:
    def test_hidden_required_field_is_not_required(self, schema):
        assert clean_data(schema, {"applicant": "person"}) == {
            "applicant": "person",
            "scaffolding": False,
        }

    def test_shown_field_is_required(self, schema):
        data = {"applicant": "person", "scaffolding": True}
        assert errors_of(schema, data) == {"height": "required"}
        assert clean_data(schema, {**data, "height": 3})["height"] == 3.0

    def test_shown_field_is_validated(self, schema):
        data = {"applicant": "person", "scaffolding": True, "height": 0.5}
        assert errors_of(schema, data) == {"height": "too_small"}

    def test_hidden_field_value_is_dropped_unchecked(self, schema):
        data = {
            "applicant": "person",
            "height": "not a number",
            "org_name": "ACME",
            "no_scaffolding_reason": "Pas besoin",
        }
        assert clean_data(schema, data) == {
            "applicant": "person",
            "scaffolding": False,
            "no_scaffolding_reason": "Pas besoin",
        }

    def test_fieldset_condition(self, schema):
        data = {"applicant": "association"}
        assert errors_of(schema, data) == {"org_name": "required"}
        cleaned = clean_data(schema, {**data, "org_name": "Club", "vat": "yes"})
        assert cleaned == {
            "applicant": "association",
            "scaffolding": False,
            "org_name": "Club",
        }

    def test_conditions_chain(self, schema):
        # vat_number depends on vat, itself shown for companies only.
        company = {"applicant": "company", "org_name": "ACME", "vat": "yes"}
        assert errors_of(schema, company) == {"vat_number": "required"}
        person = {"applicant": "person", "vat": "yes", "vat_number": "BE1"}
        assert clean_data(schema, person) == {
            "applicant": "person",
            "scaffolding": False,
        }


#: (data, whether the server accepts it): the JSON Schema must agree.
CROSS_CHECK = [
    ({"applicant": "person"}, True),
    ({"applicant": "person", "scaffolding": False}, True),
    ({"applicant": "person", "scaffolding": True}, False),
    ({"applicant": "person", "scaffolding": True, "height": 2.5}, True),
    ({"applicant": "person", "height": 2.5}, True),  # dropped
    ({"applicant": "person", "org_name": "x", "vat": "no"}, True),  # dropped
    ({"applicant": "company"}, False),
    ({"applicant": "company", "org_name": "ACME"}, False),
    ({"applicant": "company", "org_name": "ACME", "vat": "no"}, True),
    ({"applicant": "company", "org_name": "ACME", "vat": "yes"}, False),
    (
        {"applicant": "company", "org_name": "ACME", "vat": "yes", "vat_number": "1"},
        True,
    ),
    ({"applicant": "association", "org_name": ""}, False),
    ({"applicant": "association", "org_name": "Club"}, True),
    ({"applicant": "association", "org_name": "Club", "vat": "yes"}, True),
    ({"applicant": "person", "vat": "yes"}, True),  # vat hidden: no vat_number
]


@pytest.mark.parametrize("data,accepted", CROSS_CHECK)
def test_server_and_json_schema_agree(schema, json_schema, data, accepted):
    try:
        clean_data(schema, data)
    except InvalidData:
        server = False
    else:
        server = True
    assert server is accepted
    assert Draft202012Validator(json_schema).is_valid(data) is accepted


def test_json_schema_expresses_conditions(json_schema):
    assert json_schema["required"] == ["applicant"]
    assert json_schema["properties"]["height"]["x-guichet-show-if"] == [
        {"field": "scaffolding", "values": [True]}
    ]
    condition = {
        "properties": {"scaffolding": {"const": True}},
        "required": ["scaffolding"],
    }
    assert {"if": condition, "then": {"required": ["height"]}} in json_schema["allOf"]
    assert json_schema["properties"]["vat_number"]["x-guichet-show-if"] == [
        {"field": "applicant", "values": ["company", "association"]},
        {"field": "applicant", "values": ["company"]},
        {"field": "vat", "values": ["yes"]},
    ]


def test_json_schema_lists_the_steps(json_schema):
    assert json_schema["x-guichet-steps"] == [
        {
            "name": "default",
            "title": "General information",
            "fields": ["applicant", "scaffolding", "height", "no_scaffolding_reason"],
        },
        {
            "name": "organisation",
            "title": "Votre organisation",
            "fields": ["org_name", "vat", "vat_number"],
        },
    ]


def test_supermodel_round_trip(schema):
    from plone.supermodel import serializeSchema

    xml = serializeSchema(schema)
    assert 'guichet:show-if="scaffolding=true"' in xml


class TestREST:
    @pytest.fixture
    def conditions_site(self, site):
        with api.env.adopt_roles(["Manager"]):
            site.demarches.x.form_schema = CONDITIONS_FORM
        transaction.commit()
        return site

    def post(self, session, data):
        return session.post("demarches/x/@submissions", json={"data": data})

    def test_required_when_shown(self, conditions_site, session_for):
        session = session_for("Anonymous")
        response = self.post(session, {"applicant": "person", "scaffolding": True})
        assert response.status_code == 400, response.text
        assert "height" in response.text

    def test_hidden_value_dropped(self, conditions_site, session_for):
        session = session_for("Anonymous")
        response = self.post(session, {"applicant": "person", "height": 4})
        assert response.status_code == 201, response.text
        transaction.begin()
        stored = get_store().get(response.json()["id"])
        assert "height" not in stored.data

    def test_form_schema(self, conditions_site, session_for):
        from imio.guichet.services.openapi.get import openapi_document

        response = session_for("Anonymous").get("demarches/x/@form-schema")
        assert response.status_code == 200
        answer = response.json()
        Draft202012Validator.check_schema(answer)
        assert answer["allOf"]
        assert [step["name"] for step in answer["x-guichet-steps"]] == [
            "default",
            "organisation",
        ]
        operation = openapi_document()["paths"]["/{procedure}/@form-schema"]["get"]
        documented = operation["responses"]["200"]["content"]["application/json"]
        Draft202012Validator(documented["schema"]).validate(answer)


def test_problems_are_told_in_the_webmasters_language(portal):
    """The editor shows a refused condition in the page's language, naming
    the field by its title (the XML's words stay in English for the API)."""
    with pytest.raises(InvalidFormSchema) as refused:
        check_form_schema(with_condition("height=2"))
    [problem] = refused.value.problems
    french = translate(problem, target_language="fr")
    assert "la condition doit porter sur un champ posé avant (height)" in french
    assert "must name a field that comes before" in str(refused.value)
