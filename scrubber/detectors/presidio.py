"""``presidio.v1``: Presidio's ``AnalyzerEngine`` and its recognizers as a scrubber detector.

Presidio runs on the spaCy pipeline that ``spacy_ner.v1`` already loaded (one model per
process, shared through :func:`scrubber.detectors.spacy_ner.load_model`): it is wrapped in a
:class:`SharedSpacyNlpEngine` instead of letting Presidio load its own copy. Everything runs
offline (:func:`scrubber.presidio_offline.configure` stops tldextract from downloading).

By default (``use_ner: false``) Presidio sees only spaCy's *tokenizer* output, and its
spaCy-based recognizer is dropped: names and places come from ``spacy_ner.v1`` in the same
pipeline, so the model does not run twice. Presidio then contributes its pattern and
context recognizers (national ids, licences, passports, bank numbers, crypto wallets...).
With ``use_ner: true`` it also runs the NER model and reports PERSON/LOCATION/NRP itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import ConfigError, missing_dependency
from ..registry import detectors
from ..spans import Span
from . import batched
from .spacy_ner import DEFAULT_MODEL, load_model, safe_text

#: Entities that come from the NER model inside Presidio (its SpacyRecognizer).
NER_ENTITIES: frozenset[str] = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME"})


@dataclass(frozen=True)
class PresidioOptions:
    """Options of ``presidio.v1``.

    ``model``: the spaCy model (shared with ``spacy_ner.v1``). ``use_ner``: let Presidio run
    NER too. ``entities``: Presidio entity names to report (empty: all it supports);
    ``exclude``: names never reported. ``score_threshold``: Presidio's minimum score.
    ``labels``: Presidio entity -> scrubber label, for names that differ (default: same).
    """

    model: str = DEFAULT_MODEL
    language: str = "en"
    use_ner: bool = False
    entities: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    score_threshold: float = 0.4
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    batch_size: int = 32

    def validate(self) -> None:
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ConfigError(f"score_threshold: expected a number in [0, 1], got {self.score_threshold!r}")
        if self.batch_size < 1:
            raise ConfigError("batch_size: must be at least 1")


def _presidio() -> Any:
    try:
        import presidio_analyzer
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
    except ImportError as exc:
        raise missing_dependency("presidio_analyzer", "presidio") from exc
    return presidio_analyzer, SpacyNlpEngine


def make_nlp_engine(nlp: Any, language: str = "en", use_ner: bool = True) -> Any:
    """A Presidio ``NlpEngine`` over an already-loaded spaCy ``nlp`` (no second load).

    Lemmas fall back to the lower-cased token when the pipeline has no lemmatizer (our
    NER-only pipeline), so Presidio's context words still match. With ``use_ner`` false only
    the tokenizer runs and no entities are reported.
    """
    _, SpacyNlpEngine = _presidio()

    class SharedSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": language, "model_name": str(nlp.meta.get("name", "shared"))}])
            self.nlp = {language: nlp}
            self.use_ner = use_ner

        def load(self) -> None:  # already loaded: never let Presidio load or download a model
            return None

        def _docs(self, texts: Iterable[str], language: str, batch_size: int = 32) -> Iterator[Any]:
            model = self.nlp[language]
            if self.use_ner:
                yield from model.pipe(texts, batch_size=batch_size)
            else:
                for text in texts:
                    yield model.make_doc(text)

        def process_text(self, text: str, language: str) -> Any:
            return self._doc_to_nlp_artifact(next(self._docs([text], language)), language)

        def process_batch(  # type: ignore[override]
            self, texts: Iterable[Any], language: str, batch_size: int = 32, n_process: int = 1,
            as_tuples: bool = False,
        ) -> Iterator[Any]:
            if as_tuples:
                items = list(texts)
                for (_text, ctx), doc in zip(items, self._docs((str(t) for t, _ in items), language, batch_size)):
                    yield doc.text, self._doc_to_nlp_artifact(doc, language), ctx
            else:
                for doc in self._docs((str(t) for t in texts), language, batch_size):
                    yield doc.text, self._doc_to_nlp_artifact(doc, language)

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
            art = super()._doc_to_nlp_artifact(doc, language)
            art.lemmas = [t.lemma_ or t.lower_ for t in doc]
            return art

    return SharedSpacyNlpEngine()


def build_analyzer(nlp: Any, language: str = "en", use_ner: bool = True) -> Any:
    """An offline ``AnalyzerEngine`` with Presidio's predefined recognizers over ``nlp``."""
    from .. import presidio_offline

    presidio_offline.configure()
    presidio_analyzer, _ = _presidio()
    engine = make_nlp_engine(nlp, language, use_ner)
    registry = presidio_analyzer.RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=engine)
    if not use_ner:
        for rec in list(registry.recognizers):
            if type(rec).__name__ in ("SpacyRecognizer", "TransformersRecognizer", "StanzaRecognizer"):
                registry.remove_recognizer(rec.name)
    return presidio_analyzer.AnalyzerEngine(
        nlp_engine=engine, registry=registry, supported_languages=[language]
    )


