"""A detector type for tests/test_fail_closed.py that raises on texts holding a marker.

A module of its own (not a test file): pool workers import it when they unpickle its options,
which registers the type there too.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrubber.registry import detectors
from scrubber.spans import Span

MARKER = "XBOOMX"


@dataclass(frozen=True)
class FaultyOptions:
    marker: str = MARKER

    def validate(self) -> None:
        pass


class FaultyDetector:
    def __init__(self, options: FaultyOptions) -> None:
        self.marker = options.marker

    def __call__(self, text: str) -> list[Span]:
        if self.marker in text:
            raise RuntimeError("injected detector failure")
        return []


if "faulty_raise.v1" not in detectors.names():
    detectors.register("faulty_raise.v1", FaultyOptions)(FaultyDetector)
