"""The keyed stream and the exact samplers: determinism, ranges, no global RNG, exact rationals."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from scrubber.errors import ConfigError
from scrubber.keys import SecretKey
from scrubber.pseudo.samplers import (
    KeyedStream,
    rr_epsilon,
    rr_keep_probability,
    rr_noise_parameter,
    to_fraction,
)

KEY = SecretKey(b"samplers-test-key-0123456789abcdef")


def _draws(stream: KeyedStream, n: int = 50) -> list[int]:
    return [stream.randbelow(1000) for _ in range(n)]


def test_samplers_stream_is_deterministic_per_key_and_parts():
    a = _draws(KeyedStream.from_key(KEY, "doc", "PERSON", "smith"))
    assert a == _draws(KeyedStream.from_key(KEY, "doc", "PERSON", "smith"))
    assert a != _draws(KeyedStream.from_key(KEY, "doc", "PERSON", "jones"))
    assert a != _draws(KeyedStream.from_key(SecretKey(b"another-key-0123456789abcdef"), "doc", "PERSON", "smith"))


def test_samplers_stream_accepts_raw_bytes_keys_and_rejects_short_seeds():
    assert _draws(KeyedStream.from_key(b"x" * 32, "a")) == _draws(KeyedStream.from_key(b"x" * 32, "a"))
    with pytest.raises(ValueError):
        KeyedStream(b"short")


def test_samplers_repr_shows_no_seed():
    s = KeyedStream(b"\x01" * 32)
    assert "01" not in repr(s).replace("block=1", "")


def test_samplers_stream_crosses_block_boundaries():
    s = KeyedStream.from_key(KEY, "long")
    bits = [s.getrandbits(7) for _ in range(200)]  # 1400 bits: six HMAC blocks
    assert all(0 <= b < 128 for b in bits) and len(set(bits)) > 60


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000, 2**64 + 13])
def test_samplers_randbelow_in_range(n):
    s = KeyedStream.from_key(KEY, "range", str(n))
    assert all(0 <= s.randbelow(n) < n for _ in range(200))


def test_samplers_randbelow_is_uniform():
    s = KeyedStream.from_key(KEY, "uniform")
    n, k = 30_000, 10
    counts = [0] * k
    for _ in range(n):
        counts[s.randbelow(k)] += 1
    p = 1 / k
    se = (p * (1 - p) / n) ** 0.5
    assert all(abs(c / n - p) <= 4.5 * se for c in counts), counts


def test_samplers_digits_and_letters():
    s = KeyedStream.from_key(KEY, "digits")
    d = s.digits(12)
    assert len(d) == 12 and d.isdigit()
    assert s.digits(0) == ""
    w = s.letters(9, "abc")
    assert len(w) == 9 and set(w) <= set("abc")


def test_samplers_bernoulli_exp_edges():
    s = KeyedStream.from_key(KEY, "bexp-edges")
    assert all(s.bernoulli_exp(0, 1) for _ in range(200))  # exp(0) = 1
    assert not any(s.bernoulli_exp(60, 1) for _ in range(200))  # exp(-60) ~ 1e-26
    with pytest.raises(ValueError):
        s.bernoulli_exp(-1, 2)


def test_samplers_randomized_response_range_and_single_bucket():
    s = KeyedStream.from_key(KEY, "rr-range")
    assert all(0 <= s.randomized_response(3, 7, Fraction(1)) < 7 for _ in range(300))
    assert s.randomized_response(0, 1, Fraction(1)) == 0
    with pytest.raises(ValueError):
        s.randomized_response(7, 7, Fraction(1))


def test_samplers_discrete_laplace_rejects_zero_eps():
    with pytest.raises(ValueError):
        KeyedStream.from_key(KEY, "dl").discrete_laplace(Fraction(0))


def test_samplers_do_not_touch_the_global_rng():
    random.seed(1234)
    state = random.getstate()
    s = KeyedStream.from_key(KEY, "global")
    for _ in range(100):
        s.randbelow(97)
        s.discrete_laplace(Fraction(1, 4))
        s.randomized_response(1, 5, Fraction(1, 2))
    assert random.getstate() == state


@pytest.mark.parametrize("value, expected", [(0.05, Fraction(1, 20)), (1.0, Fraction(1)), (2.4, Fraction(12, 5)),
                                             (3, Fraction(3)), ("0.1", Fraction(1, 10))])
def test_samplers_to_fraction_is_the_decimal_meant(value, expected):
    assert to_fraction(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5, True, "abc"])
def test_samplers_to_fraction_rejects(bad):
    with pytest.raises(ConfigError):
        to_fraction(bad)


@pytest.mark.parametrize("eps, buckets", [(0.5, 2), (1.0, 12), (2.4, 1000)])
def test_samplers_closed_forms_agree(eps, buckets):
    p = rr_noise_parameter(eps, buckets)
    assert rr_epsilon(p, buckets) == pytest.approx(eps, rel=1e-12)
    # keep = 1 - p + p/k (PRIVACY.md) = e^eps / (e^eps + k - 1)
    assert rr_keep_probability(eps, buckets) == pytest.approx(1 - p + p / buckets, rel=1e-12)
