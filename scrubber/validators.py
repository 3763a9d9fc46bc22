"""Validators: pure ``str -> bool`` checks that confirm a regex candidate.

A regex finds candidates; a validator confirms them. Validators are found by name from rule
files (``validator: luhn``). Each takes the candidate text and the detector's
:class:`ValidationContext` (for options such as the default phone regions).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass

from .errors import RegistryError


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Options a validator may need; built once per detector."""

    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "CA", "AU", "IN")


Validator = Callable[[str, ValidationContext], bool]
VALIDATORS: dict[str, Validator] = {}


def register(name: str) -> Callable[[Validator], Validator]:
    def deco(fn: Validator) -> Validator:
        VALIDATORS[name] = fn
        return fn

    return deco


def get_validator(name: str) -> Validator:
    try:
        return VALIDATORS[name]
    except KeyError:
        raise RegistryError(
            f"unknown validator {name!r}. Available names: {', '.join(sorted(VALIDATORS))}"
        ) from None


def _digits(value: str) -> str:
    return "".join(c for c in value if "0" <= c <= "9")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@register("luhn")
def luhn(value: str, ctx: ValidationContext) -> bool:
    """Payment card: 12-19 digits passing the Luhn checksum, not all one digit."""
    digits = _digits(value)
    return 12 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits)


# ISO 13616 registry lengths (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_checksum_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


@register("iban_mod97")
def iban_mod97(value: str, ctx: ValidationContext) -> bool:
    """IBAN: known country, that country's length, and ISO 7064 mod-97 == 1."""
    compact = "".join(c for c in value if c.isalnum()).upper()
    if not compact.isascii() or len(compact) < 5:
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is None or len(compact) != expected or not compact[2:4].isdigit():
        return False
    return iban_checksum_ok(compact)


@register("ip_address")
def ip_address(value: str, ctx: ValidationContext) -> bool:
    """IPv4 or IPv6, parsed by :mod:`ipaddress`; IPv4 dotted quads must be exact."""
    candidate = value.strip("[]")
    try:
        ip = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if ip.version == 6:
        # "::" alone, or tiny strings such as "1::", are more likely code than addresses.
        return candidate.count(":") >= 2 and len(candidate) >= 6
    return True


@register("us_ssn")
def us_ssn(value: str, ctx: ValidationContext) -> bool:
    """US SSN: area not 000, 666 or 900-999; group not 00; serial not 0000; known fakes out."""
    digits = _digits(value)
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area >= "900" or group == "00" or serial == "0000":
        return False
    if digits in ("078051120", "219099999", "123456789") or len(set(digits)) == 1:
        return False
    # Mixed separators ("123-45 6789") are not how SSNs are written.
    seps = {c for c in value if not c.isdigit()}
    return len(seps) <= 1


@register("phonenumber")
def phonenumber(value: str, ctx: ValidationContext) -> bool:
    """Phone number: parseable and *possible* (not necessarily *valid*) for a region.

    A fictional number such as (555) 123-4567 is still a phone number in text, so
    ``is_possible_number`` rather than ``is_valid_number`` decides. Numbers with a ``+`` or
    ``00`` prefix are parsed as international; the others against each default region.
    """
    import phonenumbers

    text = value.strip()
    digits = _digits(text)
    if not 7 <= len(digits) <= 15:
        return False
    if text.startswith("00"):
        text = "+" + text[2:]
    regions: tuple[str | None, ...] = (None,) if text.startswith("+") else ctx.phone_regions
    for region in regions:
        try:
            num = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(num):
            return True
    return False


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@register("numeric_date")
def numeric_date(value: str, ctx: ValidationContext) -> bool:
    """A numeric date (Y-M-D, D/M/Y or M/D/Y) whose parts form a real calendar day."""
    parts = [p for p in "".join(c if c.isdigit() else " " for c in value).split()]
    if len(parts) != 3:
        return False
    nums = [int(p) for p in parts]
    if len(parts[0]) == 4:
        orders = [(nums[0], nums[1], nums[2])]
    else:
        y = nums[2] if len(parts[2]) == 4 else 2000 + nums[2]
        orders = [(y, nums[0], nums[1]), (y, nums[1], nums[0])]
    return any(
        1 <= m <= 12 and 1 <= d <= _MONTH_DAYS[m - 1] and 1000 <= y <= 2999 for y, m, d in orders
    )


@register("jwt")
def jwt(value: str, ctx: ValidationContext) -> bool:
    """A JSON Web Token: the first segment decodes to a JSON object with an ``alg`` key."""
    head = value.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        obj = json.loads(decoded)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(obj, dict) and "alg" in obj


@register("mixed_secret")
def mixed_secret(value: str, ctx: ValidationContext) -> bool:
    """A credential-like value: not a placeholder, at least 6 characters, mixed classes."""
    v = value.strip("'\"")
    if len(v) < 6 or v.lower() in _PLACEHOLDERS or v.startswith(("$", "{", "<", "%")):
        return False
    classes = sum(
        (any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v),
         any(not c.isalnum() for c in v))
    )
    return classes >= 2


_PLACEHOLDERS = frozenset(
    {"password", "changeme", "xxxxxx", "xxxxxxxx", "********", "none", "null", "secret",
     "your_password", "yourpassword", "<password>", "example", "placeholder", "redacted"}
)
