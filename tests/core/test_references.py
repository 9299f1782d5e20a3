"""Submission references."""

from imio.guichet.submissions.references import ALPHABET
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.references import normalize_reference

import re


def test_format():
    reference = new_reference()
    assert re.match(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$", reference)
    assert not set(reference.replace("-", "")) & set("ILOU")


def test_prefix():
    assert new_reference("NAM-").startswith("NAM-")


def test_random_enough():
    references = {new_reference() for _ in range(10_000)}
    # 32**8 possibilities: a clash in 10,000 draws would be a broken generator.
    assert len(references) == 10_000
    used = set("".join(references).replace("-", ""))
    assert used == set(ALPHABET)


def test_normalize_forgives_what_people_type():
    assert normalize_reference(" 7k4m 9qxp ") == "7K4M-9QXP"
    assert normalize_reference("7K4M-9QXO") == "7K4M-9QX0"
    assert normalize_reference("IL00-AAAA") == "1100-AAAA"
    assert normalize_reference("nam-7k4m-9qxp") == "NAM-7K4M-9QXP"
    assert normalize_reference("GV2-7K4M-9QXP") == "GV2-7K4M-9QXP"


def test_normalize_refuses_garbage():
    assert normalize_reference("") is None
    assert normalize_reference("7K4M-9QX") is None
    assert normalize_reference("<script>") is None
    assert normalize_reference("7K4M-9QX!") is None
