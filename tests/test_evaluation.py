"""Pure scoring (scrubber.evaluation): tables of gold vs predicted spans with exact counts."""

from __future__ import annotations

import pytest

from scrubber.evaluation import (
    DEFAULT_ALIASES,
    Evaluator,
    InvalidRecord,
    LabelMapper,
    Scores,
    appears_as_word,
    evaluate,
    f_beta,
    leaked,
    match_counts,
    parse_record,
    score_spans,
)
from scrubber.spans import Span


def S(start, end, label):
    return Span(start, end, label)


# -- counts ---------------------------------------------------------------------------------

# (gold, predicted, matching, {label: (tp, fp, fn)})
MATCH_TABLE = [
    pytest.param([S(0, 5, "PERSON")], [S(0, 5, "PERSON")], "overlap", {"PERSON": (1, 0, 0)}, id="identical-overlap"),
    pytest.param([S(0, 5, "PERSON")], [S(0, 5, "PERSON")], "exact", {"PERSON": (1, 0, 0)}, id="identical-exact"),
    pytest.param([S(0, 10, "PERSON")], [S(2, 8, "PERSON")], "overlap", {"PERSON": (1, 0, 0)}, id="partial-overlap"),
    pytest.param([S(0, 10, "PERSON")], [S(2, 8, "PERSON")], "exact", {"PERSON": (0, 1, 1)}, id="partial-exact"),
    pytest.param([S(0, 10, "PERSON")], [S(10, 12, "PERSON")], "overlap", {"PERSON": (0, 1, 1)}, id="adjacent-is-no-overlap"),
    pytest.param([S(0, 10, "PERSON")], [S(0, 10, "LOCATION")], "overlap",
                 {"PERSON": (0, 0, 1), "LOCATION": (0, 1, 0)}, id="wrong-label"),
    pytest.param([S(0, 4, "EMAIL_ADDRESS"), S(10, 20, "PHONE_NUMBER")],
                 [S(0, 4, "EMAIL_ADDRESS"), S(30, 35, "PHONE_NUMBER")], "overlap",
                 {"EMAIL_ADDRESS": (1, 0, 0), "PHONE_NUMBER": (0, 1, 1)}, id="miss-and-fp"),
    pytest.param([S(0, 3, "PERSON"), S(4, 7, "PERSON")], [S(0, 7, "PERSON")], "overlap",
                 {"PERSON": (2, 0, 0)}, id="one-pred-covers-two-gold-overlap"),
    pytest.param([S(0, 3, "PERSON"), S(4, 7, "PERSON")], [S(0, 7, "PERSON")], "exact",
                 {"PERSON": (0, 1, 2)}, id="one-pred-covers-two-gold-exact"),
    pytest.param([S(0, 10, "STREET_ADDRESS")], [S(0, 4, "STREET_ADDRESS"), S(5, 10, "STREET_ADDRESS")], "overlap",
                 {"STREET_ADDRESS": (1, 0, 0)}, id="gold-found-in-two-pieces-overlap"),
    pytest.param([S(0, 10, "STREET_ADDRESS")], [S(0, 4, "STREET_ADDRESS"), S(5, 10, "STREET_ADDRESS")], "exact",
                 {"STREET_ADDRESS": (0, 2, 1)}, id="gold-found-in-two-pieces-exact"),
    pytest.param([], [S(0, 3, "URL")], "overlap", {"URL": (0, 1, 0)}, id="no-gold"),
    pytest.param([S(0, 3, "URL"), S(0, 3, "URL")], [], "exact", {"URL": (0, 0, 1)}, id="duplicate-gold-counted-once"),
]


@pytest.mark.parametrize("gold, pred, matching, expected", MATCH_TABLE)
def test_evaluation_match_counts_table(gold, pred, matching, expected):
    got = match_counts(gold, pred, matching)
    assert {k: (v.tp, v.fp, v.fn) for k, v in got.items()} == expected


def test_evaluation_match_counts_rejects_unknown_matching():
    with pytest.raises(ValueError, match="available: overlap, exact"):
        match_counts([], [], "fuzzy")


def test_evaluation_score_spans_scores_only_gold_labels():
    gold = [S(0, 10, "PERSON")]
    pred = [S(0, 10, "LOCATION"), S(20, 30, "URL")]
    got = score_spans(gold, pred)
    assert {k: (v.tp, v.fp, v.fn) for k, v in got.items()} == {"PERSON": (0, 0, 1)}
    got = score_spans(gold, pred, labels={"PERSON", "URL"})
    assert {k: (v.tp, v.fp, v.fn) for k, v in got.items()} == {"PERSON": (0, 0, 1), "URL": (0, 1, 0)}


