from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from scrubber.errors import ConfigError
from scrubber.io.readers import RecordReader, expand_inputs, iter_raw_records, split_suffix

RECORDS = [{"id": f"r{i}", "text": f"doc {i} mail u{i}@example.org"} for i in range(5)]
JSONL = b"".join(json.dumps(r).encode() + b"\n" for r in RECORDS)


def _compress(data: bytes, how: str | None) -> bytes:
    if how == "gzip":
        return gzip.compress(data)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def _raws(path: str | Path, **kw):
    (f,) = expand_inputs([str(path)])
    return list(iter_raw_records(f, **kw))


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.jsonl", ("jsonl", None)),
        ("a.jsonl.gz", ("jsonl", "gzip")),
        ("a.jsonl.zst", ("jsonl", "zstd")),
        ("a.json.gz", ("jsonl", "gzip")),
        ("dir/A.JSONL.ZST", ("jsonl", "zstd")),
        ("a.txt", ("text", None)),
        ("a.txt.zst", ("text", "zstd")),
        ("a.parquet", ("parquet", None)),
        ("a.json", None),
        ("a.csv", None),
    ],
)
def test_readers_suffix_table(name, expected):
    assert split_suffix(name) == expected


@pytest.mark.parametrize("suffix, how", [(".jsonl", None), (".jsonl.gz", "gzip"), (".jsonl.zst", "zstd"),
                                         (".json.gz", "gzip")])
def test_readers_jsonl_plain_and_compressed(tmp_path, suffix, how):
    path = tmp_path / f"in{suffix}"
    path.write_bytes(_compress(JSONL, how))
    raws = _raws(path)
    assert [json.loads(r.payload) for r in raws] == RECORDS
    assert [r.location for r in raws] == [f"{path}:{i}" for i in range(1, 6)]


def test_readers_zstd_reads_across_frames(tmp_path):
    # Two independently compressed frames, concatenated (what `cat a.zst b.zst` gives).
    path = tmp_path / "in.jsonl.zst"
    half = len(JSONL) // 2
    cut = JSONL.index(b"\n", half) + 1
    path.write_bytes(_compress(JSONL[:cut], "zstd") + _compress(JSONL[cut:], "zstd"))
    assert [json.loads(r.payload) for r in _raws(path)] == RECORDS


