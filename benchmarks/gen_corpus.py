"""Synthetic labelled PII corpus: English prose with realistic PII and hard negatives.

Deterministic by seed (same seed, same Faker version: byte-identical output). Each line is

    {"id", "text", "spans": [{"start", "end", "label"}], "negatives": [{"start", "end", "kind"}],
     "source": "synthetic", "split": "synthetic", "group"}

the format of ``../shared/data/*.jsonl`` (``scrubber eval`` reads it), plus ``negatives``:
planted look-alikes that are *not* PII (versions, order numbers, prices, ISBNs, timestamps,
GUIDs). ``--unlabelled`` writes ``{"id", "text"}`` only.

PII of every type scrubber supports, including those the public sets lack: EMAIL_ADDRESS,
PHONE_NUMBER (US/UK/DE/FR formats), CREDIT_CARD (Luhn-valid), IBAN_CODE (valid mod-97), IP_ADDRESS
(v4/v6), US_SSN, URL, MAC_ADDRESS, SECRET (AWS/GitHub/Slack/Stripe tokens, password assignments),
DATE_TIME, PERSON, LOCATION, STREET_ADDRESS. Names, streets and cities come from Faker in several
locales (en_US, en_GB, de_DE, fr_FR), each seeded with ``seed_instance``.

PII density is explicit: on average one PII span per ``--chars-per-pii`` characters (default 200)
in documents of ``--min-chars``..``--max-chars`` characters (default 500..5000).

Examples::

    python benchmarks/gen_corpus.py --docs 2000 --out /tmp/synth.jsonl
    python benchmarks/gen_corpus.py --size-mb 50 --unlabelled --out /tmp/synth50.jsonl.zst
"""

from __future__ import annotations

import argparse
import base64
import io
import ipaddress
import json
import random
import re
import string
import sys
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR")

# -- PII values ----------------------------------------------------------------------------

_B62 = string.digits + string.ascii_letters
_B32 = string.ascii_uppercase + "234567"
_ALNUM = string.ascii_letters + string.digits


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def credit_card(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        number, groups = _luhn_complete("4", 16, rng), (4, 4, 4, 4)
    elif kind < 0.75:
        number, groups = _luhn_complete(str(rng.randint(51, 55)), 16, rng), (4, 4, 4, 4)
    elif kind < 0.9:
        number, groups = _luhn_complete(rng.choice(("34", "37")), 15, rng), (4, 6, 5)
    else:
        number, groups = _luhn_complete("6011", 16, rng), (4, 4, 4, 4)
    sep = rng.choice(("", " ", " ", "-"))
    if not sep:
        return number
    parts, pos = [], 0
    for g in groups:
        parts.append(number[pos:pos + g])
        pos += g
    return sep.join(parts)


_IBAN_FORMATS = {
    # country: (BBAN generator)
    "DE": lambda r: "".join(r.choice(string.digits) for _ in range(18)),
    "GB": lambda r: "".join(r.choice(string.ascii_uppercase) for _ in range(4))
    + "".join(r.choice(string.digits) for _ in range(14)),
    "FR": lambda r: "".join(r.choice(string.digits) for _ in range(23)),
    "ES": lambda r: "".join(r.choice(string.digits) for _ in range(20)),
    "NL": lambda r: "".join(r.choice(string.ascii_uppercase) for _ in range(4))
    + "".join(r.choice(string.digits) for _ in range(10)),
    "IT": lambda r: r.choice(string.ascii_uppercase) + "".join(r.choice(string.digits) for _ in range(22)),
}


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_FORMATS))
    bban = _IBAN_FORMATS[country](rng)
    compact = country + _iban_check(country, bban) + bban
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def ipv4(rng: random.Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    addr = ipaddress.IPv6Address((0x2001 << 112) | (rng.getrandbits(96) << 16) | rng.getrandbits(16))
    return addr.compressed if rng.random() < 0.6 else addr.exploded


def us_ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def mac(rng: random.Random) -> str:
    octets = [rng.randint(0, 255) for _ in range(6)]
    octets[0] &= 0xFE  # unicast
    style = rng.random()
    if style < 0.6:
        return ":".join(f"{o:02x}" for o in octets)
    if style < 0.9:
        return "-".join(f"{o:02X}" for o in octets)
    h = "".join(f"{o:02x}" for o in octets)
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


def _b62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def github_token(rng: random.Random) -> str:
    body = "".join(rng.choice(_ALNUM) for _ in range(30))
    return rng.choice(("ghp_", "gho_", "ghs_")) + body + _b62(zlib.crc32(body.encode()), 6)


def aws_access_key(rng: random.Random) -> str:
    return rng.choice(("AKIA", "ASIA")) + "".join(rng.choice(_B32) for _ in range(16))


def aws_secret_key(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(30)).decode()  # 40 chars of [A-Za-z0-9+/]


def slack_token(rng: random.Random) -> str:
    return (f"{rng.choice(('xoxb', 'xoxp'))}-{rng.randint(10**10, 10**12)}-{rng.randint(10**10, 10**12)}-"
            + "".join(rng.choice(_ALNUM) for _ in range(24)))


def stripe_key(rng: random.Random) -> str:
    return rng.choice(("sk_live_", "rk_live_")) + "".join(rng.choice(_ALNUM) for _ in range(24))


def password(rng: random.Random) -> str:
    chars = [rng.choice(string.ascii_lowercase), rng.choice(string.ascii_uppercase),
             rng.choice(string.digits), rng.choice("!#%&*?@^")]
    chars += [rng.choice(_ALNUM + "!#%&*?@^") for _ in range(rng.randint(6, 12))]
    rng.shuffle(chars)
    return "".join(chars)


# Phone numbers, built per region and checked with phonenumbers when it is installed.
def _phone_digits(rng: random.Random, region: str) -> tuple[str, str]:
    """(national significant number, country code) for a plausible number of ``region``."""
    if region == "US":
        return f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(0, 9999):04d}", "1"
    if region == "GB":
        if rng.random() < 0.5:  # mobile 07xxx
            return "7" + rng.choice("45789") + "".join(rng.choice(string.digits) for _ in range(8)), "44"
        return "20" + rng.choice("378") + "".join(rng.choice(string.digits) for _ in range(7)), "44"
    if region == "DE":
        if rng.random() < 0.5:
            return "15" + rng.choice("1279") + "".join(rng.choice(string.digits) for _ in range(8)), "49"
        return rng.choice(("30", "40", "89", "69", "221")) + "".join(rng.choice(string.digits) for _ in range(7)), "49"
    # FR
    return rng.choice("1234567") + "".join(rng.choice(string.digits) for _ in range(8)), "33"


