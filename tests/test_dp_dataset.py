"""scrubber.dp.dataset: ShardDataset over DP shards and UnitPoissonSampler."""

from __future__ import annotations

import json
import math

import pytest

from scrubber.dp.dataset import ShardDataset, UnitPoissonSampler
from scrubber.dp.units import DpShardOptions
from scrubber.keys import SecretKey
from scrubber.runner import CleanOptions, run_clean


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dpds")
    rows = [{"id": f"{u}-{i}", "author": f"u{u}", "text": f"note {i} of author {u}"} for u in range(12) for i in range(1 + u % 3)]
    (tmp / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run_clean([str(tmp / "in.jsonl")], str(tmp / "out"), "fast", key=SecretKey(b"d" * 32),
              options=CleanOptions(workers=1, shard_records=5, dp=DpShardOptions(privacy_unit="author",
                                                                                  max_records_per_unit=2)))
    return tmp / "out"


def test_dataset_shard_dataset_maps_units_to_records(shards):
    ds = ShardDataset(str(shards))
    assert len(ds) == ds.manifest["counts"]["records_out"] == 20 and ds.num_units == 12
    assert len(ds.manifest["shards"]) == 4
    seen = sorted(i for recs in ds.unit_records for i in recs)
    assert seen == list(range(len(ds)))
    for unit, recs in zip(ds.units, ds.unit_records, strict=True):
        assert 1 <= len(recs) <= 2 and all(ds[i]["privacy_unit"] == unit for i in recs)


def test_dataset_unit_poisson_sampler_rate_within_binomial_tolerance():
    units = [[3 * u, 3 * u + 1] if u % 2 else [3 * u] for u in range(50)]
    q, steps = 0.1, 2000
    sampler = UnitPoissonSampler(units, q=q, steps=steps, seed=7)
    batches = list(sampler)
    assert len(batches) == len(sampler) == steps
    first = {recs[0]: u for u, recs in enumerate(units)}
    counts = [0] * len(units)
    for batch in batches:
        for i in batch:
            if i in first:
                counts[first[i]] += 1
        # a unit comes whole or not at all
        assert all((r[0] in batch) == all(x in batch for x in r) for r in units)
    sd = math.sqrt(steps * q * (1 - q))
    assert all(abs(c - steps * q) < 5 * sd for c in counts)
    assert abs(sum(counts) / (steps * len(units)) - q) < 0.01
    assert batches == list(UnitPoissonSampler(units, q=q, steps=steps, seed=7))
    with pytest.raises(ValueError):
        UnitPoissonSampler(units, q=0, steps=1)


def test_dataset_torch_batch_sampler(shards):
    torch = pytest.importorskip("torch")
    ds = ShardDataset(str(shards))
    sampler = UnitPoissonSampler(ds.unit_records, q=0.5, steps=5, seed=1)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=lambda b: [r["id"] for r in b])
    got = list(loader)
    assert len(got) == 5
    assert got == [[ds[i]["id"] for i in batch] for batch in sampler]
