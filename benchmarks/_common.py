"""Helpers shared by the benchmark scripts: timing, peak RSS, machine info, result files.

Benchmarks are not tests: they print figures and commit their results as JSON under
``benchmarks/results/``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
DEFAULT_DATA = REPO.parent / "shared" / "data"

if str(REPO) not in sys.path:  # run as `python benchmarks/x.py` without PYTHONPATH
    sys.path.insert(0, str(REPO))

# One thread per process for BLAS/OpenMP (spaCy's thinc, numpy): figures are per core, and
# the machine is shared.
SINGLE_THREAD_ENV = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                      "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}


def single_thread_env() -> None:
    for k, v in SINGLE_THREAD_ENV.items():
        os.environ.setdefault(k, v)


def pin_to_one_core() -> int | None:
    """Pin this process to one CPU (the last one it may use); returns it, or None where the
    platform cannot pin."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        cpu = cpus[-1]
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (10**6 bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return peak * (1 if sys.platform == "darwin" else 1024) / 1e6


def text_bytes(texts: Iterable[str]) -> int:
    return sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall clock, perf_counter), and
    ``t.cpu_seconds`` (process CPU time: less sensitive to a busy shared machine)."""

    def __enter__(self) -> Timer:
        self._t0 = time.perf_counter()
        self._c0 = time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self._t0
        self.cpu_seconds = time.process_time() - self._c0


def throughput(nbytes: int, ndocs: int, seconds: float) -> dict[str, float]:
    return {
        "mb": round(nbytes / 1e6, 3),
        "docs": ndocs,
        "seconds": round(seconds, 3),
        "mb_per_s": round(nbytes / 1e6 / seconds, 4) if seconds > 0 else float("inf"),
        "docs_per_s": round(ndocs / seconds, 2) if seconds > 0 else float("inf"),
    }


def versions(*modules: str) -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for m in modules:
        try:
            out[m] = metadata.version(m)
        except metadata.PackageNotFoundError:
            if m == "scrubber":  # a source checkout that is not pip-installed
                from scrubber import __version__

                out[m] = f"{__version__} (source)"
            else:
                out[m] = "not installed"
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    return path


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A GitHub Markdown table; ``align`` is one char per column (l/r)."""
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
    )
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]])


def fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
