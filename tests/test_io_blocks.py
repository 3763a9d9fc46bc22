"""Line blocks (the local engine's reading path) against record-by-record reading, and frames."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
import zstandard

from scrubber.io import readers
from scrubber.io.readers import LineBlock, RecordReader, expand_inputs, split_block
from scrubber.runner import CleanOptions, iter_work, run_clean


def _from_blocks(f, **kw) -> list:
    out = []
    for (_key, item), _pos in RecordReader(f, **kw).work(0):
        out += split_block(item) if isinstance(item, LineBlock) else [item]
    return out


CASES = {
    "plain": b'{"text": "a"}\n{"text": "b"}\n',
    "no_final_newline": b'{"text": "a"}\n{"text": "b"}',
    "blank_lines": b'\n  \n{"text": "a"}\n\r\n\n{"text": "b"}\n\n',
    "only_blank": b"\n \n\t\n",
    "empty": b"",
    "long_in_middle": b'{"text": "a"}\n{"text": "' + b"y" * 500 + b'"}\n{"text": "c"}\n',
    "long_last_no_newline": b'{"text": "a"}\n{"text": "' + b"y" * 500 + b'"}',
    "long_first": b'{"text": "' + b"y" * 5000 + b'"}\n{"text": "c"}\n',
    "limit_exact": b"x" * 200 + b"\n" + b"x" * 201 + b"\n" + b"x" * 200,
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.zst", ".txt"])
def test_blocks_give_the_same_raw_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                          suffix: str) -> None:
    monkeypatch.setattr(readers, "_READ_BUFFER", 64)  # many reads, lines across them
    monkeypatch.setattr(readers, "FRAME_BYTES", 32)  # many frame windows
    data = CASES[name]
    path = tmp_path / f"a{suffix}"
    path.write_bytes(zstandard.ZstdCompressor().compress(data) if suffix.endswith(".zst") else data)
    f = expand_inputs([str(path)])[0]
    kw = {"max_record_bytes": 200, "lines": suffix == ".txt"}
    assert _from_blocks(f, **kw) == list(RecordReader(f, **kw))


def test_blocks_random_lines_and_restart_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_READ_BUFFER", 100)
    monkeypatch.setattr(readers, "FRAME_BYTES", 256)
    rng = random.Random(5)
    lines = [b"" if rng.random() < 0.1 else json.dumps({"text": "z" * rng.randrange(0, 400)}).encode()
             for _ in range(300)]
    path = tmp_path / "a.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(lines) + b"\n"))
    f = expand_inputs([str(path)])[0]
    expected = list(RecordReader(f, max_record_bytes=300))
    assert _from_blocks(f, max_record_bytes=300) == expected
    # Every block's restart position gives the rest of the file.
    for (_key, item), pos in RecordReader(f, max_record_bytes=300).work(0):
        rest = []
        for (_k, it), _p in RecordReader(f, max_record_bytes=300).work(0, skip_lines=pos[1], skip_bytes=pos[2]):
            rest += split_block(it) if isinstance(it, LineBlock) else [it]
        first = split_block(item)[0] if isinstance(item, LineBlock) and split_block(item) else item
        assert rest == expected[expected.index(first):]
        break


def _digest(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("part-*"))}


def test_frames_do_not_depend_on_chunks_or_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "FRAME_BYTES", 2000)  # many frames per shard
    rng = random.Random(1)
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(2):
        recs = [json.dumps({"text": f"mail p{j}@example.org " + "w" * rng.randrange(0, 300)})
                if rng.random() > 0.05 else "{bad" for j in range(400)]
        (inp / f"f{i}.jsonl").write_text("\n".join(recs) + "\n")
    base = {"shard_records": 150, "shard_bytes": 40_000}
    outs = []
    for k, extra in enumerate([{}, {"chunk_records": 7}, {"chunk_bytes": 3000}, {"chunk_records": 33, "workers": 2}]):
        workers = extra.pop("workers", 1)
        out = tmp_path / f"o{k}"
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(workers=workers, **base, **extra))
        outs.append(out)
    ref = _digest(outs[0])
    assert len(ref) > 3
    for out in outs[1:]:
        assert _digest(out) == ref
    frames = 0
    for p in sorted(outs[0].glob("part-*")):
        data = p.read_bytes()
        frames += data.count(b"\x28\xb5\x2f\xfd")  # zstd frame magic (may over-count, never under)
        text = zstandard.ZstdDecompressor().stream_reader(data).read()
        assert all(json.loads(line)["text"].startswith("mail <EMAIL_ADDRESS>") for line in text.splitlines())
    assert frames > len(ref)  # several frames per shard, read whole by a plain stream_reader


def test_iter_work_chunks_are_whole_windows_by_default(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(json.dumps({"text": "q" * 900}).encode() + b"\n" for _ in range(12_000)))
    chunks = list(iter_work(expand_inputs([str(path)]), CleanOptions()))
    assert len(chunks) > 2
    assert not any(c.joins_prev or c.joins_next for c in chunks)


def test_iter_work_halves_the_last_chunks_for_a_pool(tmp_path: Path) -> None:
    """With workers, chunks near the end of inputs of known size are half size (a short tail);
    alone, a run keeps full chunks. Either way the chunks cover the input in order."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(json.dumps({"text": "q" * 900}).encode() + b"\n" for _ in range(12_000)))
    files = expand_inputs([str(path)])
    sizes = {w: [c.nbytes for c in iter_work(files, CleanOptions(workers=w, chunk_bytes=1 << 20))] for w in (1, 2)}
    assert sum(sizes[1]) == sum(sizes[2]) == path.stat().st_size
    line = len(path.read_bytes().split(b"\n", 1)[0]) + 1  # a chunk ends at the line end after its limit
    assert max(sizes[2][-3:-1]) <= (1 << 19) + line < sizes[2][0]  # under 2 * workers full chunks left
    assert min(sizes[1][:-1]) > 1 << 19


