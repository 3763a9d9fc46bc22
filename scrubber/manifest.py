"""``manifest.json``: what a run read, wrote and found, written last (its presence means done).

Everything that depends on *how* the run was executed (clock, number of workers, memory) lives in
the single ``timing`` field; the rest depends only on (inputs, config, key, options). Two runs of
the same job therefore give equal :func:`comparable` manifests, whatever their worker counts.

Fields: ``scrubber_version``; ``pipeline`` (``name``, ``sha256`` of the canonical config,
``config``); ``options``; ``inputs`` (path, format, compression, bytes); ``shards`` (name, sha256,
records, bytes); ``counts`` (``records_in = records_out + records_quarantined``);
``spans_by_label``; ``quarantine`` (file, records, records by code); ``bytes`` (``in``: inputs on
disk, ``out``: shards on disk); ``timing``. DP-shard runs add ``counts.records_dropped``
(``records_in = records_out + records_quarantined + records_dropped``), ``dp_options``,
``privacy_units``, ``dedup``, ``local_epsilon``, ``keys`` (key ids only) and, with
``--release-noise-eps``, ``released_counts`` (see :mod:`scrubber.dp.finalize`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import fsspec

from ._version import __version__
from .config import PipelineConfig
from .io.readers import InputFile
from .io.writers import ShardInfo

MANIFEST_NAME = "manifest.json"
TIMING_FIELD = "timing"


def build_manifest(
    *,
    config: PipelineConfig,
    options: Mapping[str, Any],
    inputs: Sequence[InputFile],
    shards: Sequence[ShardInfo],
    records_in: int,
    records_quarantined: int,
    spans_by_label: Mapping[str, int],
    quarantine: Mapping[str, Any],
    timing: Mapping[str, Any],
    dp: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest as a plain dict, keys in a fixed order. ``dp``: the sections of a DP-shard
    run (:mod:`scrubber.dp.finalize`), ``records_dropped`` (dedup and bounding) among them."""
    records_out = sum(s.records for s in shards)
    manifest = {
        "scrubber_version": __version__,
        "pipeline": {"name": config.name, "sha256": config.sha256(), "config": config.to_dict()},
        "options": dict(options),
        "inputs": [f.to_dict() for f in inputs],
        "shards": [s.to_dict() for s in shards],
        "counts": {
            "records_in": records_in,
            "records_out": records_out,
            "records_quarantined": records_quarantined,
        },
        "spans_by_label": dict(sorted(spans_by_label.items())),
        "quarantine": dict(quarantine),
        "bytes": {"in": sum(f.size or 0 for f in inputs), "out": sum(s.bytes for s in shards)},
    }
    if dp is not None:
        sections = dict(dp)
        manifest["counts"]["records_dropped"] = sections.pop("records_dropped")  # type: ignore[index]
        manifest["dp_options"] = sections.pop("options")
        manifest.update(sections)
    manifest[TIMING_FIELD] = dict(timing)
    return manifest


def timing_section(
    started: float, finished: float, workers: int | tuple[int, int], worker_stats: Mapping[Any, tuple[int, float]],
    parent_peak_rss: int, **extra: Any,
) -> dict[str, Any]:
    """The manifest's one run-dependent field: timestamps, wall time, worker count, and each
    process's peak RSS and CPU seconds (``worker_stats``: id -> (peak RSS bytes, CPU s))."""
    import datetime
    import time

    def iso(ts: float) -> str:
        return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat(timespec="seconds")

    return {
        "started_at": iso(started),
        "finished_at": iso(finished),
        "wall_seconds": round(finished - started, 3),
        "workers": list(workers) if isinstance(workers, tuple) else workers,
        **extra,
        "peak_rss_bytes": {"parent": parent_peak_rss, "workers": sorted(r for r, _ in worker_stats.values())},
        "cpu_seconds": {"parent": round(time.process_time(), 3),
                        "workers": sorted(round(c, 3) for _, c in worker_stats.values())},
    }


def dumps_manifest(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def write_manifest(fs: fsspec.AbstractFileSystem, out_dir: str, manifest: Mapping[str, Any]) -> str:
    """Write ``manifest.json`` atomically (temporary name, then rename); return its path."""
    path = f"{out_dir.rstrip('/')}/{MANIFEST_NAME}"
    tmp = f"{out_dir.rstrip('/')}/.{MANIFEST_NAME}.tmp"
    with fs.open(tmp, "wb") as f:
        f.write(dumps_manifest(manifest))
    fs.mv(tmp, path)
    return path


def read_manifest(out_dir: str) -> dict[str, Any]:
    with fsspec.open(f"{out_dir.rstrip('/')}/{MANIFEST_NAME}", "rb") as f:
        return json.loads(f.read())  # type: ignore[no-any-return]


def comparable(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest without its ``timing`` field: equal for runs of the same job."""
    return {k: v for k, v in manifest.items() if k != TIMING_FIELD}
