"""Typed surrogate generators: realistic, fictional values of the same type as the original.

Each *kind* knows how to ``normalize`` a value (what counts as "the same entity"), which
*attributes* it has (a name's culture and gender, a phone number's country, a card's brand, an
IBAN's country, an IP's family), how to read them from an original, and how to ``generate`` a
surrogate from a keyed stream, a choice of attribute values and, optionally, the original as a
*template* whose format (separators, grouping, case, length) is kept. With ``template=None`` the
surrogate is rendered in a canonical format, so that it depends on nothing but the stream and
the attributes: that is how the ``dp`` operator uses them.

Fictional ranges used, with their sources:

- Phone numbers. NANP (+1): ``NXX-555-0100`` to ``NXX-555-0199`` are reserved for fictional use
  (North American Numbering Plan Administrator). UK: Ofcom's drama numbers, e.g. 020 7946 0000-0999,
  0113/0114/.../0161 496 0000-0999, 028 9649 6000-6999, 029 2018 0000-0999, 01632 960000-960999,
  07700 900000-900999, 08081 570000-570999, 0909 8790000-8790999, 03069 990000-990999.
  Australia: ACMA's numbers for drama, (02) 5550 xxxx, (03) 7010 xxxx, (07) 5550 xxxx,
  (08) 7010 xxxx and the listed 0491 57x xxx mobiles. Other countries: a number with the same
  country code, length and first digit, under a prefix where libphonenumber knows no valid
  number, checked to be not valid (unassigned); if 8 draws fail, the last is used (then not
  guaranteed unassigned).
- E-mail: the reserved second-level domains example.com / example.org / example.net (RFC 2606).
- IP: the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737) and
  2001:db8::/32 (RFC 3849); network and broadcast addresses are avoided.
- Cards: Luhn-valid numbers of the same brand and length under the prefixes of the networks'
  published test numbers (4111 11.., 4242 42.., 5555 55.., 3782 82.., 6011 11.., 3530 11.., ...);
  the remaining digits are random, so a surrogate is not guaranteed to be unissued.
- IBAN: the same country and length, random BBAN of the same character classes, valid ISO 7064
  mod-97 check digits (national check digits inside the BBAN are not computed).
- US SSN: area 900-999 with group 01-49, never issued as an SSN (area 9xx) nor an ITIN
  (ITIN groups are 50-65, 70-88, 90-92, 94-99).
- MAC: a locally administered unicast address (first octet ``xxxxxx10``).
- Names and places: the shipped pools (``data/README.md``); cities are built from parts as
  ``{prefix} {name}{suffix}``, so they are fictional by construction.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..validators import IBAN_LENGTHS
from .pools import GENDERS, TITLE_FOR_GENDER, name_pools, place_pools
from .samplers import KeyedStream

Attrs = Mapping[str, str]
NameMap = Callable[[str], "str | None"]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_DIGITS = "0123456789"


@dataclass(frozen=True)
class Attribute:
    """An attribute of a value: its possible ``values`` (the buckets for randomized response)
    and the ``default`` used when it is not preserved or not known (``None``: uniform)."""

    name: str
    values: tuple[str, ...]
    default: str | None = None


# -- small format helpers ---------------------------------------------------------------------


def match_case(template: str, word: str) -> str:
    """``word`` in the case of ``template``: "SMITH" -> "JONES", "smith" -> "jones"; a title-case
    or mixed-case template keeps the pool's spelling ("McDonald") with a capital first letter."""
    if template.isupper() and sum(1 for c in template if c.isalpha()) > 1:
        return word.upper()
    if template.islower():
        return word.lower()
    first = next((c for c in template if c.isalpha()), "")
    if first.isupper() and not word[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


_SLOT_PATTERNS: dict[str, re.Pattern[str]] = {
    "digit": re.compile(r"[0-9]"), "alnum": re.compile(r"[0-9A-Za-z]"), "hex": re.compile(r"[0-9A-Fa-f]"),
}


@lru_cache(maxsize=8192)
def _slot_format(template: str, slots: str) -> str:
    return _SLOT_PATTERNS[slots].sub("{}", template.replace("{", "{{").replace("}", "}}"))


def fill_slots(template: str, chars: str, slots: str = "digit") -> str:
    """Put ``chars`` into the ``slots`` positions (``digit``, ``alnum``, ``hex``: ASCII) of
    ``template``, in order; the other characters are kept."""
    fmt = _slot_format(template, slots)
    n = fmt.count("{}")
    if len(chars) < n:
        chars = chars + "0" * (n - len(chars))
    return fmt.format(*chars[:n])


_CLASS = re.compile(r"(\d+)|([^\W\d_]+)|([\W_]+)")


def random_like(stream: KeyedStream, template: str) -> str:
    """Format-preserving random string: digits -> digits, letters -> ASCII letters of the same
    case, everything else kept."""
    out: list[str] = []
    for digits, letters, other in _CLASS.findall(template):
        if digits:
            out.append(stream.digits(len(digits)))
        elif letters:
            drawn = stream.letters(len(letters), _LOWER)
            if letters.isupper():
                drawn = drawn.upper()
            elif not letters.islower():
                drawn = "".join(d.upper() if c.isupper() else d for c, d in zip(letters, drawn))
            out.append(drawn)
        else:
            out.append(other)
    return "".join(out)


def basic_normalize(text: str) -> str:
    """NFKC, case-folded, inner whitespace collapsed, outer punctuation stripped."""
    t = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(t.split()).strip(" .,;:!?\"'()[]{}<>")


_NON_ALNUM = re.compile(r"[\W_]+")
_NON_DIGIT = re.compile(r"[^0-9]+")


def alnum_normalize(text: str) -> str:
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text)).casefold()


