"""Detectors: callables ``str -> Iterable[Span]``; batching ones also have ``.pipe``.

A detector whose ``uses_prior_spans`` attribute is true is also given the spans that the
pipeline's earlier detectors found in the same text (``detector(text, prior=spans)``,
``detector.pipe(texts, priors=...)``): NER uses them to skip text that is already PII. It
still reports only its own spans, and its output depends only on the text and those spans.

A detector never edits text. ``pipe(texts, batch_size=...)`` is found by duck typing, as
spaCy does for components. Detectors register under versioned names in
:data:`scrubber.registry.detectors`; heavy ones are registered lazily so that importing
scrubber stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from ..registry import detectors
from ..spans import Span

T = TypeVar("T")


@runtime_checkable
class Detector(Protocol):
    """Finds spans in one text. Must be deterministic and must not modify the text."""

    def __call__(self, text: str) -> Iterable[Span]: ...


def uses_prior_spans(detector: Detector) -> bool:
    """Whether ``detector`` takes the spans of earlier detectors (``prior=`` / ``priors=``)."""
    return bool(getattr(detector, "uses_prior_spans", False))


def pipe(detector: Detector, texts: Iterable[str], batch_size: int = 64,
         priors: Iterable[Sequence[Span]] | None = None) -> Iterator[list[Span]]:
    """Run a detector over many texts, using its own ``.pipe`` when it has one. ``priors``
    (spans of earlier detectors, one sequence per text) reach detectors that use them."""
    prior_ok = priors is not None and uses_prior_spans(detector)
    own = getattr(detector, "pipe", None)
    if callable(own):
        found = own(texts, batch_size=batch_size, priors=priors) if prior_ok else own(texts, batch_size=batch_size)
        for spans in found:
            yield list(spans)
    elif prior_ok:
        assert priors is not None
        for text, prior in zip(texts, priors):
            yield list(detector(text, prior=prior))  # type: ignore[call-arg]
    else:
        for text in texts:
            yield list(detector(text))


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items (the last may be shorter): the loop every
    batching ``.pipe`` needs, with memory bounded by ``size``."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


detectors.register_lazy("regex.v1", "scrubber.detectors.regex")
detectors.register_lazy("spacy_ner.v1", "scrubber.detectors.spacy_ner")
detectors.register_lazy("gazetteer.v1", "scrubber.detectors.gazetteer")
detectors.register_lazy("address.v1", "scrubber.detectors.address")
detectors.register_lazy("presidio.v1", "scrubber.detectors.presidio")

__all__ = ["Detector", "batched", "pipe", "uses_prior_spans"]