def _fmt_phone(nsn: str, cc: str, region: str, rng: random.Random) -> str:
    intl = rng.random() < 0.35
    if region == "US":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        if intl:
            return rng.choice((f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}"))
        return rng.choice((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}"))
    if region == "GB":
        if nsn.startswith("20"):
            body = f"{nsn[:2]} {nsn[2:6]} {nsn[6:]}"
        else:
            body = f"{nsn[:4]} {nsn[4:]}"
        return f"+44 {body}" if intl else f"0{body}"
    if region == "DE":
        split = 3 if nsn.startswith("15") or nsn.startswith("221") else 2
        body = f"{nsn[:split]} {nsn[split:]}"
        return f"+49 {body}" if intl else rng.choice((f"0{body}", f"0{nsn[:split]}/{nsn[split:]}"))
    pairs = " ".join(nsn[i:i + 2] for i in range(1, 9, 2))
    return f"+33 {nsn[0]} {pairs}" if intl else f"0{nsn[0]} {pairs}"


try:
    import phonenumbers as _pn
except ImportError:  # pragma: no cover
    _pn = None


def phone(rng: random.Random) -> str:
    region = rng.choice(("US", "US", "GB", "DE", "FR"))
    for _ in range(50):
        nsn, cc = _phone_digits(rng, region)
        if _pn is None:
            break
        num = _pn.parse(f"+{cc}{nsn}")
        if _pn.is_valid_number(num):
            break
    return _fmt_phone(nsn, cc, region, rng)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def date(rng: random.Random) -> str:
    y, m, d = rng.randint(1940, 2024), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((
        f"{_MONTHS[m - 1]} {d}, {y}", f"{d} {_MONTHS[m - 1]} {y}", f"{m:02d}/{d:02d}/{y}",
        f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{_MONTHS[m - 1][:3]} {d}, {y}",
    ))


# -- hard negatives -------------------------------------------------------------------------


def _isbn13(rng: random.Random) -> str:
    body = "978" + "".join(rng.choice(string.digits) for _ in range(9))
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
    d = body + str(check)
    return f"{d[:3]}-{d[3]}-{d[4:7]}-{d[7:12]}-{d[12]}"


def _isbn10(rng: random.Random) -> str:
    body = "".join(rng.choice(string.digits) for _ in range(9))
    check = sum((10 - i) * int(c) for i, c in enumerate(body)) % 11
    c = "X" if (11 - check) % 11 == 10 else str((11 - check) % 11)
    return f"{body[0]}-{body[1:4]}-{body[4:9]}-{c}"


NEGATIVES: dict[str, Callable[[random.Random], str]] = {
    "version": lambda r: r.choice((
        f"v{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
        f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 40)}",
        f"{r.randint(1, 5)}.{r.randint(0, 9)}.{r.randint(0, 9)}-rc.{r.randint(1, 4)}",
        f"{r.randint(1, 20)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(1000, 9999)}",
    )),
    "order_number": lambda r: r.choice((
        f"#{r.randint(10**7, 10**10 - 1)}", f"ORD-{r.randint(2015, 2025)}-{r.randint(0, 999999):06d}",
        f"INV-{r.randint(100000, 999999)}", f"{r.randint(100, 999)}-{r.randint(1000000, 9999999)}-{r.randint(1000000, 9999999)}",
    )),
    "price": lambda r: r.choice((
        f"${r.randint(1, 9999):,}.{r.randint(0, 99):02d}", f"€{r.randint(1, 999)},{r.randint(0, 99):02d}",
        f"£{r.randint(1, 499)}.{r.randint(0, 99):02d}", f"USD {r.randint(1000, 99999):,}.00",
    )),
    "isbn": lambda r: "ISBN " + (_isbn13(r) if r.random() < 0.7 else _isbn10(r)),
    "timestamp": lambda r: r.choice((
        f"{r.randint(2015, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
        f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
        f"{r.randint(2015, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:"
        f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d},{r.randint(0, 999):03d}",
        str(r.randint(1_400_000_000, 1_750_000_000)),
    )),
    "guid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
}

