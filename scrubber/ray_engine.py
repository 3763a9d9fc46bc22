"""The Ray engine: ``scrubber clean --engine ray [--ray-address ADDR]``.

The same job as the local engine (:mod:`scrubber.runner`), spread over a Ray cluster with Ray Data:

1. **read** (Ray tasks, one per input file): :func:`~scrubber.io.readers.iter_raw_records` cut into
   chunks by :func:`~scrubber.runner.iter_chunks`, so every input format, fsspec URL, derived id
   (``file:line``) and unreadable-record problem is exactly the local engine's;
2. **scrub** (``map_batches`` on an actor pool): each actor builds the pipeline once and runs the
   local engine's :class:`~scrubber.worker.ChunkProcessor` on chunk after chunk, so records are
   parsed, scrubbed, quarantined and serialized by the same code;
3. **write** (a Ray Data ``Datasink``, distributed): each write task writes
   :class:`~scrubber.io.writers.ShardWriter` shards (``.jsonl.zst`` or ``.parquet``) under a
   hidden folder; the driver then renames them ``part-00000...`` in input order of their first
   record, writes the quarantine file (in input order) and ``manifest.json``, last.

So the output holds the same records as the local engine's, but shard boundaries (and the order
of records across shards) may differ: compare runs by record (sorted by ``id``), not by shard.

The cluster is ``--ray-address`` (``ray://head:10001`` or ``auto``), else ``RAY_ADDRESS``, else a
local one started for the run (and stopped after). Every Ray worker must be able to import
scrubber (install it on each node, or use a ``runtime_env``); inputs and outputs must be visible
from every node (shared or object storage, not ``memory://``). The secret key, if any, travels to
the actors through Ray's object store.
"""

from __future__ import annotations

import importlib
import os
import pickle
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .config import PipelineConfig, load_config
from .errors import ConfigError, RecordError, ScrubberError, missing_dependency
from .hf import config_from_json, config_to_json
from .io.readers import InputFile, expand_inputs
from .io.writers import FORMATS, ShardInfo, ShardWriter, shard_name
from .manifest import build_manifest, timing_section, write_manifest
from .quarantine import QuarantineWriter
from .runner import CleanOptions, CleanResult, _outside, iter_chunks, prepare_out_dir
from .worker import ChunkProcessor, RecordOptions, build_pipeline, peak_rss_bytes

__all__ = ["run_ray"]

TMP_PREFIX = ".ray-"


def _import_ray() -> Any:
    try:
        ray = importlib.import_module("ray")
        importlib.import_module("ray.data")
    except ImportError:
        raise missing_dependency("ray", "ray") from None
    return ray


def _connect(ray: Any, address: str | None) -> bool:
    """Connect to (or start) a cluster; True when this run started it and must stop it."""
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address)
    elif os.environ.get("RAY_ADDRESS"):
        ray.init()
    else:
        ray.init(include_dashboard=False)
    return True


def _parquet_types(text_field: str) -> dict[str, Any]:
    # As scrubber.runner.run_clean types them (keep in step).
    import pyarrow as pa

    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()),
                      ("score", pa.float64()), ("source", pa.string())])
    return {text_field: pa.string(), "pii_spans": pa.list_(span)}


# -- stage 1: read (tasks) -----------------------------------------------------------------------


def _read_chunks(batch: dict[str, Any], options: CleanOptions) -> Iterator[dict[str, list[Any]]]:
    for file_index, blob in zip(batch["file"], batch["input"], strict=True):
        f: InputFile = pickle.loads(blob)
        for chunk_index, chunk in enumerate(iter_chunks([f], options)):
            yield {"file": [int(file_index)], "chunk": [chunk_index], "raws": [pickle.dumps(chunk.raws)]}


# -- stage 2: scrub (actor pool) -----------------------------------------------------------------


class ScrubChunks:
    """Actor: the pipeline is built once, in the constructor; each call scrubs one chunk."""

    def __init__(self, config_json: str, key: Any, record_options: RecordOptions, on_error: str) -> None:
        self.processor = ChunkProcessor(build_pipeline(config_from_json(config_json), key), record_options)
        self.on_error = on_error

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {k: [] for k in ("file", "chunk", "outputs", "meta")}
        for file_index, chunk_index, blob in zip(batch["file"], batch["chunk"], batch["raws"], strict=True):
            result = self.processor.process(pickle.loads(blob))
            if self.on_error == "fail" and result.quarantined:
                entry = result.quarantined[0]
                raise RecordError(f"{entry['location']}: {entry['reason']}")
            out["file"].append(int(file_index))
            out["chunk"].append(int(chunk_index))
            out["outputs"].append(pickle.dumps((result.outputs, result.sizes)))
            out["meta"].append(pickle.dumps({
                "quarantined": result.quarantined, "labels": dict(result.labels),
                "records_in": result.records_in, "pid": result.pid, "peak_rss": peak_rss_bytes(),
                "cpu_seconds": time.process_time(),
            }))
        return out


