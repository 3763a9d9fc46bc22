"""``scrubber clean --resume`` of DP-shard runs (dedup, contribution bounding, unit index): a run
killed at any point continues to byte-identical shards, units.parquet and manifest."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_resume import SLOW_CLI, cli_env

from scrubber.dp.finalize import DpShardBuilder
from scrubber.dp.units import DpShardOptions
from scrubber.errors import ConfigError
from scrubber.io import writers
from scrubber.keys import SecretKey
from scrubber.manifest import comparable, read_manifest
from scrubber.resume import RESUME_DIR
from scrubber.runner import CleanOptions, run_clean

REPO = Path(__file__).resolve().parent.parent

KEY_BYTES = b"resume-dp-test-key-0123456789abcdef"
KEY = SecretKey(KEY_BYTES)


def make_corpus(folder: Path, files: int = 2, per_file: int = 150) -> Path:
    """Authors with several records each, exact duplicates (also across files and with other
    whitespace / case), near duplicates, records without an author and a bad line."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        with open(folder / f"f{k}.jsonl", "w") as f:
            for i in range(per_file):
                n = k * per_file + i
                if i % 41 == 7:
                    f.write("{not json\n")
                    continue
                text = f"note {n} from user{n % 23}: call 415-555-{n:04d} or mail u{n}@example.com today please"
                if n % 9 == 4:
                    text = "Same  MESSAGE repeated everywhere, call 415-555-0000"  # exact duplicates
                    text = text if n % 2 else text.lower()
                elif n % 13 == 3:
                    text = f"near duplicate body with many shared words in it number {n % 2}"
                row: dict[str, object] = {"id": f"{k}-{i}", "text": text}
                if n % 17 != 5:
                    row["author"] = f"author-{n % 50}"
                f.write(json.dumps(row) + "\n")
    return folder


def all_digests(out: Path) -> dict[str, str]:
    """Hashes of every shard, the quarantine file and units.parquet, plus the manifest minus timing."""
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("part-*"))}
    got["quarantine"] = hashlib.sha256((out / "quarantine" / "quarantined.jsonl").read_bytes()).hexdigest()
    got["manifest"] = hashlib.sha256(json.dumps(comparable(read_manifest(str(out))), sort_keys=True).encode()).hexdigest()
    got["units.parquet"] = hashlib.sha256((out / "units.parquet").read_bytes()).hexdigest()
    assert not [p for p in out.rglob(".*")], "temporary files, staging or markers left behind"
    return got


def dp_options(fmt: str = "jsonl", near: bool = False, **kw: object) -> CleanOptions:
    dp = DpShardOptions(privacy_unit="author", max_records_per_unit=2,
                        near_dup_threshold=0.5 if near else None)
    base: dict[str, object] = {"shard_records": 25, "shard_bytes": None, "workers": 1, "chunk_records": 10,
                               "out_format": fmt, "dp": dp}
    return CleanOptions(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("fmt", "near", "stop_at"), [
    ("jsonl", False, 1), ("jsonl", False, 26), ("jsonl", False, 80), ("jsonl", False, 10**9),
    ("jsonl", True, 53), ("parquet", False, 60), ("parquet", True, 10**9 + 1), ("jsonl", False, 10**9 + 2),
])
def test_dp_resume_after_interrupt_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                                     near: bool, stop_at: int) -> None:
    inp = make_corpus(tmp_path / "in")
    options = dp_options(fmt, near)
    ref = run_clean([str(inp)], str(tmp_path / "ref"), "dp", key=KEY, options=options)
    assert ref.manifest["counts"]["records_dropped"] > 0 and len(ref.manifest["shards"]) >= 3
    assert ref.manifest["dedup"]["exact_duplicates_removed"] > 0
    assert ref.manifest["privacy_units"]["units_truncated"] > 0
    expected = all_digests(tmp_path / "ref")
    out = tmp_path / "out"
    import scrubber.runner as runner

    with monkeypatch.context() as m:
        if stop_at < 10**9:  # during the scrub pass, at the stop_at-th staged record
            calls = [0]
            add = writers.ShardWriter.add

            def failing_add(self: writers.ShardWriter, *args: object) -> None:
                calls[0] += 1
                if calls[0] == stop_at:
                    raise KeyboardInterrupt
                add(self, *args)  # type: ignore[arg-type]

            m.setattr(writers.ShardWriter, "add", failing_add)
        elif stop_at == 10**9:  # between the last part and the manifest
            m.setattr(runner, "write_manifest", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
        elif stop_at == 10**9 + 1:  # in finalize, after some final shards are written
            final_add = writers.ShardWriter.add
            staged = [0]

            def failing_final_add(self: writers.ShardWriter, *args: object) -> None:
                if not self._dir.endswith(".dp-stage"):
                    staged[0] += 1
                    if staged[0] == 40:
                        raise KeyboardInterrupt
                final_add(self, *args)  # type: ignore[arg-type]

            m.setattr(writers.ShardWriter, "add", failing_final_add)
        else:  # after the index, before the manifest: units.parquet and final shards on disk
            m.setattr(DpShardBuilder, "_fill_sections", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            run_clean([str(inp)], str(out), "dp", key=KEY, options=options)
    assert (out / RESUME_DIR).is_dir() and (out / ".dp-stage").is_dir()
    # Other chunking on resume changes nothing.
    resumed = dp_options(fmt, near, resume=True, chunk_records=7)
    res = run_clean([str(inp)], str(out), "dp", key=KEY, options=resumed)
    assert all_digests(out) == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in (tmp_path / "ref").iterdir())
    assert res.manifest["privacy_units"] == ref.manifest["privacy_units"]


def test_dp_resume_refuses_other_dp_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inp = make_corpus(tmp_path / "in", files=1, per_file=60)
    out = tmp_path / "out"
    monkeypatch.setattr(writers.ShardWriter, "add", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        run_clean([str(inp)], str(out), "dp", key=KEY, options=dp_options())
    monkeypatch.undo()
    other = CleanOptions(shard_records=25, shard_bytes=None, workers=1, resume=True,
                         dp=DpShardOptions(privacy_unit="author", max_records_per_unit=3))
    with pytest.raises(ConfigError, match="different"):
        run_clean([str(inp)], str(out), "dp", key=KEY, options=other)
    with pytest.raises(ConfigError, match="different key_id"):
        run_clean([str(inp)], str(out), "dp", key=SecretKey(b"another-key-of-enough-length-xyz"),
                  options=dp_options(resume=True))


def test_dp_resume_after_sigkill_is_byte_identical(tmp_path: Path) -> None:
    inp = make_corpus(tmp_path / "in")
    key_file = tmp_path / "K"
    key_file.write_bytes(KEY_BYTES)
    ref = tmp_path / "ref"
    run_clean([str(inp)], str(ref), "dp", key=KEY,
              options=CleanOptions(shard_records=25, shard_bytes=None, workers=1,
                                   dp=DpShardOptions(privacy_unit="author", max_records_per_unit=2)))
    expected = all_digests(ref)
    args = ["--pipeline", "dp", "--privacy-unit", "author", "--max-records-per-unit", "2", "--key-file",
            str(key_file), "--shard-size", "25", "--workers", "1", "--quiet"]
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI, "clean", str(inp), "--out", str(out), *args],
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list((out / ".dp-stage").glob("part-*"))) < 2 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert not (out / "manifest.json").exists(), "the run finished before it could be killed"
    done = subprocess.run([sys.executable, "-m", "scrubber", "clean", str(inp), "--out", str(out), *args,
                           "--resume"], env=cli_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr  # 3: finished, some records quarantined
    assert all_digests(out) == expected