# -- templates ------------------------------------------------------------------------------

# Slots: {LABEL} for PII (label as in the gold data), {neg:KIND} for hard negatives.
PII_TEMPLATES: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "I spoke with {PERSON} yesterday about the delayed shipment.",
        "{PERSON} will take over the project while the team lead is away.",
        "According to {PERSON}, the meeting was moved to the afternoon.",
        "Thanks again to {PERSON} and {PERSON} for reviewing the draft.",
        "Dr. {PERSON} signed the referral letter last week.",
    ),
    "EMAIL_ADDRESS": (
        "You can reach me at {EMAIL_ADDRESS} if anything changes.",
        "Please send the signed form to {EMAIL_ADDRESS} by Friday.",
        "{PERSON} <{EMAIL_ADDRESS}> wrote: the numbers look fine to me.",
    ),
    "PHONE_NUMBER": (
        "Call me on {PHONE_NUMBER} after six.",
        "For urgent questions the hotline is {PHONE_NUMBER}.",
        "{PERSON} left a voicemail from {PHONE_NUMBER} this morning.",
        "Tel: {PHONE_NUMBER}, fax available on request.",
    ),
    "CREDIT_CARD": (
        "The charge went to the card ending in the number {CREDIT_CARD}, which has since been cancelled.",
        "My card number is {CREDIT_CARD} and it expires next spring.",
        "Payment was declined for card {CREDIT_CARD}, please try again.",
    ),
    "IBAN_CODE": (
        "Please transfer the deposit to {IBAN_CODE} before the end of the month.",
        "Our bank account (IBAN {IBAN_CODE}) has changed.",
        "Refunds are paid to the account {IBAN_CODE} on file.",
    ),
    "IP_ADDRESS": (
        "The login attempt came from {IP_ADDRESS} at an unusual hour.",
        "Her laptop was assigned {IP_ADDRESS} by the office router.",
        "Blocked repeated requests from {IP_ADDRESS} and {IP_ADDRESS}.",
    ),
    "US_SSN": (
        "His social security number is {US_SSN}, as printed on the old form.",
        "SSN: {US_SSN} (verified by HR).",
        "The applicant listed {US_SSN} as her social security number.",
    ),
    "URL": (
        "The photos from the trip are at {URL} if you want to see them.",
        "I found the recipe on {URL} last night.",
        "Her portfolio ({URL}) shows the earlier designs.",
    ),
    "MAC_ADDRESS": (
        "The printer's MAC address is {MAC_ADDRESS}, in case the router asks.",
        "Device {MAC_ADDRESS} keeps dropping off the home network.",
    ),
    "SECRET": (
        "Someone pasted the key {SECRET:aws} into the public channel.",
        "export AWS_SECRET_ACCESS_KEY={SECRET:aws_secret}",
        "The bot used the token {SECRET:slack} until it was revoked.",
        "My personal access token is {SECRET:github}, please do not share it.",
        "The payment service was configured with {SECRET:stripe} by mistake.",
        "db_password={SECRET:password}",
        "The wifi password: {SECRET:password}",
    ),
    "DATE_TIME": (
        "{PERSON} was born on {DATE_TIME} in a small town.",
        "My appointment with the dentist is on {DATE_TIME}.",
        "We got married on {DATE_TIME} and moved a year later.",
    ),
    "LOCATION": (
        "She grew up in {LOCATION} before moving abroad.",
        "We spent two weeks in {LOCATION} last summer.",
        "{PERSON} commutes from {LOCATION} every day.",
    ),
    "STREET_ADDRESS": (
        "Our new address is {STREET_ADDRESS}, {LOCATION}.",
        "The parcel should be delivered to {STREET_ADDRESS} in {LOCATION}.",
        "{PERSON} lives at {STREET_ADDRESS}, just around the corner.",
    ),
}

