"""Adversarial labelled PII: e-mails, phones, cards, IBANs and SSNs hidden by common evasion tricks.

Deterministic by seed. Each line is in the shared-data format that ``scrubber eval`` reads::

    {"id", "text", "spans": [{"start", "end", "label"}], "source": "adversarial", "split": "adversarial",
     "group": "<trick>"}

The gold span covers the whole obfuscated value in the original text (zero-width characters and
all), so the figures say whether the *original* characters get scrubbed. Tricks:

- ``zero_width``: U+200B/U+200C/U+200D/U+2060/U+FEFF inserted inside the value;
- ``full_width``: digits (and for e-mails every ASCII letter) as full-width forms (U+FF10...);
- ``at_dot``: ``john [at] example [dot] com``, ``(at)``/``(dot)``, ``john at example dot com``;
- ``spaced_digits`` / ``dotted_digits``: the value's digits written one by one, ``4 1 5 5 ...``;
- ``plain``: the value as is (a control).

    python benchmarks/gen_adversarial.py --docs 1000 --seed 0 --out /tmp/adv.jsonl
    scrubber eval /tmp/adv.jsonl --pipeline fast --json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_corpus as gc  # noqa: E402

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
LABELS = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN")
FIRST = ("john", "maria", "li.wei", "a.smith", "kofi", "ines_b", "olga", "raj.patel")
DOMAINS = ("example.com", "mail.example.org", "corp.example.net", "uni.example.edu")


def email(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def us_phone(rng: random.Random) -> str:
    area = rng.choice(("212", "415", "617", "303", "206", "512"))
    return rng.choice(("({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}")).format(
        a=area, b=f"{rng.randint(201, 989)}", c=f"{rng.randint(0, 9999):04d}")


VALUES: dict[str, Callable[[random.Random], str]] = {
    "EMAIL_ADDRESS": email,
    "PHONE_NUMBER": us_phone,
    "CREDIT_CARD": gc.credit_card,
    "IBAN_CODE": gc.iban,
    "US_SSN": gc.us_ssn,
}


def zero_width(value: str, rng: random.Random) -> str:
    out = []
    for i, ch in enumerate(value):
        out.append(ch)
        if i < len(value) - 1 and rng.random() < 0.35:
            out.append(rng.choice(ZERO_WIDTH))
    if out == list(value):  # at least one
        out.insert(len(out) // 2, rng.choice(ZERO_WIDTH))
    return "".join(out)


def full_width(value: str, rng: random.Random, letters: bool = False) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if (c.isdigit() or (letters and c.isascii() and c.isalnum())) else c
                   for c in value)


def at_dot(value: str, rng: random.Random) -> str:
    local, domain = value.split("@")
    style = rng.choice(("[]", "()", "words"))
    if style == "words":
        if domain.count(".") != 1:  # "x at y dot z" is one dot only
            domain = domain.split(".", domain.count(".") - 1)[-1]
        at, dot = " at ", " dot "
        local = local.replace(".", "_")
    else:
        at, dot = f" {style[0]}at{style[1]} ", f" {style[0]}dot{style[1]} "
    return local + at + domain.replace(".", dot)


def spaced(value: str, rng: random.Random, sep: str = " ") -> str:
    digits = [c for c in value if c.isdigit()]
    return sep.join(digits)


def tricks_for(label: str) -> list[str]:
    if label == "EMAIL_ADDRESS":
        return ["plain", "zero_width", "full_width", "at_dot"]
    return ["plain", "zero_width", "full_width", "spaced_digits", "dotted_digits"]


def apply(trick: str, label: str, value: str, rng: random.Random) -> str:
    if trick == "plain":
        return value
    if trick == "zero_width":
        return zero_width(value, rng)
    if trick == "full_width":
        return full_width(value, rng, letters=label == "EMAIL_ADDRESS")
    if trick == "at_dot":
        return at_dot(value, rng)
    if trick == "spaced_digits":
        return spaced(value, rng, " ")
    if trick == "dotted_digits":
        return spaced(value, rng, ".")
    raise ValueError(trick)


def _value(label: str, trick: str, rng: random.Random) -> str:
    value = VALUES[label](rng)
    if label == "IBAN_CODE" and trick in ("spaced_digits", "dotted_digits"):
        # Only the digits are spaced out: keep the country code and check digits in front.
        return value.replace(" ", "")
    return value


LEADS = ("Contact: ", "Please write to ", "My number is ", "Card on file: ", "Details -> ",
         "Reach me at ", "ref ", "")
TAILS = (" thanks.", ". Regards", " (private)", "", " if urgent.", "\n")


def record(i: int, rng: random.Random) -> dict[str, Any]:
    label = LABELS[i % len(LABELS)]
    trick = rng.choice(tricks_for(label))
    value = _value(label, trick, rng)
    if trick in ("spaced_digits", "dotted_digits") and label == "IBAN_CODE":
        shown = value[:2] + " " + spaced(value[2:], rng, " " if trick == "spaced_digits" else ".")
    else:
        shown = apply(trick, label, value, rng)
    lead, tail = rng.choice(LEADS), rng.choice(TAILS)
    text = lead + shown + tail
    start = len(lead)
    return {"id": f"adv-{i:06d}", "text": text,
            "spans": [{"start": start, "end": start + len(shown), "label": label}],
            "source": "adversarial", "split": "adversarial", "group": trick}


def generate(docs: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [record(i, rng) for i in range(docs)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="-")
    args = ap.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    try:
        for rec in generate(args.docs, args.seed):
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
