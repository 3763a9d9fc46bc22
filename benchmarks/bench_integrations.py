"""Throughput of the integrations: HF ``Dataset.map`` (num_proc 1 vs N) and the Ray engine
against the local engine on the same input.

    PYTHONPATH=. python benchmarks/bench_integrations.py                  # all sections
    PYTHONPATH=. python benchmarks/bench_integrations.py --only hf --rows 20000

Prints a table and writes ``benchmarks/results/bench_integrations.json``. The corpus is
synthetic (stdlib ``random`` with a fixed seed: no download). Figures depend on the machine:
the JSON records its CPU count and what else was measured with it. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "bench_integrations.json"

WORDS = (
    "the of and to in is was for on that with as by at from his her this which or be are an had "
    "not but have were they their one all been has more when who will there can out other into "
    "about report meeting project invoice shipment customer account review team update"
).split()
FIRST = ["Alice", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Gustav", "Hiro", "Ines", "Jamal"]
LAST = ["Smith", "Okafor", "Nguyen", "Garcia", "Müller", "Rossi", "Kowalski", "Tanaka"]


def _pii(rng: random.Random) -> str:
    kind = rng.randrange(5)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if kind == 0:
        return f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.org"
    if kind == 1:
        return f"+1 415 555 {rng.randrange(10000):04d}"
    if kind == 2:
        return f"{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if kind == 3:
        return "4111 1111 1111 1111"
    return f"https://example.com/u/{first.lower()}"


def make_corpus(rows: int, words: int = 80, seed: int = 0) -> list[dict[str, Any]]:
    """Deterministic synthetic records: ~``words`` words each, about one PII value in 15 words."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        toks = [_pii(rng) if rng.random() < 1 / 15 else rng.choice(WORDS) for _ in range(words)]
        out.append({"id": f"doc-{i:07d}", "text": " ".join(toks)})
    return out


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def bench_hf(records: list[dict[str, Any]], pipeline: str, procs: list[int], repeat: int, batch_size: int) -> list[dict[str, Any]]:
    import datasets

    from scrubber.hf import ScrubMap

    datasets.disable_progress_bars()
    ds = datasets.Dataset.from_list(records)
    results = []
    reference = None
    for n in procs:
        def run(n: int = n) -> Any:
            return ds.map(
                ScrubMap(pipeline=pipeline), batched=True, batch_size=batch_size,
                num_proc=None if n == 1 else n, load_from_cache_file=False, keep_in_memory=True,
            )

        out = run()  # warm-up; also checks num_proc does not change output
        rows = out["text"]
        if reference is None:
            reference = rows
        elif rows != reference:
            raise SystemExit(f"num_proc={n} output differs from num_proc={procs[0]}")
        best, times = _timed(run, repeat)
        results.append({
            "case": f"hf Dataset.map num_proc={n}", "rows": len(records), "best_s": round(best, 3),
            "median_s": round(statistics.median(times), 3), "rows_per_s": round(len(records) / best, 1),
        })
    return results


def _write_jsonl(records: list[dict[str, Any]], path: Path, shards: int) -> list[Path]:
    path.mkdir(parents=True, exist_ok=True)
    files = []
    per = -(-len(records) // shards)
    for s in range(shards):
        f = path / f"part-{s:03d}.jsonl"
        with f.open("w", encoding="utf-8") as fh:
            for r in records[s * per : (s + 1) * per]:
                fh.write(json.dumps(r) + "\n")
        files.append(f)
    return files


def bench_engines(records: list[dict[str, Any]], pipeline: str, repeat: int, workers: int) -> list[dict[str, Any]]:
    """The local engine and the Ray engine (``scrubber clean --engine ray``) on the same JSONL
    input: Ray on an already running local cluster (steady state), and once end to end through
    the CLI, cluster start-up and shutdown included."""
    import ray

    from scrubber.cli.main import main as cli
    from scrubber.ray_engine import run_ray
    from scrubber.runner import CleanOptions, run_clean

    tmp = Path(tempfile.mkdtemp(prefix="bench-int-"))
    results = []
    options = CleanOptions(workers=workers, overwrite=True)

    def record(name: str, best: float, times: list[float], note: str = "") -> None:
        results.append({
            "case": name, "rows": len(records), "best_s": round(best, 3),
            "median_s": round(statistics.median(times), 3), "rows_per_s": round(len(records) / best, 1),
            "workers": workers, "note": note,
        })

    try:
        _write_jsonl(records, tmp / "in", shards=max(4, 2 * workers))
        inputs, out = [str(tmp / "in")], str(tmp / "out")
        best, times = _timed(lambda: run_clean(inputs, out, pipeline, options=options), repeat)
        record(f"local engine, {workers} workers", best, times)

        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        try:
            run_ray(inputs, out, pipeline, options=options)  # warm-up: worker processes start
            best, times = _timed(lambda: run_ray(inputs, out, pipeline, options=options), repeat)
            record(f"ray engine, {workers} actors, cluster up", best, times, "running local cluster, num_cpus=workers")
        finally:
            ray.shutdown()

        def end_to_end() -> None:
            rc = cli(["clean", *inputs, "-o", out, "-p", pipeline, "--engine", "ray", "--workers", str(workers),
                      "--overwrite", "-q"])
            if rc != 0:
                raise SystemExit(f"scrubber clean --engine ray: exit code {rc}")

        best, times = _timed(end_to_end, 1)
        record(f"ray engine, {workers} actors, CLI end to end", best, times,
               "includes starting and stopping a local Ray cluster (all cores)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--pipeline", default="fast")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--procs", default="1,2", help="num_proc values for the HF section (default: 1,2)")
    ap.add_argument("--workers", type=int, default=2, help="workers for the engine section")
    ap.add_argument("--only", choices=["hf", "engines"], action="append")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import scrubber

    sections = args.only or ["hf", "engines"]
    load_before = os.getloadavg()
    records = make_corpus(args.rows)
    results: list[dict[str, Any]] = []
    if "hf" in sections:
        results += bench_hf(records, args.pipeline, [int(p) for p in args.procs.split(",")], args.repeat, args.batch_size)
    if "engines" in sections:
        results += bench_engines(records, args.pipeline, args.repeat, args.workers)

    print(f"{'case':<46} {'rows':>7} {'best s':>8} {'rows/s':>10}")
    for r in results:
        if "error" in r:
            print(f"{r['case']:<46} {r['error']}")
        else:
            print(f"{r['case']:<46} {r['rows']:>7} {r['best_s']:>8.3f} {r['rows_per_s']:>10.1f}")

    payload = {
        "benchmark": "bench_integrations",
        "command": "PYTHONPATH=. python benchmarks/bench_integrations.py " + " ".join(argv or sys.argv[1:]),
        "scrubber": scrubber.__version__,
        "pipeline": args.pipeline,
        "corpus": f"synthetic, {args.rows} rows of 80 words, ~1 PII value per 15 words, seed 0",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    # Other work on the machine skews every figure: the 1-minute load average
                    # before and after the run says how much there was.
                    "load_avg_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)]},
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