# -- ratios ---------------------------------------------------------------------------------

# (tp, fp, fn, precision, recall, f1, f2)
SCORES_TABLE = [
    (1, 0, 0, 1.0, 1.0, 1.0, 1.0),
    (3, 1, 2, 0.75, 0.6, 2 / 3, 0.625),
    (2, 2, 0, 0.5, 1.0, 2 / 3, 5 / 6),
    (1, 0, 3, 1.0, 0.25, 0.4, 5 * 0.25 / (4 + 0.25)),
    (0, 0, 5, None, 0.0, 0.0, 0.0),
    (0, 3, 0, 0.0, None, 0.0, 0.0),
    (0, 0, 0, None, None, 0.0, 0.0),
]


@pytest.mark.parametrize("tp, fp, fn, precision, recall, f1, f2", SCORES_TABLE)
def test_evaluation_scores_ratios(tp, fp, fn, precision, recall, f1, f2):
    s = Scores(tp, fp, fn)
    assert s.precision == (None if precision is None else pytest.approx(precision))
    assert s.recall == (None if recall is None else pytest.approx(recall))
    assert s.f1 == pytest.approx(f1)
    assert s.f2 == pytest.approx(f2)
    d = s.to_dict()
    assert (d["tp"], d["fp"], d["fn"], d["support"]) == (tp, fp, fn, tp + fn)


def test_evaluation_f2_weights_recall_over_precision():
    assert f_beta(0.5, 1.0, 2) > f_beta(1.0, 0.5, 2)
    assert f_beta(0.5, 1.0, 1) == pytest.approx(f_beta(1.0, 0.5, 1))


# -- leak rate ------------------------------------------------------------------------------


@pytest.mark.parametrize("needle, haystack, expected", [
    ("Ann", "by Ann.", True),
    ("Ann", "Annual report", False),
    ("Ann", "Joanne", False),
    ("12", "123", False),
    ("12", "x-12-y", True),
    ("+1 555 0100", "call +1 555 0100 now", True),
    ("a.b@x.org", "mail a.b@x.org", True),
    ("a.b@x.org", "mail <EMAIL_ADDRESS>", False),
    ("Jane Doe", "Jane  Doe", False),
])
def test_evaluation_appears_as_word(needle, haystack, expected):
    assert appears_as_word(needle, haystack) is expected


def test_evaluation_leaked_unique_strings():
    text = "Ann met Ann and Bob"
    gold = [S(0, 3, "PERSON"), S(8, 11, "PERSON"), S(16, 19, "PERSON")]
    strings, left = leaked(gold, text, "<PERSON> met Ann and <PERSON>")
    assert strings == ["Ann", "Bob"] and left == ["Ann"]


# -- corpus-level (Evaluator) ---------------------------------------------------------------

TEXT = "Call Jane Doe at 555-1234, see example.com"
GOLD = [S(5, 13, "PERSON"), S(17, 25, "PHONE_NUMBER")]


def test_evaluation_label_agnostic_measures_and_unscored_labels():
    pred = [S(5, 13, "LOCATION"), S(31, 42, "URL")]  # PII caught under the wrong label; unlabelled URL
    report = evaluate([(TEXT, GOLD, pred, "Call <LOCATION> at 555-1234, see <URL>")])
    assert report.scored_labels == ("PERSON", "PHONE_NUMBER")
    assert {k: (v.tp, v.fp, v.fn) for k, v in report.labels.items()} == {
        "PERSON": (0, 0, 1), "PHONE_NUMBER": (0, 0, 1)}
    o = report.overall
    assert (o.tp, o.fp, o.fn) == (0, 0, 2)
    p = report.privacy
    assert (p.caught, p.gold_spans, p.any_label_recall) == (1, 2, 0.5)
    # LOCATION overlaps gold PII: correct; URL is not annotated here and overlaps nothing: left out
    assert (p.correct, p.predicted, p.any_label_precision) == (1, 1, 1.0)
    assert (p.leaked, p.unique_strings, p.leak_rate) == (1, 2, 0.5)
    assert report.unscored_predictions == {"LOCATION": 1, "URL": 1}
    assert report.per_label_any_recall == {"PERSON": 1.0, "PHONE_NUMBER": 0.0}


