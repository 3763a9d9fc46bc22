"""A one-line progress bar on stderr: records, MB, MB/s, and an ETA when the input size is known.

MB count the records as read (decompressed), so MB/s is the real throughput whatever the
compression; the percentage and the ETA come from the position in the input files on disk.

Silent unless the stream is a terminal (logs and pipes get no carriage-return noise), and
rate-limited so that drawing never costs the run anything measurable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

MB = 1_000_000


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def render(records: int, data: int, done: int, total: int | None, elapsed: float) -> str:
    """The bar's text: ``records`` records of ``data`` bytes read, ``done`` of ``total`` bytes
    of input on disk, after ``elapsed`` seconds."""
    parts = [f"{records:,} records", f"{data / MB:,.1f} MB", f"{data / elapsed / MB if elapsed > 0 else 0.0:,.1f} MB/s"]
    if total:
        fraction = min(1.0, done / total)
        parts.append(f"{100 * fraction:.0f}%")
        if 0 < fraction:
            parts.append(f"ETA {_clock(elapsed * (1 - fraction) / fraction)}")
    return " | ".join(parts)


class Progress:
    """``update()`` with running totals; ``close()`` draws the final state and ends the line.

    ``enabled=None`` means: only when ``stream`` is a terminal.
    """

    def __init__(self, total_bytes: int | None = None, *, stream: TextIO | None = None,
                 enabled: bool | None = None, min_interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.total = total_bytes
        self.min_interval = min_interval
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._width = 0
        self._state = (0, 0, 0)

    def _draw(self) -> None:
        records, data, done = self._state
        text = render(records, data, done, self.total, time.monotonic() - self._start)
        # Pad over the previous, possibly longer, line.
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def update(self, records: int, data_bytes: int, done_bytes: int) -> None:
        """Running totals: records and their bytes as read; input bytes on disk consumed."""
        self._state = (records, data_bytes, done_bytes)
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._draw()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False
