"""scrubber's ``pseudonymize`` and ``dp`` operators as presidio-anonymizer custom operators.

::

    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    from scrubber.integrations.presidio_operators import document_context, register
    from scrubber.keys import resolve_key

    engine = register(AnonymizerEngine())          # adds "pseudonymize" and "dp"
    key = resolve_key(None, env=os.environ)         # SCRUBBER_KEY, or resolve_key("key.txt")
    ctx = document_context(text, key)               # one per document
    result = engine.anonymize(text, analyzer_results, operators={
        "DEFAULT": OperatorConfig("pseudonymize", {"context": ctx, "scope": "document"}),
        "DATE_TIME": OperatorConfig("dp", {"context": ctx, "eps_per_day": 0.05}),
    })
    ctx.epsilon                                     # local epsilon this document spent

Parameters: ``context`` (a :class:`~scrubber.transforms.DocContext` from
:func:`document_context`: it carries the key, the document id and the per-document memo that
keeps mentions consistent and accumulates epsilon), or ``key`` (a
:class:`~scrubber.keys.SecretKey`; only for ``pseudonymize`` with ``scope: corpus``, where no
per-document state is needed). Raw key bytes are refused: Presidio's ``OperatorConfig`` shows its
params in its repr, a ``SecretKey`` shows only its key id. Every other parameter is an option of
the scrubber operator (:class:`~scrubber.pseudo.operators.PseudonymizeOptions`,
:class:`~scrubber.pseudo.operators.DPOptions`), validated the same way as in a pipeline file.

Presidio applies operators from the end of the text to its start, so where two entities of one
document compete for the same surrogate, which one gets its second choice can differ from
``scrubber.Pipeline`` (which goes left to right); each is still deterministic.

presidio-anonymizer is imported lazily; without it, :func:`operator_classes` and
:func:`register` raise :class:`~scrubber.errors.MissingDependencyError` naming
``pip install 'scrubber[presidio]'``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import ConfigError, missing_dependency
from ..keys import SecretKey
from ..spans import Span
from ..transforms import DocContext

__all__ = ["OPERATOR_NAMES", "document_context", "operator_classes", "register"]

OPERATOR_NAMES = ("pseudonymize", "dp")
_RESERVED = {"context", "key", "entity_type"}


def document_context(text: str, key: SecretKey, doc_id: str | None = None) -> DocContext:
    """The per-document state to pass as ``params["context"]`` for every entity of ``text``.
    ``doc_id`` defaults to a hash of the text, as in :class:`scrubber.Pipeline`."""
    if not isinstance(key, SecretKey):
        raise TypeError("document_context needs a scrubber.keys.SecretKey (see scrubber.keys.resolve_key)")
    return DocContext(text, doc_id, key)


@lru_cache(maxsize=256)
def _build(name: str, items: tuple[tuple[str, Any], ...]) -> Any:
    from ..registry import operators
    from ..typed_config import from_mapping

    entry = operators.get(name)
    options: Any = from_mapping(entry.options, dict(items), name)
    return entry.factory(options)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _options_items(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, _freeze(v)) for k, v in params.items() if k not in _RESERVED))


@lru_cache(maxsize=1)
def operator_classes() -> dict[str, type]:
    """``{"pseudonymize": cls, "dp": cls}``: presidio-anonymizer ``Operator`` subclasses."""
    try:
        from presidio_anonymizer.entities import InvalidParamError
        from presidio_anonymizer.operators import Operator, OperatorType
    except ImportError as exc:
        raise missing_dependency("presidio_anonymizer", "presidio") from exc

    class _ScrubberOperator(Operator):  # type: ignore[misc]
        scrubber_name = ""

        def _operator(self, params: dict[str, Any]) -> Any:
            try:
                return _build(self.scrubber_name, _options_items(params))
            except ConfigError as exc:
                raise InvalidParamError(f"{self.scrubber_name}: {exc}") from None

        def _context(self, params: dict[str, Any], text: str) -> DocContext:
            ctx = params.get("context")
            if ctx is not None:
                if not isinstance(ctx, DocContext) or not isinstance(ctx.key, SecretKey):
                    raise InvalidParamError(
                        "context: expected scrubber.integrations.presidio_operators.document_context(text, key)")
                return ctx
            key = params.get("key")
            if not isinstance(key, SecretKey):
                raise InvalidParamError(
                    f"{self.scrubber_name}: pass context=document_context(text, key) (or key=SecretKey for "
                    "pseudonymize with scope corpus); raw key bytes are refused so the key never shows in a repr")
            return DocContext(text, "presidio", key)

        def validate(self, params: dict[str, Any] | None = None) -> None:
            params = params or {}
            op = self._operator(params)
            needs_context = self.scrubber_name == "dp" or getattr(op.options, "scope", "corpus") == "document"
            if needs_context and params.get("context") is None:
                raise InvalidParamError(
                    f"{self.scrubber_name}: needs context=document_context(text, key): its surrogates are "
                    "per document")
            if params.get("context") is None and not isinstance(params.get("key"), SecretKey):
                self._context(params, "")  # raises the explanatory error

        def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
            params = params or {}
            op = self._operator(params)
            ctx = self._context(params, text)
            label = str(params.get("entity_type") or "UNKNOWN")
            return str(op(text, Span(0, len(text), label, 1.0, "presidio"), ctx))

        def operator_type(self) -> Any:
            return OperatorType.Anonymize

    class PseudonymizeOperator(_ScrubberOperator):
        """scrubber's keyed consistent pseudonyms (``pseudonymize``) for Presidio."""

        scrubber_name = "pseudonymize"

        def operator_name(self) -> str:
            return "pseudonymize"

    class DPOperator(_ScrubberOperator):
        """scrubber's DP-noised pseudonyms (``dp``) for Presidio."""

        scrubber_name = "dp"

        def operator_name(self) -> str:
            return "dp"

    return {"pseudonymize": PseudonymizeOperator, "dp": DPOperator}


def register(engine: Any) -> Any:
    """Add both operators to a presidio ``AnonymizerEngine`` (``engine.add_anonymizer``);
    returns the engine."""
    for cls in operator_classes().values():
        engine.add_anonymizer(cls)
    return engine
