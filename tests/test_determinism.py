"""The same inputs, config and key give byte-identical shards and manifest (but ``timing``), for
any ``--workers`` and across runs in separate processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PSEUDO_REGEX_PIPELINE

from scrubber.manifest import comparable, read_manifest

REPO = Path(__file__).resolve().parent.parent
PSEUDO = PSEUDO_REGEX_PIPELINE


def hashes(out: Path) -> dict[str, str]:
    got = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in sorted(out.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    got["manifest"] = json.dumps(comparable(read_manifest(str(out))), sort_keys=True)
    return got


def test_determinism_across_processes_and_workers(tmp_path: Path) -> None:
    (tmp_path / "K").write_text("a3c1f0e2d4b6a8c0e2f4a6b8c0d2e4f6\n")
    (tmp_path / "p.yaml").write_text(PSEUDO)
    inp = tmp_path / "in"
    inp.mkdir()
    for k in range(2):
        with (inp / f"f{k}.jsonl").open("w") as f:
            for i in range(120):
                f.write(json.dumps({"id": f"{k}-{i}", "text": f"Call 415-555-{i:04d} or mail x{i}@example.org; "
                                    f"card 4111 1111 1111 1111 on 2024-03-0{1 + i % 9}"}) + "\n")
                if i % 50 == 7:
                    f.write("not json\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    runs = {}
    for name, workers in (("a", "1"), ("b", "1"), ("c", "2")):
        done = subprocess.run([sys.executable, "-m", "scrubber", "clean", str(inp), "--out", str(tmp_path / name),
                               "--pipeline", str(tmp_path / "p.yaml"), "--key-file", str(tmp_path / "K"),
                               "--workers", workers, "--shard-size", "50", "--with-spans", "--quiet"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 3, done.stderr
        runs[name] = hashes(tmp_path / name)
    assert runs["a"] == runs["b"] == runs["c"]
    assert len([k for k in runs["a"] if k.startswith("part-")]) == 5
    # And the pseudonyms really are keyed: another key changes the shards.
    (tmp_path / "K2").write_text("ffffffffffffffffffffffffffffffff\n")
    subprocess.run([sys.executable, "-m", "scrubber", "clean", str(inp), "--out", str(tmp_path / "d"),
                    "--pipeline", str(tmp_path / "p.yaml"), "--key-file", str(tmp_path / "K2"),
                    "--workers", "1", "--shard-size", "50", "--with-spans", "--quiet"],
                   env=env, capture_output=True, timeout=300)
    other = hashes(tmp_path / "d")
    assert other["part-00000.jsonl.zst"] != runs["a"]["part-00000.jsonl.zst"]
