from __future__ import annotations

import pytest

import scrubber
from scrubber.config import config_from_dict


def test_pipeline_scrub_email(fast_pipeline):
    r = fast_pipeline.scrub("mail a.b@example.org now")
    assert r.text == "mail <EMAIL_ADDRESS> now"
    assert [(s.start, s.end, s.label) for s in r.spans] == [(5, 20, "EMAIL_ADDRESS")]


@pytest.mark.parametrize("bad", [None, b"bytes", 42, ["a"]])
def test_pipeline_non_str_raises_type_error(fast_pipeline, bad):
    with pytest.raises(TypeError, match="expects text as str"):
        fast_pipeline.scrub(bad)
    with pytest.raises(TypeError, match="expects text as str"):
        list(fast_pipeline.scrub_batch(["ok", bad]))


def test_pipeline_empty_string(fast_pipeline):
    r = fast_pipeline.scrub("")
    assert r.text == "" and r.spans == ()
    assert fast_pipeline.detect("") == []


@pytest.mark.parametrize(
    "text",
    ["\ud800 lone a@b.org \udfff", "a\x00b@c.org\x00", "\u202eevil a@b.org\u202c", "e\u0301\u0301@x.org",
     "\u200ba@b.org\u200b", "日本語 a@b.org 😀😀 c@d.org"],
)
def test_pipeline_odd_unicode_does_not_crash(fast_pipeline, text):
    r = fast_pipeline.scrub(text)
    for s in r.spans:
        assert 0 <= s.start < s.end <= len(text)
        assert "@" in text[s.start:s.end]


def test_pipeline_non_ascii_offsets_are_str_offsets(fast_pipeline):
    text = "Grüße 😀 — schreib an jürgen@example.org bitte"
    (span,) = [s for s in fast_pipeline.detect(text) if s.label == "EMAIL_ADDRESS"]
    assert text[span.start:span.end] in ("jürgen@example.org", "rgen@example.org")


def test_pipeline_scrub_batch_is_lazy(fast_pipeline):
    consumed = []

    def texts():
        for i in range(1000):
            consumed.append(i)
            yield f"user{i}@example.org"

    it = fast_pipeline.scrub_batch(texts(), batch_size=10)
    first = next(it)
    assert first.text == "<EMAIL_ADDRESS>"
    assert len(consumed) <= 10


def test_pipeline_batch_equals_single(fast_pipeline):
    texts = ["a@b.org", "", "nothing here", "x y@z.net w"] * 5
    assert [r.text for r in fast_pipeline.scrub_batch(texts, batch_size=3)] == [
        fast_pipeline.scrub(t).text for t in texts
    ]


def _pipe(transforms):
    return scrubber.load(config_from_dict({"detectors": [{"type": "regex.v1", "include": ["email.*"]}],
                                           "transforms": transforms}))


@pytest.mark.parametrize(
    ("transforms", "expected"),
    [
        ({}, "to <EMAIL_ADDRESS>."),
        ({"default": {"operator": "replace", "template": "[{label}]"}}, "to [EMAIL_ADDRESS]."),
        ({"default": {"operator": "redact"}}, "to ."),
        ({"default": {"operator": "mask"}}, "to ***********."),
        ({"default": {"operator": "mask", "char": "#", "keep_last": 3}}, "to ########org."),
        ({"default": {"operator": "mask", "keep_separators": True}}, "to ***@***.***."),
        ({"labels": {"EMAIL_ADDRESS": {"operator": "redact"}}}, "to ."),
    ],
)
def test_pipeline_transforms(transforms, expected):
    assert _pipe(transforms).scrub("to abc@xyz.org.").text == expected


def test_pipeline_transform_replaces_only_the_span():
    # Never str.replace: the same string outside a span stays.
    p = _pipe({})
    text = "a@b.org and 'a@b.org' and a@b.org"
    out = p.scrub(text).text
    assert out.count("<EMAIL_ADDRESS>") == 3


def test_pipeline_long_text_chunk_boundary_found():
    cfg = config_from_dict({"detectors": [{"type": "regex.v1", "include": ["email.*"]}],
                            "max_chunk_chars": 2048, "chunk_overlap": 256})
    p = scrubber.load(cfg)
    filler = "lorem ipsum " * 1000
    for cut in range(2030, 2050):
        text = filler[:cut] + " someone.long@example.org " + filler
        spans = p.detect(text)
        assert [text[s.start:s.end] for s in spans] == ["someone.long@example.org"], cut


def test_pipeline_repr_and_name(fast_pipeline):
    assert fast_pipeline.name == "fast"
    assert "regex.v1" in repr(fast_pipeline)


def test_pipeline_time_budget_quarantines_pathological_record():
    from scrubber.deadline import RecordTimeout

    cfg = config_from_dict({"detectors": [{"type": "regex.v1", "include": ["phone.*", "credit_card.*"]}],
                            "record_time_budget_s": 0.05})
    p = scrubber.load(cfg)
    # Millions of digit candidates that validators reject: linear, but slow in validator calls.
    with pytest.raises(RecordTimeout):
        p.detect("4111 " * 200_000)
    assert issubclass(RecordTimeout, scrubber.RecordError)
    assert p.detect("call (555) 123-4567")  # the budget is per record


def test_later_detectors_see_only_prior_spans_that_resolution_keeps():
    """A detector with ``uses_prior_spans`` gets the earlier detectors' spans of its text, minus
    those under ``resolve.min_score`` (dropped later, so they must not hide anything), in
    ``detect`` and ``detect_batch`` alike; other detectors are called with the text only."""
    import dataclasses

    from scrubber.spans import Span

    class Fixed:
        def __call__(self, text):
            return [Span(0, 4, "A", 0.9, "fixed"), Span(5, 9, "B", 0.2, "fixed")]

    class Recorder:
        uses_prior_spans = True

        def __init__(self):
            self.seen = []

        def __call__(self, text, prior=()):
            self.seen.append(sorted((s.start, s.end, s.label) for s in prior))
            return []

        def pipe(self, texts, batch_size=64, priors=None):
            for text, prior in zip(texts, priors):
                yield self(text, prior)

    pipe = scrubber.load("fast")
    pipe.config = dataclasses.replace(pipe.config, resolve=dataclasses.replace(pipe.config.resolve, min_score=0.5))
    rec = Recorder()
    pipe.detectors = [Fixed(), rec]
    pipe.detect("abcd efgh")
    pipe.detect_batch(["abcd efgh", "abcd efgh ij"])
    assert rec.seen == [[(0, 4, "A")]] * 3