def digits_of(text: str) -> str:
    return _NON_DIGIT.sub("", text)


def luhn_check_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = ord(ch) - 48
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    number = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(number) % 97:02d}"


# -- kinds ------------------------------------------------------------------------------------


class Kind:
    """How to normalize, read attributes of, and generate surrogates for one kind of value."""

    name = "generic"
    # Kinds in one group must not give two different originals the same surrogate (given
    # names and surnames share the group "name": "Kelly" stays one person's word).
    group = ""
    attributes: tuple[Attribute, ...] = ()

    def normalize(self, text: str) -> str:
        return basic_normalize(text)

    def read_attributes(self, text: str) -> dict[str, str]:
        """Attribute values of the original that are known (missing keys: unknown)."""
        return {}

    # generate(stream, attrs, template, name_map, attempt): ``attempt`` > 0 when earlier draws
    # collided with another entity's surrogate or with the original; kinds whose draw is
    # deterministic in part (e-mails built from mapped names) use it to vary the result.

    def normalize_generated(self, text: str) -> str:
        """``normalize`` of a surrogate this kind just generated (may use a faster path)."""
        return self.normalize(text)

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        return random_like(stream, template if template is not None else "xxxxxxxx")


class GivenName(Kind):
    name = "given"
    group = "name"

    def __init__(self, default_culture: str) -> None:
        p = name_pools()
        self.attributes = (Attribute("culture", p.cultures, default_culture), Attribute("gender", GENDERS))

    def read_attributes(self, text: str) -> dict[str, str]:
        hit = name_pools().given_bucket(text.strip(".'"))
        return {"culture": hit[0], "gender": hit[1]} if hit else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        pool = name_pools().given[(attrs["culture"], attrs["gender"])]
        name = stream.choice(pool)
        return match_case(template, name) if template else name


class Surname(Kind):
    name = "surname"
    group = "name"

    def __init__(self, default_culture: str) -> None:
        self.attributes = (Attribute("culture", name_pools().cultures, default_culture),)

    def read_attributes(self, text: str) -> dict[str, str]:
        c = name_pools().surname_culture(text.strip(".'"))
        return {"culture": c} if c else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        name = stream.choice(name_pools().surnames[attrs["culture"]])
        return match_case(template, name) if template else name


class Initial(Kind):
    name = "initial"

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        letter = stream.choice(name_pools().initials)
        if template is None:
            return letter + "."
        return match_case(template, letter) + ("." if template.endswith(".") else "")


class Title(Kind):
    """A gendered title ("Mr.", "Mrs."); rendered for the released gender (dp mode)."""

    name = "title"
    attributes = (Attribute("gender", GENDERS),)

    def read_attributes(self, text: str) -> dict[str, str]:
        from .pools import TITLES

        g = TITLES.get(text.strip(".").casefold())
        return {"gender": g} if g else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        title = TITLE_FOR_GENDER[attrs["gender"]]
        if template is not None and not template.endswith("."):
            title = title.rstrip(".")
        return match_case(template, title) if template else title


