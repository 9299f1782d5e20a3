"""Submission references: short, phone-friendly, unguessable.

A reference is what a citizen reads to a clerk over the phone, so it uses
Crockford's Base32 alphabet (no I, L, O or U: nothing to confuse with 1, 0
or V) in two groups of four symbols. The symbols come from ``secrets``:
32**8 (about 10**12) possible references make enumerating other citizens'
submissions hopeless at any realistic request rate, and a reference alone
never gives access to a submission's data anyway.

Uniqueness is not decided here: the store keeps a reference -> id BTree and
draws again on a clash; two concurrent transactions drawing the same
reference write the same BTree key, which ZODB refuses as a conflict, and
the retried request draws a new one.
"""

import re
import secrets


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP_SIZE = 4
GROUPS = 2

# Symbols a person may type or hear instead of the canonical ones.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_REFERENCE_BODY = re.compile(rf"^[{ALPHABET}]{{{GROUP_SIZE * GROUPS}}}$")
_TYPED_REFERENCE = re.compile(
    r"^(?P<prefix>[A-Z0-9-]*?)(?P<first>[0-9A-Z]{4})-?(?P<second>[0-9A-Z]{4})$"
)


def new_reference(prefix: str = "") -> str:
    """Draw a new random reference, e.g. ``"7K4M-9QXP"`` (or ``"NAM-7K4M-9QXP"``)."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUP_SIZE * GROUPS))
    groups = [symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE)]
    return prefix + "-".join(groups)


def normalize_reference(text: str) -> str | None:
    """Return the canonical form of a reference typed by a person, or None.

    Case, spaces and the usual confusions (O for 0, I or L for 1) are
    forgiven in the reference itself; any prefix (see the control panel;
    it may have changed since) is kept as typed, in upper case.
    """
    match = _TYPED_REFERENCE.match(re.sub(r"[\s_.]", "", text or "").upper())
    if match is None:
        return None
    body = (match["first"] + match["second"]).translate(_CONFUSABLES)
    if not _REFERENCE_BODY.match(body):
        return None
    return f"{match['prefix']}{body[:GROUP_SIZE]}-{body[GROUP_SIZE:]}"
