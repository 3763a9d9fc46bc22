"""Per-record time budgets, so that a pathological record is quarantined instead of stalling
a worker.

The pipeline sets a deadline around detection (:func:`deadline`); long-running loops call
:func:`check` now and then. RE2 already guarantees linear-time matching, but a text made of
millions of candidates that validators reject (100 MB of digits, say) still costs time per
candidate: the budget bounds that.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import RecordError

_DEADLINE: ContextVar[float | None] = ContextVar("scrubber_deadline", default=None)


class RecordTimeout(RecordError):
    """A record exceeded the pipeline's per-record time budget; it is quarantined."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, :func:`check` raises :class:`RecordTimeout` after ``seconds``
    (``seconds <= 0`` disables the budget). Nested budgets keep the earlier deadline."""
    if seconds <= 0:
        yield
        return
    new = time.monotonic() + seconds
    current = _DEADLINE.get()
    token = _DEADLINE.set(new if current is None else min(current, new))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check() -> None:
    """Raise :class:`RecordTimeout` if the current deadline has passed."""
    limit = _DEADLINE.get()
    if limit is not None and time.monotonic() > limit:
        raise RecordTimeout("record exceeded the per-record time budget (record_time_budget_s)")
