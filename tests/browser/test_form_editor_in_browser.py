"""Issue #14: a webmaster builds a form in the editor, in a real browser,
with no XML typed anywhere; then a citizen files it."""

from accessibility import assert_accessible
from fixtures.filings import BACK_OFFICE
from fixtures.filings import JSON
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.demo import ZOPE_ADMIN
from playwright.sync_api import expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_citizen_journey import log_in

import pytest
import re
import requests
import uuid


def open_editor(page, editor: str) -> None:
    """The editor's own page (its tab on the procedure)."""
    page.goto(editor)
    expect(page.locator("h1")).to_have_text(
        re.compile("Champs du formulaire|Form fields")
    )


def back_in_the_editor(page, editor: str) -> None:
    """Where each page of the editor leads once done: the editor, with no
    refusal."""
    page.wait_for_url(re.compile(re.escape(editor) + r"/?(@@edit)?(#.*)?$"))
    expect(page.locator(".statusmessage-error, .portalMessage.error")).to_have_count(0)


def add_field(
    page, editor: str, title: str, name: str, factory: str, check=False
) -> None:
    """The editor's "Ajouter un champ…" button, its page filled, "Ajouter"."""
    open_editor(page, editor)
    page.locator("#add-field").click()
    page.wait_for_load_state()
    expect(page.locator("#form-widgets-title")).to_be_visible()
    if check:
        assert_accessible(page)
    page.fill("#form-widgets-title", title)
    page.fill("#form-widgets-__name__", name)
    page.select_option("#form-widgets-factory", factory)
    page.locator("#form-buttons-add").click()
    back_in_the_editor(page, editor)
    expect(page.locator(f'.fieldPreview[data-field_id="{name}"]')).to_have_count(1)


def show_field(page, title: str):
    """The field's "Paramètres…" button, its step's tab clicked first if
    the field is on another step."""
    settings = page.get_by_role("link", name=f'Paramètres de "{title}"')
    if not settings.is_visible():
        step = settings.evaluate(
            "link => link.closest('fieldset').querySelector('legend').textContent"
        )
        page.locator(".autotoc-nav a", has_text=step.strip()).click()
    expect(settings).to_be_visible()
    return settings


#: The editor's buttons: each field's, and those of the version box.
EDITOR_BUTTONS = (
    ".fieldControls a, .guichet-form-version-actions a,"
    " .guichet-form-version-actions button"
)