# -- phone numbers ----------------------------------------------------------------------------

# National significant numbers: (fixed prefix, number of free digits).
_FICTIONAL_GB_MOBILE = (("7700900", 3),)
_FICTIONAL_GB_OTHER = (
    ("2079460", 3), ("1134960", 3), ("1144960", 3), ("1154960", 3), ("1164960", 3), ("1174960", 3),
    ("1184960", 3), ("1214960", 3), ("1314960", 3), ("1414960", 3), ("1514960", 3), ("1614960", 3),
    ("2896496", 3), ("2920180", 3), ("1632960", 3), ("8081570", 3), ("9098790", 3), ("3069990", 3),
)
_FICTIONAL_AU_LANDLINE = (("25550", 4), ("37010", 4), ("75550", 4), ("87010", 4))
_FICTIONAL_AU_MOBILE = tuple((n, 0) for n in (
    "491570006", "491570156", "491570157", "491570158", "491570159", "491570110", "491570313",
    "491570737", "491571266", "491571491", "491571804", "491572549", "491572665", "491572983",
    "491573770", "491573087", "491574118", "491574632", "491575254", "491575789", "491576398",
    "491576801", "491577426", "491577644", "491578957", "491578148", "491578888", "491579212",
    "491579760", "491579455",
))
PHONE_COUNTRIES: tuple[str, ...] = ("US", "GB", "AU")  # countries with published fictional ranges
_CALLING_CODE = {"US": "1", "GB": "44", "AU": "61"}


# Regions tried, after the configured default, for a number written without its country code
# (the regex detector's default phone regions).
PHONE_FALLBACK_REGIONS: tuple[str, ...] = ("US", "GB", "AU", "CA", "DE", "FR", "IN")


@lru_cache(maxsize=4096)
def _parse_phone(text: str, region: str) -> tuple[str, str, str] | None:
    """(region, country calling code, national significant number) or None.

    A national-format number with a trunk prefix 0 that is not valid in ``region`` is tried in
    the fallback regions ("07911 123456" is British), as the detector's phone validator does."""
    import phonenumbers

    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    digits = digits_of(text)
    if digits.startswith("0") and not digits.startswith("00") and not phonenumbers.is_valid_number(n):
        for other in PHONE_FALLBACK_REGIONS:
            if other == region:
                continue
            try:
                m = phonenumbers.parse(text, other)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(m):
                n = m
                break
    cc = str(n.country_code)
    # The main region of the calling code is enough here: all of +1 counts as "US" (NANP), and
    # +44 as GB (whose fictional ranges serve GG, IM and JE too).
    reg = "US" if cc == "1" else phonenumbers.region_code_for_country_code(int(cc))
    return reg, cc, phonenumbers.national_significant_number(n)


def _nanp_nsn(stream: KeyedStream) -> str:
    # Area code NXX: N in 2-9, not N11, not the 555 directory code; then 555-01XX.
    while True:
        npa = f"{stream.randint(2, 9)}{stream.randbelow(9)}{stream.randbelow(10)}"
        if npa[1:] != "11" and npa != "555":
            return npa + "55501" + stream.digits(2)


def _from_ranges(stream: KeyedStream, ranges: tuple[tuple[str, int], ...]) -> str:
    prefix, free = stream.choice(ranges)
    return prefix + stream.digits(free)


def fictional_nsn(stream: KeyedStream, country: str, original_nsn: str | None) -> str | None:
    """A fictional national significant number for ``country`` (same type as the original's
    when known: mobile or not), or None when the country has no published fictional range."""
    if country == "US":
        return _nanp_nsn(stream)
    if country == "GB":
        mobile = original_nsn.startswith("7") if original_nsn else stream.randbelow(2) == 0
        return _from_ranges(stream, _FICTIONAL_GB_MOBILE if mobile else _FICTIONAL_GB_OTHER)
    if country == "AU":
        mobile = original_nsn.startswith("4") if original_nsn else stream.randbelow(2) == 0
        return _from_ranges(stream, _FICTIONAL_AU_MOBILE if mobile else _FICTIONAL_AU_LANDLINE)
    return None


