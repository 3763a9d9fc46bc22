"""address.v1: whole street addresses (the rule file's own examples run in test_rules_examples)."""

from __future__ import annotations

import pytest

from scrubber.config import config_from_dict
from scrubber.detectors.address import AddressDetector, AddressOptions
from scrubber.errors import ConfigError


@pytest.fixture(scope="module")
def detector():
    return AddressDetector()


def _found(det, text):
    return [text[s.start:s.end] for s in det(text)]


@pytest.mark.parametrize("text, expected", [
    # house number + street + suffix + unit
    ("She lives at 742 Evergreen Terrace, Springfield.", "742 Evergreen Terrace, Springfield"),
    ("Ship to 1600 Pennsylvania Ave NW Apt 4B today", "1600 Pennsylvania Ave NW Apt 4B"),
    ("Office: 350 5th Avenue, Suite 3300, New York, NY 10118", "350 5th Avenue, Suite 3300, New York, NY 10118"),
    ("Mail goes to 12 N. Main St. #204 from now on", "12 N. Main St. #204"),
    ("Our new address is 6708 Carpenter Overpass Suite 735, Leblanc.",
     "6708 Carpenter Overpass Suite 735, Leblanc"),
    ("The parcel went to 032 Timothy Stream in Lake Andrewchester.", "032 Timothy Stream"),
    # PO boxes and military mail
    ("Write to P.O. Box 1234, Springfield, IL 62704.", "P.O. Box 1234, Springfield, IL 62704"),
    ("Send it to PO Box 77", "PO Box 77"),
    ("Address: PSC 6695, Box 2353\nAPO AP 20849", "PSC 6695, Box 2353\nAPO AP 20849"),
    # city / state / ZIP lines
    ("Springfield, IL 62704-1234 is the place", "Springfield, IL 62704-1234"),
    ("Austin, Texas 78701", "Austin, Texas 78701"),
    # a full stop after a country, state code or ZIP ends the address (not the next sentence)
    ("1600 Amphitheatre Parkway, Mountain View, CA 94043, USA. SSN 536-22-1456.",
     "1600 Amphitheatre Parkway, Mountain View, CA 94043, USA"),
    ("Go to 12 Main Street, Springfield, IL. Then turn left.", "12 Main Street, Springfield, IL"),
    ("Go to 12 Main Street, St. Louis, MO 63101 today", "12 Main Street, St. Louis, MO 63101"),
    # multi-line addresses
    ("Jane Roe\n742 Evergreen Terrace\nApt 2\nSpringfield, IL 62704\nUSA\n\nThanks!",
     "742 Evergreen Terrace\nApt 2\nSpringfield, IL 62704\nUSA"),
    ("> 935 69 Gordon Terrace\n> Suite 828\n> BASHALL TOWN\n> United Kingdom 89800",
     "935 69 Gordon Terrace\n> Suite 828\n> BASHALL TOWN\n> United Kingdom 89800"),
    ("Meet at 14 Crown Street\n Suite 321\n LONDON\n United Kingdom 75419 after the concert.",
     "14 Crown Street\n Suite 321\n LONDON\n United Kingdom 75419"),
    # UK, DE, FR, CA, AU
    ("10 Downing Street, London SW1A 2AA, United Kingdom", "10 Downing Street, London SW1A 2AA, United Kingdom"),
    ("Flat 5, Lyons Brook, Magdeburg.", "Flat 5, Lyons Brook, Magdeburg"),
    ("Anschrift: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
    ("Wir wohnen in der Berliner Straße 12a, 60311 Frankfurt am Main.",
     "Berliner Straße 12a, 60311 Frankfurt am Main"),
    ("Écrivez au 12, rue de la Paix, 75002 Paris.", "12, rue de la Paix, 75002 Paris"),
    ("Stephen lives at chemin de Pruvost, just around the corner.", "chemin de Pruvost"),
    ("Our office: 290 Bremner Blvd, Toronto, ON M5V 3L9, Canada", "290 Bremner Blvd, Toronto, ON M5V 3L9, Canada"),
    ("Post it to 1 Macquarie Street, Sydney NSW 2000", "1 Macquarie Street, Sydney NSW 2000"),
    # European "Name 12" streets next to a cue or a unit
    ("The address of Persint is 6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677",
     "6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677"),
    ("Tomomi lives at Rua do Arenque 1634", "Rua do Arenque 1634"),
])
def test_address_whole(detector, text, expected):
    assert _found(detector, text) == [expected]


@pytest.mark.parametrize("text", [
    "I have 3 dogs on the way home.",
    "Windows 10 and Python 3 are installed.",
    "Chapter 12 Review questions",
    "We sold 12345 units in 2019.",
    "IBAN GB29 NWBK 6016 1331 9268 19",
    "Boarding gate 12 closes at 9.",
    "Unit 5 passed all the tests.",
    "The Spring 2020 catalogue",
    "Via Twitter, she said hello.",
])
def test_address_negatives(detector, text):
    assert _found(detector, text) == []


def test_address_labels_and_sources(detector):
    spans = detector("Send it to 742 Evergreen Terrace, Springfield, IL 62704.")
    assert [s.label for s in spans] == ["STREET_ADDRESS"]
    assert spans[0].source.startswith("address.")


def test_address_multiline_off():
    det = AddressDetector(AddressOptions(multiline=False))
    text = "742 Evergreen Terrace\nSpringfield, IL 62704"
    assert _found(det, text) == ["742 Evergreen Terrace", "Springfield, IL 62704"]


def test_address_usaddress_extends_a_us_line_without_commas():
    text = "Ship it to 123 Main St Springfield IL 62704 tomorrow"
    with_parser = _found(AddressDetector(AddressOptions(usaddress=True)), text)
    assert with_parser == ["123 Main St Springfield IL 62704"]


@pytest.mark.parametrize("text", ["東京都千代田区1-1", "ул. Тверская, д. 7", "😀 12 😀 Main St", "\ud800 12 Main St", ""])
def test_address_odd_text_does_not_crash(detector, text):
    for s in detector(text):
        assert 0 <= s.start < s.end <= len(text)


def test_address_options_validated():
    with pytest.raises(ConfigError, match="max_lines"):
        config_from_dict({"detectors": [{"type": "address.v1", "max_lines": 99}]})
    with pytest.raises(ConfigError, match="rules"):
        config_from_dict({"detectors": [{"type": "address.v1", "rules": "/no/such/file.yaml"}]})


def test_address_location_inside_address_is_resolved_into_it():
    from scrubber.spans import Span, resolve_overlaps

    text = "She lives at 742 Evergreen Terrace, Springfield, IL 62704."
    addr = AddressDetector()(text)
    city = Span(text.index("Springfield"), text.index("Springfield") + 11, "LOCATION", 0.85)
    assert [s.label for s in resolve_overlaps([*addr, city])] == ["STREET_ADDRESS"]