def covered_buttons(page) -> list[str]:
    """The shown editor buttons that another element covers (where a click
    lands); fails if none is shown."""
    covered = page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(button => button.checkVisibility())
            // Instantly: Bootstrap makes scrolling smooth, and the button
            // would be measured before it arrives.
            .filter(button => {
            button.scrollIntoView({block: 'center', behavior: 'instant'});
            const again = button.getBoundingClientRect();
            const hit = document.elementFromPoint(
                again.left + again.width / 2, again.top + again.height / 2);
            return !(hit === button || button.contains(hit));
        }).map(button => button.getAttribute('aria-label') || button.id)""",
        EDITOR_BUTTONS,
    )
    assert page.locator(".fieldControls a:visible").count() > 0
    return covered


def new_procedure(page, site: str) -> str:
    page.goto(f"{site}/{PROCEDURES_PATH}/++add++imio.guichet.Procedure")
    # Filled once the page's scripts are done: a widget they set up later
    # would lose the value set below (then the form comes back refused).
    page.wait_for_load_state("networkidle")
    title = f"Occupation de test {uuid.uuid4().hex[:6]}"
    page.fill("#form-widgets-IDublinCore-title", title)
    # Its privacy information (on the "Formulaire en ligne" tab): a form
    # opens to citizens only with it.
    page.evaluate(
        """values => {
            for (const [name, value] of Object.entries(values)) {
                const field = document.querySelector(`[name="${name}"]`);
                field.value = value;
            }
        }""",
        {
            "form.widgets.IOnlineForm.privacy_purpose": "Traiter votre demande.",
            "form.widgets.IOnlineForm.privacy_legal_basis:list": "e",
            "form.widgets.IOnlineForm.privacy_legal_reference": "Code de la "
            "démocratie locale et de la décentralisation",
            "form.widgets.IOnlineForm.privacy_recipients": "Service Population",
        },
    )
    page.locator("#form-buttons-save").click()
    # The new procedure's page (not the add form's URL before it goes).
    try:
        page.wait_for_url(lambda url: "++add++" not in url, timeout=60_000)
    except PlaywrightTimeoutError:
        refused = page.locator(".invalid-feedback, .portalMessage").all_inner_texts()
        raise AssertionError(f"the procedure was not added: {refused}") from None
    page.wait_for_load_state()
    return page.url.split("?")[0].rstrip("/").removesuffix("/view")


def publish(page, procedure: str) -> None:
    page.goto(procedure)
    page.locator("#plone-contentmenu-workflow > a").click()
    page.locator("#workflow-transition-publish").click()
    page.wait_for_load_state()


def content_width(page) -> float:
    """The width the page's content gets (the toolbar and the navigation
    column take the rest)."""
    return page.evaluate(
        "() => document.querySelector('#portal-column-content')"
        ".getBoundingClientRect().width"
    )


def navigation_column(page, procedure: str, shown: bool) -> None:
    """The site's navigation portlet blocked on the procedure, or not
    (Plone's "Gérer les portlets", "Portlets parents : Bloquer" / "Ne pas
    bloquer"): its pages show the navigation column, or not."""
    page.goto(f"{procedure}/@@manage-portlets")
    settings = page.locator(
        'form.portlets-settings:has(input[name="manager"][value="plone.leftcolumn"])'
    )
    settings.locator('select[name="context_status:int"]').select_option(
        "-1" if shown else "1"
    )
    with page.expect_navigation():  # its button shows only without script
        settings.evaluate("form => form.submit()")
    page.wait_for_load_state()


def toolbar_expanded(page, expanded: bool) -> None:
    """The toolbar on the left, expanded (labels shown) or collapsed: what
    its own button does (Barceloneta keys on these classes)."""
    page.evaluate(
        """expanded => {
            document.body.classList.add('plone-toolbar-left');
            document.body.classList.toggle('plone-toolbar-left-expanded', expanded);
        }""",
        expanded,
    )


#: plone.app.theming's "Unthemed host names": 127.0.0.1 by default, the
#: address the tests browse (people browse localhost or the site's name).
UNTHEMED_HOSTS = "plone.app.theming.interfaces.IThemeSettings.hostnameBlacklist"


@pytest.fixture
def themed(demo_site):
    """The demo instance themed on 127.0.0.1 too, for the test's duration:
    Barceloneta's layout is what narrows the editor."""
    registry = f"{demo_site}/@registry"

    def unthemed(hosts: list[str]) -> None:
        answer = requests.patch(
            registry,
            json={UNTHEMED_HOSTS: hosts},
            headers=JSON,
            auth=ZOPE_ADMIN,
            timeout=30,
        )
        assert answer.status_code == 204, answer.text

    before = requests.get(
        f"{registry}/{UNTHEMED_HOSTS}", headers=JSON, auth=ZOPE_ADMIN, timeout=30
    ).json()
    unthemed([])
    yield
    unthemed(before)


@pytest.mark.parametrize("width", [1024, 1280])
def test_field_buttons_are_never_covered(chromium, demo_site, themed, width):
    """At 1024 and 1280 px, with and without the navigation column, the
    toolbar expanded or not: a long type name wraps, every button of the
    editor stays where a click reaches it."""
    context = chromium.new_context(
        locale="fr-BE", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    log_in(page, demo_site, "admin", "admin")
    # The demo's form: long type names ("Numéro de registre national"…).
    procedure = f"{demo_site}/{PROCEDURES_PATH}/occupation-domaine-public"
    editor = f"{procedure}/++form++fields"
    widths = {}
    try:
        for navigation in (True, False):  # the demo site's navigation column
            navigation_column(page, procedure, navigation)
            open_editor(page, editor)
            column = page.locator("#portal-column-one .portlet")
            if navigation:
                expect(column.first).to_be_visible()
            else:
                expect(column).to_have_count(0)
            for expanded in (False, True):
                toolbar_expanded(page, expanded)
                widths[navigation, expanded] = content_width(page)
                # Barceloneta pads the body for the toolbar on the left.
                themed_page = page.evaluate(
                    "() => getComputedStyle(document.body).paddingLeft"
                ) not in ("", "0px")
                tabs = page.locator(".autotoc-nav a")
                assert tabs.count() > 1  # the demo form's steps
                for index in range(tabs.count()):
                    tabs.nth(index).click()  # a step of the form
                    assert covered_buttons(page) == [], (navigation, expanded)
    finally:
        navigation_column(page, procedure, True)  # as the demo has it
    assert themed_page, "Barceloneta's CSS must apply"
    # Four layouts indeed: each narrows the content.
    assert len(set(widths.values())) == 4, widths
    assert widths[True, True] < widths[True, False] < widths[False, False]
    assert widths[True, True] < widths[False, True] < widths[False, False]
    context.close()


def test_fields_reordered_with_the_keyboard(page, demo_site):
    """Tab to a field's "down" link, Enter: it moves one place (dragging
    is not the only way)."""
    log_in(page, demo_site, "admin", "admin")
    procedure = new_procedure(page, demo_site)
    editor = f"{procedure}/++form++fields"
    add_field(page, editor, "Premier", "premier", "label_textline_field")
    add_field(page, editor, "Second", "second", "label_textline_field")
    page.goto(editor)
    down = page.get_by_role("link", name='Descendre "Premier"').or_(
        page.get_by_role("link", name='Move "Premier" down')
    )
    down.focus()
    with page.expect_navigation(url=re.compile(r"\+\+form\+\+fields/?(@@edit)?#")):
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".portalMessage.info, .statusmessage-info")).to_contain_text(
        "déplacé"
    )
    names = page.locator(".fieldPreview[data-field_id]").evaluate_all(
        "nodes => nodes.map(node => node.dataset.field_id)"
    )
    assert names.index("second") < names.index("premier"), names


