"""DP-training-ready shards: privacy units, contribution bounding, dedup, unit index, manifest."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import zstandard

from scrubber.dp.units import DpShardOptions, normalize_for_dedup
from scrubber.errors import ConfigError
from scrubber.keys import SecretKey
from scrubber.manifest import comparable, read_manifest
from scrubber.runner import CleanOptions, run_clean

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample.jsonl"
KEY = SecretKey(b"k" * 32)
HEX = set("0123456789abcdef")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def read_out(out: Path) -> list[dict]:
    m = read_manifest(str(out))
    records = []
    for s in m["shards"]:
        with open(out / s["name"], "rb") as f:
            data = zstandard.ZstdDecompressor().stream_reader(f).read()
        records += [json.loads(line) for line in data.splitlines()]
    return records


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def clean(tmp_path: Path, rows: list[dict], name: str = "out", key=KEY, pipeline="fast", **dp) -> tuple[dict, list]:
    src = write(tmp_path / f"{dp.pop('src', name)}.jsonl", rows)
    workers = dp.pop("workers", 1)
    shard_records = dp.pop("shard_records", 100_000)
    res = run_clean([str(src)], str(tmp_path / name), pipeline, key=key,
                    options=CleanOptions(workers=workers, shard_records=shard_records, dp=DpShardOptions(**dp)))
    return res.manifest, read_out(tmp_path / name)


def check_sha(out: Path, m: dict) -> None:
    for s in m["shards"]:
        data = (out / s["name"]).read_bytes()
        assert s["sha256"] == hashlib.sha256(data).hexdigest() and s["bytes"] == len(data)
    assert m["privacy_units"]["index"]["sha256"] == hashlib.sha256((out / "units.parquet").read_bytes()).hexdigest()
    assert not [p for p in out.rglob(".*")], "temporary files or staging left behind"


def test_dp_shards_sample_corpus_manifest_field_by_field(tmp_path):
    out = tmp_path / "out"
    proc = cli("clean", str(SAMPLE), "--out", str(out), "--pipeline", "dp", "--privacy-unit", "author",
               "--max-records-per-unit", "4", "--ephemeral-key", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "DP shards: 15 privacy units (k = 4), 0 records dropped" in proc.stdout
    m = read_manifest(str(out))
    check_sha(out, m)
    assert m["counts"] == {"records_in": 30, "records_out": 30, "records_quarantined": 0, "records_dropped": 0}
    assert m["options"]["dp"]["privacy_unit"] == "author" and m["options"]["dp"]["max_records_per_unit"] == 4
    assert m["dp_options"] == {"privacy_unit": "author", "max_records_per_unit": 4, "require_unit": False,
                               "dedup": True, "near_dup_threshold": None, "near_dup_num_perm": 128,
                               "release_noise_eps": None}
    pu = m["privacy_units"]
    assert pu["field"] == "author" and pu["unit"] == "field"
    assert pu["units"] == 15 and pu["max_records_per_unit"] == 4 and pu["records_out"] == 30
    assert pu["units_truncated"] == 0 and pu["records_dropped"] == 0 and pu["records_missing_unit"] == 0
    assert pu["records_per_unit_histogram"] == {"2": 15}
    assert pu["records_per_unit_histogram_before_bounding"] == {"2": 15}
    assert pu["index"]["file"] == "units.parquet" and pu["index"]["units"] == 15 and pu["index"]["records"] == 30
    dd = m["dedup"]
    assert dd["exact"] is True and dd["near_duplicate"] is None
    assert dd["records_in"] == 30 and dd["exact_duplicates_removed"] == 0 and dd["near_duplicates_removed"] == 0
    assert dd["records_out"] == 30
    records = read_out(out)
    eps = [r["pii_epsilon"] for r in records]
    le = m["local_epsilon"]
    assert le["per_record"]["count"] == 30 and le["per_record"]["max"] == max(eps) > 0
    assert le["per_record"]["sum"] == pytest.approx(sum(eps))
    by_unit: dict[str, float] = {}
    for r in records:
        by_unit[r["privacy_unit"]] = by_unit.get(r["privacy_unit"], 0.0) + r["pii_epsilon"]
    assert le["per_unit"]["count"] == 15 and le["per_unit"]["max"] == pytest.approx(max(by_unit.values()))
    assert {"p50", "p99", "max"} <= set(le["per_record"]) and {"p50", "p99", "max"} <= set(le["per_unit"])
    keys = m["keys"]
    assert len(keys["key_id"]) == 16 and keys["ephemeral"] is True
    assert set(keys["derived_key_ids"]) == {"privacy_unit", "dedup", "bound", "near_dup", "release_noise"}
    assert m["pipeline"]["name"] == "dp" and len(m["pipeline"]["sha256"]) == 64
    assert "released_counts" not in m
    # units.parquet: every record exactly once, each location holding a record of that unit.
    index = pq.read_table(out / "units.parquet").to_pylist()
    assert len(index) == 15 and all(row["n_records"] == len(row["records"]) == 2 for row in index)
    locs = [(loc["shard"], loc["row"]) for row in index for loc in row["records"]]
    assert sorted(locs) == [("part-00000.jsonl.zst", i) for i in range(30)]
    for row in index:
        assert all(records[loc["row"]]["privacy_unit"] == row["privacy_unit"] for loc in row["records"])
    # privacy_unit is 32 hex digits; the raw author ids appear nowhere in the output.
    assert all(len(r["privacy_unit"]) == 32 and set(r["privacy_unit"]) <= HEX for r in records)
    assert all("author" not in r for r in records)
    blob = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    blob += zstandard.ZstdDecompressor().stream_reader(open(out / "part-00000.jsonl.zst", "rb")).read()
    assert not any(f'"u{i:02d}"'.encode() in blob or f"u{i:02d}".encode() in blob for i in range(1, 16))
    # budget --manifest still reads it
    proc = cli("budget", "--manifest", str(out / "manifest.json"), "--batch-size", "3", "--steps", "5",
               "--sigma", "1.0", "--delta", "1e-3", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n"] == 30 and json.loads(proc.stdout)["records_per_unit"] == 4


def rows_for(units: dict[str, int]) -> list[dict]:
    return [{"id": f"{u}-{i}", "author": u, "text": f"document {i} written by someone in group {u}"}
            for u, n in units.items() for i in range(n)]


def test_dp_shards_bounding_histogram_and_keyed_choice(tmp_path):
    rows = rows_for({"a": 7, "b": 3, "c": 1, "d": 5})
    m, recs = clean(tmp_path, rows, privacy_unit="author", max_records_per_unit=3)
    pu = m["privacy_units"]
    assert pu["units"] == 4 and pu["units_truncated"] == 2 and pu["records_dropped"] == 4 + 2
    assert pu["records_per_unit_histogram"] == {"1": 1, "3": 3}
    assert pu["records_per_unit_histogram_before_bounding"] == {"1": 1, "3": 1, "5": 1, "7": 1}
    assert m["counts"]["records_out"] == len(recs) == 10 and m["counts"]["records_dropped"] == 6
    assert m["counts"]["records_in"] == 16
    # same key: same choice; input order does not matter for which records a unit keeps
    m2, recs2 = clean(tmp_path, rows, name="again", privacy_unit="author", max_records_per_unit=3)
    assert [r["id"] for r in recs2] == [r["id"] for r in recs]
    _, recs3 = clean(tmp_path, rows[::-1], name="reversed", privacy_unit="author", max_records_per_unit=3)
    assert sorted(r["id"] for r in recs3) == sorted(r["id"] for r in recs)
    # another key: a different (keyed) choice for some key, and different unit ids
    choices = set()
    for i in range(6):
        _, r = clean(tmp_path, rows, name=f"k{i}", key=SecretKey(bytes([i + 1]) * 32), privacy_unit="author",
                     max_records_per_unit=3)
        choices.add(tuple(x["id"] for x in r))
        assert r[0]["privacy_unit"] != recs[0]["privacy_unit"]
    assert len(choices) > 1


def test_dp_shards_exact_dedup_global_first_occurrence(tmp_path):
    rows = rows_for({"a": 3, "b": 2})
    rows.insert(1, {"id": "dup1", "author": "b", "text": "  DOCUMENT 0 written by someone in group a "})  # normalized dup
    rows.append({"id": "dup2", "author": "z", "text": rows[4]["text"]})
    m, recs = clean(tmp_path, rows, privacy_unit="author", shard_records=2)
    assert m["dedup"]["exact_duplicates_removed"] == 2 and m["dedup"]["records_in"] == 7
    assert "dup1" not in {r["id"] for r in recs} and "dup2" not in {r["id"] for r in recs}
    assert m["counts"]["records_dropped"] == 2 and m["counts"]["records_out"] == 5
    assert [s["records"] for s in m["shards"]] == [2, 2, 1]
    check_sha(tmp_path / "out", m)
    m, recs = clean(tmp_path, rows, name="nodedup", privacy_unit="author", dedup=False)
    assert m["dedup"]["exact"] is False and m["counts"]["records_out"] == 7


def test_dp_shards_near_duplicates_minhash(tmp_path):
    base = ("the quarterly planning meeting covered hiring budgets travel policies new office space "
            "and the roadmap for the next two releases of the product line")
    rows = [{"id": "x0", "text": base}, {"id": "x1", "text": base.replace("travel", "expense")},
            {"id": "x2", "text": "a completely different note about gardening tomatoes and basil in spring"}]
    m, recs = clean(tmp_path, rows, near_dup_threshold=0.5)
    assert [r["id"] for r in recs] == ["x0", "x2"]
    assert m["dedup"]["near_duplicates_removed"] == 1 and m["dedup"]["near_duplicate"]["threshold"] == 0.5
    m, recs = clean(tmp_path, rows, name="off")
    assert len(recs) == 3 and m["dedup"]["near_duplicates_removed"] == 0


def test_dp_shards_missing_unit_counted_or_quarantined(tmp_path):
    rows = rows_for({"a": 2}) + [{"id": "n1", "text": "no author here"}, {"id": "n2", "author": None, "text": "x y"}]
    m, recs = clean(tmp_path, rows, privacy_unit="author", max_records_per_unit=1)
    pu = m["privacy_units"]
    assert pu["records_missing_unit"] == 2 and pu["units"] == 3 and m["counts"]["records_out"] == 3
    src = write(tmp_path / "req.jsonl", rows)
    res = run_clean([str(src)], str(tmp_path / "req"), "fast", key=KEY,
                    options=CleanOptions(workers=1, dp=DpShardOptions(privacy_unit="author", require_unit=True)))
    assert res.quarantined == 2 and res.manifest["quarantine"]["by_code"] == {"missing_privacy_unit": 2}
    assert res.manifest["privacy_units"]["records_missing_unit"] == 0 and res.counts["records_out"] == 2


def test_dp_shards_workers_1_and_2_byte_identical(tmp_path):
    rows = rows_for({f"u{i}": 1 + i % 5 for i in range(60)})
    rows += [dict(r, id=r["id"] + "-copy") for r in rows[::7]]
    outs = []
    for w in (1, 2):
        m, _ = clean(tmp_path, rows, name=f"w{w}", src="in", workers=w, shard_records=40, privacy_unit="author",
                     max_records_per_unit=2, near_dup_threshold=0.9, release_noise_eps=1.0)
        outs.append(m)
    assert comparable(outs[0]) == comparable(outs[1]) and outs[0]["dedup"]["exact_duplicates_removed"] > 0
    for name in ["units.parquet"] + [s["name"] for s in outs[0]["shards"]]:
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes(), name
    rc = outs[0]["released_counts"]
    assert rc["epsilon_per_count"] == 1.0 and rc["epsilon_total"] == 4.0
    assert set(rc["counts"]) == {"units", "units_truncated", "records_out"} and set(rc["records_per_unit_histogram"]) == {"1", "2"}


def test_dp_shards_invalid_parameters_exit_2(tmp_path):
    src = write(tmp_path / "in.jsonl", rows_for({"a": 1}))
    for args in (["--max-records-per-unit", "0"], ["--max-records-per-unit", "-3"], ["--near-dup-threshold", "1.5"]):
        proc = cli("clean", str(src), "--out", str(tmp_path / "o"), "--pipeline", "fast", "--ephemeral-key", *args,
                   cwd=tmp_path)
        assert proc.returncode == 2 and ("at least 1" in proc.stderr or "(0, 1]" in proc.stderr), proc.stderr
    proc = cli("clean", str(src), "--out", str(tmp_path / "o"), "--pipeline", "fast", "--privacy-unit", "author",
               cwd=tmp_path, )
    assert proc.returncode == 2 and "need a secret key" in proc.stderr
    with pytest.raises(ConfigError, match="max_records_per_unit"):
        CleanOptions(dp=DpShardOptions(max_records_per_unit=0)).validate()


def test_dp_shards_normalize_for_dedup():
    assert normalize_for_dedup(" Ｈello\u00a0\tWORLD \n") == "hello world"
