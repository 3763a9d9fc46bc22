"""Readers of DP-training-ready shards: a map-style dataset and a Poisson sampler by privacy unit.

``ShardDataset(out_dir)`` reads the shards of a ``scrubber clean`` DP run (``part-*.jsonl.zst`` or
``part-*.parquet``, in manifest order) and its ``units.parquet``. Record ``i`` is the ``i``-th
record of the concatenated shards; ``dataset.unit_records[u]`` lists the record indices of unit
``u``. No torch needed; the records are loaded in memory (the shards of one training run; for
larger corpora, read ``units.parquet`` and the shards lazily yourself).

``UnitPoissonSampler(unit_records, q, steps, seed)`` yields, per step, the indices of the records
of every unit drawn independently with probability ``q`` (Poisson sampling of units: the sampling
the DP-SGD accountants assume, here at the level of the privacy unit). Batches have random size,
possibly empty. It is an iterable of lists of ints, so it works as a torch DataLoader
``batch_sampler``::

    ds = ShardDataset("clean/")
    sampler = UnitPoissonSampler(ds.unit_records, q=0.01, steps=1000, seed=0)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=...)

Accounting: with ``N = len(ds.unit_records)`` units, ``q`` and ``steps``, ``scrubber budget --n N
--batch-size q*N --steps steps --sigma ... --delta ...`` is the unit-level epsilon when a unit's
whole contribution is clipped to C (k = 1 record per unit, or per-unit gradient clipping). With
k > 1 records per unit clipped one by one, a unit's sensitivity is k*C.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from typing import Any

import fsspec

from ..manifest import read_manifest
from .finalize import UNITS_NAME


def _read_shard(fs: Any, path: str) -> list[dict[str, Any]]:
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        with fs.open(path, "rb") as f:
            return pq.read_table(f).to_pylist()  # type: ignore[no-any-return]
    import io

    import zstandard

    with fs.open(path, "rb") as f:
        reader = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(f))  # type: ignore[arg-type]
        return [json.loads(line) for line in reader if line.strip()]


class ShardDataset:
    """Map-style dataset over the shards of a DP run (see the module docstring)."""

    def __init__(self, out_dir: str) -> None:
        import pyarrow.parquet as pq

        self.out_dir = out_dir.rstrip("/")
        self.manifest = read_manifest(self.out_dir)
        fs, root = fsspec.core.url_to_fs(self.out_dir)
        self.records: list[dict[str, Any]] = []
        offsets: dict[str, int] = {}
        for shard in self.manifest["shards"]:
            offsets[shard["name"]] = len(self.records)
            self.records.extend(_read_shard(fs, f"{root}/{shard['name']}"))
        with fs.open(f"{root}/{UNITS_NAME}", "rb") as f:
            index = pq.read_table(f).to_pylist()
        self.units: list[str] = [row["privacy_unit"] for row in index]
        self.unit_records: list[list[int]] = [
            [offsets[loc["shard"]] + loc["row"] for loc in row["records"]] for row in index
        ]

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.records[i]

    @property
    def num_units(self) -> int:
        return len(self.unit_records)


class UnitPoissonSampler:
    """Per step, every unit is included independently with probability ``q``; a batch is the
    list of the included units' record indices. Deterministic for a given ``seed``."""

    def __init__(self, unit_records: Sequence[Sequence[int]], q: float, steps: int, seed: int = 0) -> None:
        if not 0.0 < q <= 1.0:
            raise ValueError(f"q: must be in (0, 1], got {q}")
        if steps < 1:
            raise ValueError(f"steps: must be at least 1, got {steps}")
        self.unit_records = [list(r) for r in unit_records]
        self.q = q
        self.steps = steps
        self.seed = seed

    def __len__(self) -> int:
        return self.steps

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed)
        for _ in range(self.steps):
            batch: list[int] = []
            for records in self.unit_records:
                if rng.random() < self.q:
                    batch.extend(records)
            yield batch
