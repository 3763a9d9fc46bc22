"""scrubber.ray and ``scrubber clean --engine ray`` against a real local Ray cluster.

One module-scoped cluster (``ray.init(num_cpus=2)``): Ray start-up is slow.
"""

from __future__ import annotations

import os
import sys

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import scrubber  # noqa: E402
import scrubber.ray as sray  # noqa: E402
from scrubber.errors import ConfigError, MissingDependencyError  # noqa: E402
from scrubber.hf import PII_ERROR, PII_SPANS  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # Ray's worker processes must import this checkout of scrubber.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [root, saved]))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}},
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def _records(n: int = 40) -> list[dict]:
    return [{"id": f"d{i}", "text": f"doc {i}: mail user{i}@example.org"} for i in range(n)]


def test_ray_scrub_matches_in_process_scrub(cluster):
    records = _records()
    ds = ray.data.from_items(records, override_num_blocks=4)
    out = sray.scrub(ds, "fast", with_spans=True, concurrency=2, batch_size=8).take_all()
    out = sorted(out, key=lambda r: int(r["id"][1:]))
    pipe = scrubber.load("fast")
    assert [r["text"] for r in out] == [pipe.scrub(r["text"], doc_id=r["id"]).text for r in records]
    assert all(r[PII_ERROR] is None for r in out)
    assert out[0][PII_SPANS][0]["label"] == "EMAIL_ADDRESS"


def test_ray_non_string_rows_are_kept_emptied(cluster):
    ds = ray.data.from_items([{"id": 1, "text": "a@b.org"}, {"id": 2, "text": None}, {"id": 3, "text": "ok"}])
    out = sorted(sray.scrub(ds, "fast", concurrency=1).take_all(), key=lambda r: r["id"])
    assert [r["text"] for r in out] == ["<EMAIL_ADDRESS>", "", "ok"]
    assert out[1][PII_ERROR].startswith("TypeError") and out[0][PII_ERROR] is None


def test_ray_missing_text_column_names_available_columns(cluster):
    ds = ray.data.from_items([{"id": 1, "body": "x"}])
    with pytest.raises(ConfigError, match="available columns: id, body"):
        sray.scrub(ds, "fast", concurrency=1).take_all()


def test_ray_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray.data", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'scrubber\[ray\]'"):
        sray.scrub(object(), "fast")


# -- scrubber clean --engine ray ------------------------------------------------------------------


def _read_out(out) -> list[dict]:
    from test_clean import read_out

    return sorted(read_out(out), key=lambda r: str(r["id"]))


def _corpus(root) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / "in").mkdir()
    with open(root / "in" / "a.jsonl", "w") as f:
        for i in range(30):
            f.write(json.dumps({"id": f"a{i:02d}", "text": f"mail u{i}@x.org or 10.0.0.{i}", "n": i}) + "\n")
        f.write("not json\n")  # quarantined
        f.write(json.dumps({"text": "no id: derived from the location, a@b.org"}) + "\n")
        f.write(json.dumps({"id": "a-null", "text": None}) + "\n")  # quarantined
    rows = [{"id": f"p{i:02d}", "text": f"card 4111 1111 1111 1111 #{i}", "n": i} for i in range(17)]
    pq.write_table(pa.Table.from_pylist(rows), root / "in" / "b.parquet")


@pytest.mark.parametrize("out_format", ["jsonl", "parquet"])
def test_ray_engine_same_records_as_local_engine(cluster, tmp_path, out_format):
    import json

    from scrubber.cli.main import main
    from scrubber.manifest import comparable, read_manifest

    _corpus(tmp_path)
    common = [str(tmp_path / "in"), "-p", "fast", "--format", out_format, "--with-spans", "--shard-size", "10", "-q"]
    assert main(["clean", *common, "-o", str(tmp_path / "local"), "--workers", "1"]) == 3
    assert main(["clean", *common, "-o", str(tmp_path / "ray"), "--engine", "ray", "--workers", "2" if out_format == "jsonl" else "1"]) == 3

    local, ray_out = _read_out(tmp_path / "local"), _read_out(tmp_path / "ray")
    if out_format == "parquet":
        # A Parquet shard has the union of its rows' fields: a field absent from a record reads
        # back as null, depending on which records share its shard. Compare without nulls.
        local, ray_out = ([{k: v for k, v in r.items() if v is not None} for r in rs] for rs in (local, ray_out))
    assert len(ray_out) == 48 and ray_out == local
    quarantine = (tmp_path / "ray" / "quarantine" / "quarantined.jsonl").read_text()
    assert quarantine == (tmp_path / "local" / "quarantine" / "quarantined.jsonl").read_text()
    assert [json.loads(x)["code"] for x in quarantine.splitlines()] == ["malformed_json", "null_text"]
    m_local, m_ray = comparable(read_manifest(str(tmp_path / "local"))), comparable(read_manifest(str(tmp_path / "ray")))
    assert {k for k in m_local if m_local[k] != m_ray[k]} <= {"shards", "bytes"}
    assert sum(s["records"] for s in m_ray["shards"]) == 48
    assert not [p for p in (tmp_path / "ray").iterdir() if p.name.startswith(".")]  # temp folders gone


def test_ray_engine_on_error_fail_writes_no_manifest(cluster, tmp_path):
    from scrubber.errors import RecordError
    from scrubber.ray_engine import run_ray
    from scrubber.runner import CleanOptions

    _corpus(tmp_path)
    with pytest.raises(RecordError, match="a.jsonl:31"):
        run_ray([str(tmp_path / "in")], str(tmp_path / "out"), "fast",
                options=CleanOptions(on_error="fail", workers=1))
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert not list((tmp_path / "out").glob("part-*"))


def test_ray_engine_refuses_memory_urls(tmp_path):
    from scrubber.ray_engine import run_ray

    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n')
    with pytest.raises(ConfigError, match="memory://"):
        run_ray([str(tmp_path / "a.jsonl")], "memory://ray-out", "fast")


def test_ray_engine_ray_address_needs_engine_ray(tmp_path):
    from scrubber.cli.main import main

    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n')
    assert main(["clean", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"), "--ray-address", "auto", "-q"]) == 2


def test_ray_engine_missing_extra_exit_4(monkeypatch, tmp_path):
    from scrubber.cli.main import main

    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n')
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["clean", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"), "--engine", "ray", "-q"]) == 4
