"""ReDoS: the worst time of every shipped rule on adversarial 100 KB inputs.

For each rule (``rules/*.yaml``), alone in its own :class:`~scrubber.engine.RegexEngine` (RE2 +
its validator), inputs of ~100 KB built from: its positive examples repeated without and with
separators; runs of each character class its pattern uses (digits, letters, hex, word chars,
dots, dashes, spaces, ``@``...); its longest literal prefix repeated; near misses (a positive
example with its last character dropped, repeated, so that validators run on every candidate).
Prints a table and writes ``benchmarks/results/bench_redos.json``.

RE2 guarantees time linear in the input; validators are bounded per candidate; and
:mod:`scrubber.deadline` bounds the total per record. These figures check the constant factors.

    python benchmarks/bench_redos.py [--size 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrubber.engine import RegexEngine  # noqa: E402
from scrubber.resources import rules_dir  # noqa: E402
from scrubber.rules import load_rules  # noqa: E402

CLASSES = {
    "digits": "0123456789", "letters": "abcdefghijklmnopqrstuvwxyz", "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "hex": "0123456789abcdef", "alnum": "a1B2c3D4e5", "dots": ".", "dashes": "-", "spaces": " ",
    "at": "@", "colons": ":", "slashes": "/", "underscores": "_", "plus": "+", "digit_space": "1 ",
    "digit_dash": "1-", "digit_dot": "1.", "word_dot": "a.", "equals": "=", "quotes": "'\"",
    "unicode_letters": "éßøДж字",
}


def literal_prefix(pattern: str) -> str:
    m = re.match(r"(?:\\b|\(\?i\)|\^)*([A-Za-z0-9_:/=@.-]{2,})", pattern.replace("\\.", "."))
    return m.group(1) if m else ""


def inputs(rule, size: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    def fill(unit: str) -> str:
        return (unit * (size // max(1, len(unit)) + 1))[:size] if unit else ""

    cases: dict[str, str] = {}
    for i, ex in enumerate(rule.matches[:3]):
        cases[f"example{i}_concat"] = fill(ex.text)
        cases[f"example{i}_spaced"] = fill(ex.text + " ")
        cases[f"example{i}_newline"] = fill(ex.text + "\n")
        if len(ex.text) > 1:
            cases[f"example{i}_near_miss"] = fill(ex.text[:-1] + " ")
    for name, chars in CLASSES.items():
        cases[f"run_{name}"] = fill(chars)
    prefix = literal_prefix(rule.pattern)
    if prefix:
        cases["prefix_repeated"] = fill(prefix)
        cases["prefix_then_digits"] = fill(prefix + "1" * 40 + " ")
    return {k: v for k, v in cases.items() if v}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bench_redos.json"))
    args = ap.parse_args(argv)
    rules = load_rules([rules_dir()])
    results = []
    for rule in rules:
        engine = RegexEngine([rule])
        worst = (0.0, "", 0)
        for name, text in inputs(rule, args.size).items():
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                spans = engine.find(text)
                best = min(best, time.perf_counter() - t0)
            if best > worst[0]:
                worst = (best, name, len(spans))
        results.append({"rule": rule.id, "validator": rule.validator, "worst_seconds": round(worst[0], 4),
                        "worst_input": worst[1], "spans_on_worst": worst[2],
                        "mb_per_s_on_worst": round(args.size / worst[0] / 1e6, 1) if worst[0] else None})
        print(f"{rule.id:40s} {worst[0] * 1000:9.1f} ms  {worst[1]:24s} spans={worst[2]}", flush=True)
    results.sort(key=lambda r: -r["worst_seconds"])
    out = {"size_bytes": args.size, "repeat": args.repeat, "python": platform.python_version(),
           "machine": platform.machine(), "rules": len(results),
           "worst_overall_seconds": results[0]["worst_seconds"] if results else 0.0, "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"worst: {results[0]['rule']} {results[0]['worst_seconds'] * 1000:.1f} ms on {results[0]['worst_input']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
