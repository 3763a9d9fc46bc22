from __future__ import annotations

import io

import pytest

from scrubber.progress import Progress, render


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "records, data, done, total, elapsed, expected",
    [
        # 50 MB read from the first quarter of a 40 MB compressed input: 30 s to go.
        (1234, 50_000_000, 10_000_000, 40_000_000, 10.0, "1,234 records | 50.0 MB | 5.0 MB/s | 25% | ETA 0:00:30"),
        (10, 3_000_000, 3_000_000, None, 2.0, "10 records | 3.0 MB | 1.5 MB/s"),
        (0, 0, 0, 100, 0.0, "0 records | 0.0 MB | 0.0 MB/s | 0%"),
        (5, 7_000_000, 100, 100, 3700.0, "5 records | 7.0 MB | 0.0 MB/s | 100% | ETA 0:00:00"),
    ],
)
def test_progress_render(records, data, done, total, elapsed, expected):
    assert render(records, data, done, total, elapsed) == expected


def test_progress_silent_when_not_a_terminal():
    stream = io.StringIO()
    p = Progress(100, stream=stream)
    p.update(1, 50, 50)
    p.close()
    assert stream.getvalue() == ""


def test_progress_draws_on_a_terminal_and_ends_the_line():
    stream = FakeTTY()
    p = Progress(2_000_000, stream=stream, min_interval=0)
    p.update(5, 3_000_000, 1_000_000)
    p.update(9, 6_000_000, 2_000_000)
    p.close()
    out = stream.getvalue()
    assert out.startswith("\r5 records | 3.0 MB | ") and "| 50% | ETA " in out and out.endswith("\n")
    assert out.count("\r") == 3 and "9 records | 6.0 MB" in out and "| 100% |" in out


def test_progress_disabled_explicitly_even_on_a_terminal():
    stream = FakeTTY()
    p = Progress(10, stream=stream, enabled=False)
    p.update(1, 5, 5)
    p.close()
    assert stream.getvalue() == ""