def _is_valid_phone(cc: str, nsn: str) -> bool:
    import phonenumbers

    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(f"+{cc}{nsn}")))
    except phonenumbers.NumberParseException:
        return False


@lru_cache(maxsize=1024)
def _unassigned_prefix(cc: str, length: int, first: str) -> str:
    """A 3-digit prefix (starting with ``first``) under which libphonenumber knows no valid
    number of this length: found once per process, deterministically (the first of 00..99 whose
    fixed probe completions are all invalid), so surrogates rarely need a second draw."""
    rest = length - 3
    probes = [d * rest for d in "0159"] + ["0123456789"[:rest].ljust(rest, "0"), "9876543210"[:rest].ljust(rest, "9")]
    for i in range(100):
        prefix = f"{first}{i:02d}"
        if not any(_is_valid_phone(cc, prefix + probe) for probe in probes):
            return prefix
    return first


def _unassigned_nsn(stream: KeyedStream, cc: str, nsn: str) -> str:
    if len(nsn) < 5:
        return nsn[0] + stream.digits(len(nsn) - 1)
    prefix = _unassigned_prefix(cc, len(nsn), nsn[0])
    candidate = nsn
    for _ in range(8):
        candidate = prefix + stream.digits(len(nsn) - len(prefix))
        if not _is_valid_phone(cc, candidate):
            return candidate
    return candidate


def _canonical_phone(country: str, nsn: str) -> str:
    if country == "US":
        return f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}"
    if country == "GB":
        if nsn.startswith(("2", "3")) and not nsn.startswith("30"):
            return f"0{nsn[:2]} {nsn[2:6]} {nsn[6:]}"
        if nsn.startswith("30"):
            return f"0{nsn[:4]} {nsn[4:]}"
        return f"0{nsn[:4]} {nsn[4:]}" if nsn.startswith(("7", "16", "8", "9")) else f"0{nsn[:3]} {nsn[3:6]} {nsn[6:]}"
    if country == "AU":
        return f"0{nsn[:3]} {nsn[3:6]} {nsn[6:]}" if nsn.startswith("4") else f"(0{nsn[0]}) {nsn[1:5]} {nsn[5:]}"
    return nsn


class Phone(Kind):
    """Keeps the country (calling code and trunk prefix) and the written format; the national
    number comes from the country's fictional range."""

    name = "phone"

    def __init__(self, default_region: str = "US") -> None:
        self.default_region = default_region
        self.attributes = (Attribute("country", PHONE_COUNTRIES, "US"),)

    def normalize(self, text: str) -> str:
        parsed = _parse_phone(text, self.default_region)
        if parsed is None:
            return digits_of(text)
        return f"+{parsed[1]}{parsed[2]}"

    def read_attributes(self, text: str) -> dict[str, str]:
        parsed = _parse_phone(text, self.default_region)
        return {"country": parsed[0]} if parsed else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        country = attrs["country"]
        if template is None:
            country = country if country in _CALLING_CODE else "US"
            nsn = fictional_nsn(stream, country, None) or _nanp_nsn(stream)
            return _canonical_phone(country, nsn)
        parsed = _parse_phone(template, self.default_region)
        digits = digits_of(template)
        if parsed is None or not digits.endswith(parsed[2]):
            return random_like(stream, template)
        _, cc, nsn = parsed
        if country == "US" and len(nsn) == 7:  # a local number: 555-01XX
            new: str | None = "55501" + stream.digits(2)
        else:
            new = fictional_nsn(stream, country, nsn)
        if new is None or len(new) != len(nsn):
            new = _unassigned_nsn(stream, cc, nsn)
        return fill_slots(template, digits[: len(digits) - len(nsn)] + new, "digit")


# -- cards, IBANs, SSNs, MACs, IPs ------------------------------------------------------------

CARD_BRANDS: tuple[str, ...] = ("visa", "mastercard", "amex", "discover", "jcb", "diners", "unionpay")
_CARD_TEST_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "visa": ("411111", "424242", "401288", "400005"),
    "mastercard": ("555555", "510510", "222300"),
    "amex": ("378282", "371449"),
    "discover": ("601111", "601100"),
    "jcb": ("353011", "356600"),
    "diners": ("305693", "385200"),
    "unionpay": ("620000",),
}
_CARD_CANONICAL: Mapping[str, tuple[int, ...]] = {
    "amex": (4, 6, 5), "diners": (4, 6, 4),
}