def test_evaluation_label_agnostic_precision_counts_scored_false_positive():
    pred = [S(5, 13, "PERSON"), S(31, 42, "PERSON")]  # the second overlaps nothing
    report = evaluate([(TEXT, GOLD, pred, None)])
    p = report.privacy
    assert (p.correct, p.predicted) == (1, 2)
    assert p.any_label_precision == 0.5
    assert report.labels["PERSON"] == Scores(1, 1, 0)
    assert report.to_dict()["privacy"]["leak_rate"] is None  # no output given


def test_evaluation_unscored_label_is_fp_only_where_the_set_labels_it():
    docs = [
        ("see example.com", [S(4, 15, "URL")], [S(4, 15, "URL")], None),
        ("and other.org too", [], [S(4, 13, "URL")], None),
    ]
    report = evaluate(docs)
    assert report.labels["URL"] == Scores(1, 1, 0)  # the set labels URLs, so the second is an FP
    report = evaluate([("and other.org too", [S(0, 3, "PERSON")], [S(4, 13, "URL")], None)])
    assert "URL" not in report.labels and report.overall == Scores(0, 0, 1)


def test_evaluation_exact_and_overlap_side_by_side():
    report = evaluate([("Jane Doe's", [S(0, 10, "PERSON")], [S(0, 8, "PERSON")], None)])
    assert report.overall_for("overlap") == Scores(1, 0, 0)
    assert report.overall_for("exact") == Scores(0, 1, 1)
    d = report.to_dict()
    assert d["matching"] == "overlap"
    assert d["by_matching"]["exact"]["overall"]["f1"] == 0.0


def test_evaluation_org_excluded_from_privacy_by_default():
    text = "Acme hired Bob"
    gold = [S(0, 4, "ORG"), S(11, 14, "PERSON")]
    pred = [S(11, 14, "PERSON")]
    out = "Acme hired <PERSON>"
    default = evaluate([(text, gold, pred, out)])
    assert default.labels["ORG"] == Scores(0, 0, 1)  # still scored
    assert default.privacy.labels == ("PERSON",)
    assert (default.privacy.any_label_recall, default.privacy.leak_rate) == (1.0, 0.0)
    with_org = evaluate([(text, gold, pred, out)], include_org=True)
    assert with_org.privacy.labels == ("ORG", "PERSON")
    assert (with_org.privacy.any_label_recall, with_org.privacy.leak_rate) == (0.5, 0.5)


def test_evaluation_examples_kept_per_label():
    ev = Evaluator("overlap", examples=1)
    ev.add(TEXT, GOLD, [S(31, 42, "PERSON")], record_id="r1")
    ev.add(TEXT, GOLD, [], record_id="r2")
    ex = ev.report().examples
    assert [m["record"] for m in ex["PERSON"]["misses"]] == ["r1"]
    assert ex["PERSON"]["misses"][0]["text"] == "Jane Doe"
    assert ex["PERSON"]["false_positives"][0]["text"] == "example.com"
    assert ex["PHONE_NUMBER"]["false_positives"] == []


def test_evaluation_micro_average_over_documents():
    ev = Evaluator()
    ev.add("a b", [S(0, 1, "PERSON")], [S(0, 1, "PERSON")])
    ev.add("c d", [S(0, 1, "PERSON")], [S(2, 3, "PERSON")])
    r = ev.report()
    assert r.documents == 2 and r.chars == 6
    assert r.labels["PERSON"] == Scores(1, 1, 1)
    assert r.to_dict()["overall"] == {"tp": 1, "fp": 1, "fn": 1, "support": 2, "precision": 0.5,
                                      "recall": 0.5, "f1": 0.5, "f2": 0.5}


# -- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gold_label, expected", [
    ("PHONE", "PHONE_NUMBER"), ("EMAIL", "EMAIL_ADDRESS"), ("SSN", "US_SSN"), ("IBAN", "IBAN_CODE"),
    ("DATE", "DATE_TIME"), ("ADDRESS", "STREET_ADDRESS"), ("PER", "PERSON"), ("LOC", "LOCATION"),
    ("GPE", "LOCATION"), ("ORGANIZATION", "ORG"), ("person", "PERSON"), ("location", "LOCATION"),
    ("DRIVER_LICENSE", "US_DRIVER_LICENSE"), ("CREDIT_CARD", "CREDIT_CARD"), ("URL", "URL"),
    ("AGE", None), ("CREATIVE_WORK", None), ("creative-work", None),
])
def test_evaluation_label_mapper_aliases(gold_label, expected):
    assert LabelMapper()(gold_label) == expected


