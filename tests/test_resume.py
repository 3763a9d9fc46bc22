"""``scrubber clean --resume``: a run killed at any point continues to byte-identical output."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrubber.errors import ConfigError
from scrubber.io import writers
from scrubber.manifest import comparable, read_manifest
from scrubber.resume import RESUME_DIR
from scrubber.runner import CleanOptions, run_clean
from scrubber.worker import Segment

REPO = Path(__file__).resolve().parent.parent

# Runs the real CLI, slowed down per finished shard so that a kill lands mid-run reliably.
SLOW_CLI = """
import sys, time
from scrubber.io import writers
_finish = writers.ShardWriter._finish
def _slow(self, records):
    time.sleep(0.15)
    _finish(self, records)
writers.ShardWriter._finish = _slow
from scrubber.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def make_inputs(folder: Path, files: int = 3, per_file: int = 200) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        with open(folder / f"f{k}.jsonl", "w") as f:
            for i in range(per_file):
                if i % 37 == 5:
                    f.write("{not json\n")
                else:
                    f.write(json.dumps({"id": f"{k}-{i}", "text": f"mail john{i}@example.com or 415-555-{i:04d}"}) + "\n")
    return folder


def digest(out: Path) -> dict[str, str]:
    """Hashes of every shard and the quarantine file, plus the manifest minus timing."""
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("part-*"))}
    q = out / "quarantine" / "quarantined.jsonl"
    if q.exists():
        got["quarantine"] = hashlib.sha256(q.read_bytes()).hexdigest()
    got["manifest"] = hashlib.sha256(json.dumps(comparable(read_manifest(str(out))), sort_keys=True).encode()).hexdigest()
    return got


def cli_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


ARGS = ["--pipeline", "fast", "--shard-size", "60", "--workers", "1", "--quiet"]


def test_resume_after_sigkill_is_byte_identical(tmp_path: Path) -> None:
    inp = make_inputs(tmp_path / "in")
    ref = tmp_path / "ref"
    run_clean([str(inp)], str(ref), "fast", options=CleanOptions(shard_records=60, shard_bytes=None, workers=1))
    expected = digest(ref)
    # Kill after the first shard appears, and later after the fourth (stale temp files left).
    for i, shards_before_kill in enumerate((1, 4)):
        out = tmp_path / f"out{i}"
        proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI, "clean", str(inp), "--out", str(out), *ARGS],
                                env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(list(out.glob("part-*"))) < shards_before_kill and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert not (out / "manifest.json").exists(), "the run finished before it could be killed"
        assert (out / RESUME_DIR).is_dir()
        done = subprocess.run([sys.executable, "-m", "scrubber", "clean", str(inp), "--out", str(out), *ARGS,
                               "--resume"], env=cli_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 3, done.stderr  # 3: finished, some records quarantined
        assert digest(out) == expected
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in ref.iterdir())


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("stop_at", [1, 60, 61, 250, 10**9])
def test_resume_after_interrupt_at_any_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                              stop_at: int) -> None:
    inp = make_inputs(tmp_path / "in", files=2, per_file=150)
    options = CleanOptions(shard_records=60, workers=1, chunk_records=25, out_format=fmt)
    run_clean([str(inp)], str(tmp_path / "ref"), "fast", options=options)
    out = tmp_path / "out"
    calls = [0]
    add, add_segment = writers.ShardWriter.add, writers.ShardWriter.add_segment

    def failing_add(self: writers.ShardWriter, *args: object) -> None:
        calls[0] += 1
        if calls[0] == stop_at:
            raise KeyboardInterrupt
        add(self, *args)  # type: ignore[arg-type]

    def failing_add_segment(self: writers.ShardWriter, segment: Segment) -> None:
        # .jsonl.zst output comes in segments (records calls+1 .. calls+n): stop at the one holding stop_at
        if calls[0] < stop_at <= calls[0] + len(segment.sizes):
            raise KeyboardInterrupt
        calls[0] += len(segment.sizes)
        add_segment(self, segment)

    monkeypatch.setattr(writers.ShardWriter, "add", failing_add)
    monkeypatch.setattr(writers.ShardWriter, "add_segment", failing_add_segment)
    if stop_at < 10**9:
        with pytest.raises(KeyboardInterrupt):
            run_clean([str(inp)], str(out), "fast", options=options)
    else:  # interrupted between the last part and the manifest
        import scrubber.runner as runner

        with monkeypatch.context() as m:
            m.setattr(runner, "write_manifest", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
            with pytest.raises(KeyboardInterrupt):
                run_clean([str(inp)], str(out), "fast", options=options)
    monkeypatch.setattr(writers.ShardWriter, "add", add)
    monkeypatch.setattr(writers.ShardWriter, "add_segment", add_segment)
    # A different chunking and worker count on resume changes nothing.
    resumed = CleanOptions(shard_records=60, workers=1, chunk_records=7, out_format=fmt, resume=True)
    run_clean([str(inp)], str(out), "fast", options=resumed)
    assert digest(out) == digest(tmp_path / "ref")
    assert not (out / RESUME_DIR).exists()


def test_resume_refuses_a_different_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inp = make_inputs(tmp_path / "in", files=1, per_file=100)
    out = tmp_path / "out"
    monkeypatch.setattr(writers.ShardWriter, "add", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(writers.ShardWriter, "add_segment", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(shard_records=60, workers=1))
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="different options"):
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(shard_records=61, workers=1, resume=True))
    with pytest.raises(ConfigError, match="different pipeline_sha256"):
        run_clean([str(inp)], str(out), "default", options=CleanOptions(shard_records=60, workers=1, resume=True))
    with pytest.raises(ConfigError, match="--resume"):  # a plain run points at --resume
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(shard_records=60, workers=1))
    with (inp / "f0.jsonl").open("a") as f:
        f.write('{"text": "one more"}\n')
    with pytest.raises(ConfigError, match="different inputs"):
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(shard_records=60, workers=1, resume=True))


def test_resume_refuses_a_folder_without_markers(tmp_path: Path) -> None:
    inp = make_inputs(tmp_path / "in", files=1, per_file=10)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="no resumable run"):
        run_clean([str(inp)], str(out), "fast", options=CleanOptions(workers=1, resume=True))


def test_resume_of_a_finished_run_is_a_no_op(tmp_path: Path) -> None:
    inp = make_inputs(tmp_path / "in", files=1, per_file=10)
    out = tmp_path / "out"
    first = run_clean([str(inp)], str(out), "fast", options=CleanOptions(workers=1))
    again = run_clean([str(inp)], str(out), "fast", options=CleanOptions(workers=1, resume=True))
    assert again.manifest == first.manifest
