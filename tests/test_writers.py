from __future__ import annotations

import datetime
import decimal
import hashlib
import io
import json
import uuid

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from scrubber.io.records import dumps_record
from scrubber.io.writers import PARQUET_ROW_GROUP_ROWS, ShardWriter
from scrubber.quarantine import BadRecord


def _lines(n: int, width: int = 11) -> list[bytes]:
    return [dumps_record({"id": i, "text": "x" * width}) for i in range(n)]


def _read_zst(path) -> list[bytes]:
    with open(path, "rb") as f:
        data = zstandard.ZstdDecompressor().stream_reader(f).read()
    return data.splitlines()


def _write(tmp_path, lines, **kw):
    w = ShardWriter(fsspec.filesystem("file"), str(tmp_path), **kw)
    for line in lines:
        w.add(line, len(line) + 1)
    return w.close()


@pytest.mark.parametrize(
    "n, max_records, max_bytes, expected",
    [
        (10, None, None, [10]),
        (10, 4, None, [4, 4, 2]),
        (10, 5, None, [5, 5]),
        (10, None, 3 * 30, [3, 3, 3, 1]),  # each line is 29 bytes + a newline
        (10, 2, 3 * 30, [2, 2, 2, 2, 2]),  # whichever limit comes first
        (3, None, 5, [1, 1, 1]),  # a record larger than the limit gets a shard of its own
    ],
)
def test_writers_shard_rotation(tmp_path, n, max_records, max_bytes, expected):
    lines = _lines(n)
    assert all(len(line) + 1 == 30 for line in lines)
    shards = _write(tmp_path, lines, max_records=max_records, max_bytes=max_bytes)
    assert [s.records for s in shards] == expected
    assert [s.name for s in shards] == [f"part-{i:05d}.jsonl.zst" for i in range(len(expected))]
    got = [line for s in shards for line in _read_zst(tmp_path / s.name)]
    assert got == lines
    for s in shards:
        data = (tmp_path / s.name).read_bytes()
        assert s.bytes == len(data) and s.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == [s.name for s in shards]


def test_writers_no_reader_sees_half_a_shard(tmp_path):
    w = ShardWriter(fsspec.filesystem("file"), str(tmp_path), max_records=3)
    for line in _lines(4):
        w.add(line, len(line) + 1)
    # part-00000 is complete; part-00001 is still being written, under a hidden name.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".part-00001.jsonl.zst.tmp", "part-00000.jsonl.zst"]
    w.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00000.jsonl.zst"]


def test_writers_deterministic_bytes(tmp_path):
    lines = _lines(500, width=50)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _write(tmp_path / "a", lines, max_records=200)
    b = _write(tmp_path / "b", lines, max_records=200)
    assert len(a) == 3 and a == b


def test_writers_parquet_rows_types_and_row_groups(tmp_path):
    span = {"start": 0, "end": 3, "label": "URL", "score": 0.9, "source": "url.v1"}
    rows = [{"id": f"r{i}", "text": f"t{i}", "n": i, "pii_spans": [span] if i % 3 == 0 else []}
            for i in range(PARQUET_ROW_GROUP_ROWS + 5)]
    # The first row group's pii_spans are all empty: the type must still be the struct list.
    rows[0]["pii_spans"] = []
    w = ShardWriter(fsspec.filesystem("file"), str(tmp_path), "parquet",
                    parquet_types={"pii_spans": pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()),
                                                                      ("label", pa.string()), ("score", pa.float64()),
                                                                      ("source", pa.string())]))})
    for r in rows:
        w.add(r, len(dumps_record(r)) + 1)
    (shard,) = w.close()
    assert shard.name == "part-00000.parquet" and shard.records == len(rows)
    f = pq.ParquetFile(tmp_path / shard.name)
    assert f.metadata.num_row_groups == 2
    assert f.read().to_pylist() == rows
    assert shard.sha256 == hashlib.sha256((tmp_path / shard.name).read_bytes()).hexdigest()


def test_writers_parquet_schema_change_starts_new_shard(tmp_path):
    first = [{"text": "a", "extra": i} for i in range(PARQUET_ROW_GROUP_ROWS)]
    second = [{"text": "b", "extra": "now a string"} for _ in range(3)]
    w = ShardWriter(fsspec.filesystem("file"), str(tmp_path), "parquet")
    for r in first + second:
        w.add(r, 20)
    shards = w.close()
    assert [s.records for s in shards] == [len(first), len(second)]
    assert [pq.read_table(tmp_path / s.name).to_pylist() for s in shards] == [first, second]


def test_writers_memory_filesystem():
    fs = fsspec.filesystem("memory")
    root = f"/scrubber-{uuid.uuid4().hex[:8]}"
    w = ShardWriter(fs, root, max_records=2)
    for line in _lines(3):
        w.add(line, len(line) + 1)
    shards = w.close()
    assert [s.records for s in shards] == [2, 1]
    data = fs.cat(f"{root}/part-00001.jsonl.zst")
    fs.rm(root, recursive=True)
    assert zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read() == _lines(3)[2] + b"\n"


@pytest.mark.parametrize(
    "record, expected",
    [
        ({"b": 1, "a": "é", "id": "x"}, '{"b":1,"a":"é","id":"x"}'),  # key order kept, no escaping
        ({"text": "lone \ud800 surrogate"}, '{"text":"lone \\ud800 surrogate"}'),
        ({"d": datetime.date(2024, 3, 12), "n": decimal.Decimal("1.50"), "b": b"\x00\x01"},
         '{"d":"2024-03-12","n":"1.50","b":"AAE="}'),
    ],
)
def test_writers_dumps_record(record, expected):
    line = dumps_record(record)
    assert line.decode("utf-8") == expected
    if "\ud800" in record.get("text", ""):
        assert json.loads(line) == record


def test_writers_dumps_record_unserializable():
    with pytest.raises(BadRecord) as exc:
        dumps_record({"x": object()})
    assert exc.value.problem.code == "unserializable"


def test_writers_parquet_field_appearing_later_is_kept(tmp_path):
    rows = [{"text": "a"}, {"text": "b", "late": 1}]
    w = ShardWriter(fsspec.filesystem("file"), str(tmp_path), "parquet")
    for r in rows:
        w.add(r, 20)
    (shard,) = w.close()
    assert pq.read_table(tmp_path / shard.name).to_pylist() == [{"text": "a", "late": None}, {"text": "b", "late": 1}]
