"""A form's schema is parsed once per XML text, and what is derived from it
(conditions, steps) once per schema (forms/model.py, forms/derived.py):
saving the form again gives a new schema, used at once by every channel."""

from fixtures.forms import CONDITIONS_FORM
from fixtures.forms import VALID_DATA
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.derived import per_schema
from imio.guichet.forms.model import load_form_schema
from imio.guichet.forms.steps import form_steps
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData
from imio.guichet.submissions.api import submit
from plone.supermodel import loadString

import pytest


#: The same form where the height is asked without a scaffolding.
HEIGHT_WITHOUT_SCAFFOLDING = CONDITIONS_FORM.replace(
    'guichet:show-if="scaffolding=true"', 'guichet:show-if="scaffolding=false"'
)
#: The same form without its fieldset: one page, no steps.
ONE_PAGE = CONDITIONS_FORM.replace(
    '<fieldset name="organisation" label="Votre organisation"\n'
    '              guichet:show-if="applicant=company|association">',
    "",
).replace("</fieldset>", "")

ANSWERS = {"applicant": "person", "scaffolding": True}


def height_rule(schema):
    return conditions(schema)["height"][0].values


class TestParsedOnce:
    def test_same_text_same_schema(self, portal):
        assert load_form_schema(CONDITIONS_FORM) is load_form_schema(CONDITIONS_FORM)
        other = load_form_schema(HEIGHT_WITHOUT_SCAFFOLDING)
        assert other is not load_form_schema(CONDITIONS_FORM)

    def test_derived_once_per_schema(self, portal):
        schema = load_form_schema(CONDITIONS_FORM)
        assert conditions(schema) is conditions(schema)
        assert form_steps(schema) is form_steps(schema)
        assert [step.name for step in form_steps(schema)] == [
            "default",
            "organisation",
        ]

    def test_each_schema_its_own(self, portal):
        first = load_form_schema(CONDITIONS_FORM)
        second = load_form_schema(HEIGHT_WITHOUT_SCAFFOLDING)
        # The trap a cache keyed on schemas falls in: every form's schema
        # has the same name, so any two compare equal and hash alike.
        assert first == second and hash(first) == hash(second)
        assert height_rule(first) == (True,)
        assert height_rule(second) == (False,)
        assert form_steps(load_form_schema(ONE_PAGE)) == ()

    def test_read_only(self, portal):
        rules = conditions(load_form_schema(CONDITIONS_FORM))
        with pytest.raises(TypeError):
            rules["height"] = ()

    def test_a_schema_not_from_the_cache(self, portal):
        fresh = loadString(CONDITIONS_FORM).schema
        assert fresh is not load_form_schema(CONDITIONS_FORM)
        assert height_rule(fresh) == (True,)

    def test_computed_once(self):
        calls = []

        @per_schema
        def names(schema):
            calls.append(schema)
            return tuple(schema)

        class Schema:
            def __iter__(self):
                return iter(("a", "b"))

        one, two = Schema(), Schema()
        assert names(one) == names(one) == names(two) == ("a", "b")
        assert calls == [one, two]


class TestNewVersionUsedAtOnce:
    def test_form_replaced_before_anything_was_filed(self, procedure):
        online_form = IOnlineForm(procedure)
        online_form.form_schema = CONDITIONS_FORM
        schema = online_form.get_form_schema()
        with pytest.raises(InvalidData):
            clean_data(schema, ANSWERS)  # the height is asked
        # Nothing filed: the version is replaced, its number stays 1.
        online_form.form_schema = HEIGHT_WITHOUT_SCAFFOLDING
        assert online_form.form_schema_version == 1
        replaced = online_form.get_form_schema()
        assert replaced is not schema
        assert height_rule(replaced) == (False,)
        assert clean_data(replaced, ANSWERS) == ANSWERS

    def test_form_saved_again_after_filings(self, procedure):
        online_form = IOnlineForm(procedure)
        submit(procedure, VALID_DATA, submitter=None)
        online_form.form_schema = CONDITIONS_FORM
        assert online_form.form_schema_version == 2
        assert len(form_steps(online_form.get_form_schema())) == 2
        online_form.form_schema = ONE_PAGE
        assert online_form.form_schema_version == 3
        assert form_steps(online_form.get_form_schema()) == ()
        first = online_form.get_form_schema(1)
        assert "name" in first and "applicant" not in first
        assert len(form_steps(online_form.get_form_schema(2))) == 2
