"""The local engine: inputs -> chunks -> (pool of) workers -> shards, quarantine, manifest.

How a run is deterministic whatever ``workers`` is:

1. The parent reads the inputs in order (:func:`~scrubber.io.readers.expand_inputs`) as work
   items (:meth:`~scrubber.io.readers.RecordReader.work`: blocks of whole lines of line files,
   raw records of other files, each with its frame key) and cuts them into chunks (at most
   ``chunk_records`` lines or records / ``chunk_bytes`` bytes).
2. Each chunk is scrubbed by :class:`~scrubber.worker.ChunkProcessor`, a pure function of
   (config, key, records): in the parent itself when ``workers == 1``, else in a pool of
   ``workers - 1`` processes (forked with the parent's warm pipeline where that is safe, else
   spawned; :func:`pool_start_method`) and
   in the parent whenever the pool has enough queued (:func:`_in_pool`), at most
   ``4 * workers`` chunks in flight, so memory stays bounded by a few chunks.
3. The parent takes the results back *in submission order* and writes them to the shard writer,
   whose boundaries (and zstd frames) depend only on the records and their input positions. So
   ``--workers 1`` and ``--workers N`` (and any chunk size) write byte-identical shards and
   manifests equal but for their ``timing`` field.

The parent does only the sequential part: decompressing, finding line ends at block boundaries,
appending compressed frames and hashing them. Workers split lines, parse JSON, scrub, serialize
and (``.jsonl.zst`` output) compress their outputs, one zstd frame per run of records with the
same frame key; a run that may go on in the next chunk comes back as lines and is compressed
by the parent (rare with the default chunk sizes, which are whole frame windows). With
``--workers 1`` the frames are compressed on a helper thread beside the scrubbing. Because the
parent splits the stream, even a single ``.jsonl.zst`` file (unsplittable) uses every core.

The manifest is written last, atomically: its presence marks a complete output folder.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import fsspec

from .config import PipelineConfig, load_config
from .dp.finalize import STAGE_DIR, UNITS_NAME, DpShardBuilder, resolve_dp_options
from .errors import ConfigError, RecordError, ScrubberError
from .io.readers import InputFile, LineBlock, RawRecord, RecordReader, WorkItem, expand_inputs, split_lines
from .io.writers import SHARD_PREFIX, ShardInfo, ShardWriter, compress_frame, decompress_frame
from .manifest import MANIFEST_NAME, build_manifest, read_manifest, timing_section, write_manifest
from .progress import Progress
from .quarantine import QUARANTINE_DIR, QuarantineWriter
from .resume import RESUME_DIR, ResumeMarkers, Snapshot, fingerprint
from .worker import (
    ChunkProcessor,
    ChunkResult,
    RecordOptions,
    Segment,
    SharedSlots,
    adopt_processor,
    build_pipeline,
    init_worker,
    peak_rss_bytes,
    run_shared_work,
    run_work,
)

ON_ERROR = ("quarantine", "fail")
START_METHODS = ("auto", "fork", "spawn")
SHARED_SLOT_BYTES = 6 << 20  # a default chunk (4 MiB) and the block that ends it
MAX_SHARED_SLOTS = 8  # 48 MiB


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(frozen=True)
class CleanOptions:
    """Options of a ``clean`` run. Only the first group changes the output; the second is about
    execution (and never changes a byte of the output)."""

    text_field: str = "text"
    lines: bool = False  # text inputs: one document per line instead of per file
    out_format: str = "jsonl"  # "jsonl" (.jsonl.zst) | "parquet"
    with_spans: bool = False
    shard_records: int | None = 100_000
    shard_bytes: int | None = 256 << 20
    on_error: str = "quarantine"  # | "fail": stop at the first bad record
    max_record_bytes: int = 128 << 20
    # -- execution only --
    workers: int = field(default_factory=default_workers)
    chunk_records: int = 10_000  # lines of line files (blank ones included), else records
    chunk_bytes: int = 4 << 20  # a few frame windows (scrubber.io.readers.FRAME_BYTES)
    overwrite: bool = False
    resume: bool = False  # continue an interrupted run in the same folder (see scrubber.resume)
    start_method: str = "auto"  # pool processes: "fork" | "spawn" | "auto" (see pool_start_method)
    # DP-training-ready shards (scrubber.dp.units.DpShardOptions); None: on with defaults for a
    # pipeline that spends epsilon, else off. Changes the output, so recorded under options.
    dp: Any = None

    def validate(self) -> None:
        if self.start_method not in START_METHODS:
            raise ConfigError(f"start_method: expected one of {', '.join(START_METHODS)}, got {self.start_method!r}")
        if self.on_error not in ON_ERROR:
            raise ConfigError(f"on_error: expected one of {', '.join(ON_ERROR)}, got {self.on_error!r}")
        if self.out_format not in ("jsonl", "parquet"):
            raise ConfigError(f"format: expected jsonl or parquet, got {self.out_format!r}")
        for name in ("workers", "chunk_records", "chunk_bytes", "max_record_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}: must be at least 1, got {getattr(self, name)}")
        for name in ("shard_records", "shard_bytes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name}: must be at least 1, got {value}")
        if not self.text_field:
            raise ConfigError("text_field: must not be empty")
        if self.resume and self.overwrite:
            raise ConfigError("--resume and --overwrite exclude each other")
        if self.dp is not None:
            self.dp.validate()

    def output_options(self) -> dict[str, Any]:
        """The options that determine the output (recorded in the manifest)."""
        d = asdict(self)
        for name in ("workers", "chunk_records", "chunk_bytes", "overwrite", "resume", "start_method"):
            d.pop(name)
        if d["dp"] is None:
            d.pop("dp")  # manifests of non-DP runs are unchanged
        return d

    def record_options(self) -> RecordOptions:
        return RecordOptions(self.text_field, self.with_spans, self.out_format)


@dataclass(frozen=True)
class CleanResult:
    """The finished run: where it wrote, and its manifest (see :mod:`scrubber.manifest`)."""

    out_dir: str
    manifest: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]  # type: ignore[no-any-return]

    @property
    def quarantined(self) -> int:
        return self.counts["records_quarantined"]


# -- output folder ------------------------------------------------------------------------------


def _is_ours(name: str) -> bool:
    """Files a clean run writes (and ``--overwrite`` may remove)."""
    return (name.startswith((SHARD_PREFIX, "." + SHARD_PREFIX)) or name in (MANIFEST_NAME, f".{MANIFEST_NAME}.tmp",
                                                                           QUARANTINE_DIR, RESUME_DIR, STAGE_DIR, UNITS_NAME,
                                                                           f".{UNITS_NAME}.tmp"))


def prepare_out_dir(out_dir: str, overwrite: bool, resume: bool = False) -> tuple[fsspec.AbstractFileSystem, str]:
    """Create the output folder; refuse a non-empty one unless ``overwrite``, which then removes
    only what a previous run wrote there (shards, quarantine/, manifest.json)."""
    fs, root = fsspec.core.url_to_fs(out_dir)
    root = root.rstrip("/") or "/"
    if fs.exists(root):
        if not fs.isdir(root):
            raise ConfigError(f"--out {out_dir!r} exists and is not a folder")
        names = [p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(root, detail=False)]
        if names and resume:
            if RESUME_DIR not in names and MANIFEST_NAME not in names:
                raise ConfigError(f"--resume: output folder {out_dir!r} holds no resumable run "
                                  f"(no {RESUME_DIR}/); use --overwrite to start over")
            return fs, root
        if names and not overwrite:
            hint = (" or --resume to continue the interrupted run there" if RESUME_DIR in names else "")
            raise ConfigError(f"output folder {out_dir!r} is not empty; pass --overwrite to replace "
                              f"the output of a previous run there{hint}")
        for name in names:
            if _is_ours(name):
                fs.rm(f"{root}/{name}", recursive=True)
    fs.makedirs(root, exist_ok=True)
    return fs, root


def _outside(files: list[InputFile], out_dir: str) -> list[InputFile]:
    """The inputs that are not inside ``out_dir``: `scrubber clean data/ --out data/clean` must
    not read its own shards on a second run (local paths or URLs alike)."""
    out_fs, out_root = fsspec.core.url_to_fs(out_dir)
    local = isinstance(out_fs, fsspec.implementations.local.LocalFileSystem)
    out_root = os.path.realpath(out_root) if local else out_root.rstrip("/")

    def inside(path: str) -> bool:
        fs, p = fsspec.core.url_to_fs(path)
        if type(fs) is not type(out_fs):
            return False
        p = os.path.realpath(p) if local else p
        return p == out_root or p.startswith(out_root.rstrip("/") + "/")

    return [f for f in files if not inside(f.path)]


# -- chunks and execution -----------------------------------------------------------------------


def _payload_size(raw: RawRecord) -> int:
    payload = raw.payload
    if isinstance(payload, bytes):
        return len(payload)
    if isinstance(payload, dict):
        return sum(len(v) for v in payload.values() if isinstance(v, (str, bytes))) + 64
    return 64


class Chunk(NamedTuple):
    """A unit of work: raw records (:func:`iter_chunks`) or work items (:func:`iter_work`), their
    size as read, and the input consumed (on disk) so far."""

    raws: list[Any]
    nbytes: int
    done: int
    # (input file index, raw records -- lines for line files in iter_work -- of that file before
    # the chunk, decompressed bytes of that file before the chunk (iter_work, line files))
    start: tuple[int, int, int] = (0, 0, 0)
    joins_prev: bool = False  # iter_work: the first item has the frame key of the previous chunk's last
    joins_next: bool = False  # ... the last item that of the next chunk's first


def iter_chunks(files: Sequence[InputFile], options: CleanOptions,
                start: tuple[int, int] = (0, 0)) -> Iterator[Chunk]:
    """Chunks of at most ``chunk_records`` records / ``chunk_bytes`` bytes, in input order.

    Chunking decides only what runs where, never what is written: the output is the same for
    any chunk size."""
    chunk: list[RawRecord] = []
    size = 0
    done_before = sum(f.size or 0 for f in files[: start[0]])
    first = start
    for index in range(start[0], len(files)):
        f = files[index]
        skip = start[1] if index == start[0] else 0  # a resumed run: raw records already done
        reader = RecordReader(f, lines=options.lines, max_record_bytes=options.max_record_bytes)
        n = 0
        for raw in reader:
            n += 1
            if n <= skip:
                continue
            chunk.append(raw)
            size += _payload_size(raw)
            if len(chunk) >= options.chunk_records or size >= options.chunk_bytes:
                yield Chunk(chunk, size, done_before + reader.offset, (*first, 0))
                chunk, size, first = [], 0, (index, n)
        done_before += f.size or 0
        if not chunk:
            first = (index + 1, 0)
    if chunk:
        yield Chunk(chunk, size, done_before, (*first, 0))


def _item_size(item: LineBlock | RawRecord) -> tuple[int, int]:
    """(lines or records, bytes) of a work item."""
    if isinstance(item, LineBlock):
        return item.lines, len(item.data)
    return 1, _payload_size(item)


def iter_work(files: Sequence[InputFile], options: CleanOptions,
              start: tuple[int, int, int] = (0, 0, 0)) -> Iterator[Chunk]:
    """Chunks of work items (see :meth:`RecordReader.work`) of at most ``chunk_records`` lines
    or records / ``chunk_bytes`` bytes (a block is cut at a line end to fit), in input order,
    restarting at ``start`` (a :class:`Chunk` start). Chunking decides only what runs where.

    Near the end of inputs of known size (less than ``2 * workers`` chunks' worth of data left,
    estimated from the compression ratio so far), chunks are halved: the last chunks a pool
    process takes are then short, so the run does not end with one core scrubbing a full chunk
    while the other waits."""
    limit_r, full_b = options.chunk_records, options.chunk_bytes
    limit_b = full_b
    total_in = sum(f.size or 0 for f in files) if all(f.size is not None for f in files) else None
    bytes_out = 0  # data bytes in the chunks cut so far (this run)
    done_at_start = sum(f.size or 0 for f in files[: start[0]])  # input bytes before ``start``

    def chunk_limit(cut: Chunk) -> int:
        """The byte limit of the chunk after ``cut``."""
        nonlocal bytes_out
        bytes_out += cut.nbytes
        consumed = cut.done  # bytes of the inputs on disk
        if total_in is None or options.workers == 1 or consumed <= done_at_start:
            return full_b
        left = (total_in - consumed) * bytes_out / (consumed - done_at_start)
        return max(1, full_b // 2) if left < 2 * options.workers * full_b else full_b

    items: list[WorkItem] = []
    nrec = size = 0
    first = start
    ready: Chunk | None = None  # a full chunk, yielded once the key of the next item is known
    done = done_at_start
    joins = False
    for index in range(start[0], len(files)):
        f = files[index]
        reader = RecordReader(f, lines=options.lines, max_record_bytes=options.max_record_bytes)
        skip = start if index == start[0] else (index, 0, 0)
        for (key, item), pos in reader.work(index, skip_lines=skip[1], skip_bytes=skip[2], skip_records=skip[1]):
            while True:
                if ready is not None:
                    joins = ready.raws[-1][0] == key
                    yield ready._replace(joins_next=joins)
                    ready = None
                n, nb = _item_size(item)
                if items and (nrec + n > limit_r or size + nb > limit_b):
                    # A chunk ends before a block that does not fit: chunks of whole frame windows.
                    ready = Chunk(items, size, done + reader.offset, first, joins)
                    limit_b = chunk_limit(ready)
                    items, nrec, size = [], 0, 0
                    continue
                if not items:
                    first = pos
                rest = None
                if isinstance(item, LineBlock) and (n > limit_r or nb > limit_b) and n > 1:
                    # A block larger than a chunk is cut at a line end (its frame is then
                    # compressed by the parent).
                    cut = min(split_lines(item.data, count=limit_r), split_lines(item.data, nbytes=limit_b))
                    if cut < len(item.data):
                        item, rest = item.cut(cut)
                        rest_pos = (pos[0], pos[1] + item.lines, pos[2] + cut)
                        n, nb = _item_size(item)
                items.append((key, item))
                nrec += n
                size += nb
                if nrec >= limit_r or size >= limit_b:
                    ready = Chunk(items, size, done + reader.offset, first, joins)
                    limit_b = chunk_limit(ready)
                    items, nrec, size = [], 0, 0
                if rest is None:
                    break
                item, pos = rest, rest_pos
        done += f.size or 0
    if ready is not None:
        joins = bool(items) and ready.raws[-1][0] == items[0][0]
        yield ready._replace(joins_next=joins)
    if items:
        yield Chunk(items, size, done, first, joins)


def _compressed(result: ChunkResult) -> ChunkResult:
    result.segments = [s._replace(data=compress_frame(s.data)) if s.packed else s for s in result.segments]
    return result


def _in_process(chunks: Iterator[Chunk], processor: ChunkProcessor) -> Iterator[tuple[Chunk, ChunkResult]]:
    # The frames of one chunk are compressed on a helper thread (zstd runs off the GIL) while the
    # next chunk is scrubbed: what the zstd thread of a one-process writer used to give.
    with ThreadPoolExecutor(1, thread_name_prefix="scrubber-zstd") as pool:
        pending: deque[tuple[Chunk, Future[ChunkResult]]] = deque()
        for chunk in chunks:
            result = processor.work(chunk.raws, chunk.joins_prev, chunk.joins_next, compress=False)
            pending.append((chunk._replace(raws=[]), pool.submit(_compressed, result)))
            if len(pending) >= 2:
                meta, fut = pending.popleft()
                yield meta, fut.result()
        while pending:
            meta, fut = pending.popleft()
            yield meta, fut.result()


def pool_start_method(requested: str = "auto") -> str:
    """How pool processes start: ``fork`` or ``spawn``.

    ``auto`` is ``fork`` on Linux when this process runs no other Python thread, else
    ``spawn``. A forked worker starts with the parent's pipeline already built, where a spawned
    one re-imports the package and recompiles every rule: about 0.5 s of CPU, 8% of a 200 MB
    run on two cores. ``spawn`` stays the choice wherever fork is unsafe: other threads
    (their locks would be copied mid-use, e.g. after ``ray.init`` in the same process), and
    macOS and Windows, where fork is unsafe or missing.
    """
    if requested != "auto":
        return requested
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _in_pool(chunks: Iterator[Chunk], workers: int, initargs: tuple[Any, ...],
             processor: ChunkProcessor, start_method: str = "auto") -> Iterator[tuple[Chunk, ChunkResult]]:
    """Scrub chunks on ``workers`` cores: ``workers - 1`` pool processes and the parent itself.

    The parent reads, cuts and writes, which takes a fraction of a core; it scrubs a chunk
    itself whenever the pool already has ``2 * (workers - 1)`` chunks queued, so its spare time
    is not lost and no extra process competes for the cores. Which process scrubbed a chunk
    never changes its result (:class:`~scrubber.worker.ChunkProcessor` is a pure function),
    and results are taken in submission order, so the output is the same for any ``workers``.
    Pool processes start as :func:`pool_start_method` says; forked ones use ``processor``.
    """
    method = pool_start_method(start_method)
    ctx = multiprocessing.get_context(method)
    size = workers - 1
    pool: ProcessPoolExecutor | None = None

    # Forked workers get chunk data through shared memory, one slot per pool chunk that may be
    # unfinished (2 * size) and one more, at most MAX_SHARED_SLOTS (the memory counts in every
    # process's RSS); a chunk that finds its slot busy goes through the pipe.
    slots = SharedSlots(min(2 * size + 1, MAX_SHARED_SLOTS), SHARED_SLOT_BYTES) if method == "fork" else None

    def start_pool() -> ProcessPoolExecutor:
        if method == "fork":  # the children inherit the built, warmed processor and the slots
            config, key, options = initargs
            adopt_processor(processor, config, key, options, slots)
            return ProcessPoolExecutor(size, mp_context=ctx)
        return ProcessPoolExecutor(size, mp_context=ctx, initializer=init_worker, initargs=initargs)

    def submit(chunk: Chunk) -> Future[ChunkResult]:
        assert pool is not None
        placed = slots.put(chunk.raws) if slots is not None else None
        if placed is None:
            return pool.submit(run_work, chunk.raws, chunk.joins_prev, chunk.joins_next)
        assert slots is not None
        fut = pool.submit(run_shared_work, placed, chunk.joins_prev, chunk.joins_next)
        slots.bind(fut)
        return fut

    def in_parent(chunk: Chunk) -> Future[ChunkResult]:
        fut: Future[ChunkResult] = Future()
        try:  # an error surfaces in order, as a pool task's would
            fut.set_result(processor.work(chunk.raws, chunk.joins_prev, chunk.joins_next))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    pending: deque[tuple[Chunk, Future[ChunkResult]]] = deque()
    try:
        for chunk in chunks:
            meta = chunk._replace(raws=[])
            if pool is None:
                pool = start_pool()  # processes start at the first submit
            queued = sum(1 for _, f in pending if not f.done())
            if queued >= 2 * size:
                fut = in_parent(chunk)
            else:
                fut = submit(chunk)
            pending.append((meta, fut))
            # Results are taken in submission order; bounding what is in flight bounds memory.
            # (2 * workers left the parent waiting on the pool's head chunk while it could have
            # scrubbed the next one: 1.61x -> 1.68x for 2 vs 1 worker on 200 MB.)
            while pending and (pending[0][1].done() or len(pending) >= 4 * workers):
                head, done = pending.popleft()
                yield head, done.result()
        while pending:
            head, done = pending.popleft()
            yield head, done.result()
    except BrokenProcessPool as exc:
        raise ScrubberError(f"a worker process died ({exc}); out of memory? try fewer --workers "
                            "or a lower --max-record-bytes") from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if method == "fork":
            adopt_processor(None)
        if slots is not None:
            slots.close()


# -- the run ------------------------------------------------------------------------------------


def run_clean(
    inputs: Sequence[str],
    out_dir: str,
    pipeline: str | Path | PipelineConfig = "default",
    *,
    key: Any = None,
    options: CleanOptions | None = None,
    show_progress: bool = False,
) -> CleanResult:
    """Scrub ``inputs`` (files, folders, globs, fsspec URLs) into sharded ``out_dir``.

    Raises :class:`ConfigError` before any work for bad options, a bad pipeline, missing inputs
    or a non-empty ``out_dir`` without ``overwrite``; :class:`RecordError` at the first bad
    record with ``on_error="fail"`` (the unfinished shard is removed, no manifest is written).
    Otherwise bad records are quarantined and counted, and the run completes.
    ``show_progress`` draws a progress bar on stderr when it is a terminal.
    """
    options = options or CleanOptions()
    options.validate()
    started = time.time()
    config = load_config(pipeline)
    local_pipeline = build_pipeline(config, key)  # fails on a bad config or a missing key, now
    files = _outside(expand_inputs(inputs), out_dir)
    if not files:
        raise ConfigError("no input files (outside the output folder)")
    fs, root = prepare_out_dir(out_dir, options.overwrite, options.resume)
    # Markers per completed part and a run fingerprint make every run resumable (scrubber.resume).
    markers = ResumeMarkers(fs, root)
    dp_options = resolve_dp_options(options.dp, config)
    fp = fingerprint(config_sha256=config.sha256(), options=options.output_options(), inputs=files, key=key,
                     dp=None if dp_options is None else dp_options.to_dict())
    if options.resume and fs.exists(f"{root}/{MANIFEST_NAME}") and not markers.exists():
        if fs.exists(f"{root}/{STAGE_DIR}"):  # killed between removing the markers and the staging
            fs.rm(f"{root}/{STAGE_DIR}", recursive=True)
        return _already_complete(out_dir, fp)
    resuming = options.resume and markers.exists()
    if resuming:
        markers.check(fp, out_dir)
    else:
        markers.start(fp)

    record_options = replace(options.record_options(), dp=dp_options)
    parquet_types = None
    if options.out_format == "parquet":
        import pyarrow as pa

        span_type = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()),
                               ("score", pa.float64()), ("source", pa.string())])
        parquet_types = {options.text_field: pa.string(), "pii_spans": pa.list_(span_type)}
    dp = None if dp_options is None else DpShardBuilder(
        dp_options, key, fs, root, out_format=options.out_format, max_records=options.shard_records,
        max_bytes=options.shard_bytes, parquet_types=parquet_types)
    # DP shards: dedup as records arrive, into staging shards that dp.finalize bounds and rewrites.
    shards = ShardWriter(fs, dp.stage_root if dp else root, options.out_format, max_records=options.shard_records,
                         max_bytes=options.shard_bytes, parquet_types=parquet_types)
    quarantine = QuarantineWriter(fs, root)
    snap = Snapshot()
    skip_outputs = 0  # output records already in completed shards (resume)
    done_state = markers.read_parts_done() if resuming else None
    if resuming and done_state is None:
        completed, skip_outputs, snap = markers.completed(dp.stage_root if dp else None)
        markers.remove_stale_outputs([s.name for s in completed], dp.stage_root if dp else None)
        shards.shards = list(completed)
        quarantine.restore(snap.quarantine_bytes, snap.quarantine_records, snap.quarantine_by_code)
        if dp is not None:  # the admission state at the snapshot, from the parts' checkpoints
            dp.restore([markers.dp_checkpoint(s.name) for s in completed])
            if dp.position() != (snap.dp or dp.position()):
                raise ScrubberError("--resume: the DP checkpoints do not match the resume markers")
    elif resuming and dp is not None:  # every part is written: finalize is redone from the staging shards
        assert done_state is not None
        staged = [ShardInfo(**d) for d in done_state["shards"]]
        completed, _, _ = markers.completed(dp.stage_root)
        markers.remove_stale_outputs([s.name for s in staged], dp.stage_root)
        dp.restore([markers.dp_checkpoint(s.name) for s in completed] + [markers.dp_checkpoint(None)])
    known = all(f.size is not None for f in files)
    progress = Progress(sum(f.size or 0 for f in files) if known else None, enabled=None if show_progress else False)

    chunks = iter_work(files, options, (snap.file_index, snap.raw_in_file, snap.offset_in_file))
    if done_state is not None:
        chunks = iter(())
    if options.workers == 1:
        results = _in_process(chunks, ChunkProcessor(local_pipeline, record_options))
    else:
        results = _in_pool(chunks, options.workers, (config, key, record_options),
                           ChunkProcessor(local_pipeline, record_options), options.start_method)

    records_in, data_bytes, labels = snap.records_in, snap.data_bytes, Counter(snap.labels)
    outputs = snap.outputs_before
    snapshots: deque[Snapshot] = deque()  # restart points since the first record of the open shard
    worker_stats: dict[int, tuple[int, float]] = {}  # pid -> (peak RSS, CPU seconds) so far
    try:
        for chunk, result in results:
            snapshots.append(Snapshot(chunk.start[0], chunk.start[1], outputs, records_in, data_bytes, dict(labels),
                                      quarantine.nbytes, quarantine.records, dict(quarantine.by_code),
                                      None if dp is None else dp.position(), chunk.start[2]))
            records_in += result.records_in
            data_bytes += chunk.nbytes
            labels.update(result.labels)
            if result.pid != os.getpid():  # chunks the parent scrubbed count as the parent's
                worker_stats[result.pid] = (result.peak_rss, result.cpu_seconds)
            for entry in result.quarantined:
                if options.on_error == "fail":
                    raise RecordError(f"{entry['location']}: {entry['reason']}")
                quarantine.add(entry)
            marked = len(shards.shards)
            for segment in result.segments:
                n = len(segment.sizes)
                if outputs + n <= skip_outputs:
                    outputs += n
                    continue
                if outputs < skip_outputs:  # a resumed run: the part of it in completed shards goes
                    segment = _drop(segment, skip_outputs - outputs)
                outputs += n
                shards.add_segment(segment)
            for j, (item, size) in enumerate(zip(result.outputs, result.sizes, strict=True)):
                if dp is not None and not dp.admit(result.dp_meta[j], size):
                    continue
                outputs += 1
                if outputs > skip_outputs:
                    shards.add(item, size)
            if len(shards.shards) > marked:
                quarantine.flush()
                _mark_parts(markers, shards.shards, marked, snapshots, dp)
            progress.update(records_in, data_bytes, chunk.done)
        if done_state is None:
            shard_infos = shards.close()
            quarantine_file = quarantine.close()
            done_state = {"shards": [s.to_dict() for s in shard_infos], "records_in": records_in,
                          "labels": dict(labels), "quarantine_file": quarantine_file,
                          "quarantine_records": quarantine.records, "quarantine_by_code": dict(quarantine.by_code)}
            if dp is not None:  # the admission state from the last part's snapshot to the end
                dp.checkpoint(dp.position(), markers.dp_checkpoint(None))
            markers.parts_done(done_state)
    except BaseException as exc:
        shards.abort()
        if isinstance(exc, RecordError):  # --on-error fail: a rerun would fail the same way
            quarantine.abort()
            markers.clear()
            if dp is not None:
                dp.abort()
        else:  # keep what is needed to --resume
            quarantine.suspend()
        raise
    finally:
        progress.close()
        close = getattr(results, "close", None)
        if close is not None:
            close()

    shard_infos = [ShardInfo(**d) for d in done_state["shards"]]
    records_in, labels = done_state["records_in"], Counter(done_state["labels"])
    quarantine_file = done_state["quarantine_file"]
    quarantine.records, quarantine.by_code = done_state["quarantine_records"], Counter(done_state["quarantine_by_code"])
    # Post-processing of the completed part shards goes here (before the manifest): on --resume
    # after parts-done.json it is redone from those shards.
    if dp is not None:
        shard_infos = dp.finalize(shard_infos)
    finished = time.time()
    manifest = build_manifest(
        config=config,
        options=options.output_options(),
        inputs=files,
        shards=shard_infos,
        records_in=records_in,
        records_quarantined=quarantine.records,
        spans_by_label=labels,
        quarantine={"file": quarantine_file, **quarantine.summary()},
        dp=None if dp is None else {"records_dropped": dp.records_dropped, "options": dp.options.to_dict(),
                                    **dp.sections},
        timing=timing_section(started, finished, options.workers, worker_stats, peak_rss_bytes()),
    )
    write_manifest(fs, root, manifest)
    markers.clear()
    if dp is not None:  # the staging shards, kept until now so that finalize can be redone
        dp.abort()
    return CleanResult(out_dir, manifest)


def _drop(segment: Segment, n: int) -> Segment:
    """The segment without its first ``n`` records, as lines (a frame that starts a shard)."""
    data = decompress_frame(segment.data) if segment.packed else segment.data
    return Segment(data[sum(segment.sizes[:n]):], segment.sizes[n:], False, False)


def _mark_parts(markers: ResumeMarkers, done: list[ShardInfo], first: int, snapshots: deque[Snapshot],
                dp: DpShardBuilder | None = None) -> None:
    """Write the completion markers of ``done[first:]``, each with the latest snapshot at or
    before the first record of the next shard, and forget the snapshots no longer needed. DP
    shards: the admission state up to that snapshot is checkpointed first."""
    end = sum(s.records for s in done[:first])
    for info in done[first:]:
        end += info.records
        while len(snapshots) > 1 and snapshots[1].outputs_before <= end:
            snapshots.popleft()
        if dp is not None:
            assert snapshots[0].dp is not None
            dp.checkpoint(snapshots[0].dp, markers.dp_checkpoint(info.name))
        markers.part(info, end, snapshots[0])


def _already_complete(out_dir: str, fp: dict[str, Any]) -> CleanResult:
    """``--resume`` on a finished folder: nothing to do if it was made by the same job."""
    manifest = read_manifest(out_dir)
    old = {"pipeline_sha256": manifest["pipeline"]["sha256"], "options": manifest["options"],
           "inputs": manifest["inputs"]}
    changed = [k for k in old if old[k] != fp[k]]
    if changed:
        raise ConfigError(f"--resume: {out_dir!r} holds a finished run with a different {', '.join(changed)}; "
                          "use --overwrite to start over")
    return CleanResult(out_dir, manifest)
