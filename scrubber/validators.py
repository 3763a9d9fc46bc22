"""Validators: pure ``str -> bool`` checks that confirm a regex candidate.

A regex finds candidates; a validator confirms them. Validators are found by name from rule
files (``validator: luhn``). Each takes the candidate text and the detector's
:class:`ValidationContext` (for options such as the default phone regions).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
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


_NON_DIGITS = re.compile("[^0-9]+")  # a trivial class: no backtracking, C speed


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # 2d, minus 9 when over 9


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of an ASCII digit string (every second digit from the right doubled)."""
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED)
    return (sum(map(int, digits[-1::-2])) + sum(map(int, doubled))) % 10 == 0


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


_IBAN_LETTERS = str.maketrans({chr(65 + i): str(10 + i) for i in range(26)})  # A=10 .. Z=35


def iban_checksum_ok(compact: str) -> bool:
    """ISO 7064 mod 97-10 of an upper-case alphanumeric IBAN: letters as 10..35, the first
    four characters moved to the end, the number mod 97 is 1."""
    return int((compact[4:] + compact[:4]).translate(_IBAN_LETTERS)) % 97 == 1


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
    """IPv4 or IPv6, parsed by :mod:`ipaddress`; IPv4 dotted quads must be exact. Addresses
    that name no host are not PII: IPv4 0.x.x.x (this network, "listen on 0.0.0.0"), 127.x.x.x
    (loopback) and 255.x.x.x (netmasks, broadcast)."""
    candidate = value.strip("[]")
    if "." in candidate and ":" not in candidate:  # IPv4: the same rules as ipaddress, faster
        parts = candidate.split(".")
        return len(parts) == 4 and all(
            p.isdigit() and p.isascii() and len(p) <= 3 and (p == "0" or p[0] != "0") and int(p) <= 255
            for p in parts) and parts[0] not in ("0", "127", "255")
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


@register("random_token")
def random_token(value: str, ctx: ValidationContext) -> bool:
    """A generated key, not a word chain such as a package name: upper-case letters,
    lower-case letters and digits all occur."""
    return any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)


_PLACEHOLDERS = frozenset(
    {"password", "changeme", "xxxxxx", "xxxxxxxx", "********", "none", "null", "secret",
     "your_password", "yourpassword", "<password>", "example", "placeholder", "redacted"}
)


def _in_range(text: str, low: int, high: int) -> bool:
    return text.isdigit() and low <= int(text) <= high


@register("iso_datetime")
def iso_datetime(value: str, ctx: ValidationContext) -> bool:
    """ISO 8601 date-time ``YYYY-MM-DD[T ]hh:mm[:ss[.fff]][Z|+hh[:mm]]``: a real calendar day
    (as :func:`numeric_date`), hour 0-24, minutes 0-59, seconds 0-60 (leap second)."""
    if len(value) < 16 or value[10] not in "Tt " or not numeric_date(value[:10], ctx):
        return False
    clock = value[11:]
    for i, ch in enumerate(clock):
        if ch in "Zz+-":
            clock = clock[:i]
            break
    parts = clock.split(".")[0].split(",")[0].split(":")
    if len(parts) not in (2, 3) or not all(len(p) == 2 for p in parts):
        return False
    hour, minute = parts[0], parts[1]
    second = parts[2] if len(parts) == 3 else "00"
    return _in_range(hour, 0, 24) and _in_range(minute, 0, 59) and _in_range(second, 0, 60)


