"""scrubber.torch: ScrubbedIterableDataset shards across DataLoader workers without loss."""

from __future__ import annotations

import json
import pickle
import sys
from collections import Counter

import pytest

pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import scrubber  # noqa: E402
import scrubber.torch as storch  # noqa: E402
from scrubber.errors import ConfigError, MissingDependencyError  # noqa: E402
from scrubber.hf import PII_ERROR, PII_SPANS  # noqa: E402

N = 53  # not a multiple of the worker count


def _records(n: int = N) -> list[dict]:
    return [{"id": f"r{i}", "text": f"row {i}: write to user{i}@example.org"} for i in range(n)]


def _expected(records: list[dict]) -> list[dict]:
    pipe = scrubber.load("fast")
    return [{**r, "text": pipe.scrub(r["text"], doc_id=r["id"]).text} for r in records]


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_torch_dataset_no_duplicates_no_loss(num_workers):
    records = _records()
    ds = storch.ScrubbedIterableDataset(records, pipeline="fast", batch_size=4)
    got = list(DataLoader(ds, batch_size=None, num_workers=num_workers))
    ids = Counter(r["id"] for r in got)
    assert set(ids) == {r["id"] for r in records} and max(ids.values()) == 1
    assert sorted(got, key=lambda r: int(r["id"][1:])) == _expected(records)


def test_torch_dataset_two_workers_two_epochs_from_callable():
    ds = storch.ScrubbedIterableDataset(lambda: iter(_records(11)), pipeline="fast")
    loader = DataLoader(ds, batch_size=None, num_workers=2)
    first, second = list(loader), list(loader)
    assert len(first) == 11 and sorted(r["id"] for r in first) == sorted(r["id"] for r in second)


def test_torch_dataset_shards_across_ranks_and_workers():
    records = _records(20)
    seen: list[str] = []
    for rank in range(2):
        ds = storch.ScrubbedIterableDataset(records, pipeline="fast", rank=rank, world_size=2)
        seen += [r["id"] for r in DataLoader(ds, batch_size=None, num_workers=2)]
    assert sorted(seen) == sorted(r["id"] for r in records)


def test_torch_dataset_texts_and_bad_items_fail_closed():
    ds = storch.ScrubbedIterableDataset(["a@b.org", None, 7, "plain"], pipeline="fast", with_spans=True)
    out = list(ds)
    assert [r["text"] for r in out] == ["<EMAIL_ADDRESS>", "", "", "plain"]
    assert PII_ERROR not in out[0] and out[0][PII_SPANS][0]["label"] == "EMAIL_ADDRESS"
    assert "NoneType" in out[1][PII_ERROR] and "int" in out[2][PII_ERROR]


def test_torch_dataset_pickles_without_pipeline():
    ds = storch.ScrubbedIterableDataset(_records(5), pipeline="fast")
    list(ds)  # loads the pipeline
    back = pickle.loads(pickle.dumps(ds))
    assert back.scrubber._pipeline is None
    assert list(back) == list(ds)


def test_torch_dataset_from_paths_reads_like_the_local_engine(tmp_path):
    records = _records(9)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in records[:4]))
    b.write_text("".join(json.dumps(r) + "\n" for r in records[4:]) + "not json\n" + '{"text": "x@y.org"}\n')
    ds = storch.ScrubbedIterableDataset.from_paths([a, b], pipeline="fast")
    got = list(DataLoader(ds, batch_size=None, num_workers=2))
    by_id = {r["id"]: r for r in got}
    assert len(got) == 11 == len(by_id)
    assert [by_id[r["id"]] for r in records] == _expected(records)
    bad, derived = by_id[f"{b}:6"], by_id[f"{b}:7"]
    assert bad["text"] == "" and bad[PII_ERROR].startswith("malformed_json")
    assert derived == {"id": f"{b}:7", "text": "<EMAIL_ADDRESS>"}


def test_torch_dataset_missing_text_field_names_fields():
    ds = storch.ScrubbedIterableDataset([{"id": 1, "body": "x"}], pipeline="fast")
    with pytest.raises(ConfigError, match="available columns: id, body"):
        list(ds)


def test_torch_dataset_rejects_bad_rank():
    with pytest.raises(ConfigError, match="rank"):
        storch.ScrubbedIterableDataset([], pipeline="fast", rank=2, world_size=2)


def test_torch_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.delattr(storch, "ScrubbedIterableDataset", raising=False)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'scrubber\[torch\]'"):
        storch.ScrubbedIterableDataset  # noqa: B018
