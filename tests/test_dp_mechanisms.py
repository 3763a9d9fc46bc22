"""Statistical tests of the DP mechanisms, with a fixed key and tolerances from the math.

Every tolerance is ``Z`` standard errors of the estimate (binomial: sqrt(p(1-p)/n)), Z = 4.5:
a correct sampler fails one check with probability ~7e-6 (two-sided normal tail); with a fixed
key the draws are deterministic, so the tests are not flaky either way. Epsilons are compared
with dp_accounting (the PLD accountant) where it models the same mechanism.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from scrubber.keys import SecretKey
from scrubber.pseudo.samplers import (
    KeyedStream,
    discrete_laplace_pmf,
    rr_keep_probability,
    rr_noise_parameter,
)

KEY = SecretKey(b"dp-mechanisms-fixed-test-key-0123456789")
Z = 4.5


def se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / n)


# -- the samplers -----------------------------------------------------------------------------


@pytest.mark.parametrize("num, den", [(3, 10), (1, 1), (5, 2), (1, 20)])
def test_dp_mechanisms_bernoulli_exp_rate(num, den):
    s = KeyedStream.from_key(KEY, "bexp", f"{num}/{den}")
    n = 20_000
    hits = sum(s.bernoulli_exp(num, den) for _ in range(n))
    p = math.exp(-num / den)
    assert abs(hits / n - p) <= Z * se(p, n)


@pytest.mark.parametrize("eps, buckets, n", [(1.0, 2, 20_000), (0.5, 4, 20_000), (1.0, 12, 20_000), (2.4, 1000, 6_000)])
def test_dp_mechanisms_randomized_response_keep_rate(eps, buckets, n):
    s = KeyedStream.from_key(KEY, "rr-keep", str(eps), str(buckets))
    true = buckets // 2
    outs = [s.randomized_response(true, buckets, Fraction(repr(eps))) for _ in range(n)]
    keep = rr_keep_probability(eps, buckets)  # e^eps / (e^eps + B - 1)
    assert abs(outs.count(true) / n - keep) <= Z * se(keep, n)
    if buckets <= 12:  # the other buckets are equally likely
        other = (1 - keep) / (buckets - 1)
        for b in range(buckets):
            if b != true:
                assert abs(outs.count(b) / n - other) <= Z * se(other, n)


def test_dp_mechanisms_randomized_response_neighbour_ratio_within_e_eps():
    """For neighbouring inputs x, x', P(y|x) <= e^eps P(y|x') for every y, up to sampling error,
    and the bound is attained at y = x (the mechanism spends its whole budget)."""
    eps, buckets, n = 1.0, 4, 20_000
    frac = Fraction(1)
    s0 = KeyedStream.from_key(KEY, "rr-ratio", "x0")
    s1 = KeyedStream.from_key(KEY, "rr-ratio", "x1")
    out0 = [s0.randomized_response(0, buckets, frac) for _ in range(n)]
    out1 = [s1.randomized_response(1, buckets, frac) for _ in range(n)]
    bound = math.exp(eps)
    for y in range(buckets):
        p0, p1 = out0.count(y) / n, out1.count(y) / n
        slack = Z * (se(p0, n) + bound * se(p1, n))
        assert p0 <= bound * p1 + slack and p1 <= bound * p0 + Z * (se(p1, n) + bound * se(p0, n))
    p0, p1 = out0.count(0) / n, out1.count(0) / n
    # ratio at y = x: e^eps up to the delta-method error of a ratio of two proportions
    ratio_se = (p0 / p1) * math.sqrt(se(p0, n) ** 2 / p0**2 + se(p1, n) ** 2 / p1**2)
    assert abs(p0 / p1 - bound) <= Z * ratio_se


@pytest.mark.parametrize("eps", [0.5, 0.25])
def test_dp_mechanisms_discrete_laplace_matches_pmf(eps):
    s = KeyedStream.from_key(KEY, "dlap", str(eps))
    n = 20_000
    draws = [s.discrete_laplace(Fraction(repr(eps))) for _ in range(n)]
    for z in range(-8, 9):
        p = discrete_laplace_pmf(z, eps)
        assert abs(draws.count(z) / n - p) <= Z * se(p, n), z
    a = math.exp(-eps)
    var = 2 * a / (1 - a) ** 2
    mean = sum(draws) / n
    assert abs(mean) <= Z * math.sqrt(var / n)
    tail = sum(1 for d in draws if abs(d) > 8) / n
    p_tail = 2 * a**9 / (1 + a)
    assert abs(tail - p_tail) <= Z * se(p_tail, n)


def test_dp_mechanisms_discrete_laplace_neighbour_ratio():
    """Shifting the input by one day multiplies every output probability by at most e^eps."""
    eps, n = 0.5, 20_000
    s = KeyedStream.from_key(KEY, "dlap-ratio")
    draws = [s.discrete_laplace(Fraction(1, 2)) for _ in range(n)]
    for y in range(-4, 5):  # outputs of x = 0 (y = Z) and x' = 1 (y = 1 + Z)
        p_x = draws.count(y) / n
        p_x1 = draws.count(y - 1) / n
        assert p_x <= math.exp(eps) * p_x1 + Z * (se(p_x, n) + math.exp(eps) * se(p_x1, n))


# -- the epsilons against dp_accounting -------------------------------------------------------


def _pld_epsilon(event, relation: str, delta: float = 0.0) -> float:
    from dp_accounting import privacy_accountant as pa
    from dp_accounting.pld import pld_privacy_accountant as pld

    acc = pld.PLDAccountant(neighboring_relation=getattr(pa.NeighboringRelation, relation),
                            value_discretization_interval=1e-5)
    acc.compose(event)
    return acc.get_epsilon(delta)


@pytest.mark.parametrize("eps, buckets", [(1.0, 2), (1.0, 12), (2.0, 50), (2.4, 1000)])
def test_dp_mechanisms_rr_epsilon_agrees_with_dp_accounting(eps, buckets):
    import dp_accounting

    event = dp_accounting.RandomizedResponseDpEvent(noise_parameter=rr_noise_parameter(eps, buckets),
                                                    num_buckets=buckets)
    assert _pld_epsilon(event, "REPLACE_ONE") == pytest.approx(eps, abs=1e-3)


@pytest.mark.parametrize("eps_per_day, days", [(0.05, 1), (0.05, 30), (0.05, 365), (0.25, 7)])
def test_dp_mechanisms_date_shift_epsilon_agrees_with_dp_accounting(eps_per_day, days):
    from dp_accounting.dp_event import DiscreteLaplaceDpEvent

    # PRIVACY.md: 0.05 per day hides dates a month apart at 1.5; a year apart costs 18.25.
    event = DiscreteLaplaceDpEvent(noise_parameter=eps_per_day, sensitivity=days)
    assert _pld_epsilon(event, "ADD_OR_REMOVE_ONE") == pytest.approx(eps_per_day * days, abs=1e-3)


def test_dp_mechanisms_laplace_event_gives_the_same_per_day_epsilon():
    import dp_accounting

    # The continuous Laplace mechanism of scale 1/eps has the same epsilon per unit of distance;
    # the discrete one is used because floating-point Laplace leaks through its low bits.
    event = dp_accounting.LaplaceDpEvent(noise_multiplier=1 / 0.05)
    assert _pld_epsilon(event, "ADD_OR_REMOVE_ONE", delta=1e-12) == pytest.approx(0.05, abs=1e-4)


# -- the mechanisms through the dp operator ---------------------------------------------------


def _op(**options):
    from scrubber.pseudo.operators import DPOptions, make_dp
    from scrubber.typed_config import from_mapping

    return make_dp(from_mapping(DPOptions, options))


def _run(op, text: str, label: str, doc_id: str):
    from scrubber.spans import Span
    from scrubber.transforms import DocContext

    ctx = DocContext(text, doc_id, KEY)
    return op(text, Span(0, len(text), label), ctx), ctx.epsilon


def test_dp_mechanisms_operator_gender_rr_keep_rate_and_epsilon():
    import dp_accounting

    from scrubber.pseudo.pools import name_pools

    female = {n.casefold() for n in name_pools().given[("en_US", "female")]}
    op = _op(preserve=["gender"], eps_attr=1.0)
    n = 3000
    kept = 0
    for i in range(n):
        out, eps = _run(op, "Mary Smith", "PERSON", f"doc-{i}")
        kept += out.split()[0].casefold() in female
        assert eps == 1.0
    keep = rr_keep_probability(1.0, 2)
    assert abs(kept / n - keep) <= Z * se(keep, n)
    event = dp_accounting.RandomizedResponseDpEvent(noise_parameter=rr_noise_parameter(1.0, 2), num_buckets=2)
    assert _pld_epsilon(event, "REPLACE_ONE") == pytest.approx(eps, abs=1e-3)


def test_dp_mechanisms_operator_without_preserve_is_value_independent():
    """No attribute preserved: a female and a male name give the same output distribution."""
    from scrubber.pseudo.pools import name_pools

    female = {n.casefold() for n in name_pools().given[("en_US", "female")]}
    op = _op()
    n = 3000
    rates = []
    for name in ("Mary Smith", "John Smith"):
        hits = 0
        for i in range(n):
            out, eps = _run(op, name, "PERSON", f"doc-{i}")
            hits += out.split()[0].casefold() in female
            assert eps == 0.0
        rates.append(hits / n)
    assert abs(rates[0] - rates[1]) <= Z * math.sqrt(2 * 0.25 / n)
    assert abs(rates[0] - 0.5) <= Z * se(0.5, n)


def test_dp_mechanisms_operator_date_shift_matches_discrete_laplace():
    import datetime as dt

    eps = 0.25
    op = _op(eps_per_day=eps)
    n = 3000
    shifts = []
    for i in range(n):
        out, spent = _run(op, "2023-06-15", "DATE_TIME", f"doc-{i}")
        shifts.append((dt.date.fromisoformat(out) - dt.date(2023, 6, 15)).days)
        assert spent == pytest.approx(eps)
    for z in range(-6, 7):
        p = discrete_laplace_pmf(z, eps)
        assert abs(shifts.count(z) / n - p) <= Z * se(p, n), z


def test_dp_mechanisms_operator_age_bands_rr():
    op = _op(eps_age=1.0)
    n = 3000
    kept = 0
    for i in range(n):
        out, spent = _run(op, "42", "AGE", f"doc-{i}")
        kept += 40 <= int(out) <= 49
        assert spent == 1.0
    keep = rr_keep_probability(1.0, 12)
    assert abs(kept / n - keep) <= Z * se(keep, n)


def test_dp_mechanisms_operator_link_k_ary_rr():
    """Corpus-consistent pseudonym released with P = e^eps / (e^eps + k - 1), else uniform."""
    from collections import Counter

    eps, k, n = 2.0, 50, 3000
    op = _op(link=True, eps_link=eps, link_pool_size=k)
    counts: Counter[str] = Counter()
    for i in range(n):
        out, spent = _run(op, "jane.roe@acme.org", "EMAIL_ADDRESS", f"doc-{i}")
        counts[out] += 1
        assert spent == 2.0
    (_, top), *rest = counts.most_common()
    keep = rr_keep_probability(eps, k)
    assert abs(top / n - keep) <= Z * se(keep, n)
    other = (1 - keep) / (k - 1)
    assert all(c / n <= other + Z * se(other, n) for _, c in rest)
