from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.normalize import normalize


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("plain text", None),
        ("john\u200b.doe@exam\u200dple.com", "john.doe@example.com"),
        ("\ufeffa@b.org", "a@b.org"),
        ("４１１１ １１１１", "4111 1111"),
        ("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "john@example.com"),
        ("john [at] example [dot] com", "john@example.com"),
        ("john (AT) example (Dot) com", "john@example.com"),
        ("mail john at example dot com now", "mail john@example.com now"),
        ("call 5 5 5 1 2 3 4 5 6 7", "call 555-123-4567"),
        ("ssn 5 3 6 2 2 1 2 3 4", "ssn 536-22-1234"),
        ("iban DE 8 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 3 0 0 0", "iban DE89370400440532013000"),
        ("id 4.1.1.1.1.1.1.1.1", "id 411-11-1111"),
        ("card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "card 4111111111111111"),
        ("meet at noon", None),
    ],
)
def test_normalize_cases(text, normalized):
    n = normalize(text)
    assert (n.text if n else None) == normalized


def test_normalize_maps_spans_to_original():
    text = "write to john [at] example [dot] com today"
    n = normalize(text)
    s = n.text.index("john")
    e = n.text.index("com") + 3
    a, b = n.to_original(s, e)
    assert text[a:b] == "john [at] example [dot] com"


@given(st.text(alphabet=st.sampled_from(list("ab1 .@[]()at\u200b\uff10\uff21\u3000dotAT")), max_size=60))
def test_normalize_offsets_monotonic_and_in_bounds(text):
    n = normalize(text)
    if n is None:
        return
    prev = 0
    for i in range(len(n.text)):
        a, b = n.to_original(i, i + 1)
        assert 0 <= a < b <= len(text)
        assert a >= prev
        prev = a


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("mail jo\u200bhn@exa\u200bmple.com", "EMAIL_ADDRESS"),
        ("write john [at] example [dot] com", "EMAIL_ADDRESS"),
        ("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "EMAIL_ADDRESS"),
    ],
)
def test_normalize_evasion_is_caught_and_replaced_in_original(fast_pipeline, text, label):
    r = fast_pipeline.scrub(text)
    assert label in {s.label for s in r.spans}
    assert "example" not in r.text and "ｅｘａｍｐｌｅ" not in r.text
