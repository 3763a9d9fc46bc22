"""Fuzzing (a short run of benchmarks/fuzz_campaign.py): hostile files and hostile text never crash
the run; in = out + quarantined; spans in bounds; nothing an enabled rule matches survives."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fuzz_campaign  # noqa: E402

from scrubber.runner import CleanOptions, run_clean  # noqa: E402


def test_fuzz_readers_hostile_files() -> None:
    fuzz_campaign.run_readers(150)


def test_fuzz_scrub_hostile_text() -> None:
    fuzz_campaign.run_scrub(300)


@pytest.mark.parametrize("text", [" [at] \ud800", "a\ud800@example.com 415-555-0134", "\x00john@example.com\x00",
                                  "\u202ejohn\u200b@example.com\u202c", "4\u03011 1111 1111 1111 1111"])
def test_fuzz_regressions_scrub(text: str) -> None:
    fuzz_campaign.check_scrub(text)  # found by the campaign: lone surrogates crashed normalize()


def test_fuzz_run_survives_hostile_inputs(tmp_path: Path) -> None:
    """Found by the campaign: a .zst file that is not zstd raised ZstdError out of the reader and
    killed the whole run. Now every hostile file is quarantined and the run completes."""
    inp = tmp_path / "in"
    inp.mkdir()
    good = b"".join(json.dumps({"id": i, "text": f"mail a{i}@example.com"}).encode() + b"\n" for i in range(20))
    (inp / "a_not_zstd.jsonl.zst").write_bytes(b"\x00garbage")
    (inp / "b_truncated.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(good)[:-7])
    (inp / "c_truncated.jsonl.gz").write_bytes(gzip.compress(good)[:-9])
    (inp / "d_not_gzip.jsonl.gz").write_bytes(b"not gzip at all")
    (inp / "e_nested.jsonl").write_bytes(b'{"text": "x", "d": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + good)
    (inp / "f_huge.jsonl").write_bytes(b'{"text": "' + b"a" * 5000 + b'"}\n' + good)
    (inp / "g_random.txt").write_bytes(bytes(range(256)) * 4)
    result = run_clean([str(inp)], str(tmp_path / "out"), "fast",
                       options=CleanOptions(workers=1, max_record_bytes=4096))
    c = result.counts
    assert c["records_in"] == c["records_out"] + c["records_quarantined"]
    assert set(result.manifest["quarantine"]["by_code"]) >= {"unreadable_file", "record_too_large"}