def card_brand(digits: str) -> str | None:
    d2, d3, d4 = int(digits[:2] or 0), int(digits[:3] or 0), int(digits[:4] or 0)
    if d2 in (34, 37):
        return "amex"
    if digits.startswith("4"):
        return "visa"
    if 51 <= d2 <= 55 or 2221 <= d4 <= 2720:
        return "mastercard"
    if d4 == 6011 or 644 <= d3 <= 649 or d2 == 65:
        return "discover"
    if 3528 <= d4 <= 3589:
        return "jcb"
    if 300 <= d3 <= 305 or d2 in (36, 38, 39):
        return "diners"
    if d2 == 62:
        return "unionpay"
    return None


class CreditCard(Kind):
    name = "card"
    attributes = (Attribute("brand", CARD_BRANDS, "visa"),)

    def normalize(self, text: str) -> str:
        return digits_of(text)

    def read_attributes(self, text: str) -> dict[str, str]:
        brand = card_brand(self.normalize(text))
        return {"brand": brand} if brand else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        brand = attrs["brand"]
        groups = _CARD_CANONICAL.get(brand, (4, 4, 4, 4))
        length = sum(groups) if template is None else len(digits_of(template))
        prefix = stream.choice(_CARD_TEST_PREFIXES[brand])[: max(1, length - 7)]
        payload = prefix + stream.digits(length - len(prefix) - 1)
        number = payload + luhn_check_digit(payload)
        if template is None:
            parts, pos = [], 0
            for g in groups:
                parts.append(number[pos: pos + g])
                pos += g
            return " ".join(parts)
        return fill_slots(template, number, "digit")


# BBAN layouts for the IBAN countries offered in canonical (dp) form: n digits, a letters.
IBAN_LAYOUTS: Mapping[str, str] = {
    "DE": "n18", "FR": "n23", "GB": "a4n14", "ES": "n20", "IT": "a1n22", "NL": "a4n10",
    "BE": "n12", "CH": "n17", "AT": "n16", "IE": "a4n14", "PL": "n24", "PT": "n21",
    "SE": "n20", "DK": "n14", "FI": "n14", "NO": "n11", "LU": "n16",
}
IBAN_COUNTRIES: tuple[str, ...] = tuple(IBAN_LAYOUTS)


class Iban(Kind):
    name = "iban"
    attributes = (Attribute("country", IBAN_COUNTRIES, "DE"),)

    def normalize(self, text: str) -> str:
        return alnum_normalize(text).upper()

    def read_attributes(self, text: str) -> dict[str, str]:
        cc = self.normalize(text)[:2]
        return {"country": cc} if cc in IBAN_LENGTHS else {}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        country = attrs["country"]
        compact = self.normalize(template) if template is not None else ""
        if template is not None and compact[:2] == country and len(compact) > 4:
            bban = random_like(stream, compact[4:]).upper()
        else:
            layout = IBAN_LAYOUTS.get(country, "n16")
            bban = ""
            for kind, count in re.findall(r"([an])(\d+)", layout):
                for _ in range(int(count)):
                    bban += _DIGITS[stream.randbelow(10)] if kind == "n" else _UPPER[stream.randbelow(26)]
        iban = country + iban_check_digits(country, bban) + bban
        if template is not None and compact[:2] == country and len(compact) == len(iban):
            out = fill_slots(template, iban, "alnum")
            return "".join(o.lower() if t.islower() else o for o, t in zip(out, template))
        return " ".join(iban[i: i + 4] for i in range(0, len(iban), 4))


class UsSsn(Kind):
    name = "ssn"

    def normalize(self, text: str) -> str:
        return digits_of(text)

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        number = f"{stream.randint(900, 999)}{stream.randint(1, 49):02d}{stream.randint(1, 9999):04d}"
        if template is None or len(digits_of(template)) != 9:
            return f"{number[:3]}-{number[3:5]}-{number[5:]}" if template is None else random_like(stream, template)
        return fill_slots(template, number, "digit")


_HEX = "0123456789abcdef"
_NON_HEX = re.compile(r"[^0-9a-f]+")


