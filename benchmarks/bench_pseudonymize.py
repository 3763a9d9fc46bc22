"""Throughput cost of ``pseudonymize`` and ``dp`` against ``replace``, same detectors, same texts.

Generates a corpus with realistic PII density (``gen_corpus.py``: one PII span per ~200
characters, deterministic by seed), detects once with the given pipeline's detectors, then times
for each operator

- ``transform``: applying the operators to the already-detected spans (what differs), and
- ``scrub``: detection + transform, one text at a time, as ``Pipeline.scrub`` runs it,

on ONE pinned core, best of ``--repeat`` runs. The overhead against ``replace`` is reported on
the end-to-end figure: ``(detect + transform_op) / (detect + transform_replace) - 1``.
Target: at most 10 % slower than ``replace``.

Writes ``benchmarks/results/bench_pseudonymize.json``.

    python benchmarks/bench_pseudonymize.py --pipeline fast,default --size-mb 1 --repeat 3

``fast`` (regex only) is the worst case for the relative cost: its detection is the fastest.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import _common as C  # noqa: I001  (sets sys.path for scrubber)

OPERATORS: dict[str, dict[str, Any]] = {
    "replace": {"operator": "replace"},
    "pseudonymize": {"operator": "pseudonymize", "scope": "document"},
    "pseudonymize_corpus": {"operator": "pseudonymize", "scope": "corpus"},
    "dp": {"operator": "dp"},
    "dp_preserve": {"operator": "dp", "preserve": ["gender", "country", "brand", "family"], "eps_attr": 1.0},
    "dp_link": {"operator": "dp", "link": True, "eps_link": 2.0, "link_pool_size": 1000},
}
TARGET_OVERHEAD = 0.10


def best_of(repeat: int, fn: Any) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def run_one(pipeline_name: str, size_mb: float, args: argparse.Namespace, gen_corpus: Any) -> dict[str, Any]:
    from scrubber.config import OperatorConfig, TransformsConfig, load_config
    from scrubber.keys import SecretKey
    from scrubber.pipeline import Pipeline
    from scrubber.registry import operators
    from scrubber.typed_config import from_mapping

    texts = gen_corpus.texts(args.seed, size_mb=size_mb)
    nbytes = C.text_bytes(texts)
    base = load_config(pipeline_name)
    key = SecretKey(b"bench-key-not-secret-0123456789ab")

    def pipeline_for(spec: dict[str, Any]) -> Pipeline:
        spec = dict(spec)
        name = spec.pop("operator")
        opts = from_mapping(operators.get(name).options, spec, "bench")
        cfg = type(base)(
            name=base.name, description=base.description, detectors=base.detectors, resolve=base.resolve,
            transforms=TransformsConfig(OperatorConfig(name, opts)), max_chunk_chars=base.max_chunk_chars,
            chunk_overlap=base.chunk_overlap,
        )
        return Pipeline(cfg, key=key)

    pipes = {name: pipeline_for(spec) for name, spec in OPERATORS.items()}
    detector = pipes["replace"]
    spans = [detector.detect(t) for t in texts]
    nspans = sum(map(len, spans))
    detect_s = best_of(args.repeat, lambda: [detector.detect(t) for t in texts])

    rows: dict[str, Any] = {}
    for name, pipe in pipes.items():
        transform_s = best_of(args.repeat, lambda p=pipe: [p.transform(t, s) for t, s in zip(texts, spans)])
        scrub_s = best_of(args.repeat, lambda p=pipe: [p.scrub(t) for t in texts])
        eps = [p.epsilon for p in (pipe.transform(t, s) for t, s in zip(texts, spans))]
        rows[name] = {
            "config": OPERATORS[name],
            "transform_seconds": round(transform_s, 4),
            "transform_us_per_span": round(transform_s / max(nspans, 1) * 1e6, 2),
            "scrub_seconds": round(scrub_s, 4),
            "scrub_mb_per_s": round(nbytes / 1e6 / scrub_s, 3),
            "mean_record_epsilon": round(sum(eps) / len(eps), 4),
        }
    ref = detect_s + rows["replace"]["transform_seconds"]
    for row in rows.values():
        row["overhead_vs_replace"] = round((detect_s + row["transform_seconds"]) / ref - 1.0, 4)
        row["scrub_overhead_vs_replace"] = round(row["scrub_seconds"] / rows["replace"]["scrub_seconds"] - 1.0, 4)

    header = ["operator", "transform us/span", "scrub MB/s", "overhead (detect+transform)", "overhead (scrub)"]
    table = [[n, f"{r['transform_us_per_span']:.2f}", f"{r['scrub_mb_per_s']:.3f}",
              f"{100 * r['overhead_vs_replace']:+.1f}%", f"{100 * r['scrub_overhead_vs_replace']:+.1f}%"]
             for n, r in rows.items()]
    print(f"corpus: {len(texts)} docs, {nbytes / 1e6:.2f} MB, {nspans} spans "
          f"({nbytes / max(nspans, 1):.0f} bytes/span); detectors of {pipeline_name!r}: "
          f"{nbytes / 1e6 / detect_s:.3f} MB/s (detect only); best of {args.repeat} (CPU time)")
    print(C.text_table(header, table))
    worst = max(r["overhead_vs_replace"] for n, r in rows.items() if n != "replace")
    print(f"target: <= {100 * TARGET_OVERHEAD:.0f}% slower than replace; worst: {100 * worst:+.1f}%")
    return {
        "pipeline": pipeline_name,
        "corpus": {"generator": "benchmarks/gen_corpus.py", "seed": args.seed, "docs": len(texts),
                   "mb": round(nbytes / 1e6, 3), "spans": nspans},
        "detect_seconds": round(detect_s, 4),
        "detect_mb_per_s": round(nbytes / 1e6 / detect_s, 3),
        "worst_overhead": worst,
        "operators": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pipeline", default="fast",
                    help="pipeline(s) whose detectors are used, comma-separated (default: fast)")
    ap.add_argument("--default-size-mb", type=float, default=0.3,
                    help="corpus size for pipelines with NER (default, strict: ~0.3 MB/s)")
    ap.add_argument("--size-mb", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(C.RESULTS / "bench_pseudonymize.json"))
    args = ap.parse_args(argv)

    C.single_thread_env()
    cpu = C.pin_to_one_core()
    import gen_corpus

    runs = []
    for pipeline_name in args.pipeline.split(","):
        size = args.size_mb if pipeline_name == "fast" else min(args.size_mb, args.default_size_mb)
        runs.append(run_one(pipeline_name, size, args, gen_corpus))
    result = {
        "benchmark": "bench_pseudonymize",
        "date": C.now(),
        "machine": C.machine(),
        "cpu_pinned": cpu,
        "versions": C.versions("scrubber", "google-re2", "phonenumbers", "spacy"),
        "command": "python " + " ".join(sys.argv),
        "repeat": args.repeat,
        "timing": "process CPU time, best of repeat, one pinned core",
        "target_overhead": TARGET_OVERHEAD,
        "runs": runs,
    }
    C.write_json(C.Path(args.out), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