_CODE_VALUE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(.*|\[.*)?")
_PLAIN_WORD = re.compile(r"[A-Z]?[a-z]+")
_SNAKE_WORDS = re.compile(r"[A-Za-z]+(?:[_\-][A-Za-z]+)+")
# A reference to a secret rather than the secret: $VAR, ${VAR}, %VAR%, %s, %(name)s.
_REFERENCE = re.compile(r"\$\{?[A-Za-z_]\w*\}?|%\w+%|%(?:\(\w+\))?[-+ #0]*\d*[sdifrxX]")
_KEY_ITSELF = re.compile(r"(?i)[\w.\-]*(?:pass(?:word|wd|phrase)?|pwd|secret|key|token)[:=]")
_PLACEHOLDER_PARTS = ("your", "example", "xxxx", "****", "changeme", "placeholder", "redacted",
                      "dummy", "<", ">", "...")


@register("secret_value")
def secret_value(value: str, ctx: ValidationContext) -> bool:
    """The value of a ``password=`` / ``token:`` style assignment that looks like a real secret.

    Like :func:`mixed_secret` (quotes stripped, >= 6 characters, two or more character
    classes, not a known placeholder), but a reference is recognised by its whole shape
    (``$VAR``, ``${VAR}``, ``$(cmd)``, ``{...}``, ``<...>``, ``%VAR%``, ``%s``, ``%(name)s``)
    rather than by its first character, so real passwords such as ``%3eZRHA3kv#e`` or
    ``$ecr3t!x`` count. It additionally rejects:

    * code, not a literal: dotted names or calls/subscripts (``self.password``,
      ``os.environ.get(``, ``request.form[``);
    * a plain word (``Monday``, ``Bearer``) or words joined by ``_``/``-`` with no digit
      (``YOUR_API_KEY``, ``db-password``): names and placeholders, not secrets;
    * template/placeholder text (containing ``your``, ``example``, ``xxxx``, ``****``,
      ``changeme``, ``<``, ``>``, ``...``);
    * an absolute path (``/home/alice``), e.g. the ``PWD=`` environment variable;
    * the next key of an empty assignment (``password= token=x`` gives ``token=``).
    """
    v = value.strip("'\"")
    lower = v.lower()
    if len(v) < 6 or lower in _PLACEHOLDERS or _REFERENCE.fullmatch(v):
        return False
    if v.startswith(("{", "<", "$(")):
        return False
    classes = sum(
        (any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v),
         any(not c.isalnum() for c in v))
    )
    if classes < 2:
        return False
    if any(part in lower for part in _PLACEHOLDER_PARTS):
        return False
    if v.startswith("/") and v.count("/") >= 2:
        return False
    if _KEY_ITSELF.fullmatch(v):
        return False
    if _PLAIN_WORD.fullmatch(v) or _SNAKE_WORDS.fullmatch(v):
        return False
    if _CODE_VALUE.fullmatch(v) and ("." in v or "(" in v or "[" in v):
        return False
    return True


def _card_lengths(digits: str) -> tuple[int, ...]:
    """Valid PAN lengths for the issuer range ``digits`` starts with; () when unknown."""
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:  # Mastercard
        return (16,)
    if two in (34, 37):  # American Express
        return (15,)
    if 300 <= int(digits[:3]) <= 305 or two in (36, 38, 39):  # Diners Club
        return (14, 15, 16, 17, 18, 19)
    if 3528 <= four <= 3589 or 2200 <= four <= 2204:  # JCB, Mir
        return (16, 17, 18, 19)
    if digits[0] == "6" or two in (50, 56, 57, 58):  # Discover, UnionPay, RuPay, Maestro
        return (16, 17, 18, 19)
    return ()


@register("payment_card")
def payment_card(value: str, ctx: ValidationContext) -> bool:
    """Payment card: a known issuer range (Visa 4; Mastercard 51-55, 2221-2720; Amex 34/37;
    Diners 300-305, 36, 38, 39; JCB 3528-3589; Mir 2200-2204; Discover/UnionPay/RuPay/Maestro
    6, Maestro 50/56-58 with 16-19 digits), a length that issuer uses, and :func:`luhn`.
    Lets a rule match any digit groups and leave the issuer check here (a regex over many
    prefixes is costly in the shared RE2 Set DFA)."""
    digits = _digits(value)
    return len(digits) >= 13 and len(digits) in _card_lengths(digits) and luhn(digits, ctx)