# -- stage 3: write (datasink) -------------------------------------------------------------------


def _datasink_base() -> type:
    return importlib.import_module("ray.data").Datasink  # type: ignore[no-any-return]


def _make_sink(out_dir: str, fmt: str, text_field: str, shard_records: int | None, shard_bytes: int | None,
               rows_per_write: int) -> Any:
    class ShardSink(_datasink_base()):  # type: ignore[misc]
        """Each write task: its chunks, sorted, into ShardWriter shards in a hidden folder."""

        def __init__(self) -> None:
            self.returns: list[dict[str, Any]] = []

        def get_name(self) -> str:
            return "ScrubberShards"

        @property
        def min_rows_per_write(self) -> int:
            return rows_per_write

        def write(self, blocks: Iterable[Any], ctx: Any) -> dict[str, Any]:
            import fsspec
            from ray.data.block import BlockAccessor

            rows: list[dict[str, Any]] = []
            for block in blocks:
                rows.extend(BlockAccessor.for_block(block).to_arrow().to_pylist())
            if not rows:
                return {}
            rows.sort(key=lambda r: (r["file"], r["chunk"]))
            fs, root = fsspec.core.url_to_fs(out_dir)
            tmp = f"{root.rstrip('/')}/{TMP_PREFIX}{uuid.uuid4().hex}"
            fs.makedirs(tmp, exist_ok=True)
            writer = ShardWriter(fs, tmp, fmt, max_records=shard_records, max_bytes=shard_bytes,
                                 parquet_types=_parquet_types(text_field) if fmt == "parquet" else None)
            quarantined: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
            labels: Counter[str] = Counter()
            records_in = 0
            stats: dict[int, tuple[int, float]] = {}  # actor pid -> (peak RSS, CPU seconds) so far
            try:
                for row in rows:
                    meta = pickle.loads(row["meta"])
                    records_in += meta["records_in"]
                    labels.update(meta["labels"])
                    old = stats.get(meta["pid"], (0, 0.0))
                    stats[meta["pid"]] = (max(old[0], meta["peak_rss"]), max(old[1], meta["cpu_seconds"]))
                    quarantined += [((row["file"], row["chunk"], i), e) for i, e in enumerate(meta["quarantined"])]
                    outputs, sizes = pickle.loads(row["outputs"])
                    for item, size in zip(outputs, sizes, strict=True):
                        writer.add(item, size)
                shards = writer.close()
            except BaseException:
                writer.abort()
                raise
            # Shards are ordered globally by the first chunk this task wrote, then by their
            # order within the task.
            first = (rows[0]["file"], rows[0]["chunk"])
            return {"tmp": tmp, "shards": [((*first, i), s) for i, s in enumerate(shards)],
                    "quarantined": quarantined, "labels": dict(labels), "records_in": records_in, "stats": stats}

        def on_write_complete(self, write_result: Any) -> None:
            self.returns = [r for r in write_result.write_returns if r]

    return ShardSink()


# -- the run -------------------------------------------------------------------------------------


def _scrubber_error(exc: BaseException | None) -> ScrubberError | None:
    """The ScrubberError a Ray task raised, unwrapped from Ray's wrappers (the innermost one:
    a ``RayTaskError(RecordError)`` is a RecordError too, but its message holds a traceback)."""
    found = None
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ScrubberError):
            found = exc
        cause = getattr(exc, "cause", None)
        exc = cause if isinstance(cause, BaseException) else (exc.__cause__ or exc.__context__)
    return found


def _remove_tmp(fs: Any, root: str) -> None:
    for path in fs.ls(root, detail=False):
        if path.rstrip("/").rsplit("/", 1)[-1].startswith(TMP_PREFIX):
            fs.rm(path, recursive=True)


