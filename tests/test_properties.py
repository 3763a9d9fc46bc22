"""Hypothesis properties of detection + transformation on the regex tier."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scrubber
from scrubber.config import config_from_dict

PII = [
    "a.b@example.org", "jane_doe+x@mail.example.co.uk", "+1 415 555 2671", "(555) 123-4567",
    "4111 1111 1111 1111", "5555555555554444", "DE89 3704 0044 0532 0130 00", "192.168.0.1",
    "2001:db8::8a2e:370:7334", "536-22-1234", "https://example.com/a?b=c", "00:1A:2B:3C:4D:5E",
    "AKIAIOSFODNN7EXAMPLE", "12 October 2023", "2023-10-12",
]
FILLER = ["the", "report", "was", "sent", "to", "and", "version", "v1.2", "on", "at", "we", "x", ",", ".",
          "(", ")", ":", "\n", "Order", "#12", "café", "日本", "—"]

token = st.one_of(st.sampled_from(FILLER), st.sampled_from(PII), st.text(max_size=6))
doc = st.lists(token, max_size=25).map(" ".join)

PIPE = scrubber.load("fast")
REDACT = scrubber.load(config_from_dict({"detectors": [{"type": "regex.v1"}],
                                         "transforms": {"default": {"operator": "replace", "template": " "}}}))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(doc)
def test_properties_spans_in_bounds_sorted_disjoint(text):
    spans = PIPE.detect(text)
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(doc)
def test_properties_text_without_spans_unchanged(text):
    result = PIPE.scrub(text)
    if not result.spans:
        assert result.text == text
    # Outside the spans, every character is kept in order.
    pos, out = 0, []
    for s in result.spans:
        out.append(text[pos:s.start])
        pos = s.end
    out.append(text[pos:])
    rest = "".join(out)
    it = iter(result.text)
    assert all(ch in it for ch in rest)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(doc)
def test_properties_nothing_matched_survives_redaction(text):
    # Replace every span by a separator, then detect again: nothing an enabled rule matches
    # may be left in the output.
    result = REDACT.scrub(text)
    assert REDACT.detect(result.text) == []
