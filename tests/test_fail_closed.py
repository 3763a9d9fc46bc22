"""Fail closed: records on which a detector raises are quarantined, never written unscrubbed."""

from __future__ import annotations

import json
from pathlib import Path

import faulty_detector
import pytest
import zstandard

from scrubber.runner import CleanOptions, run_clean

PIPELINE = """
name: faulty
detectors:
  - type: regex.v1
    rules: [builtin]
  - type: faulty_raise.v1
resolve:
  policy: longest_first
transforms:
  default: {operator: replace, template: "<{label}>"}
"""


def all_output_bytes(out: Path) -> bytes:
    data = b""
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "manifest.json":  # the manifest holds the config, marker included
            raw = p.read_bytes()
            data += zstandard.ZstdDecompressor().stream_reader(raw).read() if p.name.endswith(".zst") else raw
    return data


@pytest.mark.parametrize("workers", [1, 2])
def test_fail_closed_detector_exception_quarantines_the_record(tmp_path: Path, workers: int) -> None:
    pipeline = tmp_path / "faulty.yaml"
    pipeline.write_text(PIPELINE)
    inp = tmp_path / "in.jsonl"
    bad_pii = []
    with inp.open("w") as f:
        for i in range(60):
            email = f"person{i}@secret-domain.example"
            if i % 7 == 3:  # a marked record, in chunks of its own and mixed with good ones
                bad_pii.append(f"person{i}")
                f.write(json.dumps({"id": i, "text": f"{faulty_detector.MARKER} write {email}"}) + "\n")
            else:
                f.write(json.dumps({"id": i, "text": f"write {email}"}) + "\n")
    out = tmp_path / "out"
    result = run_clean([str(inp)], str(out), str(pipeline),
                       options=CleanOptions(workers=workers, chunk_records=4, shard_records=10))
    assert result.counts == {"records_in": 60, "records_out": 60 - len(bad_pii), "records_quarantined": len(bad_pii)}
    assert result.manifest["quarantine"]["by_code"] == {"pipeline_error": len(bad_pii)}
    data = all_output_bytes(out)
    assert faulty_detector.MARKER.encode() not in data
    assert b"secret-domain" not in data  # the good records are scrubbed, the bad ones absent
    for who in bad_pii:
        assert who.encode() not in data
    entries = [json.loads(line) for line in (out / "quarantine" / "quarantined.jsonl").read_text().splitlines()]
    assert sorted(e["id"] for e in entries) == [i for i in range(60) if i % 7 == 3]
    assert all("injected detector failure" in e["reason"] for e in entries)
