"""The ``presidio`` operator: presidio-anonymizer's operators as scrubber transforms.

::

    transforms:
      labels:
        PHONE_NUMBER: {operator: presidio, name: mask, params: {masking_char: "*", chars_to_mask: 4, from_end: true}}
        PERSON: {operator: presidio, name: replace, params: {new_value: "<NAME>"}}
        US_SSN: {operator: presidio, name: hash, params: {hash_type: sha256, salt: "a-secret-of-16+-bytes"}}

``name`` is a presidio-anonymizer operator (``replace``, ``redact``, ``mask``, ``hash``,
``keep``, ``encrypt``); ``params`` are its parameters, validated by the operator at load time.
``replace`` without ``new_value`` writes ``<LABEL>``, as Presidio does.

Output must depend only on (config, key, record), so operators that draw randomness are
refused unless made deterministic: ``hash`` needs a ``salt`` (Presidio otherwise salts each
value at random), and ``encrypt`` (random IV) needs ``allow_nondeterministic: true``.
``custom`` (a Python callable) and ``surrogate_ahds`` (a remote service) cannot be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import ConfigError, missing_dependency
from .registry import operators
from .spans import Span
from .transforms import DocContext, Operator

_REFUSED = {
    "custom": "it takes a Python callable, which a config file cannot hold",
    "surrogate_ahds": "it calls a remote service (Azure Health Data Services)",
}


def _factory() -> Any:
    try:
        from presidio_anonymizer.operators import OperatorsFactory, OperatorType
    except ImportError as exc:
        raise missing_dependency("presidio_anonymizer", "presidio") from exc
    return OperatorsFactory(), OperatorType


@dataclass(frozen=True)
class PresidioOperatorOptions:
    """Options of the ``presidio`` operator: a presidio-anonymizer operator ``name`` and its
    ``params``."""

    name: str = "replace"
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    allow_nondeterministic: bool = False

    def validate(self) -> None:
        if self.name in _REFUSED:
            raise ConfigError(f"name: presidio operator {self.name!r} cannot be used: {_REFUSED[self.name]}")
        factory, kind = _factory()
        available = sorted(n for n in factory.get_anonymizers() if n not in _REFUSED)
        if self.name not in available:
            raise ConfigError(f"name: unknown presidio operator {self.name!r}. Available names: {', '.join(available)}")
        if self.name == "hash" and "salt" not in self.params:
            raise ConfigError(
                "params.salt: presidio's hash salts each value at random unless given a salt; "
                "set a salt of at least 16 characters (or use the keyed 'pseudonymize' operator)"
            )
        if self.name == "encrypt" and not self.allow_nondeterministic:
            raise ConfigError(
                "name: presidio's encrypt uses a random IV, so the same input gives a different output; "
                "set allow_nondeterministic: true to use it anyway"
            )
        op = factory.create_operator_class(self.name, kind.Anonymize)
        try:
            op.validate(params={**dict(self.params), "entity_type": "PERSON"})
        except Exception as exc:  # noqa: BLE001 - presidio raises its own InvalidParamError
            raise ConfigError(f"params: {exc}") from None


class PresidioOperator:
    """Calls ``operate(text, params)`` of one presidio-anonymizer operator per span."""

    def __init__(self, options: PresidioOperatorOptions) -> None:
        factory, kind = _factory()
        self.options = options
        self._op = factory.create_operator_class(options.name, kind.Anonymize)
        self._params = dict(options.params)

    def __call__(self, value: str, span: Span, ctx: DocContext) -> str:
        return str(self._op.operate(text=value, params={**self._params, "entity_type": span.label}))


@operators.register("presidio", PresidioOperatorOptions)
def make_presidio_operator(options: PresidioOperatorOptions) -> Operator:
    return PresidioOperator(options)


operators.register("presidio.v1", PresidioOperatorOptions)(make_presidio_operator)
