"""Keyed pseudonymization and DP-noised surrogates (PRIVACY.md, replacement modes 2 and 3).

- :mod:`.samplers`: keyed CSPRNG stream and exact integer samplers (uniform, Bernoulli(exp(-g)),
  discrete Laplace, randomized response);
- :mod:`.surrogates`: typed surrogate generators (names, phones, e-mails, cards, IBANs, IPs, ...);
- :mod:`.pools` and ``data/``: the shipped name and place pools (sources in ``data/README.md``);
- :mod:`.dates`: parse, shift and re-render dates in their own format;
- :mod:`.operators`: the ``pseudonymize`` and ``dp`` operators, and :func:`epsilon_summary`.

The operators register in :data:`scrubber.registry.operators` when this package is imported;
:mod:`scrubber.transforms` declares them lazily, so configs can name them without importing it.
"""

from __future__ import annotations

from .operators import DPOptions, PseudonymizeOptions, epsilon_summary
from .samplers import KeyedStream

__all__ = ["DPOptions", "KeyedStream", "PseudonymizeOptions", "epsilon_summary"]