NEGATIVE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "version": ("Please upgrade to version {neg:version} before the next release.",
                "The bug was fixed in {neg:version} according to the changelog."),
    "order_number": ("Your order {neg:order_number} has shipped and should arrive on Monday.",
                     "Reference {neg:order_number} when you contact support."),
    "price": ("The total came to {neg:price} including tax.", "Tickets cost {neg:price} per person."),
    "isbn": ("The second edition ({neg:isbn}) has the corrected tables.",
             "Order it with {neg:isbn} at any bookshop."),
    "timestamp": ("[{neg:timestamp}] INFO build finished in 42 ms",
                  "The job last ran at {neg:timestamp} without errors."),
    "guid": ("Request {neg:guid} failed with status 502.", "The session id was {neg:guid}."),
}

_SUBJECTS = ("The team", "Our neighbour", "The committee", "Everyone in the office", "My brother",
             "The new intern", "The landlord", "The customer", "Our teacher", "The driver",
             "The manager", "The support desk", "A colleague", "The council", "The delivery company")
_VERBS = ("agreed to review", "forgot about", "was worried about", "asked about", "finally fixed",
          "postponed", "complained about", "spent the whole day on", "wrote a short note about",
          "is still waiting for", "planned", "talked at length about", "cancelled", "approved")
_OBJECTS = ("the budget for next year", "the broken heating", "the quarterly report", "the garden fence",
            "the weekend schedule", "the new coffee machine", "the parking situation", "the school trip",
            "the website redesign", "the insurance claim", "the holiday rota", "the leaking roof",
            "the training plan", "the invoice from last month", "the team dinner")
_TAILS = ("", "", " after lunch", " again", " without telling anyone", " before the deadline",
          " in the end", " for the third time", " despite the rain", " as usual")
_FILLERS = (
    "It rained most of the afternoon, so we stayed inside.",
    "Nobody expected the meeting to run that long.",
    "The trains were late again this morning.",
    "Let me know what you think when you have a minute.",
    "I will follow up once I hear back from them.",
    "The results were better than last quarter, though not by much.",
    "We should probably revisit this after the holidays.",
    "That was the last thing anyone said about it.",
)


@dataclass
class _Builder:
    parts: list[str]
    length: int
    spans: list[dict[str, Any]]
    negatives: list[dict[str, Any]]

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)


_SLOT = re.compile(r"\{([A-Za-z_]+)(?::([a-z_]+))?\}")


