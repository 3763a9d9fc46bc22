"""The Python API: :func:`load` a pipeline, then ``detect`` / ``scrub`` / ``scrub_batch``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import detectors as _detectors  # noqa: F401  (registers the lazy detector names)
from . import transforms as _transforms  # noqa: F401  (registers the built-in operators)
from .config import PipelineConfig, load_config
from .deadline import deadline
from .detectors import pipe as _pipe
from .detectors import uses_prior_spans
from .errors import ConfigError
from .spans import Span, cover_overlaps, resolve_overlaps
from .transforms import DocContext, Operator, apply_operators


@dataclass(frozen=True)
class ScrubResult:
    """The scrubbed ``text``, the ``spans`` (offsets into the *input*) and what replaced them."""

    text: str
    spans: tuple[Span, ...]
    replacements: tuple[str, ...] = ()
    epsilon: float = 0.0
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [s.to_dict() for s in self.spans]}


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"scrubber expects text as str, got {type(text).__name__}")
    return text


class Pipeline:
    """Detectors, overlap resolution and per-label operators, built from a config.

    Thread-compatible, not thread-safe for detectors that are not (spaCy). Output depends only
    on the config, the key (for keyed operators) and the record.
    """

    def __init__(self, config: PipelineConfig, *, key: Any = None) -> None:
        self.config = config
        self.key = key
        # Build every configured operator now, so config problems and a missing key fail at
        # load time, never mid-corpus.
        self._default_operator = config.transforms.default.build()
        self._label_operators = {lab: oc.build() for lab, oc in config.transforms.labels.items()}
        needs_key = [
            name for name, op in [("default", self._default_operator), *self._label_operators.items()]
            if getattr(op, "requires_key", False)
        ]
        if needs_key and key is None:
            raise ConfigError(
                f"pipeline {config.name!r} pseudonymizes ({', '.join(needs_key)}) and needs a secret key: "
                "pass --key-file, set SCRUBBER_KEY, or use --ephemeral-key (scrubber.load(..., key=...) in Python)"
            )
        self.detectors = [d.build() for d in config.detectors]

    def __repr__(self) -> str:
        return f"Pipeline(name={self.config.name!r}, detectors={[d.type for d in self.config.detectors]})"

    @property
    def name(self) -> str:
        return self.config.name

    def _operator(self, label: str) -> Operator:
        return self._label_operators.get(label, self._default_operator)

    # -- detection ---------------------------------------------------------------------------

    def _windows(self, text: str) -> list[tuple[int, int]]:
        size, overlap = self.config.max_chunk_chars, self.config.chunk_overlap
        if len(text) <= size:
            return [(0, len(text))]
        step = size - overlap
        return [(s, min(s + size, len(text))) for s in range(0, len(text) - overlap, step)]

    def _prior(self, detector: Any, spans: Sequence[Span]) -> tuple[Span, ...]:
        """For a detector that ``uses_prior_spans``: the spans found so far that resolution will
        keep (score at least ``min_score``), which it may take as already found; else ()."""
        if not uses_prior_spans(detector):
            return ()
        floor = self.config.resolve.min_score
        return tuple(s for s in spans if s.score >= floor)

    def _resolve(self, spans: Iterable[Span]) -> list[Span]:
        rc = self.config.resolve
        resolve = cover_overlaps if rc.cover else resolve_overlaps
        return resolve((s for s in spans if s.score >= rc.min_score), rc.policy)

    def _detect_one(self, detector: Any, text: str, prior: Sequence[Span] = ()) -> list[Span]:
        """``detector``'s spans of ``text`` (windowed when long); ``prior``: the spans earlier
        detectors found, for a detector that uses them."""
        with_prior = uses_prior_spans(detector)
        windows = self._windows(text)
        if len(windows) == 1:
            return list(detector(text, prior=prior) if with_prior else detector(text))
        found: list[Span] = []
        for start, end in windows:
            last = end == len(text)
            if with_prior:
                inside = [s.shifted(-start) for s in prior if s.start >= start and s.end <= end]
                spans = detector(text[start:end], prior=inside)
            else:
                spans = detector(text[start:end])
            for span in spans:
                # A span touching a window's inner edge may be cut; the next window, which
                # overlaps this one, sees it whole.
                if not last and span.end >= end - start:
                    continue
                found.append(span.shifted(start))
        return found

    def detect(self, text: str) -> list[Span]:
        """Resolved, non-overlapping spans of ``text``, sorted by position."""
        _check_text(text)
        spans: list[Span] = []
        with deadline(self.config.record_time_budget_s):
            for detector in self.detectors:
                spans.extend(self._detect_one(detector, text, self._prior(detector, spans)))
        return self._resolve(spans)

    def detect_batch(self, texts: Sequence[str]) -> list[list[Span]]:
        """Resolved spans for each text, batching detectors that have ``.pipe`` (NER).

        All-or-nothing: an exception for one text fails the batch, so callers that must isolate
        bad records (the corpus runner, ``scrubber.hf``) retry one text at a time with
        :meth:`detect`. The time budget is the per-record budget times the batch size."""
        with deadline(self.config.record_time_budget_s * max(1, len(texts))):
            return self._detect_batch_unbounded(texts)

    def _detect_batch_unbounded(self, texts: Sequence[str]) -> list[list[Span]]:
        results: list[list[Span]] = [[] for _ in texts]
        for detector in self.detectors:
            small = [i for i, t in enumerate(texts) if len(t) <= self.config.max_chunk_chars]
            if hasattr(detector, "pipe") and len(small) > 1:
                priors = (self._prior(detector, results[i]) for i in small) if uses_prior_spans(detector) else None
                found = _pipe(detector, (texts[i] for i in small), priors=priors)
                for i, spans in zip(small, found):
                    results[i].extend(spans)
                rest = [i for i in range(len(texts)) if len(texts[i]) > self.config.max_chunk_chars]
            else:
                rest = list(range(len(texts)))
            for i in rest:
                results[i].extend(self._detect_one(detector, texts[i], self._prior(detector, results[i])))
        return [self._resolve(r) for r in results]

    # -- scrubbing ---------------------------------------------------------------------------

    def transform(self, text: str, spans: Sequence[Span], doc_id: str | None = None) -> ScrubResult:
        """Apply the configured operators to already-resolved ``spans``."""
        ctx = DocContext(text, doc_id, self.key)
        new_text, replacements, epsilons = apply_operators(text, spans, self._operator, ctx)
        details = {"epsilons": epsilons} if ctx.epsilon else {}
        return ScrubResult(new_text, tuple(spans), tuple(replacements), ctx.epsilon, details)

    def scrub(self, text: str, *, doc_id: str | None = None) -> ScrubResult:
        """Detect and replace PII in one text. ``doc_id`` seeds keyed operators (default: a
        hash of the text)."""
        return self.transform(text, self.detect(text), doc_id)

    def scrub_batch(self, texts: Iterable[str], *, batch_size: int = 64) -> Iterator[ScrubResult]:
        """Scrub a stream of texts lazily; memory is bounded by ``batch_size``."""
        batch: list[str] = []
        for text in texts:
            batch.append(_check_text(text))
            if len(batch) >= batch_size:
                yield from self._scrub_many(batch)
                batch = []
        if batch:
            yield from self._scrub_many(batch)

    def _scrub_many(self, texts: list[str]) -> Iterator[ScrubResult]:
        for text, spans in zip(texts, self.detect_batch(texts)):
            yield self.transform(text, spans)


def load(pipeline: str | Path | PipelineConfig = "default", *, key: Any = None) -> Pipeline:
    """Build a :class:`Pipeline` from a bundled name (``default``, ``fast``...), a YAML path,
    or a :class:`PipelineConfig`. ``key`` is the secret for keyed (pseudonymizing) operators."""
    return Pipeline(load_config(pipeline), key=key)
