"""Spans, the only interface between detection and transformation, and overlap resolution."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

ResolvePolicy = Literal["longest_first", "highest_score"]
RESOLVE_POLICIES: tuple[str, ...] = ("longest_first", "highest_score")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A detected piece of PII: ``text[start:end]`` (Python ``str`` offsets, end excluded).

    Ordered by ``(start, end, label, score, source)``. ``label`` uses Presidio's entity names.
    """

    start: int
    end: int
    label: str
    score: float = 1.0
    source: str = ""

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def shifted(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset, self.label, self.score, self.source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "score": round(self.score, 4),
            "source": self.source,
        }


def _position(s: Span) -> tuple[int, int, str, float, str]:
    # Span's own order, without the dataclass __lt__ (which builds two tuples per comparison).
    return (s.start, s.end, s.label, s.score, s.source)


_SORT_KEYS: dict[str, Callable[[Span], tuple[Any, ...]]] = {
    # spaCy's filter_spans: longest first, then earliest; score breaks the remaining ties, and
    # label and source the last ones, so the choice never depends on set or input order.
    "longest_first": lambda s: (-(s.end - s.start), s.start, -s.score, s.label, s.source),
    "highest_score": lambda s: (-s.score, -(s.end - s.start), s.start, s.label, s.source),
}


def _sort_key(policy: str) -> Callable[[Span], tuple[Any, ...]]:
    try:
        return _SORT_KEYS[policy]
    except KeyError:
        raise ValueError(
            f"unknown overlap policy {policy!r}; available: {', '.join(RESOLVE_POLICIES)}"
        ) from None


def resolve_overlaps(spans: Iterable[Span], policy: str = "longest_first") -> list[Span]:
    """Return non-overlapping spans sorted by position, chosen greedily by ``policy``.

    Pure and deterministic: the result depends only on the set of input spans. Empty spans
    are dropped.
    """
    key = _sort_key(policy)
    chosen: list[Span] = []
    starts: list[int] = []  # the chosen intervals, disjoint, so sorted by start and by end alike
    ends: list[int] = []
    for span in sorted({s for s in spans if s.end > s.start}, key=key):
        i = bisect_right(starts, span.start)
        if i > 0 and ends[i - 1] > span.start:
            continue
        if i < len(starts) and starts[i] < span.end:
            continue
        starts.insert(i, span.start)
        ends.insert(i, span.end)
        chosen.append(span)
    chosen.sort(key=_position)
    return chosen


def cover_overlaps(spans: Iterable[Span], policy: str = "longest_first") -> list[Span]:
    """Like :func:`resolve_overlaps`, but no detected character is left out.

    Overlapping spans are grouped into connected runs; each run becomes one span covering the
    whole run, with the label, score and source of the run's best span by ``policy``. Where
    :func:`resolve_overlaps` would drop a span that sticks out of the winner (an address grown
    over "Telefon 030" next to the phone "030 12345678"), the part that sticks out would be
    written unscrubbed; here it is covered. Pure and deterministic.
    """
    key = _sort_key(policy)
    out: list[Span] = []
    run: list[Span] = []
    run_end = -1
    for span in sorted((s for s in set(spans) if s.end > s.start), key=_position):
        if run and span.start >= run_end:
            out.append(_cover(run, run_end, key))
            run = []
        run.append(span)
        run_end = max(run_end, span.end) if len(run) > 1 else span.end
    if run:
        out.append(_cover(run, run_end, key))
    return out


def _cover(run: list[Span], end: int, key: Callable[[Span], tuple[Any, ...]]) -> Span:
    best = min(run, key=key)
    start = run[0].start
    if best.start == start and best.end == end:
        return best
    return Span(start, end, best.label, best.score, best.source)