class CorpusGenerator:
    """Yields synthetic documents; the sequence depends only on the seed and parameters."""

    def __init__(
        self, seed: int = 0, *, chars_per_pii: float = 200.0, min_chars: int = 500, max_chars: int = 5000,
        negative_rate: float = 0.25, labels: tuple[str, ...] | None = None,
    ) -> None:
        if chars_per_pii <= 0 or min_chars <= 0 or max_chars < min_chars:
            raise ValueError("need chars_per_pii > 0 and 0 < min_chars <= max_chars")
        try:
            from faker import Faker
        except ImportError as exc:
            raise ImportError("gen_corpus needs Faker: pip install 'scrubber[bench]'") from exc

        self.seed = seed
        self.rng = random.Random(seed)
        self.fakers = []
        for i, loc in enumerate(LOCALES):
            fk = Faker(loc)
            fk.seed_instance(seed * 1000 + i)
            self.fakers.append(fk)
        self.chars_per_pii = chars_per_pii
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.negative_rate = negative_rate
        self.pii_labels = tuple(labels) if labels else tuple(PII_TEMPLATES)
        unknown = set(self.pii_labels) - set(PII_TEMPLATES)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; available: {', '.join(PII_TEMPLATES)}")
        self.count = 0

    # values ----------------------------------------------------------------------------
    def _faker(self) -> Any:
        # mostly English-speaking locales: the prose is English
        return self.fakers[0 if self.rng.random() < 0.45 else self.rng.randrange(len(self.fakers))]

    def value(self, label: str, variant: str | None) -> str:
        r = self.rng
        if label == "PERSON":
            fk = self._faker()
            return f"{fk.first_name()} {fk.last_name()}" if r.random() < 0.8 else fk.last_name()
        if label == "EMAIL_ADDRESS":
            fk = self._faker()
            user = re.sub(r"[^a-z0-9]", "", fk.first_name().lower()) or "user"
            last = re.sub(r"[^a-z0-9]", "", fk.last_name().lower()) or "mail"
            local = r.choice((f"{user}.{last}", f"{user}{r.randint(1, 99)}", f"{user[0]}{last}", f"{user}_{last}"))
            domain = r.choice((fk.free_email_domain(), fk.domain_name()))
            return f"{local}@{domain}"
        if label == "PHONE_NUMBER":
            return phone(r)
        if label == "CREDIT_CARD":
            return credit_card(r)
        if label == "IBAN_CODE":
            return iban(r)
        if label == "IP_ADDRESS":
            return ipv4(r) if r.random() < 0.7 else ipv6(r)
        if label == "US_SSN":
            return us_ssn(r)
        if label == "URL":
            fk = self.fakers[r.randrange(len(self.fakers))]
            path = "/".join(fk.word().lower() for _ in range(r.randint(0, 3)))
            base = r.choice(("https://", "http://", "https://www.")) + fk.domain_name()
            url = base + ("/" + path if path else "")
            if r.random() < 0.2:
                url += f"?id={r.randint(1, 99999)}"
            return url
        if label == "MAC_ADDRESS":
            return mac(r)
        if label == "SECRET":
            kind = variant or r.choice(("aws", "github", "slack", "stripe", "password"))
            return {
                "aws": aws_access_key, "aws_secret": aws_secret_key, "github": github_token,
                "slack": slack_token, "stripe": stripe_key, "password": password,
            }[kind](r)
        if label == "DATE_TIME":
            return date(r)
        if label == "LOCATION":
            fk = self._faker()
            return fk.city() if r.random() < 0.75 else fk.country()
        if label == "STREET_ADDRESS":
            return self._faker().street_address().replace("\n", ", ")
        raise KeyError(label)

    # documents -------------------------------------------------------------------------
    def _fill(self, b: _Builder, template: str, negative_kind: str | None = None) -> int:
        n_pii = 0
        pos = 0
        for m in _SLOT.finditer(template):
            b.add(template[pos:m.start()])
            name, variant = m.group(1), m.group(2)
            if name == "neg":
                value = NEGATIVES[variant](self.rng)  # type: ignore[index]
                b.negatives.append({"start": b.length, "end": b.length + len(value), "kind": variant})
            else:
                value = self.value(name, variant)
                b.spans.append({"start": b.length, "end": b.length + len(value), "label": name})
                n_pii += 1
            b.add(value)
            pos = m.end()
        b.add(template[pos:])
        return n_pii

    def _filler(self) -> str:
        r = self.rng
        if r.random() < 0.3:
            return r.choice(_FILLERS)
        return f"{r.choice(_SUBJECTS)} {r.choice(_VERBS)} {r.choice(_OBJECTS)}{r.choice(_TAILS)}."

    def document(self) -> dict[str, Any]:
        r = self.rng
        target = r.randint(self.min_chars, self.max_chars)
        b = _Builder([], 0, [], [])
        n_pii = 0
        since_break = 0
        while b.length < target:
            if b.length:
                if since_break >= r.randint(3, 7):
                    b.add("\n\n")
                    since_break = 0
                else:
                    b.add(" ")
            # keep the running density near one PII span per chars_per_pii characters
            if (n_pii + 1) * self.chars_per_pii <= b.length + self.chars_per_pii * r.random():
                label = r.choice(self.pii_labels)
                n_pii += self._fill(b, r.choice(PII_TEMPLATES[label]))
            elif r.random() < self.negative_rate:
                kind = r.choice(sorted(NEGATIVE_TEMPLATES))
                self._fill(b, r.choice(NEGATIVE_TEMPLATES[kind]))
            else:
                b.add(self._filler())
            since_break += 1
        self.count += 1
        return {
            "id": f"synthetic-{self.seed}-{self.count - 1:07d}",
            "text": "".join(b.parts),
            "spans": b.spans,
            "negatives": b.negatives,
            "source": "synthetic",
            "split": "synthetic",
            "group": f"seed-{self.seed}",
        }

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            yield self.document()


