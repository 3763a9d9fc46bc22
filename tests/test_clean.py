"""``scrubber clean`` end to end: the runner API in-process, and the real CLI in subprocesses."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from scrubber.errors import ConfigError
from scrubber.manifest import comparable, read_manifest
from scrubber.pipeline import Pipeline
from scrubber.resources import examples_dir
from scrubber.runner import CleanOptions, run_clean

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample.jsonl"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "scrubber", "clean", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def read_out(out: Path) -> list[dict]:
    records = []
    for shard in sorted(out.glob("part-*")):
        if shard.name.endswith(".parquet"):
            records += pq.read_table(shard).to_pylist()
        else:
            with open(shard, "rb") as f:
                data = zstandard.ZstdDecompressor().stream_reader(f).read()
            records += [json.loads(line) for line in data.splitlines()]
    return records


def read_quarantine(out: Path) -> list[dict]:
    path = out / "quarantine" / "quarantined.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def check_manifest(out: Path) -> dict:
    """The invariants every finished output folder satisfies."""
    m = read_manifest(str(out))
    c = m["counts"]
    assert c["records_in"] == c["records_out"] + c["records_quarantined"]
    assert c["records_out"] == len(read_out(out)) == sum(s["records"] for s in m["shards"])
    assert c["records_quarantined"] == sum(e["records"] for e in read_quarantine(out))
    for s in m["shards"]:
        data = (out / s["name"]).read_bytes()
        assert s["bytes"] == len(data) and s["sha256"] == hashlib.sha256(data).hexdigest()
    assert m["bytes"]["out"] == sum(s["bytes"] for s in m["shards"])
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
    return m


def corpus(path: Path, n: int, seed: int = 0, bad_every: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if bad_every and i % bad_every == bad_every - 1:
                f.write('{"text": broken\n')
                continue
            user = f"user{rng.randrange(1000)}"
            text = rng.choice([f"mail {user}@example.org now", f"call +1 415 555 {rng.randrange(1000, 9999)}",
                               "nothing to see here", f"café ünïcode {user} 192.0.2.{rng.randrange(255)}"])
            f.write(json.dumps({"id": f"d{i}", "meta": {"n": i}, "text": text}, ensure_ascii=False) + "\n")
    return path


def opts(**kw) -> CleanOptions:
    return CleanOptions(**{"workers": 1, **kw})


# -- the CLI ------------------------------------------------------------------------------------


def test_clean_sample_corpus_cli(tmp_path):
    proc = cli(str(SAMPLE), "--out", str(tmp_path / "out"), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    m = check_manifest(out)
    assert [s["name"] for s in m["shards"]] == ["part-00000.jsonl.zst"]
    assert m["counts"] == {"records_in": 30, "records_out": 30, "records_quarantined": 0}
    assert m["pipeline"]["name"] and len(m["pipeline"]["sha256"]) == 64 and m["pipeline"]["config"]["detectors"]
    assert m["inputs"] == [{"path": str(SAMPLE), "format": "jsonl", "compression": None, "bytes": SAMPLE.stat().st_size}]
    assert m["scrubber_version"] and m["timing"]["wall_seconds"] >= 0 and m["quarantine"]["file"] is None
    originals = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    cleaned = read_out(out)
    assert [r["id"] for r in cleaned] == [r["id"] for r in originals]
    assert [list(r) for r in cleaned] == [list(r) for r in originals]  # same fields, same order
    assert [r["author"] for r in cleaned] == [r["author"] for r in originals]
    assert "maria.gonzalez@example.com" not in json.dumps(cleaned) and "<EMAIL_ADDRESS>" in cleaned[0]["text"]
    # The summary table after the counts: a header, one row per label, then the total.
    rows = [line.rsplit(None, 1) for line in proc.stdout.split("\n\n", 1)[1].splitlines()]
    assert rows[0] == ["label", "spans"] and rows[-1] == ["total", str(sum(m["spans_by_label"].values()))]
    assert {k.strip(): int(v) for k, v in rows[1:-1]} == m["spans_by_label"] and "EMAIL_ADDRESS" in m["spans_by_label"]
    assert "records: 30 in, 30 out, 0 quarantined" in proc.stdout
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal


def test_clean_workers_1_and_2_byte_identical_cli(tmp_path):
    corpus(tmp_path / "a.jsonl", 5000, seed=1, bad_every=997)
    corpus(tmp_path / "b.jsonl", 1500, seed=2)
    for w in ("1", "2"):
        proc = cli("a.jsonl", "b.jsonl", "--out", f"out{w}", "--workers", w, "--shard-size", "2000",
                   "--pipeline", "fast", cwd=tmp_path)
        assert proc.returncode == 3, proc.stderr
    m1, m2 = check_manifest(tmp_path / "out1"), check_manifest(tmp_path / "out2")
    assert len(m1["shards"]) == 4 and m1["counts"]["records_quarantined"] == 5
    assert comparable(m1) == comparable(m2)
    assert m1["timing"]["workers"] == 1 and m2["timing"]["workers"] == 2
    files = sorted(p.relative_to(tmp_path / "out1") for p in (tmp_path / "out1").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "out2") for p in (tmp_path / "out2").rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "manifest.json":
            assert (tmp_path / "out1" / rel).read_bytes() == (tmp_path / "out2" / rel).read_bytes(), rel


def test_clean_bad_inputs_exit_3_cli(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_bytes(b'{"text":"mail a@b.org"}\n{"text": oops}\n{"id":7}\n')
    (tmp_path / "in" / "b.parquet").write_bytes(b"PAR1 but not really")
    (tmp_path / "in" / "c.jsonl").write_bytes(b"")
    proc = cli("in", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    m = check_manifest(tmp_path / "out")
    assert m["counts"] == {"records_in": 5, "records_out": 1, "records_quarantined": 4}
    assert m["quarantine"]["by_code"] == {"corrupt_parquet": 1, "empty_file": 1, "malformed_json": 1, "missing_text": 1}
    assert "4 quarantined" in proc.stdout and "out/quarantine/quarantined.jsonl" in proc.stdout
    assert [e["location"] for e in read_quarantine(tmp_path / "out")] == [
        "in/a.jsonl:2", "in/a.jsonl:3", "in/b.parquet", "in/c.jsonl"]


def test_clean_on_error_fail_cli(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b'{"text":"fine"}\n{"text": 3}\n{"text":"never reached"}\n')
    proc = cli("a.jsonl", "--out", "out", "--on-error", "fail", cwd=tmp_path)
    assert proc.returncode == 1
    assert "a.jsonl:2" in proc.stderr and "expected a string" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []  # no half shard, no manifest


def test_clean_refuses_non_empty_out_unless_overwrite_cli(tmp_path):
    corpus(tmp_path / "a.jsonl", 30)
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00007.jsonl.zst").write_bytes(b"stale shard of an earlier run")
    (out / "NOTES.txt").write_text("not ours")
    proc = cli("a.jsonl", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 2 and "not empty" in proc.stderr and "--overwrite" in proc.stderr
    proc = cli("a.jsonl", "--out", "out", "--workers", "1", "--overwrite", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["NOTES.txt", "manifest.json", "part-00000.jsonl.zst"]


@pytest.mark.parametrize("args, message", [
    (["missing.jsonl", "--out", "o"], "does not exist"),
    (["x.jsonl", "--out", "o", "--workers", "0"], "must be at least 1"),
    (["x.jsonl", "--out", "o", "--shard-size", "lots"], "invalid size"),
    (["x.jsonl", "--out", "o", "--pipeline", "nope"], "Available names"),
])
def test_clean_usage_errors_exit_2_cli(tmp_path, args, message):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr


def test_clean_huge_document_bounded_memory_cli(tmp_path):
    # 100 MB of text on one line, PII at the start, on a detection-window boundary, and at the end.
    base = "The quick brown fox jumps over the lazy dog near the river bank. "
    body = base * (1_000_000 // len(base))
    text = "mail first@example.org " + body + " mid@example.org " + body * 100 + " last@example.org"
    assert len(text) > 100_000_000
    with open(tmp_path / "in.jsonl", "w") as f:
        f.write('{"text": "small a@b.org"}\n')
        f.write(json.dumps({"id": "huge", "text": text}) + "\n")
        f.write('{"text": "after c@d.org"}\n')
    del text, body
    proc = cli("in.jsonl", "--out", "out", "--workers", "1", "--pipeline", "fast", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # The run's own high-water mark (VmHWM on Linux): a few copies of the record (bytes read,
    # parsed text, scrubbed text, serialized line), never more: bounded by the record, not the corpus.
    peak_mb = read_manifest(str(tmp_path / "out"))["timing"]["peak_rss_bytes"]["parent"] / 2**20
    assert 0 < peak_mb < 800, peak_mb
    m = check_manifest(tmp_path / "out")
    assert m["counts"]["records_out"] == 3 and m["spans_by_label"] == {"EMAIL_ADDRESS": 5}
    huge = read_out(tmp_path / "out")[1]["text"]
    assert huge.startswith("mail <EMAIL_ADDRESS> ") and huge.endswith(" <EMAIL_ADDRESS>")
    assert huge.count("<EMAIL_ADDRESS>") == 3 and "@example.org" not in huge


# -- the runner API -----------------------------------------------------------------------------


@pytest.mark.parametrize(("out_format", "start_method", "workers"),
                         [("jsonl", "fork", 2), ("jsonl", "fork", 4), ("jsonl", "spawn", 2), ("parquet", "auto", 2)])
def test_clean_workers_identical_small_chunks(tmp_path, out_format, start_method, workers):
    # Chunks of 7 records, shards of 40: many chunks per shard and shards per worker.
    corpus(tmp_path / "a.jsonl", 300, seed=3, bad_every=50)
    o = dict(chunk_records=7, shard_records=40, out_format=out_format, with_spans=True)
    r1 = run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "o1"), "fast", options=opts(**o))
    r2 = run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "o2"), "fast",
                   options=opts(workers=workers, start_method=start_method, **o))
    # A forked or spawned pool process scrubbed some of the chunks.
    assert r2.manifest["timing"]["peak_rss_bytes"]["workers"]
    assert comparable(r1.manifest) == comparable(r2.manifest)
    assert r1.quarantined == 6 and len(r1.manifest["shards"]) == 8
    for s in r1.manifest["shards"]:
        assert (tmp_path / "o1" / s["name"]).read_bytes() == (tmp_path / "o2" / s["name"]).read_bytes()
    check_manifest(tmp_path / "o1")


def test_pool_start_method_forks_only_where_safe(monkeypatch):
    from scrubber import runner

    assert runner.pool_start_method("spawn") == "spawn" and runner.pool_start_method("fork") == "fork"
    monkeypatch.setattr(runner.sys, "platform", "linux")
    monkeypatch.setattr(runner.threading, "active_count", lambda: 1)
    assert runner.pool_start_method() == "fork"
    monkeypatch.setattr(runner.threading, "active_count", lambda: 2)  # e.g. after ray.init
    assert runner.pool_start_method() == "spawn"
    monkeypatch.setattr(runner.threading, "active_count", lambda: 1)
    monkeypatch.setattr(runner.sys, "platform", "darwin")
    assert runner.pool_start_method() == "spawn"
    with pytest.raises(ConfigError, match="start_method"):
        run_clean(["x.jsonl"], "out", "fast", options=opts(start_method="thread"))


def _write_bad(tmp_path: Path, name: str, content) -> None:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)


def _parquet(rows):
    return lambda path: pq.write_table(pa.Table.from_pylist(rows), path)


GOOD = b'{"text": "reach me at good@example.org"}\n'


@pytest.mark.parametrize(
    "name, content, code, location, kw",
    [
        ("a.jsonl", GOOD + b'{"text": "unterminated\n', "malformed_json", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'{"text": "caf\xe9"}\n', "invalid_utf8", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'{"body": "x"}\n', "missing_text", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'{"text": null}\n', "null_text", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'{"text": ["x"]}\n', "non_string_text", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'"just a string"\n', "not_an_object", "a.jsonl:2", {}),
        ("a.jsonl", GOOD + b'{"text": "' + b"y" * 3000 + b'"}\n', "record_too_large", "a.jsonl:2",
         {"max_record_bytes": 1000}),
        ("a.jsonl.gz", gzip.compress(GOOD * 3000)[:-30], "unreadable_file", None, {}),
        ("a.jsonl", b"", "empty_file", "a.jsonl", {}),
        ("a.txt", b"", "empty_file", "a.txt", {}),
        ("a.txt", b"caf\xe9", "invalid_utf8", "a.txt", {}),
        ("a.parquet", b"garbage, not parquet", "corrupt_parquet", "a.parquet", {}),
        ("a.parquet", _parquet([{"text": "ok"}, {"text": None}]), "null_text", "a.parquet:1", {}),
        ("a.parquet", _parquet([{"text": 2, "id": 2}]), "non_string_text", "a.parquet:0", {}),
    ],
)
def test_clean_bad_input_quarantined(tmp_path, name, content, code, location, kw):
    _write_bad(tmp_path, name, content)
    _write_bad(tmp_path, "z.jsonl", GOOD)  # a good file after the bad one: the run goes on
    result = run_clean([str(tmp_path / "in")], str(tmp_path / "out"), "fast", options=opts(**kw))
    m = check_manifest(tmp_path / "out")
    entries = read_quarantine(tmp_path / "out")
    assert [e["code"] for e in entries] == [code] and result.quarantined == 1
    if location is not None:
        assert entries[0]["location"] == str(tmp_path / "in" / location)
    assert entries[0]["reason"] and m["quarantine"]["by_code"] == {code: 1}
    cleaned = read_out(tmp_path / "out")
    assert cleaned and all("@example.org" not in r["text"] for r in cleaned)
    assert cleaned[-1]["text"] == "reach me at <EMAIL_ADDRESS>"


def test_clean_quarantine_holds_no_raw_text(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b'{"id": "s1", "secret": "hunter2@example.org", "text": 12}\n')
    run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "out"), "fast", options=opts())
    raw = (tmp_path / "out" / "quarantine" / "quarantined.jsonl").read_text()
    assert "hunter2" not in raw and '"id":"s1"' in raw


def test_clean_pipeline_exception_fails_closed(tmp_path, monkeypatch):
    corpus(tmp_path / "a.jsonl", 20)
    with open(tmp_path / "a.jsonl", "a") as f:
        f.write(json.dumps({"id": "boom1", "text": "BOOM in detect, mail x@example.org"}) + "\n")
        f.write(json.dumps({"id": "boom2", "text": "KABOOM in transform, mail y@example.org"}) + "\n")
    real_detect, real_transform = Pipeline.detect, Pipeline.transform

    def detect(self, text):
        if "BOOM in detect" in text:
            raise RuntimeError("detector exploded")
        return real_detect(self, text)

    def detect_batch(self, texts):
        if any("BOOM" in t for t in texts):
            raise RuntimeError("batch exploded")
        return [real_detect(self, t) for t in texts]

    def transform(self, text, spans, doc_id=None):
        if "KABOOM" in text:
            raise MemoryError("no room")
        return real_transform(self, text, spans, doc_id)

    monkeypatch.setattr(Pipeline, "detect", detect)
    monkeypatch.setattr(Pipeline, "detect_batch", detect_batch)
    monkeypatch.setattr(Pipeline, "transform", transform)
    result = run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "out"), "fast", options=opts())
    check_manifest(tmp_path / "out")
    entries = read_quarantine(tmp_path / "out")
    assert [(e["id"], e["code"]) for e in entries] == [("boom1", "pipeline_error"), ("boom2", "pipeline_error")]
    assert "detector exploded" in entries[0]["reason"] and "MemoryError" in entries[1]["reason"]
    assert result.counts["records_out"] == 20
    assert "BOOM" not in json.dumps(read_out(tmp_path / "out"))


def test_clean_with_spans_offsets_into_original(tmp_path, fast_pipeline):
    corpus(tmp_path / "a.jsonl", 40, seed=5)
    run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "out"), "fast", options=opts(with_spans=True))
    originals = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    cleaned = read_out(tmp_path / "out")
    m = check_manifest(tmp_path / "out")
    assert sum(len(r["pii_spans"]) for r in cleaned) == sum(m["spans_by_label"].values()) > 0
    for orig, out in zip(originals, cleaned, strict=True):
        assert list(out) == ["id", "meta", "text", "pii_spans"]
        assert out["pii_spans"] == [s.to_dict() for s in fast_pipeline.detect(orig["text"])]
        for span in out["pii_spans"]:
            assert orig["text"][span["start"]:span["end"]] not in out["text"]


def test_clean_text_field_and_derived_ids(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(
        b'{"content": "mail a@example.org", "id": "kept"}\n'
        b'{"content": "mail b@example.org"}\n'
        b'{"id": null, "content": "mail c@example.org", "text": "not scrubbed: a@example.org"}\n'
    )
    run_clean([str(tmp_path / "a.jsonl")], str(tmp_path / "out"), "fast", options=opts(text_field="content"))
    src = str(tmp_path / "a.jsonl")
    assert read_out(tmp_path / "out") == [
        {"content": "mail <EMAIL_ADDRESS>", "id": "kept"},
        {"content": "mail <EMAIL_ADDRESS>", "id": f"{src}:2"},
        {"id": f"{src}:3", "content": "mail <EMAIL_ADDRESS>", "text": "not scrubbed: a@example.org"},
    ]


def test_clean_text_inputs_per_file_and_per_line(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Dear Bob,\nwrite to bob@example.org\n")
    (tmp_path / "docs" / "b.txt.gz").write_bytes(gzip.compress(b"call +1 415 555 2671\n\nbye\n"))
    run_clean([str(tmp_path / "docs")], str(tmp_path / "o1"), "fast", options=opts())
    d = str(tmp_path / "docs")
    assert read_out(tmp_path / "o1") == [
        {"text": "Dear Bob,\nwrite to <EMAIL_ADDRESS>\n", "id": f"{d}/a.txt"},
        {"text": "call <PHONE_NUMBER>\n\nbye\n", "id": f"{d}/b.txt.gz"},
    ]
    run_clean([str(tmp_path / "docs")], str(tmp_path / "o2"), "fast", options=opts(lines=True))
    assert [(r["id"], r["text"]) for r in read_out(tmp_path / "o2")] == [
        (f"{d}/a.txt:1", "Dear Bob,"), (f"{d}/a.txt:2", "write to <EMAIL_ADDRESS>"),
        (f"{d}/b.txt.gz:1", "call <PHONE_NUMBER>"), (f"{d}/b.txt.gz:3", "bye"),
    ]


def test_clean_parquet_in_parquet_out_keeps_types(tmp_path):
    rows = [{"id": i, "score": i / 2, "tags": ["a", "b"], "text": f"mail u{i}@example.org"} for i in range(50)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet", row_group_size=20)
    run_clean([str(tmp_path / "in.parquet")], str(tmp_path / "out"), "fast",
              options=opts(out_format="parquet", with_spans=True, shard_records=30))
    m = check_manifest(tmp_path / "out")
    assert [s["name"] for s in m["shards"]] == ["part-00000.parquet", "part-00001.parquet"]
    table = pq.read_table(tmp_path / "out" / "part-00000.parquet")
    assert table.schema.field("id").type == pa.int64() and table.schema.field("tags").type == pa.list_(pa.string())
    cleaned = read_out(tmp_path / "out")
    assert [r["id"] for r in cleaned] == list(range(50))
    assert all(r["text"] == "mail <EMAIL_ADDRESS>" and r["pii_spans"][0]["label"] == "EMAIL_ADDRESS" for r in cleaned)


def test_clean_inputs_compressed_and_globbed(tmp_path):
    data = corpus(tmp_path / "plain.jsonl", 60, seed=9).read_bytes()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    (tmp_path / "c" / "y.json.gz").write_bytes(gzip.compress(data))
    run_clean([str(tmp_path / "plain.jsonl")], str(tmp_path / "o1"), "fast", options=opts())
    run_clean([str(tmp_path / "c" / "*")], str(tmp_path / "o2"), "fast", options=opts())
    one = read_out(tmp_path / "o1")
    assert read_out(tmp_path / "o2") == one + one
    assert [f["compression"] for f in read_manifest(str(tmp_path / "o2"))["inputs"]] == ["zstd", "gzip"]


def test_clean_skips_inputs_inside_the_output_folder(tmp_path):
    (tmp_path / "data").mkdir()
    corpus(tmp_path / "data" / "a.jsonl", 10)
    run_clean([str(tmp_path / "data")], str(tmp_path / "data" / "clean"), "fast", options=opts())
    # Second run over the same folder: its own earlier output is not read back as input.
    (tmp_path / "data" / "clean" / "part-00000.jsonl").write_text('{"text": "not an input"}\n')
    r = run_clean([str(tmp_path / "data")], str(tmp_path / "data" / "clean"), "fast", options=opts(overwrite=True))
    assert r.counts["records_in"] == 10


def test_clean_memory_filesystem(mem):
    fs, root = mem
    fs.pipe(f"{root}/in/a.jsonl", GOOD * 3)
    r = run_clean([f"memory://{root}/in/a.jsonl"], f"memory://{root}/out", "fast", options=opts())
    assert r.counts["records_out"] == 3 and fs.exists(f"{root}/out/manifest.json")
    assert fs.exists(f"{root}/out/part-00000.jsonl.zst")


def test_clean_options_validated_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="on_error"):
        run_clean([str(SAMPLE)], str(tmp_path / "out"), options=opts(on_error="ignore"))
    assert not (tmp_path / "out").exists()


def test_clean_bundled_sample_found_from_package():
    assert (examples_dir() / "sample.jsonl").is_file()


@pytest.mark.parametrize("text, expected", [
    ("100000", (100000, None)),
    ("256MB", (None, 256_000_000)),
    ("1GiB", (None, 1 << 30)),
    ("100000,256MB", (100000, 256_000_000)),
    ("512kib, 10", (10, 512 << 10)),
])
def test_clean_shard_size_option(text, expected):
    from scrubber.cli.clean_cmd import parse_shard_size

    assert parse_shard_size(text) == expected


@pytest.mark.parametrize("text", ["", "0", "lots", "12 parsecs", "0MB", ","])
def test_clean_shard_size_option_rejects(text):
    import argparse

    from scrubber.cli.clean_cmd import parse_shard_size

    with pytest.raises(argparse.ArgumentTypeError):
        parse_shard_size(text)


def test_clean_skips_inputs_inside_a_url_output_folder(mem):
    fs, root = mem
    fs.pipe(f"{root}/a.jsonl", GOOD)
    run_clean([f"memory://{root}"], f"memory://{root}/clean", "fast", options=opts())
    again = run_clean([f"memory://{root}"], f"memory://{root}/clean", "fast", options=opts(overwrite=True))
    assert [i["path"] for i in again.manifest["inputs"]] == [f"memory://{root}/a.jsonl"]
