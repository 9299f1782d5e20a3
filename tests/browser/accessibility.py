"""axe-core in the page: WCAG 2.1 A and AA violations."""

from fixtures.live_site import AXE


#: The rules of WCAG 2.1 level A and AA (what public-sector sites must meet).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Not checked: Plone's own toolbar, shown to logged-in users, whose
#: collapse/expand links are <a> without href carrying aria-label
#: (aria-prohibited-attr) -- Plone core's markup, not the add-on's.
#: Everything else on the page, Plone's theme included, is checked.
EXCLUDED = [["#edit-bar"]]


def axe_violations(page) -> list[dict]:
    """WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    # Evaluated by the browser's debugger, as the test's own code: a
    # <script> tag would be refused by the guichet's Content-Security-Policy.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "([tags, exclude]) => axe.run({exclude: exclude},"
        " {runOnly: {type: 'tag', values: tags}})",
        [WCAG_TAGS, EXCLUDED],
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(node["target"][0] for node in v["nodes"][:5])
        for v in violations
    )


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"
