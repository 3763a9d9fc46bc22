"""``scan_group`` decides how the engine batches rules into RE2::Set passes: speed only. Any
grouping must find exactly the same matches, in the same order."""

from __future__ import annotations

import dataclasses
import random

import pytest

from scrubber.detectors.regex import RegexDetectorOptions, select_rules
from scrubber.engine import RegexEngine
from scrubber.validators import ValidationContext

SNIPPETS = [
    "Call +1 415 555 2671 or (555) 123-4567, fax 020 7946 0958.", "mail a.b@example.org today",
    "card 4111 1111 1111 1111 exp 12/27", "IBAN DE89 3704 0044 0532 0130 00", "ip 192.168.0.1 / ::1 / fe80::1",
    "SSN 123-45-6789", "born 1984-03-02T10:00:00Z, 3 March 1984", "https://example.com/x?y=1 www.foo.org",
    "AKIAIOSFODNN7EXAMPLE password='hunter22!'", "742 Evergreen Terrace, Springfield, IL 62704",
    "MAC 00:1A:2B:3C:4D:5E", "driver's license number is F1628235", "version 1.2.3 build 2023.10.01",
    "Preis 12,50 EUR, Bestellung 4711-0815", "Hauptstraße 5, 10115 Berlin", "ISBN 978-3-16-148410-0",
]


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(SNIPPETS) for _ in range(rnd.randint(1, 8))) for _ in range(n)]


@pytest.mark.parametrize("grouping", ["one", "per_file", "shipped"])
def test_scan_groups_never_change_matches(grouping: str):
    rules = select_rules(RegexDetectorOptions())
    assert {r.scan_group for r in rules} >= {"text", ""}  # the shipped files use it
    if grouping == "one":
        regrouped = [dataclasses.replace(r, scan_group="") for r in rules]
    elif grouping == "per_file":
        regrouped = [dataclasses.replace(r, scan_group=f"f{abs(hash(r.file)) % 10**6}") for r in rules]
    else:
        regrouped = rules
    ctx = ValidationContext()
    reference = RegexEngine([dataclasses.replace(r, scan_group="") for r in rules], ctx)
    engine = RegexEngine(regrouped, ctx)
    if grouping != "one":
        assert len(engine._groups) > len(reference._groups)
    found = 0
    for text in _texts(300, seed=7):
        expected = reference.find(text)
        assert engine.find(text) == expected, text
        found += len(expected)
    assert found > 500
