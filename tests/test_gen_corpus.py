"""benchmarks/gen_corpus.py: deterministic, correctly labelled, with hard negatives."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("faker")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import gen_corpus  # noqa: E402

from scrubber.evaluation import LabelMapper, parse_record  # noqa: E402
from scrubber.validators import iban_checksum_ok, luhn_ok  # noqa: E402

ALL_LABELS = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "URL",
              "MAC_ADDRESS", "SECRET", "DATE_TIME", "PERSON", "LOCATION", "STREET_ADDRESS"}
NEGATIVE_KINDS = {"version", "order_number", "price", "isbn", "timestamp", "guid"}


@pytest.fixture(scope="module")
def docs():
    return list(gen_corpus.generate(7, docs=150))


def test_gen_corpus_deterministic_by_seed(docs):
    again = list(gen_corpus.generate(7, docs=150))
    assert again == docs
    other = list(gen_corpus.generate(8, docs=5))
    assert [d["text"] for d in other] != [d["text"] for d in docs[:5]]
    # the size-limited stream is a prefix of the same sequence
    small = [d["text"] for d in gen_corpus.generate(7, size_mb=0.01)]
    assert small and small == [d["text"] for d in docs[:len(small)]]


def test_gen_corpus_gold_spans_match_text(docs):
    mapper = LabelMapper()
    for d in docs:
        text = d["text"]
        spans = sorted((s["start"], s["end"]) for s in d["spans"])
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2, "gold spans overlap"
        for s in d["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(text)
            value = text[s["start"]:s["end"]]
            assert value == value.strip() and value
        # the same format scrubber eval reads, with no unknown label
        assert len(parse_record(d, mapper).spans) == len(d["spans"])


def test_gen_corpus_covers_every_type_with_valid_values(docs):
    labels = Counter(s["label"] for d in docs for s in d["spans"])
    assert set(labels) == ALL_LABELS
    for d in docs:
        for s in d["spans"]:
            value = d["text"][s["start"]:s["end"]]
            digits = "".join(c for c in value if c.isdigit())
            if s["label"] == "CREDIT_CARD":
                assert luhn_ok(digits), value
            elif s["label"] == "IBAN_CODE":
                assert iban_checksum_ok(value.replace(" ", "")), value


def test_gen_corpus_phone_formats_by_region():
    import random

    seen = {gen_corpus.phone(random.Random(i))[:3] for i in range(200)}
    assert {"+44", "+49", "+33"} <= seen
    assert any(p.startswith("(") for p in seen)  # national US style


def test_gen_corpus_contains_hard_negatives(docs):
    kinds = Counter(n["kind"] for d in docs for n in d["negatives"])
    assert set(kinds) == NEGATIVE_KINDS
    for d in docs:
        gold = [(s["start"], s["end"]) for s in d["spans"]]
        for n in d["negatives"]:
            assert not any(n["start"] < e and s < n["end"] for s, e in gold)
            value = d["text"][n["start"]:n["end"]]
            assert value and value == value.strip()
            if n["kind"] == "isbn":
                digits = value.removeprefix("ISBN ").replace("-", "")
                if len(digits) == 13:
                    assert sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits)) % 10 == 0


def test_gen_corpus_density_and_lengths_follow_parameters(docs):
    chars = sum(len(d["text"]) for d in docs)
    spans = sum(len(d["spans"]) for d in docs)
    assert 150 <= chars / spans <= 300
    assert all(500 <= len(d["text"]) <= 5000 + 400 for d in docs)
    sparse = list(gen_corpus.generate(1, docs=40, chars_per_pii=1000, min_chars=1000, max_chars=2000))
    ratio = sum(len(d["text"]) for d in sparse) / sum(len(d["spans"]) for d in sparse)
    assert 700 <= ratio <= 1400
    with pytest.raises(ValueError):
        gen_corpus.CorpusGenerator(0, chars_per_pii=0)


def test_gen_corpus_cli_writes_zst_and_unlabelled(tmp_path):
    import zstandard

    out = tmp_path / "c.jsonl.zst"
    assert gen_corpus.main(["--seed", "3", "--size-mb", "0.02", "--unlabelled", "--out", str(out)]) == 0
    with open(out, "rb") as raw:
        lines = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), encoding="utf-8").read().splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all(set(r) == {"id", "text"} for r in rows)
    assert sum(len(r["text"].encode()) for r in rows) >= 20_000
    plain = tmp_path / "c.jsonl"
    assert gen_corpus.main(["--seed", "3", "--docs", "2", "--out", str(plain)]) == 0
    first = json.loads(plain.read_text().splitlines()[0])
    assert first["text"] == rows[0]["text"] and first["spans"]
