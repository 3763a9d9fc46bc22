"""Observed vs expected for every DP mechanism of the ``dp`` operator (the figures behind
tests/test_dp_mechanisms.py), with a fixed key so the report is reproducible.

Tolerances shown are 4.5 binomial standard errors, as in the tests. Epsilons are recomputed with
dp_accounting 0.6's PLD accountant.

    python benchmarks/dp_mechanisms_report.py [--n 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrubber.keys import SecretKey  # noqa: E402
from scrubber.pseudo.samplers import (  # noqa: E402
    KeyedStream,
    discrete_laplace_pmf,
    rr_keep_probability,
    rr_noise_parameter,
)

KEY = SecretKey(b"dp-mechanisms-fixed-test-key-0123456789")
Z = 4.5


def se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / n)


def row(name: str, observed: float, expected: float, n: int) -> str:
    tol = Z * se(expected, n)
    ok = "ok" if abs(observed - expected) <= tol else "FAIL"
    return f"  {name:<44} observed {observed:.4f}  expected {expected:.4f}  +-{tol:.4f}  n={n:<6} {ok}"


def pld_epsilon(event, relation: str, delta: float = 0.0) -> float:
    from dp_accounting import privacy_accountant as pa
    from dp_accounting.pld import pld_privacy_accountant as pld

    acc = pld.PLDAccountant(neighboring_relation=getattr(pa.NeighboringRelation, relation),
                            value_discretization_interval=1e-5)
    acc.compose(event)
    return float(acc.get_epsilon(delta))


def dp_op(**options):
    from scrubber.pseudo.operators import DPOptions, make_dp
    from scrubber.typed_config import from_mapping

    return make_dp(from_mapping(DPOptions, options))


def run_op(op, text: str, label: str, doc: str):
    from scrubber.spans import Span
    from scrubber.transforms import DocContext

    ctx = DocContext(text, doc, KEY)
    return op(text, Span(0, len(text), label), ctx), ctx.epsilon


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="draws per sampler check")
    ap.add_argument("--docs", type=int, default=3_000, help="documents per operator check")
    args = ap.parse_args(argv)
    n, docs = args.n, args.docs

    print("Bernoulli(exp(-gamma)) (CKS20 Algorithm 1)")
    for num, den in [(3, 10), (1, 1), (5, 2), (1, 20)]:
        s = KeyedStream.from_key(KEY, "bexp", f"{num}/{den}")
        hits = sum(s.bernoulli_exp(num, den) for _ in range(n))
        print(row(f"gamma={num}/{den}: P(1)", hits / n, math.exp(-num / den), n))

    print("B-ary randomized response: P(keep) = e^eps / (e^eps + B - 1)")
    for eps, b, m in [(1.0, 2, n), (0.5, 4, n), (1.0, 12, n), (2.4, 1000, min(n, 6000))]:
        s = KeyedStream.from_key(KEY, "rr-keep", str(eps), str(b))
        true = b // 2
        outs = [s.randomized_response(true, b, Fraction(repr(eps))) for _ in range(m)]
        print(row(f"B={b} eps={eps}: keep", outs.count(true) / m, rr_keep_probability(eps, b), m))
        if b <= 12:
            other = (1 - rr_keep_probability(eps, b)) / (b - 1)
            worst = max((abs(outs.count(y) / m - other), y) for y in range(b) if y != true)[1]
            print(row(f"B={b} eps={eps}: each other bucket (worst y={worst})", outs.count(worst) / m, other, m))

    print("Neighbouring inputs, B=4, eps=1: P(y|x=0) / P(y|x=1) <= e^1 = 2.7183")
    s0, s1 = KeyedStream.from_key(KEY, "rr-ratio", "x0"), KeyedStream.from_key(KEY, "rr-ratio", "x1")
    out0 = [s0.randomized_response(0, 4, Fraction(1)) for _ in range(n)]
    out1 = [s1.randomized_response(1, 4, Fraction(1)) for _ in range(n)]
    for y in range(4):
        p0, p1 = out0.count(y) / n, out1.count(y) / n
        print(f"  y={y}: P(y|0)={p0:.4f} P(y|1)={p1:.4f} ratio={p0 / p1:.4f}")

    print("Discrete Laplace (CKS20 Algorithm 2): P(Z=z) = tanh(eps/2) exp(-eps|z|)")
    for eps in (0.5, 0.25):
        s = KeyedStream.from_key(KEY, "dlap", str(eps))
        draws = [s.discrete_laplace(Fraction(repr(eps))) for _ in range(n)]
        c = Counter(draws)
        for z in (-3, -1, 0, 1, 3):
            print(row(f"eps={eps}: P(Z={z})", c[z] / n, discrete_laplace_pmf(z, eps), n))
        a = math.exp(-eps)
        var = 2 * a / (1 - a) ** 2
        mean = sum(draws) / n
        emp_var = sum((d - mean) ** 2 for d in draws) / n
        print(f"  eps={eps}: mean {mean:+.4f} (expected 0 +-{Z * math.sqrt(var / n):.4f}); "
              f"variance {emp_var:.2f} (expected {var:.2f})")

    print("Through the dp operator (one release per document, key fixed, doc ids doc-0..)")
    from scrubber.pseudo.pools import name_pools

    female = {x.casefold() for x in name_pools().given[("en_US", "female")]}
    op = dp_op(preserve=["gender"], eps_attr=1.0)
    outs = [run_op(op, "Mary Smith", "PERSON", f"doc-{i}") for i in range(docs)]
    kept = sum(o.split()[0].casefold() in female for o, _ in outs) / docs
    print(row("gender RR eps_attr=1: female kept", kept, rr_keep_probability(1.0, 2), docs)
          + f"  record eps {outs[0][1]}")
    op = dp_op(eps_per_day=0.25)
    shifts = []
    for i in range(docs):
        out, _ = run_op(op, "2023-06-15", "DATE_TIME", f"doc-{i}")
        shifts.append((dt.date.fromisoformat(out) - dt.date(2023, 6, 15)).days)
    c = Counter(shifts)
    for z in (-2, 0, 2):
        print(row(f"date shift eps_per_day=0.25: P(shift={z})", c[z] / docs, discrete_laplace_pmf(z, 0.25), docs))
    op = dp_op(eps_age=1.0)
    kept = sum(40 <= int(run_op(op, "42", "AGE", f"doc-{i}")[0]) <= 49 for i in range(docs)) / docs
    print(row("age band RR eps_age=1, B=12: band kept", kept, rr_keep_probability(1.0, 12), docs))
    op = dp_op(link=True, eps_link=2.0, link_pool_size=50)
    link = Counter(run_op(op, "jane.roe@acme.org", "EMAIL_ADDRESS", f"doc-{i}")[0] for i in range(docs))
    print(row("link k=50 eps_link=2: consistent pseudonym", link.most_common(1)[0][1] / docs,
              rr_keep_probability(2.0, 50), docs))

    print("Epsilons against dp_accounting 0.6 (PLD accountant)")
    import dp_accounting
    from dp_accounting.dp_event import DiscreteLaplaceDpEvent

    for eps, b in [(1.0, 2), (1.0, 12), (2.0, 50), (2.4, 1000)]:
        e = pld_epsilon(dp_accounting.RandomizedResponseDpEvent(rr_noise_parameter(eps, b), b), "REPLACE_ONE")
        print(f"  RandomizedResponseDpEvent(p={rr_noise_parameter(eps, b):.4f}, k={b}): {e:.4f} (configured {eps})")
    for days in (1, 30, 365):
        e = pld_epsilon(DiscreteLaplaceDpEvent(noise_parameter=0.05, sensitivity=days), "ADD_OR_REMOVE_ONE")
        print(f"  DiscreteLaplaceDpEvent(0.05, sensitivity={days} days): {e:.4f} (0.05 x {days} = {0.05 * days:g})")
    e = pld_epsilon(dp_accounting.LaplaceDpEvent(noise_multiplier=20.0), "ADD_OR_REMOVE_ONE", 1e-12)
    print(f"  LaplaceDpEvent(noise_multiplier=20) at delta=1e-12: {e:.4f} (per day: 0.05)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