@register("phonenumber_national")
def phonenumber_national(value: str, ctx: ValidationContext) -> bool:
    """A national (trunk-prefixed, e.g. 0-prefixed) phone number: 9 to 12 digits, then as
    :func:`phonenumber`. Eight digits or fewer (0317-8471) are more often ISSNs, part numbers
    or dates than phone numbers."""
    return 9 <= len(_digits(value)) <= 12 and phonenumber(value, ctx)


# Regions of the North American Numbering Plan (country code 1).
_NANP_REGIONS = frozenset(
    {"US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY",
     "LC", "MP", "MS", "PR", "SX", "TC", "TT", "VC", "VG", "VI"}
)
_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+$")


@register("phonenumber_nanp")
def phonenumber_nanp(value: str, ctx: ValidationContext) -> bool:
    """A North American number (NXX NXX XXXX, optional leading 1, optional extension): exactly
    :func:`phonenumber`, with a fast path. When a NANP region (US, CA, ...) is among the
    context's phone regions, ten national digits (or eleven starting with the trunk 1) are
    precisely what phonenumbers' ``is_possible_number`` accepts there, so no parse is needed;
    any other case goes through :func:`phonenumber`."""
    main = _EXTENSION.sub("", value)
    digits = _digits(main)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if (len(digits) == 10 and len(_digits(value)) <= 15
            and not _NANP_REGIONS.isdisjoint(ctx.phone_regions)):
        return True
    return phonenumber(value, ctx)


@register("phonenumber_intl")
def phonenumber_intl(value: str, ctx: ValidationContext) -> bool:
    """An international number (+CC or 00CC, optional extension): exactly :func:`phonenumber`,
    with fast paths for country code 1, whose national numbers are ten digits not starting
    with 1 (possible) and are never possible below seven digits; anything else, including a
    "(0)" trunk, goes through :func:`phonenumber`."""
    text = value.strip()
    total = len(_digits(text))
    if not 7 <= total <= 15:
        return False
    main = _EXTENSION.sub("", text)
    lead = main.lstrip("(")
    if "(0)" not in main and (lead.startswith("+1") or lead.startswith("001")):
        national = _digits(main)[1 if lead.startswith("+") else 3:]
        if len(national) == 10 and national[0] != "1":
            return True
        if len(national) < 7:
            return False
    return phonenumber(value, ctx)


@register("phone_context")
def phone_context(value: str, ctx: ValidationContext) -> bool:
    """A number already named a phone by its context: 7-15 digits, not one repeated digit, not
    a calendar date or a time."""
    digits = _digits(value)
    if not 7 <= len(digits) <= 15 or len(set(digits)) == 1:
        return False
    return not numeric_date(value, ctx)


@register("id_number")
def id_number(value: str, ctx: ValidationContext) -> bool:
    """An identifier named by its context: at least 4 digits, not one repeated digit, and
    not a calendar date."""
    digits = _digits(value)
    if len(digits) < 4 or len(set(digits)) == 1:
        return False
    return not numeric_date(value, ctx)