def test_webmaster_builds_a_conditional_form_and_a_citizen_files_it(
    page, demo_site, chromium
):
    log_in(page, demo_site, "admin", "admin")
    procedure = new_procedure(page, demo_site)
    editor = f"{procedure}/++form++fields"

    add_field(page, editor, "Un échafaudage ?", "scaffolding", "label_boolean_field")
    add_field(page, editor, "Hauteur (m)", "height", "label_float_field")

    # The height's settings (its "Paramètres…" button): required, and
    # asked only when "Oui".
    open_editor(page, editor)
    show_field(page, "Hauteur (m)").click()
    page.locator("#form-widgets-required-0").check()
    page.get_by_label("Un échafaudage ? : Oui").check()
    page.locator("#form-buttons-save").click()
    back_in_the_editor(page, editor)
    expect(page.locator(".guichet-field-condition")).to_contain_text(
        "Demandé seulement si"
    )
    assert_accessible(page)
    publish(page, procedure)

    # A citizen (not logged in) files it.
    citizen = chromium.new_context(locale="fr-BE").new_page()
    citizen.goto(f"{procedure}/@@submit")
    height = citizen.locator("#form-widgets-height")
    expect(height).to_be_hidden()
    citizen.get_by_label("Un échafaudage ?").check()
    expect(height).to_be_visible()
    height.fill("7")
    citizen.fill("#form-widgets-last_name", "Dupont")
    citizen.fill("#form-widgets-first_name", "Jeanne")
    citizen.fill("#form-widgets-email", "jeanne@example.org")
    citizen.fill("#form-widgets-message", "Un échafaudage de 7 m.")
    citizen.get_by_role("button", name="Envoyer ma demande").click()
    citizen.wait_for_url("**/@@confirmation**")
    reference = citizen.locator(".imio-guichet-reference").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    citizen.context.close()


#: A national register number with its right check digits.
NISS = "85.07.30-033.28"
#: A small valid PDF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def add_step(page, editor: str, label: str, name: str) -> None:
    """The editor's "Ajouter un groupe de champs…" button: a step."""
    open_editor(page, editor)
    page.locator("#add-fieldset").click()
    page.wait_for_load_state()
    page.fill("#form-widgets-label", label)
    page.fill("#form-widgets-__name__", name)
    page.locator("#form-buttons-add").click()
    back_in_the_editor(page, editor)
    expect(page.locator(".autotoc-nav a", has_text=label)).to_have_count(1)


def field_settings(page, editor: str, title: str, check=False, **settings) -> None:
    """A field's "Paramètres…" button in the editor, its page, "Enregistrer"."""
    open_editor(page, editor)
    show_field(page, title).click()
    page.wait_for_load_state()
    expect(page.locator("#form-buttons-save")).to_be_visible()
    if check:
        assert_accessible(page)
    if "step" in settings:
        page.select_option("#form-widgets-IFieldDisplay-step", settings["step"])
    if "help" in settings:
        page.fill("#form-widgets-description", settings["help"])
    if "values" in settings:
        page.fill("#form-widgets-values", settings["values"])
    if settings.get("required"):
        page.locator("#form-widgets-required-0").check()
    if "shown_when" in settings:
        page.get_by_label(settings["shown_when"]).check()
    page.locator("#form-buttons-save").click()
    back_in_the_editor(page, editor)


def step_settings(page, editor: str, label: str) -> None:
    """A step's tab, then its "Paramètres de l'étape…" button: its page
    (checked with axe-core), saved as it is."""
    open_editor(page, editor)
    page.locator(".autotoc-nav a", has_text=label).click()
    button = page.locator("fieldset:visible a[id^=edit-step-]")
    expect(button).to_be_visible()
    button.click()
    page.wait_for_load_state()
    expect(page.locator("#form-widgets-label")).to_have_value(label)
    assert_accessible(page)
    page.locator("#form-buttons-save").click()
    back_in_the_editor(page, editor)


def xml_page(page, editor: str) -> None:
    """The form as XML (advanced), from the editor's button; back."""
    page.locator("#guichet-form-xml").click()
    page.wait_for_load_state()
    expect(page.locator("#form-xml-file")).to_be_visible()
    assert_accessible(page)
    open_editor(page, editor)


