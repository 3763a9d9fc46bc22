"""scrubber's detectors as a Presidio ``EntityRecognizer``.

Add scrubber's detection (RE2 rules with validators, whole street addresses, the NER tier) to
an existing Presidio setup::

    from presidio_analyzer import AnalyzerEngine
    from scrubber.integrations.presidio_recognizer import ScrubberRecognizer

    analyzer = AnalyzerEngine()
    analyzer.registry.add_recognizer(ScrubberRecognizer("fast"))      # a bundled pipeline
    analyzer.analyze("mail a.b@example.org", language="en")

``pipeline`` is a bundled pipeline name, a YAML path, a :class:`~scrubber.PipelineConfig` or a
loaded :class:`~scrubber.Pipeline`; or pass ``detectors=`` (any scrubber detectors) instead.
Spans keep their labels (Presidio's entity names) and scores; each result's explanation names
the scrubber rule or detector that found it. Results are resolved (non-overlapping) when a
pipeline is given, raw when detectors are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import missing_dependency

try:
    from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
except ImportError as exc:  # pragma: no cover - only without the presidio extra
    raise missing_dependency("presidio_analyzer", "presidio") from exc

#: Entities a scrubber pipeline can report (used when the caller names none).
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON", "LOCATION", "STREET_ADDRESS", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD",
    "IBAN_CODE", "IP_ADDRESS", "MAC_ADDRESS", "US_SSN", "US_DRIVER_LICENSE", "ID_NUMBER", "USERNAME",
    "CRYPTO", "URL", "DATE_TIME", "SECRET", "NRP", "ORGANIZATION",
)


class ScrubberRecognizer(EntityRecognizer):  # type: ignore[misc]
    """A Presidio recognizer backed by a scrubber pipeline or detectors."""

    def __init__(
        self,
        pipeline: Any = "fast",
        *,
        detectors: Sequence[Any] | None = None,
        supported_entities: Sequence[str] | None = None,
        supported_language: str = "en",
        name: str = "ScrubberRecognizer",
    ) -> None:
        self._name: str = name
        self._pipeline: Any = None
        self._detectors: list[Any] = list(detectors) if detectors is not None else []
        if detectors is None:
            from ..pipeline import Pipeline, load

            self._pipeline = pipeline if isinstance(pipeline, Pipeline) else load(pipeline)
        super().__init__(
            supported_entities=list(supported_entities or DEFAULT_ENTITIES),
            name=name,
            supported_language=supported_language,
        )

    def load(self) -> None:  # everything is built in __init__
        return None

    def _spans(self, text: str) -> Iterable[Any]:
        if self._pipeline is not None:
            return self._pipeline.detect(text)
        return [s for d in self._detectors for s in d(text)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        wanted = set(entities or self.supported_entities)
        results = []
        for s in self._spans(text):
            if s.label not in wanted:
                continue
            explanation = AnalysisExplanation(
                recognizer=self._name, original_score=s.score,
                textual_explanation=f"scrubber {s.source or 'detector'}",
            )
            results.append(RecognizerResult(
                entity_type=s.label, start=s.start, end=s.end, score=s.score,
                analysis_explanation=explanation,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self._name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            ))
        return results
