"""Evasion: PII hidden by zero-width characters, full-width forms or [at]/[dot] is caught, and
scrubbed in the original text (benchmarks/gen_adversarial.py; figures in results/evasion.json)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from scrubber.config import load_config
from scrubber.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import gen_adversarial  # noqa: E402

NO_NORMALIZE = """
name: fast-no-normalize
detectors:
  - type: regex.v1
    rules: [builtin]
    normalize: false
transforms:
  default: {operator: replace, template: "<{label}>"}
"""


def caught(pipe: Pipeline, records: list[dict]) -> tuple[Counter, Counter]:
    hit, total = Counter(), Counter()
    for r in records:
        g = r["spans"][0]
        key = (g["label"], r["group"])
        total[key] += 1
        result = pipe.scrub(r["text"])
        covered = any(s.start <= g["start"] and s.end >= g["end"] for s in result.spans)
        hit[key] += covered
        if covered:  # the obfuscated value is gone from the output, invisible characters and all
            assert r["text"][g["start"]:g["end"]] not in result.text
    return hit, total


def test_evasion_generator_is_deterministic() -> None:
    assert gen_adversarial.generate(50, seed=3) == gen_adversarial.generate(50, seed=3)
    assert gen_adversarial.generate(50, seed=3) != gen_adversarial.generate(50, seed=4)


def test_evasion_tricks_caught_with_normalization(tmp_path: Path) -> None:
    records = gen_adversarial.generate(250, seed=1)
    hit, total = caught(Pipeline(load_config("fast")), records)
    for (label, trick), n in total.items():
        if trick in ("plain", "zero_width", "full_width", "at_dot") or label == "CREDIT_CARD":
            assert hit[(label, trick)] == n, (label, trick, hit[(label, trick)], n)
    (tmp_path / "p.yaml").write_text(NO_NORMALIZE)
    off, _ = caught(Pipeline(load_config(tmp_path / "p.yaml")), records)
    for label, trick in total:
        if trick != "plain":
            # The tricks evade plain regexes (a phone keyword before dotted digits can still
            # give one away to phone.context.v1); normalization never catches less.
            assert off[(label, trick)] <= hit[(label, trick)], (label, trick)
    assert sum(off[k] for k in total if k[1] != "plain") < 0.2 * sum(n for k, n in total.items() if k[1] != "plain")
    assert sum(hit.values()) > sum(off.values())


@pytest.mark.parametrize("text,value", [
    ("mail jo\u200bhn@exa\u200dmple.com now", "jo\u200bhn@exa\u200dmple.com"),
    ("write to john [at] example [dot] com", "john [at] example [dot] com"),
    ("card \uff14\uff11\uff11\uff11 1111 1111 1111 ok", "\uff14\uff11\uff11\uff11 1111 1111 1111"),
    ("card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"),
    ("call 415\u200b-555\u200b-0134 please", "415\u200b-555\u200b-0134"),
    ("call 2 0 6 2 6 4 5 8 1 5 now", "2 0 6 2 6 4 5 8 1 5"),
    ("ssn 7 8 0 3 2 4 4 0 9.", "7 8 0 3 2 4 4 0 9"),
    ("ssn 2.0.3.4.7.8.6.2.2", "2.0.3.4.7.8.6.2.2"),
    ("iban FR 3.7.9.5.7.4.8.9.0.6.8.2.8.8.3.6.0.7.5.9.8.3.8.6.7", "FR 3.7.9.5.7.4.8.9.0.6.8.2.8.8.3.6.0.7.5.9.8.3.8.6.7"),
])
def test_evasion_examples_scrubbed(text: str, value: str) -> None:
    out = Pipeline(load_config("fast")).scrub(text)
    assert value not in out.text
    assert any(text[s.start:s.end] == value for s in out.spans)