class PresidioDetector:
    """Presidio's analyzer as a detector (``str -> spans``, with ``pipe``)."""

    source = "presidio.v1"

    def __init__(self, options: PresidioOptions | None = None, nlp: Any = None) -> None:
        self.options = o = options or PresidioOptions()
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        self.nlp = nlp if nlp is not None else load_model(o.model)
        self.analyzer = build_analyzer(self.nlp, o.language, o.use_ner)
        supported = set(self.analyzer.get_supported_entities(language=o.language))
        wanted = set(o.entities) if o.entities else set(supported)
        unknown = sorted(set(o.entities) - supported)
        if unknown:
            raise ConfigError(
                f"presidio.v1: entities: unknown {', '.join(unknown)}; Presidio supports: {', '.join(sorted(supported))}"
            )
        if not o.use_ner:
            wanted -= {e for e in NER_ENTITIES if e not in supported}
        self.entities = sorted(wanted - set(o.exclude))
        self.labels = dict(o.labels)

    def _spans(self, results: Iterable[Any], text: str) -> list[Span]:
        out = []
        for r in results:
            if r.end <= r.start:
                continue
            label = self.labels.get(r.entity_type, r.entity_type)
            src = getattr(r, "recognition_metadata", None) or {}
            name = src.get("recognizer_name", "") if isinstance(src, dict) else ""
            out.append(Span(r.start, r.end, label, float(r.score), f"{self.source}:{name}" if name else self.source))
        return sorted(out)

    def __call__(self, text: str) -> list[Span]:
        if not text or not self.entities:
            return []
        o = self.options
        res = self.analyzer.analyze(
            safe_text(text), language=o.language, entities=self.entities, score_threshold=o.score_threshold
        )
        return self._spans(res, text)

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[list[Span]]:
        """Spans of each text; the NLP step is batched, memory bounded by ``batch_size``."""
        for batch in batched(texts, batch_size or self.options.batch_size):
            yield from self._batch(batch)

    def _batch(self, items: list[str]) -> Iterator[list[Span]]:
        o = self.options
        if not self.entities:
            for _ in items:
                yield []
            return
        engine = self.analyzer.nlp_engine
        items = [safe_text(t) for t in items]
        arts = (a for _, a in engine.process_batch(items, o.language, o.batch_size))
        for text, art in zip(items, arts):
            if not text:
                yield []
                continue
            res = self.analyzer.analyze(
                text, language=o.language, entities=self.entities, score_threshold=o.score_threshold,
                nlp_artifacts=art,
            )
            yield self._spans(res, text)


@detectors.register("presidio.v1", PresidioOptions)
def make_presidio_detector(options: PresidioOptions) -> PresidioDetector:
    return PresidioDetector(options)
