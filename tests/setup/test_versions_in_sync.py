"""versions.cfg (buildout pins) must match constraints.txt (pip pins).

Plain pytest: no Plone layer.  On failure, run
``python scripts/constraints_to_versions.py`` and commit versions.cfg.
"""

from pathlib import Path
from types import ModuleType

import importlib.util
import pytest


ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "constraints_to_versions.py"


def _load_script() -> ModuleType:
    """Import scripts/constraints_to_versions.py (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("constraints_to_versions", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


def test_versions_cfg_matches_constraints() -> None:
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    expected = script.render_versions(constraints)
    actual = (ROOT / "versions.cfg").read_text(encoding="utf-8")
    assert actual == expected, (
        "versions.cfg is out of date: run python scripts/constraints_to_versions.py"
    )


def test_render_sorts_and_keeps_spelling() -> None:
    text = "# a comment\n\nzope.schema==8.1\nAccessControl==7.5  # why\nbabel==2.19\n"
    rendered = script.render_versions(text)
    assert rendered.startswith("# GENERATED FILE")
    body = rendered.split("[versions]\n", 1)[1]
    assert body == "AccessControl = 7.5\nbabel = 2.19\nzope.schema = 8.1\n"


@pytest.mark.parametrize(
    "line",
    ["foo>=1.0", "foo==1.0; python_version < '3.12'", "-c other.txt", "foo"],
)
def test_rejects_lines_buildout_cannot_express(line: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        script.parse_constraints(line + "\n")


def test_rejects_duplicate_pins() -> None:
    with pytest.raises(ValueError, match="already pinned"):
        script.parse_constraints("Foo_Bar==1\nfoo-bar==2\n")