def generate(
    seed: int = 0, *, docs: int | None = None, size_mb: float | None = None, **options: Any
) -> Iterator[dict[str, Any]]:
    """Stream documents until ``docs`` documents or ``size_mb`` MB (10**6 bytes) of UTF-8
    text, whichever comes first (at least one limit is required)."""
    if docs is None and size_mb is None:
        raise ValueError("give docs or size_mb")
    gen = CorpusGenerator(seed, **options)
    limit = None if size_mb is None else int(size_mb * 1_000_000)
    total = 0
    n = 0
    for doc in gen:
        if (docs is not None and n >= docs) or (limit is not None and total >= limit):
            return
        yield doc
        n += 1
        total += len(doc["text"].encode("utf-8"))


def texts(seed: int = 0, *, docs: int | None = None, size_mb: float | None = None, **options: Any) -> list[str]:
    """Just the texts (for throughput runs)."""
    return [d["text"] for d in generate(seed, docs=docs, size_mb=size_mb, **options)]


def open_output(path: str) -> TextIO:
    """``-`` is stdout; ``.zst`` is zstandard-compressed (streaming)."""
    if path == "-":
        return sys.stdout
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix == ".zst":
        import zstandard

        raw = open(p, "wb")  # noqa: SIM115
        writer = zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=True)
        return io.TextIOWrapper(writer, encoding="utf-8")
    return open(p, "w", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", "-o", default="-", help="output .jsonl or .jsonl.zst ('-' = stdout)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--docs", type=int, default=None, help="number of documents")
    ap.add_argument("--size-mb", type=float, default=None, help="stop after this many MB of text")
    ap.add_argument("--chars-per-pii", type=float, default=200.0,
                    help="mean characters of text per PII span (density; default %(default)s)")
    ap.add_argument("--min-chars", type=int, default=500)
    ap.add_argument("--max-chars", type=int, default=5000)
    ap.add_argument("--negative-rate", type=float, default=0.25,
                    help="share of non-PII sentences that carry a hard negative (default %(default)s)")
    ap.add_argument("--labels", default=None, help="comma-separated PII labels to plant (default: all)")
    ap.add_argument("--unlabelled", action="store_true", help="write only id and text")
    args = ap.parse_args(argv)
    if args.docs is None and args.size_mb is None:
        args.docs = 1000
    labels = tuple(x.strip() for x in args.labels.split(",")) if args.labels else None
    out = open_output(args.out)
    n = size = 0
    try:
        for doc in generate(args.seed, docs=args.docs, size_mb=args.size_mb, chars_per_pii=args.chars_per_pii,
                            min_chars=args.min_chars, max_chars=args.max_chars,
                            negative_rate=args.negative_rate, labels=labels):
            if args.unlabelled:
                doc = {"id": doc["id"], "text": doc["text"]}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
            size += len(doc["text"].encode("utf-8"))
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"wrote {n} documents, {size / 1e6:.2f} MB of text to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