class MacAddress(Kind):
    name = "mac"

    def normalize(self, text: str) -> str:
        return _NON_HEX.sub("", text.lower())

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        bits = stream.getrandbits(48)
        hexes = f"{(bits & ~(0x03 << 40)) | (0x02 << 40):012x}"  # locally administered, unicast
        if template is None:
            return ":".join(hexes[i: i + 2] for i in range(0, 12, 2))
        if len(self.normalize(template)) != 12:
            return random_like(stream, template)
        upper = any(c.isupper() for c in template)
        return fill_slots(template, hexes.upper() if upper else hexes, "hex")


_V4_NETS = (0xC0000200, 0xC6336400, 0xCB007100)  # 192.0.2.0, 198.51.100.0, 203.0.113.0
_V4_POOL: tuple[str, ...] = tuple(
    f"{net >> 24}.{(net >> 16) & 255}.{(net >> 8) & 255}.{host}" for net in _V4_NETS for host in range(1, 255)
)
IP_FAMILIES: tuple[str, ...] = ("4", "6")


@lru_cache(maxsize=4096)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


class IpAddress(Kind):
    name = "ip"
    attributes = (Attribute("family", IP_FAMILIES, "4"),)

    def normalize(self, text: str) -> str:
        ip = _parse_ip(text)
        return basic_normalize(text) if ip is None else str(ip)

    def normalize_generated(self, text: str) -> str:
        return text.strip("[]").lower() if "::" in text or text.count(":") != 7 else self.normalize(text)

    def read_attributes(self, text: str) -> dict[str, str]:
        ip = _parse_ip(text)
        return {} if ip is None else {"family": str(ip.version)}

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        if attrs["family"] == "4":
            out = stream.choice(_V4_POOL)
        else:
            addr = ipaddress.IPv6Address((0x20010DB8 << 96) | stream.getrandbits(96))
            out = addr.compressed
            inner = template.strip("[]") if template is not None else ""
            if inner and "::" not in inner and inner.count(":") == 7:
                groups = addr.exploded.split(":")
                padded = all(len(g) == 4 for g in inner.split(":"))
                out = ":".join(g if padded else (g.lstrip("0") or "0") for g in groups)
            if inner and any(c.isupper() for c in inner):
                out = out.upper()
        if template is not None and template.startswith("[") and template.endswith("]"):
            out = f"[{out}]"
        return out


# -- e-mail, URL, places, addresses, secrets --------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+|\d+|[\W_]+")


def _reserved_domain(host: str) -> str:
    tld = host.rsplit(".", 1)[-1].casefold() if "." in host else "com"
    return f"example.{tld if tld in ('org', 'net') else 'com'}"


def _word_like(stream: KeyedStream, token: str, name_map: NameMap | None) -> str:
    """A surrogate for one word inside an e-mail / URL / address: the person-name surrogate
    when the word is a known name, a pool surname for longer words, random letters else."""
    if name_map is not None:
        mapped = name_map(token)
        if mapped is not None:
            return mapped
    if len(token) >= 3:
        pools = name_pools()
        return match_case(token, stream.choice(pools.surnames[pools.cultures[0]]))
    return random_like(stream, token)


def _rewrite_tokens(stream: KeyedStream, text: str, name_map: NameMap | None) -> str:
    out = []
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit():
            out.append(stream.digits(len(tok)))
        elif tok[0].isalpha():
            out.append(_word_like(stream, tok, name_map))
        else:
            out.append(tok)
    return "".join(out)