#: "@word" that is not a user handle: doc-comment tags (Javadoc, JSDoc, PHPDoc, Doxygen),
#: common Java/Kotlin/TypeScript annotations and decorators, CSS and Sass at-rules.
NOT_HANDLES = frozenset({
    "param", "return", "returns", "throws", "throw", "exception", "see", "since", "author",
    "version", "deprecated", "link", "linkplain", "code", "literal", "inheritdoc", "value",
    "type", "typedef", "property", "prop", "callback", "example", "default", "override",
    "private", "public", "protected", "static", "readonly", "async", "module", "namespace",
    "class", "constructor", "extends", "implements", "interface", "enum", "member", "memberof",
    "function", "func", "method", "var", "const", "let", "todo", "fixme", "note", "brief",
    "details", "file", "ingroup", "defgroup", "section", "ref", "tparam", "retval", "pre",
    "post", "warning", "test", "before", "after", "beforeeach", "aftereach", "beforeall",
    "afterall", "ignore", "disabled", "suppresswarnings", "functionalinterface", "nullable",
    "nonnull", "notnull", "autowired", "inject", "component", "service", "repository",
    "controller", "restcontroller", "bean", "configuration", "entity", "table", "column", "id",
    "transactional", "getter", "setter", "data", "builder", "slf4j", "input", "output",
    "injectable", "directive", "pipe", "ngmodule", "hostlistener", "viewchild", "media",
    "import", "charset", "font", "keyframes", "supports", "page", "layer", "container",
    "include", "mixin", "extend", "use", "forward", "if", "else", "each", "for", "while",
    "apply", "tailwind", "staticmethod", "classmethod", "abstractmethod", "dataclass",
    "cached_property", "pytest", "jit", "everyone", "here", "channel", "all",
})


@register("username_handle")
def username_handle(value: str, ctx: ValidationContext) -> bool:
    """A social-media handle: not a doc tag, annotation or at-rule (:data:`NOT_HANDLES`), not
    only digits."""
    return value.lower() not in NOT_HANDLES and not value.isdigit()


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


@register("btc_base58")
def btc_base58(value: str, ctx: ValidationContext) -> bool:
    """A legacy Bitcoin address: Base58Check of 25 bytes, version 0x00 (P2PKH) or 0x05 (P2SH),
    whose last 4 bytes are the double SHA-256 checksum of the first 21."""
    n = 0
    for c in value:
        i = _B58_INDEX.get(c)
        if i is None:
            return False
        n = n * 58 + i
    pad = len(value) - len(value.lstrip("1"))  # each leading "1" is a zero byte
    raw = b"\0" * pad + n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


@register("btc_bech32")
def btc_bech32(value: str, ctx: ValidationContext) -> bool:
    """A SegWit Bitcoin address ("bc1…", lower case): a valid Bech32 (BIP 173) or Bech32m
    (BIP 350) checksum over the "bc" prefix."""
    hrp, _, data = value.lower().rpartition("1")
    if hrp != "bc" or len(data) < 7 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [_BECH32.index(c) for c in data]
    return _bech32_polymod(values) in (1, 0x2BC830A3)


_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-])*")
#: Form-field labels in the languages of the address rules, which look like a speaker or a
#: rare capitalized word before a colon ("Anschrift: Hauptstraße 5").
FIELD_LABELS = frozenset({
    "anschrift", "adresse", "kontakt", "telefon", "telefax", "handy", "strasse", "straße", "ort",
    "plz", "betreff", "datum", "kunde", "kundennummer", "rechnung", "vorname", "nachname",
    "geburtsdatum", "bemerkung", "nom", "prénom", "téléphone", "courriel", "ville",
    "objet", "pays", "dirección", "direccion", "teléfono", "telefono", "ciudad", "correo",
    "asunto", "nombre", "apellido", "indirizzo", "città", "oggetto", "cognome", "morada",
    "endereço", "assunto", "naam", "adres", "telefoon", "onderwerp", "woonplaats",
})


@register("person_name")
def person_name(value: str, ctx: ValidationContext) -> bool:
    """A capitalized name found by its context (a form field, a greeting, a speaker label):
    every word starts with a capital letter and is not an all-caps acronym, and the first word
    is a known first name or not a common English word ("Name: Nayla Montero" yes, "Name: The
    Project" no, and no sentence adverb: "Later Smith said")."""
    from .detectors.gazetteer import common_words, first_names  # the shared lexicon (cached)

    words = _NAME_WORD.findall(value)
    if not words or len(words) > 4:
        return False
    common, first = common_words(), first_names()
    if any(not w[0].isupper() or (len(w) > 1 and w.isupper()) for w in words):
        return False
    if any(w.lower() in FIELD_LABELS for w in words):
        return False
    return words[0] in first or words[0].lower() not in common
