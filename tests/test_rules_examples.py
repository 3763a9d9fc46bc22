"""Every example embedded in every shipped rule file: each rule tests itself."""

from __future__ import annotations

import pytest

from scrubber.engine import RegexEngine
from scrubber.resources import rules_dir
from scrubber.rules import load_rules

RULES = load_rules([rules_dir(), rules_dir() / "context"])
MATCH_CASES = [(r, ex) for r in RULES for ex in r.matches]
NO_MATCH_CASES = [(r, text) for r in RULES for text in r.non_matches]


def _found(rule, text):
    return {(s.start, s.end) for s in RegexEngine([rule]).find(text)}


@pytest.mark.parametrize(
    ("rule", "example"), MATCH_CASES, ids=[f"{r.id}:{e.text[:40]}" for r, e in MATCH_CASES]
)
def test_rules_match_examples(rule, example):
    found = _found(rule, example.text)
    for start, end in example.expected:
        assert (start, end) in found, (
            f"{rule.id} should find {example.text[start:end]!r} in {example.text!r}; "
            f"found {[example.text[s:e] for s, e in sorted(found)]}"
        )


@pytest.mark.parametrize(
    ("rule", "text"), NO_MATCH_CASES, ids=[f"{r.id}:{t[:40]}" for r, t in NO_MATCH_CASES]
)
def test_rules_no_match_examples(rule, text):
    found = _found(rule, text)
    assert not found, f"{rule.id} should not match in {text!r}; found {[text[s:e] for s, e in sorted(found)]}"


def test_rules_every_rule_has_examples():
    for rule in RULES:
        assert rule.matches, f"{rule.id} has no must-match examples"
        assert rule.non_matches, f"{rule.id} has no must-not-match examples"
