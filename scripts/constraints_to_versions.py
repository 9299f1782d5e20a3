"""Generate buildout's ``versions.cfg`` from pip's ``constraints.txt``.

``constraints.txt`` is the single source of the project's pins; buildout
deployments read the same pins from ``versions.cfg``.  Run this script after
every change to ``constraints.txt``::

    python scripts/constraints_to_versions.py           # rewrite versions.cfg
    python scripts/constraints_to_versions.py --check   # exit 1 if out of date

Only plain ``name==version`` lines (plus comments and blank lines) are
accepted: buildout's ``[versions]`` section has no way to express environment
markers, ranges or included files, so such lines are reported as errors.
"""

from pathlib import Path

import argparse
import re
import sys


ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
VERSIONS = ROOT / "versions.cfg"

HEADER = (
    "# GENERATED FILE: do not edit by hand.\n"
    "# Generated from constraints.txt by scripts/constraints_to_versions.py;\n"
    "# change constraints.txt, then run:\n"
    "#     python scripts/constraints_to_versions.py\n"
)

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>\S+)$")


def canonical_name(name: str) -> str:
    """Return the PEP 503 form of a project name (as pip and buildout compare)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_constraints(text: str) -> dict[str, str]:
    """Return ``{name: version}`` for the ``name==version`` pins of ``text``.

    Names keep the spelling of ``constraints.txt``.  Raise ``ValueError`` on a
    line that is not a plain pin, and on a project pinned twice.
    """
    pins: dict[str, str] = {}
    seen: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            msg = f"line {lineno}: not a plain 'name==version' pin: {raw!r}"
            raise ValueError(msg)
        name, version = match["name"], match["version"]
        key = canonical_name(name)
        if key in seen:
            msg = f"line {lineno}: {name} is already pinned as {seen[key]}"
            raise ValueError(msg)
        seen[key] = name
        pins[name] = version
    return pins


def render_versions(constraints_text: str) -> str:
    """Return the text of ``versions.cfg`` for the given ``constraints.txt`` text.

    Pins are sorted by canonical name, one ``name = version`` a line.
    """
    pins = parse_constraints(constraints_text)
    lines = [
        f"{name} = {pins[name]}"
        for name in sorted(pins, key=lambda n: (canonical_name(n), n))
    ]
    return HEADER + "\n[versions]\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, verify) ``versions.cfg``; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constraints", type=Path, default=CONSTRAINTS)
    parser.add_argument("--output", type=Path, default=VERSIONS)
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the output file is not up to date",
    )
    args = parser.parse_args(argv)
    try:
        wanted = render_versions(args.constraints.read_text(encoding="utf-8"))
    except ValueError as exc:
        print(f"{args.constraints}: {exc}", file=sys.stderr)
        return 2
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != wanted:
            print(
                f"{args.output} is out of date: run "
                "python scripts/constraints_to_versions.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != wanted:
        args.output.write_text(wanted, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