def test_evaluation_label_mapper_unknown_label_is_an_error():
    with pytest.raises(InvalidRecord, match="unknown label 'FOO'.*--label-map.*--labels"):
        LabelMapper()("FOO")


def test_evaluation_label_mapper_overrides_and_restriction():
    m = LabelMapper({"FOO": "PERSON", "PHONE": None, "AGE": "AGE"})
    assert (m("FOO"), m("PHONE"), m("AGE"), m("EMAIL")) == ("PERSON", None, "AGE", "EMAIL_ADDRESS")
    r = LabelMapper(labels=["PHONE", "PERSON"])
    assert (r("PHONE"), r("PHONE_NUMBER"), r("PER"), r("EMAIL"), r("FOO")) == (
        "PHONE_NUMBER", "PHONE_NUMBER", "PERSON", None, None)
    with pytest.raises(ValueError, match="upper-case label or null"):
        LabelMapper({"X": "not a label"})
    assert DEFAULT_ALIASES["PHONE"] == "PHONE_NUMBER"


# -- records --------------------------------------------------------------------------------


def test_evaluation_parse_record_valid():
    rec = parse_record({"id": "x", "text": "hi Ann, mail a@b.org", "spans": [
        {"start": 3, "end": 6, "label": "PER", "text": "Ann"},
        {"start": 13, "end": 20, "label": "EMAIL"},
        {"start": 0, "end": 2, "label": "AGE"},
    ]})
    assert rec.spans == (S(3, 6, "PERSON"), S(13, 20, "EMAIL_ADDRESS"))
    assert rec.dropped == {"AGE": 1} and rec.id == "x"


@pytest.mark.parametrize("obj, message", [
    ([1, 2], "expected a JSON object"),
    ({"spans": []}, "'text' is missing"),
    ({"text": 3}, "'text' is missing or not a string"),
    ({"text": "abc", "spans": {}}, "'spans' is not a list"),
    ({"text": "abc", "spans": ["x"]}, r"spans\[0\]: expected an object"),
    ({"text": "abc", "spans": [{"start": 0, "end": 9, "label": "PERSON"}]}, r"out of range .* 3 characters"),
    ({"text": "abc", "spans": [{"start": 2, "end": 2, "label": "PERSON"}]}, "out of range"),
    ({"text": "abc", "spans": [{"start": -1, "end": 2, "label": "PERSON"}]}, "out of range"),
    ({"text": "abc", "spans": [{"start": True, "end": 2, "label": "PERSON"}]}, "must be integers"),
    ({"text": "abc", "spans": [{"start": "0", "end": 2, "label": "PERSON"}]}, "must be integers"),
    ({"text": "abc", "spans": [{"start": 0, "end": 2}]}, "'label' is missing"),
    ({"text": "abc", "spans": [{"start": 0, "end": 2, "label": "PERSON", "text": "bc"}]},
     r"span text 'bc' does not match text\[0:2\] = 'ab'"),
    ({"text": "abc", "spans": [{"start": 0, "end": 2, "label": "WIDGET"}]}, r"spans\[0\]: unknown label 'WIDGET'"),
])
def test_evaluation_parse_record_rejects(obj, message):
    with pytest.raises(InvalidRecord, match=message):
        parse_record(obj)


def test_evaluation_labels_scored_per_dataset():
    ev = Evaluator()
    ev.add("see example.com", [S(4, 15, "URL")], [S(4, 15, "URL")], dataset="labels-urls")
    ev.add("and other.org too", [S(0, 3, "PERSON")], [S(4, 13, "URL")], dataset="no-urls")
    both = ev.report()
    assert both.scored_labels == ("PERSON", "URL")
    assert both.labels["URL"] == Scores(1, 0, 0)  # the URL in "no-urls" is not an FP
    assert both.labels["PERSON"] == Scores(0, 0, 1)
    assert both.unscored_predictions == {"URL": 1}
    assert ev.report(["no-urls"]).scored_labels == ("PERSON",)
    assert ev.report(["labels-urls"]).overall == Scores(1, 0, 0)
