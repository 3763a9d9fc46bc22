"""Golden input/expected pairs for the pipelines of the NER tier (``default``, ``strict``).

Regenerate after an intended change (and review the diff)::

    SCRUBBER_REGEN_GOLDEN=1 python -m pytest tests/test_ner_golden.py -m model
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("spacy")

import scrubber  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
PIPELINES = ["default", "strict"]


def _expected(pipe, record):
    res = pipe.scrub(record["text"])
    return {"id": record["id"], "text": res.text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in res.spans]}


@pytest.mark.model
@pytest.mark.parametrize("name", PIPELINES)
def test_golden_pipeline_output(name):
    if name == "strict":
        pytest.importorskip("presidio_analyzer")
    pipe = scrubber.load(name)
    inputs = [json.loads(x) for x in (GOLDEN / f"{name}.input.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [_expected(pipe, r) for r in inputs]
    path = GOLDEN / f"{name}.expected.jsonl"
    if os.environ.get("SCRUBBER_REGEN_GOLDEN"):
        path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in got), encoding="utf-8")
    expected = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g == e, f"{e['id']}: got {g['text']!r}, expected {e['text']!r}"
