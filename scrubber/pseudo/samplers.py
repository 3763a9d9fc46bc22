"""Exact integer samplers driven by a keyed CSPRNG stream.

No floating point is used on the sampling path: a naive floating-point Laplace sampler leaks
through the low-order bits of its output (Mironov, "On significance of the least significant
bits for differential privacy", CCS 2012). Everything here draws uniform integers by rejection
sampling from a keyed bit stream and combines them with the exact algorithms of Canonne, Kamath
and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1 and 2.
Epsilons are rationals (``eps_num / eps_den``): a configured ``0.05`` is exactly ``1/20``.

The stream. ``seed = HMAC-SHA256(K, parts...)``; ``block_0 = seed`` and
``block_i = HMAC-SHA256(seed, i)`` for ``i >= 1`` (64-bit big-endian counter): a PRF in counter
mode, as in HKDF-Expand / NIST SP 800-108. Bits are consumed most significant first.
Using the seed as the first block is safe here because the seed is not a secret beyond the
values drawn from it: it is already a keyed one-way function of the input, and what an observer
may learn of it (a few bits per surrogate) lets them compute nothing they could not link from the
surrogates themselves. It is deterministic: the same key and seed parts give the same
draws in every process, which is what makes a re-run reproduce its output byte for byte. It never
touches Python's or numpy's global RNG.

Closed forms used by tests and reports (floating point is fine there, it is not sampling):
:func:`rr_keep_probability`, :func:`rr_epsilon`, :func:`rr_noise_parameter`,
:func:`discrete_laplace_pmf`.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TypeVar

from ..errors import ConfigError
from ..keys import SecretKey, encode_parts

T = TypeVar("T")

__all__ = [
    "KeyedStream",
    "discrete_laplace_pmf",
    "rr_epsilon",
    "rr_keep_probability",
    "rr_noise_parameter",
    "to_fraction",
]


def to_fraction(value: float | int | str | Fraction, name: str = "epsilon") -> Fraction:
    """The exact rational a configured number means: ``0.05`` -> ``1/20`` (via its shortest repr)."""
    if isinstance(value, bool):
        raise ConfigError(f"{name}: expected a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{name}: must be finite, got {value!r}")
        frac = Fraction(repr(value))
    else:
        try:
            frac = Fraction(value)
        except (ValueError, TypeError, ZeroDivisionError):
            raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    if frac < 0:
        raise ConfigError(f"{name}: must be >= 0, got {value!r}")
    return frac


class KeyedStream:
    """A deterministic keyed bit stream with exact samplers. Not thread-safe; cheap to create."""

    __slots__ = ("_seed", "_ctr", "_pool", "_nbits")

    def __init__(self, seed: bytes) -> None:
        if len(seed) < 16:
            raise ValueError("a stream seed must have at least 16 bytes")
        self._seed = bytes(seed)
        # Block 0 is the seed itself (an HMAC output, uniformly random to anyone without the
        # key), so most draws cost one HMAC in all; block i >= 1 is HMAC(seed, i).
        self._ctr = 1
        self._pool = int.from_bytes(self._seed, "big")
        self._nbits = 8 * len(self._seed)

    @classmethod
    def from_key(cls, key: SecretKey | bytes, *parts: bytes | str) -> KeyedStream:
        """``seed = HMAC-SHA256(key, parts...)`` (length-prefixed parts)."""
        if isinstance(key, SecretKey):
            return cls(key.hmac(*parts))
        return cls(hmac.digest(key, encode_parts(*parts), "sha256"))

    def __repr__(self) -> str:  # never show the seed
        return f"KeyedStream(block={self._ctr})"

    def copy(self) -> KeyedStream:
        """An independent copy at the same position (the copy replays the same draws)."""
        other = KeyedStream.__new__(KeyedStream)
        other._seed, other._ctr, other._pool, other._nbits = self._seed, self._ctr, self._pool, self._nbits
        return other

    # -- uniform integers ----------------------------------------------------------------------

    def getrandbits(self, k: int) -> int:
        """``k`` uniform bits as a non-negative int."""
        if k <= 0:
            return 0
        while self._nbits < k:
            block = hmac.digest(self._seed, self._ctr.to_bytes(8, "big"), "sha256")
            self._ctr += 1
            self._pool = (self._pool << 256) | int.from_bytes(block, "big")
            self._nbits += 256
        self._nbits -= k
        out = self._pool >> self._nbits
        self._pool &= (1 << self._nbits) - 1
        return out

    def randbelow(self, n: int) -> int:
        """Uniform on ``{0, ..., n-1}`` by rejection (fewer than 2 tries on average)."""
        if n <= 0:
            raise ValueError("randbelow(n) needs n >= 1")
        if n == 1:
            return 0
        k = (n - 1).bit_length()
        while True:
            r = self.getrandbits(k)
            if r < n:
                return r

    def randint(self, lo: int, hi: int) -> int:
        """Uniform on ``{lo, ..., hi}`` (both included)."""
        return lo + self.randbelow(hi - lo + 1)

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.randbelow(len(seq))]

    def digits(self, n: int) -> str:
        """``n`` uniform decimal digits (one draw below 10**n)."""
        if n <= 0:
            return ""
        return f"{self.randbelow(10 ** n):0{n}d}"

    def letters(self, n: int, alphabet: str) -> str:
        """``n`` uniform letters of ``alphabet`` (one draw below len(alphabet)**n)."""
        base = len(alphabet)
        r = self.randbelow(base ** n)
        out = []
        for _ in range(n):
            r, i = divmod(r, base)
            out.append(alphabet[i])
        return "".join(out)

    # -- exact Bernoulli samplers --------------------------------------------------------------

    def bernoulli(self, num: int, den: int) -> bool:
        """True with probability exactly ``num/den`` (``0 <= num <= den``)."""
        return self.randbelow(den) < num

    def _bernoulli_exp_le1(self, num: int, den: int) -> bool:
        # CKS20 Algorithm 1, gamma = num/den in [0, 1]: K <- 1; while Bernoulli(gamma/K): K += 1;
        # return K odd. P(K odd) = sum_k (-1)^(k+1) ... = exp(-gamma).
        k = 1
        while self.randbelow(den * k) < num:
            k += 1
        return k % 2 == 1

    def bernoulli_exp(self, num: int, den: int) -> bool:
        """True with probability exactly ``exp(-num/den)`` (``num >= 0``, ``den >= 1``).

        For gamma > 1: ``floor(gamma)`` independent Bernoulli(exp(-1)) then one
        Bernoulli(exp(-(gamma - floor(gamma)))), all of which must succeed (CKS20 Algorithm 1).
        """
        if num < 0 or den <= 0:
            raise ValueError("bernoulli_exp needs num >= 0 and den >= 1")
        while num > den:
            if not self._bernoulli_exp_le1(1, 1):
                return False
            num -= den
        return self._bernoulli_exp_le1(num, den)

    # -- mechanisms ----------------------------------------------------------------------------

    def discrete_laplace(self, eps: Fraction) -> int:
        """``Z`` with ``P(Z = z) = tanh(eps/2) * exp(-eps * |z|)``, i.e. proportional to ``a^|z|``
        with ``a = exp(-eps)`` (CKS20 Algorithm 2 with ``s/t = eps``).

        A geometric magnitude ``X = U + t*V`` (``U`` uniform below ``t`` accepted with
        probability ``exp(-U/t)``, ``V`` the number of Bernoulli(exp(-1)) successes), scaled
        down to ``Y = floor(X/s)``, then a random sign, rejecting the negative zero.
        """
        if eps <= 0:
            raise ValueError("discrete_laplace needs eps > 0")
        s, t = eps.numerator, eps.denominator
        while True:
            u = self.randbelow(t)
            if not self.bernoulli_exp(u, t):
                continue
            v = 0
            while self.bernoulli_exp(1, 1):
                v += 1
            y = (u + t * v) // s
            negative = self.getrandbits(1) == 1
            if negative and y == 0:
                continue
            return -y if negative else y

    def randomized_response(self, true_index: int, buckets: int, eps: Fraction) -> int:
        """B-ary randomized response: keep ``true_index`` with probability
        ``e^eps / (e^eps + B - 1)``, else a uniform *other* bucket.

        Exact, by the two-coin rejection scheme: propose a uniform bucket ``j``; accept it at once
        if ``j`` is the true bucket, otherwise with probability ``exp(-eps)``. Accepted
        probabilities are proportional to ``1`` (true) and ``exp(-eps)`` (each other), which
        normalise to the formula above. Expected proposals: ``B / (1 + (B-1) e^-eps)``.
        Equivalent to dp_accounting's ``RandomizedResponseDpEvent(p, B)`` with
        ``p = B / (e^eps + B - 1)``.
        """
        if buckets < 1 or not 0 <= true_index < buckets:
            raise ValueError("randomized_response needs 0 <= true_index < buckets")
        if buckets == 1:
            return 0
        num, den = eps.numerator, eps.denominator
        while True:
            j = self.randbelow(buckets)
            if j == true_index or self.bernoulli_exp(num, den):
                return j


# -- closed forms (analysis only, never used to sample) ---------------------------------------


def rr_keep_probability(eps: float, buckets: int) -> float:
    """P(output = true bucket) of B-ary randomized response: e^eps / (e^eps + B - 1)."""
    return 1.0 / (1.0 + (buckets - 1) * math.exp(-eps))


def rr_noise_parameter(eps: float, buckets: int) -> float:
    """dp_accounting's ``noise_parameter`` p (probability of answering uniformly) for this eps."""
    return buckets / (math.exp(eps) + buckets - 1)


def rr_epsilon(p: float, buckets: int) -> float:
    """epsilon = ln(1 + k(1-p)/p) of k-ary randomized response with noise parameter p."""
    return math.log1p(buckets * (1.0 - p) / p)


def discrete_laplace_pmf(z: int, eps: float) -> float:
    """P(Z = z) = tanh(eps/2) exp(-eps |z|) = (1-a)/(1+a) a^|z| with a = e^-eps."""
    return math.tanh(eps / 2.0) * math.exp(-eps * abs(z))

