"""scrubber's pseudonymize / dp operators used from presidio-anonymizer."""

from __future__ import annotations

import sys

import pytest

import scrubber
from scrubber.config import config_from_dict
from scrubber.errors import MissingDependencyError
from scrubber.keys import SecretKey
from scrubber.spans import Span

KEY = SecretKey(b"presidio-operators-test-key-0123456789")
TEXT = "John Smith called 212-555-0123 on 12 October 2023; Smith again."
ENTITIES = [("PERSON", 0, 10), ("PHONE_NUMBER", 18, 30), ("DATE_TIME", 34, 49), ("PERSON", 51, 56)]


@pytest.fixture()
def engine():
    pytest.importorskip("presidio_anonymizer")
    from presidio_anonymizer import AnonymizerEngine

    from scrubber.integrations.presidio_operators import register

    return register(AnonymizerEngine())


def _results():
    from presidio_anonymizer.entities import RecognizerResult

    return [RecognizerResult(label, start, end, 0.9) for label, start, end in ENTITIES]


def test_presidio_operators_match_the_pipeline(engine):
    from presidio_anonymizer.entities import OperatorConfig

    from scrubber.integrations.presidio_operators import document_context

    ctx = document_context(TEXT, KEY)
    out = engine.anonymize(TEXT, _results(), operators={
        "DEFAULT": OperatorConfig("pseudonymize", {"context": ctx}),
        "DATE_TIME": OperatorConfig("dp", {"context": ctx, "eps_per_day": 0.1}),
    })
    pipe = scrubber.Pipeline(config_from_dict({"transforms": {
        "default": {"operator": "pseudonymize"}, "labels": {"DATE_TIME": {"operator": "dp", "eps_per_day": 0.1}}}}), key=KEY)
    expected = pipe.transform(TEXT, [Span(s, e, lab) for lab, s, e in ENTITIES])
    assert out.text == expected.text
    assert "Smith" not in out.text and "555-0123" not in out.text
    assert ctx.epsilon == pytest.approx(0.1) == pytest.approx(expected.epsilon)
    assert {item.operator for item in out.items} == {"pseudonymize", "dp"}


def test_presidio_operators_corpus_scope_with_key_only(engine):
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    cfg = {"DEFAULT": OperatorConfig("pseudonymize", {"key": KEY, "scope": "corpus"})}
    a = engine.anonymize("John Smith", [RecognizerResult("PERSON", 0, 10, 0.9)], operators=cfg).text
    b = engine.anonymize("Dear John Smith", [RecognizerResult("PERSON", 5, 15, 0.9)], operators=cfg).text
    assert b == "Dear " + a and a != "John Smith"


def test_presidio_operators_refuse_raw_keys_and_missing_context(engine):
    from presidio_anonymizer.entities import InvalidParamError, OperatorConfig

    with pytest.raises(InvalidParamError, match="raw key bytes are refused|context"):
        engine.anonymize(TEXT, _results(), operators={
            "DEFAULT": OperatorConfig("pseudonymize", {"key": b"presidio-operators-test-key-0123456789", "scope": "corpus"})})
    with pytest.raises(InvalidParamError, match="needs context"):
        engine.anonymize(TEXT, _results(), operators={"DEFAULT": OperatorConfig("dp", {"key": KEY})})
    with pytest.raises(InvalidParamError, match="scope"):
        from scrubber.integrations.presidio_operators import document_context

        engine.anonymize(TEXT, _results(), operators={
            "DEFAULT": OperatorConfig("pseudonymize", {"context": document_context(TEXT, KEY), "scope": "galaxy"})})


def test_presidio_operators_config_repr_never_shows_the_key(engine):
    from presidio_anonymizer.entities import OperatorConfig

    from scrubber.integrations.presidio_operators import document_context

    cfg = OperatorConfig("pseudonymize", {"context": document_context(TEXT, KEY), "key": KEY})
    assert "presidio-operators-test-key" not in repr(cfg) + str(cfg)


def test_presidio_operators_missing_dependency_names_the_extra(monkeypatch):
    from scrubber.integrations import presidio_operators

    presidio_operators.operator_classes.cache_clear()
    monkeypatch.setitem(sys.modules, "presidio_anonymizer", None)
    monkeypatch.setitem(sys.modules, "presidio_anonymizer.operators", None)
    monkeypatch.setitem(sys.modules, "presidio_anonymizer.entities", None)
    try:
        with pytest.raises(MissingDependencyError, match=r"pip install 'scrubber\[presidio\]'"):
            presidio_operators.operator_classes()
    finally:
        presidio_operators.operator_classes.cache_clear()
