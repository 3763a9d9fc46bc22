"""Where the time of the ``fast`` regex tier goes, against the 50 MB/s-per-core budget.

At 50 MB/s a megabyte of text may cost 20 ms in all. On one pinned core and the same generated
corpus as ``bench_detect.py`` (deterministic by seed), this prints and records, in ms per MB:

- ``re2_sets``: the RE2::Set passes that tell which rules match a text (``scrubber.engine``),
  on the first pass over the corpus (lazily built DFAs: "cold") and on a second one ("warm");
- ``rule_scans``: the per-rule RE2 scans that find each match of those rules;
- ``validators``: the validators of the candidates, of which ``phonenumbers`` parsing alone is
  reported as ``phonenumbers``;
- ``grouping``: ``RegexEngine.find`` with the shipped ``scan_group`` keys against one joint
  Set for every plain rule, each a fresh engine: MB/s on its first pass and on its third;
- ``hyperscan`` (when the optional ``hyperscan`` package is installed): one Hyperscan block
  database over every rule it can compile without Unicode property classes (Hyperscan takes
  seconds to minutes on those), scanning the same bytes with no callback at all (the floor of a
  Hyperscan prefilter) and with a Python callback that records each match end (what the engine
  would need to restrict the rule scans), plus the database's compile time and size.

It answers whether swapping the prefilter would reach the budget; it is not a target itself.
Writes ``benchmarks/results/bench_regex_budget.json``.

    python benchmarks/bench_regex_budget.py --size-mb 10
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _common as C  # noqa: I001  (sets sys.path for scrubber)

BUDGET_MS_PER_MB = 1000 / 50.0


def engine_breakdown(engine: Any, datas: list[bytes], mb: float) -> dict[str, Any]:
    """One pass of the engine's own algorithm, timed part by part (same calls as
    ``RegexEngine.find``, minus the deadline checks and span building)."""
    import phonenumbers

    from scrubber.engine import _UNANCHORED as unanchored

    ctx = engine.context
    t_set = t_scan = t_val = 0.0
    scans = validations = 0
    parse_calls = [0, 0.0]
    real_parse = phonenumbers.parse

    def timed_parse(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_parse(*a, **k)
        finally:
            parse_calls[0] += 1
            parse_calls[1] += time.perf_counter() - t

    phonenumbers.parse = timed_parse
    try:
        for data in datas:
            n = len(data)
            todo = []
            t0 = time.perf_counter()
            for gate, rule_set, compiled in engine._groups:
                if gate is not None and gate.Match(unanchored, data, 0, n)[0][0] < 0:
                    continue
                hits = rule_set.Match(data)
                if hits:
                    todo.extend(compiled[i] for i in sorted(hits))
            t_set += time.perf_counter() - t0
            for cr in todo:
                pos = 0
                while pos <= n:
                    t0 = time.perf_counter()
                    spans = cr.regexp.Match(unanchored, data, pos, n)
                    t_scan += time.perf_counter() - t0
                    scans += 1
                    start, end = spans[0]
                    if start < 0:
                        break
                    s, e = spans[cr.group] if cr.group else (start, end)
                    ok = s >= 0 and e > s
                    if ok and cr.validator is not None:
                        t0 = time.perf_counter()
                        ok = cr.validator(data[s:e].decode("utf-8", "surrogatepass"), ctx)
                        t_val += time.perf_counter() - t0
                        validations += 1
                    pos = (e if cr.group else (end if end > start else end + 1)) if ok else start + 1
    finally:
        phonenumbers.parse = real_parse
    ms = lambda s: round(1000 * s / mb, 2)  # noqa: E731
    return {"re2_sets_ms_per_mb": ms(t_set), "rule_scans_ms_per_mb": ms(t_scan), "rule_scan_calls_per_mb": round(scans / mb),
            "validators_ms_per_mb": ms(t_val), "validator_calls_per_mb": round(validations / mb),
            "phonenumbers_ms_per_mb": ms(parse_calls[1]), "phonenumbers_parses_per_mb": round(parse_calls[0] / mb)}


def grouping_figures(rules: list[Any], texts: list[str], mb: float) -> dict[str, Any]:
    """``find`` MB/s of a fresh engine per grouping: first pass (cold DFAs) and third pass;
    the two groupings alternate so that a drift of the machine hits both alike."""
    import dataclasses

    from scrubber.engine import RegexEngine

    variants = {"shipped": rules, "one_joint_set": [dataclasses.replace(r, scan_group="") for r in rules]}
    out: dict[str, Any] = {name: {"first_pass_mb_per_s": [], "third_pass_mb_per_s": []} for name in variants}
    for _ in range(2):
        for name, rs in variants.items():
            engine = RegexEngine(rs)
            for k in range(3):
                t0 = time.process_time()
                for t in texts:
                    engine.find(t)
                speed = round(mb / (time.process_time() - t0), 2)
                if k == 0:
                    out[name]["first_pass_mb_per_s"].append(speed)
                elif k == 2:
                    out[name]["third_pass_mb_per_s"].append(speed)
            out[name]["set_passes"] = len(engine._groups)
    return out


def hyperscan_figures(rules: list[Any], datas: list[bytes], mb: float) -> dict[str, Any]:
    try:
        import hyperscan
    except ImportError:
        return {"skipped": "the hyperscan package is not installed (pip install hyperscan)"}
    eligible = [r for r in rules if "\\p" not in r.pattern]
    flags = [hyperscan.HS_FLAG_UTF8 | (hyperscan.HS_FLAG_CASELESS if r.ignore_case else 0) for r in eligible]
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    t0 = time.perf_counter()
    db.compile(expressions=[r.pattern.encode("utf-8") for r in eligible], ids=list(range(len(eligible))),
               elements=len(eligible), flags=flags)
    compile_s = time.perf_counter() - t0
    size = len(hyperscan.dumpb(db))
    ends: list[tuple[int, int]] = []
    add = ends.append

    def on_match(rule: int, start: int, end: int, flags: int, context: Any) -> None:
        add((rule, end))

    out: dict[str, Any] = {"rules": len(eligible), "rules_left_out": len(rules) - len(eligible),
                           "compile_seconds": round(compile_s, 2), "database_bytes": size}
    for name, handler in (("no_callback", None), ("callback", on_match)):
        best = float("inf")
        for _ in range(2):
            ends.clear()
            t0 = time.perf_counter()
            for data in datas:
                db.scan(data, match_event_handler=handler)
            best = min(best, time.perf_counter() - t0)
        out[f"scan_{name}_ms_per_mb"] = round(1000 * best / mb, 2)
        out[f"scan_{name}_mb_per_s"] = round(mb / best, 1)
    out["match_ends_per_mb"] = round(len(ends) / mb)
    out["match_ends_by_rule_top5"] = dict(Counter(eligible[i].id for i, _ in ends).most_common(5))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chars-per-pii", type=float, default=200.0)
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--out", type=Path, default=C.RESULTS / "bench_regex_budget.json")
    a = ap.parse_args(argv)
    if a.size_mb <= 0:
        ap.error("--size-mb must be positive")
    C.single_thread_env()
    cpu = None if a.no_pin else C.pin_to_one_core()

    import gen_corpus

    import scrubber
    from scrubber.engine import encode_text

    texts = gen_corpus.texts(a.seed, size_mb=a.size_mb, chars_per_pii=a.chars_per_pii)
    datas = [encode_text(t) for t in texts]
    mb = sum(map(len, datas)) / 1e6
    engine = scrubber.load("fast").detectors[0].engine
    cold = engine_breakdown(engine, datas, mb)
    warm = engine_breakdown(engine, datas, mb)
    grouping = grouping_figures(list(engine.rules), texts, mb)
    hs = hyperscan_figures(list(engine.rules), datas, mb)
    result = {
        "date": C.now(), "command": "python benchmarks/bench_regex_budget.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {**C.machine(), "pinned_cpu": cpu},
        "versions": C.versions("scrubber", "google-re2", "phonenumbers", "hyperscan"),
        "corpus": {"generator": "benchmarks/gen_corpus.py", "seed": a.seed, "chars_per_pii": a.chars_per_pii,
                   "mb": round(mb, 3), "docs": len(datas)},
        "budget_ms_per_mb": BUDGET_MS_PER_MB,
        "scrubber_engine": {"rules": len(engine.rules), "re2_set_passes": len(engine._groups),
                            "first_pass": cold, "second_pass": warm},
        "grouping": grouping,
        "hyperscan": hs,
    }
    print(f"corpus: {len(datas)} docs, {mb:.1f} MB; budget at 50 MB/s: {BUDGET_MS_PER_MB:.0f} ms per MB")
    for name, r in (("first pass", cold), ("second pass", warm)):
        print(f"  scrubber engine, {name}: RE2 sets {r['re2_sets_ms_per_mb']} ms/MB, rule scans {r['rule_scans_ms_per_mb']} "
              f"({r['rule_scan_calls_per_mb']} calls/MB), validators {r['validators_ms_per_mb']} "
              f"(phonenumbers alone {r['phonenumbers_ms_per_mb']}, {r['phonenumbers_parses_per_mb']} parses/MB)")
    for name, g in grouping.items():
        print(f"  find() with {name.replace('_', ' ')} ({g['set_passes']} Set passes): first pass {g['first_pass_mb_per_s']} MB/s, "
              f"third pass {g['third_pass_mb_per_s']} MB/s")
    if "skipped" in hs:
        print(f"  hyperscan: {hs['skipped']}")
    else:
        print(f"  hyperscan over {hs['rules']} rules ({hs['rules_left_out']} with \\p left out): compile {hs['compile_seconds']} s, "
              f"{hs['database_bytes'] / 1e6:.1f} MB; scan {hs['scan_no_callback_ms_per_mb']} ms/MB with no callback, "
              f"{hs['scan_callback_ms_per_mb']} ms/MB recording {hs['match_ends_per_mb']} match ends/MB")
    print(f"wrote {C.write_json(a.out, result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