def fill_the_form(page) -> None:
    """The three steps as a citizen fills them; ends on the review page."""
    page.fill("#form-widgets-last_name", "Dupont")
    page.fill("#form-widgets-first_name", "Jeanne")
    page.fill("#form-widgets-email", "jeanne@example.org")
    page.fill("#form-widgets-message", "Des travaux de façade.")
    page.locator("#form-widgets-request_type-0").check()  # Permis
    page.locator("#form-buttons-next").click()
    # Step 2: the national number; the works' description only on "Oui".
    page.locator("#form-buttons-next").click()  # nothing typed: refused
    expect(page.locator("#guichet-error-summary")).to_be_visible()
    page.fill("#form-widgets-niss", NISS)
    detail = page.locator("#form-widgets-works_detail")
    expect(detail).to_be_hidden()
    page.get_by_label("Travaux prévus ?").check()
    expect(detail).to_be_visible()
    detail.fill("Ravalement de la façade")
    page.locator("#form-buttons-next").click()
    # Step 3: the plan.
    page.set_input_files(
        "#form-widgets-plan-input",
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("#form-buttons-next").click()
    expect(page.locator("form.guichet-submit-form")).to_contain_text("plan.pdf")


def test_webmaster_builds_previews_and_publishes_a_form_in_steps(
    page, demo_site, chromium
):
    """Issue #14's scenario: built with no XML on a published procedure (a
    working copy), tried in the preview (nothing filed), published, filed
    by a citizen, read by the back office over REST."""
    log_in(page, demo_site, "admin", "admin")
    procedure = new_procedure(page, demo_site)
    publish(page, procedure)  # citizens see it: the editor keeps a working copy
    editor = f"{procedure}/++form++fields"

    add_step(page, editor, "Votre situation", "situation")
    add_step(page, editor, "Documents", "documents")
    add_field(
        page, editor, "Type de demande", "request_type", "label_choice_field", True
    )
    add_field(page, editor, "Numéro de registre national", "niss", "label_niss_field")
    add_field(page, editor, "Travaux prévus ?", "works", "label_boolean_field")
    add_field(
        page, editor, "Description des travaux", "works_detail", "label_textline_field"
    )
    add_field(page, editor, "Plan", "plan", "File Upload")
    field_settings(
        page,
        editor,
        "Type de demande",
        values="permit|Permis d'urbanisme\nnotice|Déclaration",
        required=True,
        check=True,
    )
    field_settings(
        page,
        editor,
        "Numéro de registre national",
        step="situation",
        help="Au dos de votre carte d'identité.",
        required=True,
    )
    field_settings(page, editor, "Travaux prévus ?", step="situation")
    field_settings(
        page,
        editor,
        "Description des travaux",
        step="situation",
        required=True,
        shown_when="Travaux prévus ? : Oui",
    )
    field_settings(page, editor, "Plan", step="documents", required=True)
    step_settings(page, editor, "Documents")

    # Citizens still see the published form; the editor says so.
    open_editor(page, editor)
    expect(page.locator("#guichet-publish-form")).to_be_visible()
    assert_accessible(page)
    xml_page(page, editor)
    anonymous = requests.get(f"{procedure}/@form-schema", headers=JSON, timeout=60)
    assert "niss" not in anonymous.json()["properties"]

    # The preview: every step, live conditions, errors; nothing filed.
    page.locator("#guichet-preview").click()
    page.wait_for_load_state()
    expect(page.locator(".guichet-preview-notice")).to_be_visible()
    assert_accessible(page)
    fill_the_form(page)
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("#guichet-preview-sent")).to_be_visible()
    assert filed_in(procedure) == []

    # Published: citizens fill it from now on.
    open_editor(page, editor)
    page.locator("#guichet-publish-form").click()
    page.wait_for_load_state()
    expect(page.locator("#guichet-publish-form")).to_have_count(0)

    citizen = chromium.new_context(locale="fr-BE").new_page()
    citizen.goto(f"{procedure}/@@submit")
    fill_the_form(citizen)
    citizen.get_by_role("button", name="Envoyer ma demande").click()
    citizen.wait_for_url("**/@@confirmation**")
    citizen.context.close()

    [filed] = filed_in(procedure)
    assert filed["data"]["niss"] == "85073003328"
    assert filed["data"]["works"] is True
    assert filed["data"]["works_detail"] == "Ravalement de la façade"
    assert filed["data"]["request_type"] == "permit"
    assert filed["data"]["plan"]["filename"] == "plan.pdf"


def filed_in(procedure: str) -> list[dict]:
    """What the back office reads of the procedure over REST."""
    answer = requests.get(
        f"{procedure}/@submissions", headers=JSON, auth=BACK_OFFICE, timeout=60
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]