class Email(Kind):
    name = "email"

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        if template is None or "@" not in template:
            p = name_pools()
            culture = p.cultures[0]
            given = stream.choice(p.given[(culture, stream.choice(GENDERS))])
            return f"{given}.{stream.choice(p.surnames[culture])}@example.com".lower()
        local, _, host = template.rpartition("@")
        new_local = _rewrite_tokens(stream, local, name_map)
        if attempt:  # the name-derived local part is taken by another address: number it
            new_local += stream.digits(min(1 + attempt // 4, 4))
        domain = _reserved_domain(host)
        return f"{new_local}@{match_case(host, domain)}"


_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?(?P<host>[^/?#:\s]+)(?P<port>:\d+)?(?P<rest>.*)$", re.S)


class Url(Kind):
    name = "url"

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        if template is None:
            return f"https://www.example.com/{stream.choice(name_pools().surnames['en_US']).lower()}"
        m = _URL.match(template)
        if m is None:
            return random_like(stream, template)
        host = m["host"]
        new_host = ("www." if host.casefold().startswith("www.") else "") + _reserved_domain(host)
        rest = m["rest"]
        path, sep, query = rest.partition("?")
        new_path = _rewrite_tokens(stream, path, name_map)
        if attempt:
            new_path = (new_path.rstrip("/") or "") + "/" + stream.digits(min(1 + attempt // 4, 4))
        if sep:
            pieces = []
            for item in re.split(r"([&#])", query):
                if item in ("&", "#"):
                    pieces.append(item)
                    continue
                k, eq, v = item.partition("=")
                pieces.append(k + eq + _rewrite_tokens(stream, v, name_map) if eq else _rewrite_tokens(stream, k, name_map))
            new_path += sep + "".join(pieces)
        return (m["scheme"] or "") + match_case(host, new_host) + new_path


def fictional_city(stream: KeyedStream) -> str:
    places = place_pools()
    pools = name_pools()
    base = stream.choice(pools.surnames["en_US"] if stream.randbelow(2) else pools.given[("en_US", stream.choice(GENDERS))])
    suffix = stream.choice(places.city_suffixes)
    if stream.randbelow(2):
        return f"{stream.choice(places.city_prefixes)} {base}{suffix}"
    return f"{base}{suffix}"


class Place(Kind):
    """One place name (a comma-separated piece of a LOCATION): a fictional city, or a US state
    code for a two-letter upper-case code."""

    name = "place"

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        if template is not None and len(template) == 2 and template.isupper():
            return stream.choice(place_pools().states_abbr)
        city = fictional_city(stream)
        if template is not None and template.isupper() and len(template) > 1:
            return city.upper()
        if template is not None and template.islower():
            return city.lower()
        return city


class Address(Kind):
    """A street address: numbers -> random numbers of the same length, structural words
    (Street, Apt, N...) kept, state codes -> state codes, other words -> pool words."""

    name = "address"

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        from .pools import ADDRESS_KEEP

        places = place_pools()
        if template is None:
            return f"{stream.randint(1, 9999)} {stream.choice(name_pools().surnames['en_US'])} {stream.choice(places.street_suffixes)}"
        out = []
        for tok in _TOKEN.findall(template):
            if tok[0].isdigit():
                first = "123456789"[stream.randbelow(9)] if tok[0] != "0" else "0"
                out.append(first + stream.digits(len(tok) - 1))
            elif tok[0].isalpha():
                if tok.casefold() in ADDRESS_KEEP:
                    out.append(tok)
                elif len(tok) == 2 and tok.isupper():
                    out.append(stream.choice(places.states_abbr))
                elif len(tok) == 1:
                    out.append(random_like(stream, tok))
                else:
                    out.append(_word_like(stream, tok, None))
            else:
                out.append(tok)
        return "".join(out)


_SECRET_PREFIXES = (
    "github_pat_", "sk_live_", "sk_test_", "pk_live_", "pk_test_", "rk_live_", "ghp_", "gho_", "ghu_",
    "ghs_", "ghr_", "xoxb-", "xoxp-", "xoxa-", "glpat-", "AKIA", "ASIA", "AIza", "hf_", "sk-", "npm_",
)


class Secret(Kind):
    """Keeps a known type prefix (``ghp_``, ``AKIA``, ``sk_live_``...) and the character classes."""

    name = "secret"

    def normalize(self, text: str) -> str:
        return text.strip()

    def generate(self, stream: KeyedStream, attrs: Attrs, template: str | None,
                 name_map: NameMap | None = None, attempt: int = 0) -> str:
        if template is None:
            alphabet = _DIGITS + _LOWER + _UPPER
            return "".join(alphabet[stream.randbelow(62)] for _ in range(32))
        for prefix in _SECRET_PREFIXES:
            if template.startswith(prefix) and len(template) > len(prefix):
                return prefix + random_like(stream, template[len(prefix):])
        return random_like(stream, template)


class Generic(Kind):
    """Fallback for any other label: a random string of the same character classes."""

    name = "generic"