def test_multi_frame_shards_read_whole_by_common_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README: streaming readers (pandas, datasets, zstandard.open) see every frame of a shard."""
    monkeypatch.setattr(readers, "FRAME_BYTES", 1500)
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"text": f"row {i} mail r{i}@example.org " + "w" * 80}) + "\n"
                           for i in range(300)))
    out = tmp_path / "out"
    run_clean([str(inp)], str(out), "fast", options=CleanOptions(workers=1))
    (shard,) = sorted(out.glob("part-*.jsonl.zst"))
    assert shard.read_bytes().count(b"\x28\xb5\x2f\xfd") > 5  # many frames
    with zstandard.open(shard, "rt", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 300
    pd = pytest.importorskip("pandas")
    assert len(pd.read_json(shard, lines=True, compression="zstd")) == 300
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(shard), split="train", cache_dir=str(tmp_path / "hf"))
    assert len(ds) == 300


def test_shared_slots_carry_line_blocks_and_refuse_what_does_not_fit() -> None:
    from scrubber.io.readers import LineBlock, RawRecord
    from scrubber.worker import SharedSlots

    slots = SharedSlots(2, 64)
    block = LineBlock("jsonl", "a.jsonl", 1, b'{"text": "x"}\n{"text": "y"}\n', 1 << 20, 2)
    raw = RawRecord("parquet", "b.parquet", "row", 0, {"text": "z"})
    items = [((0, 0), block), ((1, 0), raw)]
    from concurrent.futures import Future

    placed = slots.put(items)
    assert placed is not None and placed[0][1].data == (0, len(block.data)) and placed[1][1] is raw
    assert slots.take(placed) == items
    first: Future[None] = Future()
    slots.bind(first)
    second = slots.put([((0, 0), block)])  # the next slot
    assert second is not None and second[0][1].data == (64, len(block.data))
    assert slots.take(second) == [((0, 0), block)]
    assert slots.put([((0, 0), block)]) is None  # slot 0's task is not done: through the pipe
    first.set_result(None)
    again = slots.put([((0, 0), block)])
    assert again is not None and again[0][1].data == (0, len(block.data))
    big = block._replace(data=b"x" * 65)
    assert slots.put([((0, 0), big)]) is None  # does not fit: through the pipe
    slots.close()