def run_ray(
    inputs: Sequence[str],
    out_dir: str,
    pipeline: str | Path | PipelineConfig = "default",
    *,
    key: Any = None,
    options: CleanOptions | None = None,
    ray_address: str | None = None,
    concurrency: int | tuple[int, int] | None = None,
    show_progress: bool = False,
) -> CleanResult:
    """Scrub ``inputs`` into ``out_dir`` on a Ray cluster; the drop-in twin of
    :func:`scrubber.runner.run_clean` (same arguments, same errors, same output records and
    manifest fields).

    ``concurrency``: actors scrubbing, ``n`` or ``(min, max)`` (default: ``options.workers``).
    ``ray_address``: the cluster (default ``RAY_ADDRESS``, else a local cluster for this run).
    """
    ray = _import_ray()
    options = options or CleanOptions()
    options.validate()
    started = time.time()
    config = load_config(pipeline)
    build_pipeline(config, key)  # a bad config or a missing key fails now, not in an actor
    files = _outside(expand_inputs(inputs), out_dir)
    if not files:
        raise ConfigError("no input files (outside the output folder)")
    for where in [out_dir, *(f.path for f in files)]:
        if where.startswith("memory://"):
            raise ConfigError(f"{where!r}: memory:// lives in one process; Ray workers cannot see it "
                              "(use a shared folder or object storage, or the local engine)")
    fs, root = prepare_out_dir(out_dir, options.overwrite)
    _remove_tmp(fs, root)

    started_ray = _connect(ray, ray_address)
    data = importlib.import_module("ray.data")
    ctx = data.DataContext.get_current()
    saved = (ctx.enable_progress_bars, ctx.raise_original_map_exception)
    ctx.enable_progress_bars = bool(show_progress)
    ctx.raise_original_map_exception = True  # a RecordError arrives as itself, not as UserCodeException
    pool = concurrency if concurrency is not None else options.workers
    compute = (data.ActorPoolStrategy(size=pool) if isinstance(pool, int)
               else data.ActorPoolStrategy(min_size=pool[0], max_size=pool[1]))
    rows_per_write = max(1, (options.shard_records or 100_000) // options.chunk_records)
    sink = _make_sink(out_dir, options.out_format, options.text_field, options.shard_records, options.shard_bytes, rows_per_write)
    try:
        ds = data.from_items(
            [{"file": i, "input": pickle.dumps(f)} for i, f in enumerate(files)],
            override_num_blocks=len(files),
        )
        # Reading and writing take num_cpus=0: they are light next to scrubbing, and an actor
        # pool holding every CPU must not starve them (a deadlock). Different resources also
        # keep Ray from fusing the read into the actors, so a single big file is still read
        # once and scrubbed by every actor.
        ds = ds.map_batches(_read_chunks, fn_kwargs={"options": options}, batch_size=1, batch_format="numpy",
                            num_cpus=0)
        ds = ds.map_batches(
            ScrubChunks,
            fn_constructor_args=(config_to_json(config), key, options.record_options(), options.on_error),
            batch_size=1, batch_format="numpy", compute=compute, num_cpus=1,
        )
        ds.write_datasink(sink, ray_remote_args={"num_cpus": 0})
    except Exception as exc:
        _remove_tmp(fs, root)
        found = _scrubber_error(exc)
        if found is not None:
            raise type(found)(str(found)) from None
        raise
    finally:
        ctx.enable_progress_bars, ctx.raise_original_map_exception = saved
        if started_ray:
            ray.shutdown()

    # Commit: shards renamed in input order of their first record, then quarantine, manifest.
    try:
        placed = sorted((first, info, r["tmp"]) for r in sink.returns for first, info in r["shards"])
        ext = FORMATS[options.out_format]
        shard_infos: list[ShardInfo] = []
        for index, (_, info, tmp) in enumerate(placed):
            name = shard_name(index, options.out_format)
            assert name.endswith(ext)
            fs.mv(f"{tmp}/{info.name}", f"{root}/{name}")
            shard_infos.append(ShardInfo(name, info.sha256, info.records, info.bytes))
        quarantine = QuarantineWriter(fs, root)
        for _, entry in sorted((q for r in sink.returns for q in r["quarantined"]), key=lambda q: q[0]):
            quarantine.add(entry)
        quarantine_file = quarantine.close()
    finally:
        _remove_tmp(fs, root)

    labels: Counter[str] = Counter()
    worker_stats: dict[int, tuple[int, float]] = {}
    for r in sink.returns:
        labels.update(r["labels"])
        for pid, (peak, cpu) in r["stats"].items():
            old = worker_stats.get(pid, (0, 0.0))
            worker_stats[pid] = (max(old[0], peak), max(old[1], cpu))
    finished = time.time()
    manifest = build_manifest(
        config=config,
        options=options.output_options(),
        inputs=files,
        shards=shard_infos,
        records_in=sum(r["records_in"] for r in sink.returns),
        records_quarantined=quarantine.records,
        spans_by_label=labels,
        quarantine={"file": quarantine_file, **quarantine.summary()},
        timing=timing_section(started, finished, pool, worker_stats, peak_rss_bytes(), engine="ray"),
    )
    write_manifest(fs, root, manifest)
    return CleanResult(out_dir, manifest)
