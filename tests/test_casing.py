"""Case restoration before NER (scrubber.detectors.casing) and the person_name validator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.detectors.casing import near_common_word, shouting, truecase
from scrubber.validators import ValidationContext, person_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("salute to sitaram and kunjana", "salute to Sitaram and Kunjana"),
        ("WAS THAT KUNJANA ! ! !", "was that Kunjana ! ! !"),
        ("I am in TROMSØ for a business trip", "I am in Tromsø for a business trip"),
        ("the NASA team met the FBI", "the NASA team met the FBI"),  # short acronyms stay
        ("this is graet , send the vidoe", "this is graet , send the vidoe"),  # typos stay
        ("", ""),
    ],
)
def test_truecase(text, expected):
    assert truecase(text) == expected


def test_near_common_word_catches_one_edit_typos():
    assert near_common_word("great")
    assert near_common_word("graet")  # transposition
    assert near_common_word("therr")  # substitution
    assert near_common_word("upcomming")  # insertion
    assert not near_common_word("kunjana")


def test_shouting():
    assert shouting("BEST OF RANBIR TONIGHT")
    assert not shouting("Best of Ranbir tonight")
    assert not shouting("OK")  # too few letters to tell


@given(st.text(max_size=200))
def test_truecase_keeps_length_and_letters(text):
    out = truecase(text)
    assert len(out) == len(text)
    assert out.lower() == text.lower() or out.casefold() == text.casefold()


@pytest.mark.parametrize(
    ("value", "ok"),
    [("Nayla Montero", True), ("Boyle", True), ("Bill", True), ("The Project", False),
     ("README", False), ("value", False), ("Team", False), ("A B C D E", False), ("Later Smith", False), ("John Later", True), ("Anschrift", False)],
)
def test_person_name_validator(value, ok):
    assert person_name(value, ValidationContext()) is ok
