"""Issue #3: the citizen's form as assistive technologies read it (WCAG 2.1
AA): labels, required in words, an error summary linking to each faulty
field, aria-invalid/aria-describedby, fieldset/legend for groups."""

from fixtures.forms import CONDITIONS_FORM
from fixtures.pages import fill_valid
from plone import api
from plone.testing.zope import Browser

import json
import pytest
import re
import transaction


@pytest.fixture
def browser(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    return browser


@pytest.fixture
def with_errors(browser):
    """The RICH_FORM sent with a bad number and required fields empty."""
    browser.getControl(name="form.widgets.copies").value = "x"
    browser.getControl(name="form.buttons.send").click()
    return browser.contents


def field_html(html: str, name: str) -> str:
    start = html.index(f'id="formfield-form-widgets-{name}"')
    end = html.find('id="formfield-form-widgets-', start + 10)
    return html[start:end]


def tag(html: str, element_id: str) -> str:
    return re.search(rf'<[^>]*id="{element_id}"[^>]*>', html).group(0)


class TestValidForm:
    def test_labels_tied_to_inputs(self, browser):
        html = browser.contents
        for name in ("name", "email", "copies", "comment", "birth_date"):
            assert f'for="form-widgets-{name}"' in html
            assert f'id="form-widgets-{name}"' in html

    def test_required_said_in_words(self, browser):
        name = field_html(browser.contents, "name")
        assert re.search(r"<label[^>]*>Nom\s*<span[^>]*>\(required\)</span>", name)
        comment = field_html(browser.contents, "comment")
        assert "(required)" not in comment  # optional

    def test_required_checkbox_says_it(self, site, browser):
        with api.env.adopt_roles(["Manager"]):
            procedure = site.demarches.x
            procedure.form_schema = procedure.form_schema.replace(
                "<title>J'accepte</title>\n      <required>False</required>",
                "<title>J'accepte</title>",
            )
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        checkbox = tag(browser.contents, "form-widgets-consent-0")
        assert 'aria-describedby="form-widgets-consent-required"' in checkbox
        note = browser.contents.split('id="form-widgets-consent-required"')[1]
        assert note.startswith(">(required)<")

    def test_groups_are_fieldsets_with_a_legend(self, browser):
        delivery = field_html(browser.contents, "delivery")
        assert "<fieldset" in delivery
        assert re.search(r"<legend[^>]*>Envoi", delivery)
        purposes = field_html(browser.contents, "purposes")
        assert re.search(r"<legend[^>]*>Motifs", purposes)

    def test_no_error_markup_when_valid(self, browser):
        assert "guichet-error-summary" not in browser.contents
        assert 'aria-invalid="true"' not in browser.contents

    def test_buttons_are_real_buttons(self, browser):
        send = tag(browser.contents, "form-buttons-send")
        assert send.startswith("<button") and 'type="submit"' in send
        assert "tabindex" not in send

    def test_script_is_served(self, site, browser):
        assert "++resource++imio.guichet/form.js" in browser.contents
        browser.open(site.absolute_url() + "/++resource++imio.guichet/form.js")
        assert b"data-guichet-show-if" in browser.contents


class TestErrors:
    def test_summary_links_to_each_faulty_field(self, with_errors):
        summary = with_errors.split('id="guichet-error-summary"')[1].split("</ul>")[0]
        assert 'role="alert"' in tag(with_errors, "guichet-error-summary")
        assert 'tabindex="-1"' in tag(with_errors, "guichet-error-summary")
        assert "<h2" in summary
        links = re.findall(r'href="#(formfield-form-widgets-\w+)"', summary)
        assert links == [
            "formfield-form-widgets-name",
            "formfield-form-widgets-email",
            "formfield-form-widgets-copies",
            "formfield-form-widgets-delivery",
        ]
        for anchor in links:
            assert f'id="{anchor}"' in with_errors
        assert "Enter a whole number, for instance 12." in summary

    def test_faulty_input_is_described_by_its_error(self, with_errors):
        copies = tag(with_errors, "form-widgets-copies")
        assert 'aria-invalid="true"' in copies
        assert 'aria-describedby="form-widgets-copies-error"' in copies
        error = tag(with_errors, "form-widgets-copies-error")
        assert "invalid-feedback" in error

    def test_valid_input_is_not_marked(self, with_errors):
        assert "aria-invalid" not in tag(with_errors, "form-widgets-comment")

    def test_faulty_group(self, with_errors):
        delivery = field_html(with_errors, "delivery")
        assert re.search(
            r'<fieldset[^>]*aria-describedby="form-widgets-delivery-error"', delivery
        )
        assert 'id="form-widgets-delivery-error"' in delivery
        radio = tag(with_errors, "form-widgets-delivery-0")
        assert 'aria-invalid="true"' in radio

    def test_core_errors_in_summary_too(self, browser):
        fill_valid(browser)
        browser.getControl(name="form.widgets.comment").value = "x" * 10_001
        browser.getControl(name="form.buttons.send").click()
        summary = browser.contents.split('id="guichet-error-summary"')[1]
        assert 'href="#formfield-form-widgets-comment"' in summary.split("</ul>")[0]
        comment = tag(browser.contents, "form-widgets-comment")
        assert 'aria-describedby="form-widgets-comment-error"' in comment

    def test_help_text_described(self, site, browser):
        with api.env.adopt_roles(["Manager"]):
            procedure = site.demarches.x
            procedure.form_schema = procedure.form_schema.replace(
                "<title>Nom</title>",
                "<title>Nom</title><description>Tel quel</description>",
            )
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl(name="form.buttons.send").click()
        name = tag(browser.contents, "form-widgets-name")
        described = "form-widgets-name-error form-widgets-name-help"
        assert f'aria-describedby="{described}"' in name
        assert 'id="form-widgets-name-help"' in browser.contents


class TestConditionalFields:
    @pytest.fixture
    def conditions_browser(self, site, browser):
        with api.env.adopt_roles(["Manager"]):
            site.demarches.x.form_schema = CONDITIONS_FORM
        transaction.commit()
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        return browser

    def test_condition_said_for_the_script(self, conditions_browser):
        height = tag(conditions_browser.contents, "formfield-form-widgets-height")
        rules = json.loads(
            re.search(r"data-guichet-show-if=\"([^\"]+)\"", height)
            .group(1)
            .replace("&quot;", '"')
        )
        assert rules == [{"name": "form.widgets.scaffolding", "values": ["true"]}]

    def test_without_script_every_field_is_shown(self, conditions_browser):
        # Without JavaScript nothing is hidden: the server drops what the
        # conditions exclude.
        height = tag(conditions_browser.contents, "formfield-form-widgets-height")
        assert "hidden" not in height
        assert conditions_browser.getControl(name="form.widgets.height")

    def test_hidden_answer_dropped_from_html_form(self, site, conditions_browser):
        from imio.guichet.submissions.api import get_store

        conditions_browser.getControl(name="form.widgets.applicant").value = ["person"]
        conditions_browser.getControl(name="form.widgets.height").value = "8"
        conditions_browser.getControl(name="form.buttons.next").click()
        # scaffolding unticked: height is not asked, and not kept; the
        # organisation's step is skipped: this is the review page.
        assert "form-widgets-height-error" not in conditions_browser.contents
        assert "Hauteur" not in conditions_browser.contents.split("guichet-review")[1]
        conditions_browser.getControl(name="form.buttons.send").click()
        reference = conditions_browser.url.split("reference=")[1]
        transaction.begin()
        assert "height" not in get_store().by_reference(reference).data
