"""fsspec URLs as inputs and outputs of the local engine (``memory://``, ``file://``), and of
the data-loader integration. Object stores (s3://, gs://, hf://) go through the same fsspec
calls; they are not reachable from the test suite."""

from __future__ import annotations

import gzip
import io
import json

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from scrubber.errors import ConfigError
from scrubber.manifest import comparable, read_manifest
from scrubber.runner import CleanOptions, run_clean

RECORDS = [{"id": f"r{i:02d}", "text": f"row {i}: mail user{i}@example.org, ip 10.1.2.{i}"} for i in range(24)]


def _jsonl(records: list[dict]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def _parquet(records: list[dict]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), buf)
    return buf.getvalue()


def _put_corpus(fs: fsspec.AbstractFileSystem, root: str) -> None:
    """The same corpus in four files of three formats and compressions."""
    fs.makedirs(f"{root}/sub", exist_ok=True)
    fs.pipe(f"{root}/a.jsonl", _jsonl(RECORDS[:6]))
    fs.pipe(f"{root}/b.jsonl.gz", gzip.compress(_jsonl(RECORDS[6:12])))
    fs.pipe(f"{root}/c.jsonl.zst", zstandard.ZstdCompressor().compress(_jsonl(RECORDS[12:18])))
    fs.pipe(f"{root}/sub/d.parquet", _parquet(RECORDS[18:]))
    fs.pipe(f"{root}/.hidden.jsonl", _jsonl([{"id": "hidden", "text": "never read"}]))


def _read_shards(fs: fsspec.AbstractFileSystem, root: str) -> list[dict]:
    out = []
    for path in sorted(fs.glob(f"{root}/part-*")):
        data = fs.cat_file(path)
        if path.endswith(".parquet"):
            out += pq.read_table(io.BytesIO(data)).to_pylist()
        else:
            out += [json.loads(x) for x in zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read().splitlines()]
    return out


def _opts(**kw) -> CleanOptions:
    base = {"workers": 1, "shard_records": 10, "chunk_records": 5, "with_spans": True}
    return CleanOptions(**{**base, **kw})


@pytest.mark.parametrize("out_format", ["jsonl", "parquet"])
def test_remote_storage_memory_in_and_out_same_as_local_disk(mem, tmp_path, out_format):
    fs, root = mem
    _put_corpus(fs, f"{root}/in")
    _put_corpus(fsspec.filesystem("file"), str(tmp_path / "in"))

    remote = run_clean([f"memory://{root}/in"], f"memory://{root}/out", "fast", options=_opts(out_format=out_format))
    local = run_clean([str(tmp_path / "in")], str(tmp_path / "out"), "fast", options=_opts(out_format=out_format))

    got = _read_shards(fs, f"{root}/out")
    assert sorted(r["id"] for r in got) == [r["id"] for r in RECORDS]  # the hidden file is skipped
    assert all("@" not in r["text"] for r in got)
    assert got == _read_shards(fsspec.filesystem("file"), str(tmp_path / "out"))
    # Same shards byte for byte; only the input paths differ in the manifests.
    m_remote, m_local = comparable(remote.manifest), comparable(local.manifest)
    assert m_remote["shards"] == m_local["shards"]
    assert [i["path"] for i in m_remote["inputs"]] == [
        f"memory://{root}/in/{name}" for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl.zst", "sub/d.parquet")
    ]
    assert read_manifest(f"memory://{root}/out") == remote.manifest


def test_remote_storage_memory_glob_and_workers_2(mem):
    fs, root = mem
    _put_corpus(fs, f"{root}/in")
    one = run_clean([f"memory://{root}/in/[abc].jsonl*"], f"memory://{root}/o1", "fast", options=_opts())
    two = run_clean([f"memory://{root}/in/[abc].jsonl*"], f"memory://{root}/o2", "fast", options=_opts(workers=2))
    assert one.counts["records_out"] == 18  # a, b, c; not sub/d.parquet
    assert comparable(one.manifest)["shards"] == comparable(two.manifest)["shards"]


def test_remote_storage_memory_out_refused_when_not_empty_then_overwritten(mem):
    fs, root = mem
    _put_corpus(fs, f"{root}/in")
    fs.pipe(f"{root}/out/part-00000.jsonl.zst", b"stale")
    fs.pipe(f"{root}/out/keep.txt", b"not ours")
    with pytest.raises(ConfigError, match="not empty"):
        run_clean([f"memory://{root}/in"], f"memory://{root}/out", "fast", options=_opts())
    run_clean([f"memory://{root}/in"], f"memory://{root}/out", "fast", options=_opts(overwrite=True))
    assert fs.cat_file(f"{root}/out/keep.txt") == b"not ours"
    assert len(_read_shards(fs, f"{root}/out")) == len(RECORDS)


def test_remote_storage_missing_url_input_is_a_usage_error(mem):
    _, root = mem
    with pytest.raises(ConfigError, match="does not exist"):
        run_clean([f"memory://{root}/nothing.jsonl"], f"memory://{root}/out", "fast", options=_opts())


def test_remote_storage_file_urls(tmp_path):
    _put_corpus(fsspec.filesystem("file"), str(tmp_path / "in"))
    result = run_clean([f"file://{tmp_path}/in"], f"file://{tmp_path}/out", "fast", options=_opts())
    assert result.counts["records_out"] == len(RECORDS)
    assert (tmp_path / "out" / "manifest.json").exists()


def test_remote_storage_data_loader_reads_urls(mem):
    pytest.importorskip("torch")
    from scrubber.torch import ScrubbedIterableDataset

    fs, root = mem
    _put_corpus(fs, f"{root}/in")
    got = list(ScrubbedIterableDataset(f"memory://{root}/in", pipeline="fast"))
    assert sorted(r["id"] for r in got) == [r["id"] for r in RECORDS]
    assert all("@" not in r["text"] for r in got)


def test_remote_storage_url_glob_skips_hidden_files_like_a_local_glob(mem, tmp_path):
    fs, root = mem
    _put_corpus(fs, f"{root}/in")
    _put_corpus(fsspec.filesystem("file"), str(tmp_path / "in"))
    local = run_clean([f"{tmp_path}/in/*.jsonl*"], str(tmp_path / "out"), "fast", options=_opts())
    remote = run_clean([f"memory://{root}/in/*.jsonl*"], f"memory://{root}/out", "fast", options=_opts())
    assert local.counts["records_in"] == 18
    assert remote.counts["records_in"] == 18


def test_remote_storage_rerun_does_not_read_its_own_url_output(mem):
    fs, root = mem
    fs.pipe(f"{root}/a.jsonl", _jsonl(RECORDS[:3]))
    run_clean([f"memory://{root}"], f"memory://{root}/clean", "fast", options=_opts())
    again = run_clean([f"memory://{root}"], f"memory://{root}/clean", "fast", options=_opts(overwrite=True))
    assert [i["path"] for i in again.manifest["inputs"]] == [f"memory://{root}/a.jsonl"]