def test_readers_blank_lines_skipped_but_numbered(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text":"a"}\n\n  \n{"text":"b"}\r\n')
    raws = _raws(path)
    assert [r.pos for r in raws] == [1, 4]


def test_readers_text_document_per_file_and_per_line(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"first line\r\nsecond line\n\nthird")
    (doc,) = _raws(path)
    assert doc.unit == "file" and doc.payload == b"first line\r\nsecond line\n\nthird" and doc.location == str(path)
    lines = _raws(path, lines=True)
    assert [(r.pos, r.payload) for r in lines] == [(1, b"first line"), (2, b"second line"), (4, b"third")]


def test_readers_parquet_by_batch_with_row_locations(tmp_path):
    path = tmp_path / "in.parquet"
    rows = [{"text": f"t{i}", "n": i} for i in range(2500)]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=1000)
    raws = _raws(path)
    assert [r.payload for r in raws] == rows
    assert raws[0].location == f"{path}:0" and raws[-1].pos == 2499


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("empty.jsonl", b"", "empty_file"),
        ("blank.jsonl", b"\n\n", "empty_file"),
        ("empty.txt", b"", "empty_file"),
        ("empty.jsonl.zst", zstandard.ZstdCompressor().compress(b""), "empty_file"),
        ("bad.parquet", b"this is not parquet", "corrupt_parquet"),
        ("bad.jsonl.gz", b"not gzip at all", "unreadable_file"),
    ],
)
def test_readers_whole_file_problems(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    (raw,) = _raws(path)
    assert raw.payload is None and raw.problem.code == code and raw.n_records == 1


def test_readers_truncated_gzip_keeps_what_was_read(tmp_path):
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(gzip.compress(JSONL * 200)[:-40])
    raws = _raws(path)
    assert raws[-1].problem.code == "unreadable_file"
    assert all(r.problem is None for r in raws[:-1]) and len(raws) > 500


def test_readers_truncated_parquet_is_corrupt(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(RECORDS), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    (raw,) = _raws(path)
    assert raw.problem.code == "corrupt_parquet"


def test_readers_corrupt_parquet_row_group_counts_remaining_rows(tmp_path):
    path = tmp_path / "in.parquet"
    rows = [{"text": f"text number {i} " * 8} for i in range(3000)]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=1000, compression="snappy",
                   use_dictionary=False)
    meta = pq.ParquetFile(path).metadata
    col = meta.row_group(2).column(0)
    data = bytearray(path.read_bytes())
    start = col.data_page_offset + 64  # inside the last row group's page, past its header
    data[start:start + 512] = b"\xff" * 512
    path.write_bytes(bytes(data))
    raws = _raws(path)
    good = [r for r in raws if r.problem is None]
    (bad,) = [r for r in raws if r.problem is not None]
    assert bad.problem.code == "corrupt_parquet" and bad.location == f"{path}:{len(good)}"
    assert len(good) + bad.n_records == 3000


def test_readers_oversized_line_skipped_unread(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text":"ok"}\n' + b'{"text":"' + b"x" * 5000 + b'"}\n' + b'{"text":"after"}\n')
    raws = _raws(path, max_record_bytes=1000)
    assert [r.problem.code if r.problem else None for r in raws] == [None, "record_too_large", None]
    assert raws[1].location == f"{path}:2" and "5012 bytes" in raws[1].problem.reason
    assert json.loads(raws[2].payload) == {"text": "after"}


def test_readers_expand_dirs_globs_files(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".hidden").mkdir()
    for rel in ["d/b.jsonl", "d/a.jsonl.zst", "d/sub/c.parquet", "d/notes.csv", "d/.hidden/x.jsonl", "d/.y.jsonl",
                "e.txt"]:
        (tmp_path / rel).write_bytes(b"")
    d = tmp_path / "d"
    assert [f.path for f in expand_inputs([str(d)])] == [str(d / "a.jsonl.zst"), str(d / "b.jsonl"),
                                                          str(d / "sub" / "c.parquet")]
    files = expand_inputs([str(tmp_path / "e.txt"), str(d / "*.jsonl*"), str(d / "b.jsonl")])
    assert [f.path for f in files] == [str(tmp_path / "e.txt"), str(d / "a.jsonl.zst"), str(d / "b.jsonl")]
    assert [f.format for f in files] == ["text", "jsonl", "jsonl"]


@pytest.mark.parametrize("spec, message", [
    ("missing.jsonl", "does not exist"),
    ("*.nothing", "matches no file"),
    ("notes.csv", "unsupported file type"),
])
def test_readers_expand_errors(tmp_path, monkeypatch, spec, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.csv").write_text("x")
    with pytest.raises(ConfigError, match=message):
        expand_inputs([spec])


def test_readers_fsspec_memory_url(mem):
    fs, root = mem
    fs.pipe(f"{root}/a.jsonl.gz", gzip.compress(JSONL))
    fs.pipe(f"{root}/b.jsonl", JSONL[:40] + b"\n")
    files = expand_inputs([f"memory://{root}"])
    assert [f.path for f in files] == [f"memory://{root}/a.jsonl.gz", f"memory://{root}/b.jsonl"]
    assert [json.loads(r.payload) for r in iter_raw_records(files[0])] == RECORDS


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".parquet"])
def test_readers_offset_tracks_progress(tmp_path, suffix):
    path = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(RECORDS * 1000), path, row_group_size=1000)
    else:
        # Incompressible lines, so that the compressed file is read in many pieces.
        lines = b"".join(json.dumps({"text": os.urandom(60).hex()}).encode() + b"\n" for _ in range(5000))
        path.write_bytes(_compress(lines, "gzip" if suffix.endswith(".gz") else None))
    (f,) = expand_inputs([str(path)])
    reader = RecordReader(f)
    seen = [reader.offset for i, _ in enumerate(reader) if i % 1000 == 999]
    assert seen == sorted(seen) and 0 < seen[len(seen) // 2] < f.size
    assert reader.offset == f.size


def test_readers_url_glob_and_folder_skip_hidden_like_local(mem):
    fs, root = mem
    for name in ("a.jsonl", ".b.jsonl", "sub/c.jsonl", ".hid/d.jsonl"):
        fs.pipe(f"{root}/{name}", JSONL)
    expected = [f"memory://{root}/a.jsonl", f"memory://{root}/sub/c.jsonl"]
    assert [f.path for f in expand_inputs([f"memory://{root}/*"])] == expected
    assert [f.path for f in expand_inputs([f"memory://{root}"])] == expected
