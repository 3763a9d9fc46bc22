"""Typed surrogate generators and date parsing/rendering."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import phonenumbers
import pytest

from scrubber.pseudo import dates
from scrubber.pseudo.pools import GENDERS, name_pools
from scrubber.pseudo.samplers import KeyedStream
from scrubber.pseudo.surrogates import (
    CreditCard,
    Email,
    GivenName,
    Iban,
    IpAddress,
    MacAddress,
    Phone,
    Secret,
    Surname,
    UsSsn,
    card_brand,
    fill_slots,
    luhn_check_digit,
    match_case,
    random_like,
)
from scrubber.validators import ValidationContext, iban_mod97, luhn_ok

KEY = b"surrogates-test-key-0123456789abcdef"


def streams(tag: str, n: int = 30):
    return (KeyedStream.from_key(KEY, tag, str(i)) for i in range(n))


def generate(kind, value: str, tag: str, n: int = 30) -> list[str]:
    attrs = {a.name: kind.read_attributes(value).get(a.name) or a.default or a.values[0] for a in kind.attributes}
    return [kind.generate(s, attrs, value) for s in streams(tag, n)]


def skeleton(s: str) -> str:
    return re.sub(r"[0-9A-Za-z]", "x", s)


@pytest.mark.parametrize(
    "template, word, expected",
    [("SMITH", "Jones", "JONES"), ("smith", "Jones", "jones"), ("Smith", "Jones", "Jones"),
     ("Smith", "McDonald", "McDonald"), ("O'Brien", "jones", "Jones"), ("X", "Jones", "Jones")],
)
def test_surrogates_match_case(template, word, expected):
    assert match_case(template, word) == expected


def test_surrogates_fill_slots_and_random_like_keep_the_format():
    assert fill_slots("(212) 555-{0123}", "9876543210") == "(987) 654-{3210}"
    out = random_like(KeyedStream(b"k" * 32), "Ab-12 cD_e")
    assert skeleton(out) == skeleton("Ab-12 cD_e")
    assert out[0].isupper() and out[1].islower() and out[3:5].isdigit()


@pytest.mark.parametrize(
    "card, brand",
    [("4111 1111 1111 1111", "visa"), ("5555-5555-5555-4444", "mastercard"), ("2223003122003222", "mastercard"),
     ("3782 822463 10005", "amex"), ("6011 0009 9013 9424", "discover"), ("3530111333300000", "jcb"),
     ("3056 9309 0259 04", "diners"), ("6200000000000005", "unionpay"), ("4222222222222", "visa")],
)
def test_surrogates_credit_card_same_brand_length_format_and_luhn(card, brand):
    assert card_brand(re.sub(r"\D", "", card)) == brand
    for out in generate(CreditCard(), card, card):
        digits = re.sub(r"\D", "", out)
        assert skeleton(out) == skeleton(card)
        assert luhn_ok(digits) and card_brand(digits) == brand
        assert digits != re.sub(r"\D", "", card)


def test_surrogates_luhn_check_digit():
    assert luhn_check_digit("411111111111111") == "1"
    assert luhn_check_digit("7992739871") == "3"


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "FR14 2004 1010 0505 0001 3M02 606",
                                  "NL91 ABNA 0417 1643 00", "gb29 nwbk 6016 1331 9268 19"])
def test_surrogates_iban_same_country_length_format_valid_checksum(iban):
    for out in generate(Iban(), iban, iban):
        assert out[:2].upper() == iban[:2].upper()
        assert skeleton(out) == skeleton(iban)
        assert iban_mod97(out, ValidationContext())
        assert out.replace(" ", "").upper() != iban.replace(" ", "").upper()


def test_surrogates_iban_canonical_for_dp():
    kind = Iban()
    for country in ("DE", "GB", "NL", "IT"):
        for s in streams("iban-canon" + country, 5):
            out = kind.generate(s, {"country": country}, None)
            assert out.startswith(country) and iban_mod97(out, ValidationContext())


@pytest.mark.parametrize("ip", ["10.1.2.3", "8.8.8.8", "192.0.2.1"])
def test_surrogates_ipv4_from_documentation_ranges(ip):
    nets = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    for out in generate(IpAddress(), ip, ip):
        addr = ipaddress.ip_address(out)
        assert any(addr in n for n in nets) and out != ip
        assert not out.endswith((".0", ".255"))


@pytest.mark.parametrize("ip", ["fe80::1:2", "2001:0DB8:0000:0000:0000:0000:0000:0001", "[2606:4700::1111]"])
def test_surrogates_ipv6_in_2001_db8(ip):
    for out in generate(IpAddress(), ip, ip):
        inner = out.strip("[]")
        assert ipaddress.ip_address(inner) in ipaddress.ip_network("2001:db8::/32")
        assert out.startswith("[") == ip.startswith("[")
        if ip.startswith("2001:0DB8"):
            assert inner.isupper() or not any(c.isalpha() for c in inner.replace("DB", ""))
            assert len(inner.split(":")) == 8


@pytest.mark.parametrize(
    "phone, pattern",
    [("(212) 555-0123", r"^\(\d{3}\) 555-01\d\d$"), ("+1 212 555 0199", r"^\+1 \d{3} 555 01\d\d$"),
     ("212.867.5309", r"^\d{3}\.555\.01\d\d$"), ("555-1234", r"^555-01\d\d$"),
     ("+44 20 7946 0958", r"^\+44 \d\d \d{4} \d{4}$"), ("07911 123456", r"^07700 900\d{3}$"),
     ("(02) 9374 4000", r"^\(0\d\) \d{4} \d{4}$"), ("0412 345 678", r"^0491 57\d \d{3}$")],
)
def test_surrogates_phone_fictional_range_same_format(phone, pattern):
    kind = Phone("US")
    for out in generate(kind, phone, phone):
        assert re.match(pattern, out), out
        assert kind.normalize(out) != kind.normalize(phone)


def test_surrogates_phone_uk_and_au_from_published_drama_ranges():
    kind = Phone("US")
    for out in generate(kind, "+44 20 7946 0958", "gb", 60):
        nsn = re.sub(r"\D", "", out)[2:]
        assert nsn.startswith(("2079460", "1134960", "1144960", "1154960", "1164960", "1174960", "1184960",
                               "1214960", "1314960", "1414960", "1514960", "1614960", "2896496", "2920180",
                               "1632960", "8081570", "9098790", "3069990")), out
    for out in generate(kind, "+61 2 9374 4000", "au", 60):
        nsn = re.sub(r"\D", "", out)[2:]
        assert nsn[:5] in ("25550", "37010", "75550", "87010"), out


def test_surrogates_phone_other_country_keeps_code_length_and_is_unassigned():
    kind = Phone("US")
    original = "+49 30 901820"
    for out in generate(kind, original, "de"):
        assert out.startswith("+49 ") and skeleton(out) == skeleton(original)
        assert not phonenumbers.is_valid_number(phonenumbers.parse(out))


def test_surrogates_phone_canonical_for_dp():
    kind = Phone("US")
    for country, pattern in (("US", r"^\(\d{3}\) 555-01\d\d$"), ("GB", r"^0\d"), ("AU", r"^(\(0\d\)|0491)")):
        for s in streams("canon" + country, 10):
            assert re.match(pattern, kind.generate(s, {"country": country}, None))


@pytest.mark.parametrize("email", ["john.smith@acme.com", "J_Doe99@mail.example.org", "x@y.net", "INFO@ACME.DE"])
def test_surrogates_email_at_reserved_domains(email):
    for out in generate(Email(), email, email):
        local, _, domain = out.rpartition("@")
        tld = email.rsplit(".", 1)[1].lower()
        assert domain.lower() == (f"example.{tld}" if tld in ("org", "net") else "example.com")
        assert skeleton(local).replace("x", "") == skeleton(email.rpartition("@")[0]).replace("x", "")
        if email.isupper():
            assert out.isupper()


def test_surrogates_ssn_never_issued_ranges():
    for out in generate(UsSsn(), "123-45-6789", "ssn"):
        area, group, serial = out.split("-")
        assert 900 <= int(area) <= 999 and 1 <= int(group) <= 49 and int(serial) >= 1


def test_surrogates_mac_locally_administered_unicast_same_format():
    for mac in ("00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e"):
        for out in generate(MacAddress(), mac, mac):
            first = int(re.sub(r"[^0-9A-Fa-f]", "", out)[:2], 16)
            assert first & 0b10 and not first & 0b01
            assert skeleton(out) == skeleton(mac)


def test_surrogates_secret_keeps_known_prefix_and_classes():
    token = "ghp_" + "aB3" * 12
    for out in generate(Secret(), token, "secret"):
        assert out.startswith("ghp_") and skeleton(out) == skeleton(token) and out != token


def test_surrogates_names_keep_culture_and_gender():
    pools = name_pools()
    given = GivenName("en_US")
    assert given.read_attributes("Hans") == {"culture": "de_DE", "gender": "male"}
    for out in generate(given, "Hans", "hans"):
        assert pools.given_bucket(out) == ("de_DE", "male") or out in pools.given[("de_DE", "male")]
    assert Surname("en_US").read_attributes("Müller") == {"culture": "de_DE"}
    for culture in pools.cultures:
        for gender in GENDERS:
            assert len(pools.given[(culture, gender)]) >= 80
        assert len(pools.surnames[culture]) >= 300


def test_surrogates_pool_files_are_small():
    from scrubber.pseudo.pools import DATA

    assert sum(p.stat().st_size for p in DATA.glob("*.json")) < 1_000_000
    assert (DATA / "README.md").is_file() and (DATA / "LICENSE-faker.txt").is_file()


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, date, precision, shifted",
    [
        ("2023-10-12", dt.date(2023, 10, 12), "day", "2023-11-26"),
        ("2023/1/5", dt.date(2023, 1, 5), "day", "2023/2/19"),
        ("10/12/2023", dt.date(2023, 10, 12), "day", "11/26/2023"),
        ("25/12/2023", dt.date(2023, 12, 25), "day", "08/02/2024"),
        ("12.10.2023", dt.date(2023, 10, 12), "day", "26.11.2023"),
        ("3/4/23", dt.date(2023, 3, 4), "day", "4/18/23"),
        ("12 October 2023", dt.date(2023, 10, 12), "day", "26 November 2023"),
        ("12th of Oct. 2023", dt.date(2023, 10, 12), "day", "26th of Nov. 2023"),
        ("October 12, 2023", dt.date(2023, 10, 12), "day", "November 26, 2023"),
        ("Oct 1st, 2023", dt.date(2023, 10, 1), "day", "Nov 15th, 2023"),
        ("Thursday, October 12, 2023", dt.date(2023, 10, 12), "day", "Sunday, November 26, 2023"),
        ("SEPT 3, 2021", dt.date(2021, 9, 3), "day", "OCT 18, 2021"),
        ("October 2023", dt.date(2023, 10, 1), "month", "November 2023"),
        ("12 October", dt.date(2000, 10, 12), "daymonth", "26 November"),
        ("2023-10-12T10:30:00Z", dt.date(2023, 10, 12), "day", "2023-11-26T10:30:00Z"),
        ("12 October 2023 at 10am", dt.date(2023, 10, 12), "day", "26 November 2023 at 10am"),
    ],
)
def test_surrogates_dates_parse_and_render_in_the_same_format(text, date, precision, shifted):
    parsed = dates.parse_date(text)
    assert parsed is not None and parsed.date == date and parsed.precision == precision
    assert dates.shift(parsed, 45) == shifted
    assert dates.shift(parsed, 0) == text


@pytest.mark.parametrize("text", ["yesterday", "14:30", "next Monday", "13/13/2023", "2023-02-30", "Q3 2023"])
def test_surrogates_dates_unparseable(text):
    assert dates.parse_date(text) is None


def test_surrogates_dates_order_from_document():
    assert dates.detect_order("born 25/12/1990, moved 03/04/2001") == "dmy"
    assert dates.detect_order("born 12/25/1990, moved 03/04/2001") == "mdy"
    assert dates.parse_date("03/04/2001", "dmy").date == dt.date(2001, 4, 3)
    assert dates.parse_date("03/04/2001", lambda: "dmy").date == dt.date(2001, 4, 3)
    assert dates.parse_date("03/04/2001").date == dt.date(2001, 3, 4)


def test_surrogates_dates_unit_shift_always_changes_coarse_dates():
    for text in ("October 2023", "1987"):
        parsed = dates.parse_date(text)
        for days in (1, -1, 29, -400):
            assert dates.shift(parsed, days, unit_shift=True) != text
