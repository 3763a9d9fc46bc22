from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.spans import Span, resolve_overlaps


def S(start, end, label="X", score=0.5):
    return Span(start, end, label, score, "test")


@pytest.mark.parametrize(
    ("policy", "spans", "expected"),
    [
        ("longest_first", [S(0, 5), S(2, 10)], [S(2, 10)]),
        ("longest_first", [S(0, 5), S(5, 10)], [S(0, 5), S(5, 10)]),
        ("longest_first", [S(0, 4), S(2, 6)], [S(0, 4)]),  # equal length: earliest wins
        ("longest_first", [S(0, 4, score=0.1), S(0, 4, "Y", 0.9)], [S(0, 4, "Y", 0.9)]),
        ("highest_score", [S(0, 10, score=0.4), S(2, 4, score=0.9)], [S(2, 4, score=0.9)]),
        ("highest_score", [S(0, 10, score=0.9), S(2, 4, score=0.9)], [S(0, 10, score=0.9)]),
        ("longest_first", [S(3, 3)], []),
        ("longest_first", [], []),
    ],
)
def test_spans_resolve_policies(policy, spans, expected):
    assert resolve_overlaps(spans, policy) == expected


@pytest.mark.parametrize("policy", ["longest_first", "highest_score"])
def test_spans_resolve_ties_never_depend_on_input_order(policy):
    """Spans equal but for their source (two rules matching the same text): the choice must not
    depend on set iteration order, which changes with PYTHONHASHSEED between processes."""
    a, b = Span(0, 4, "X", 0.5, "rule_a.v1"), Span(0, 4, "X", 0.5, "rule_b.v1")
    for spans in ([a, b], [b, a]):
        assert resolve_overlaps(spans, policy) == [a]


def test_spans_resolve_unknown_policy_lists_available():
    with pytest.raises(ValueError, match="longest_first"):
        resolve_overlaps([], "bogus")


def test_spans_are_frozen_and_ordered():
    s = S(1, 2)
    with pytest.raises(AttributeError):
        s.start = 3  # type: ignore[misc]
    assert sorted([S(5, 6), S(1, 9), S(1, 2)]) == [S(1, 2), S(1, 9), S(5, 6)]
    assert s.to_dict() == {"start": 1, "end": 2, "label": "X", "score": 0.5, "source": "test"}


span_strategy = st.builds(
    lambda a, n, lab, sc: S(a, a + n, lab, sc),
    st.integers(0, 200), st.integers(0, 30), st.sampled_from("ABC"), st.floats(0.01, 1.0),
)


@given(st.lists(span_strategy, max_size=40), st.sampled_from(["longest_first", "highest_score"]))
def test_spans_resolve_property_sorted_disjoint_subset(spans, policy):
    out = resolve_overlaps(spans, policy)
    assert out == sorted(out)
    for a, b in zip(out, out[1:]):
        assert a.end <= b.start
    assert set(out) <= set(spans)
    # maximality: every dropped non-empty span overlaps a kept one
    for s in spans:
        if s.end > s.start and s not in out:
            assert any(s.overlaps(k) for k in out)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([S(0, 10, "ADDR"), S(8, 14, "PHONE", 0.4)], [S(0, 14, "ADDR")]),  # the loser's tail is covered
        ([S(0, 5), S(5, 10)], [S(0, 5), S(5, 10)]),  # touching is not overlapping
        ([S(0, 5, "A"), S(4, 9, "B"), S(8, 30, "C")], [S(0, 30, "C")]),  # chains merge
        ([S(2, 4, "IN"), S(0, 10, "OUT")], [S(0, 10, "OUT")]),  # nested: the winner as is
        ([], []),
    ],
)
def test_spans_cover_overlaps(spans, expected):
    from scrubber.spans import cover_overlaps

    assert cover_overlaps(spans) == expected


@given(st.lists(span_strategy, max_size=40), st.sampled_from(["longest_first", "highest_score"]))
def test_spans_cover_property_covers_every_detected_char(spans, policy):
    from scrubber.spans import cover_overlaps

    out = cover_overlaps(spans, policy)
    for a, b in zip(out, out[1:]):
        assert a.end <= b.start
    covered = {i for s in out for i in range(s.start, s.end)}
    assert covered == {i for s in spans for i in range(s.start, s.end)}
