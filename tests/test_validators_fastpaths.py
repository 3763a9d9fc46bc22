"""The fast paths in scrubber.validators give the same answers as the plain definitions."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.validators import ValidationContext, iban_checksum_ok, ip_address, luhn_ok


def reference_luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def reference_iban(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def reference_ip(value: str) -> bool:
    candidate = value.strip("[]")
    try:
        ip = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if ip.version == 4:  # no host named: this network, loopback, netmasks and broadcast
        return not (ip.is_loopback or ip in ipaddress.ip_network("0.0.0.0/8")
                    or ip in ipaddress.ip_network("255.0.0.0/8"))
    return candidate.count(":") >= 2 and len(candidate) >= 6


@settings(max_examples=2000)
@given(st.text("0123456789", min_size=1, max_size=24))
def test_luhn_matches_reference(digits):
    assert luhn_ok(digits) is reference_luhn(digits)


@settings(max_examples=2000)
@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=34))
def test_iban_checksum_matches_reference(compact):
    assert iban_checksum_ok(compact) is reference_iban(compact)


_OCTET = st.sampled_from(["0", "00", "01", "1", "9", "99", "255", "256", "012", "999", "1000", "", "a", "٣", " 1"])


@settings(max_examples=2000)
@given(st.lists(_OCTET, min_size=3, max_size=5), st.booleans())
def test_ipv4_fast_path_matches_ipaddress(parts, bracketed):
    value = ".".join(parts)
    value = f"[{value}]" if bracketed else value
    assert ip_address(value, ValidationContext()) is reference_ip(value)
