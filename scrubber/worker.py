"""The unit of work: scrub one chunk of raw records, in whatever process runs it.

:class:`ChunkProcessor` turns a list of :class:`~scrubber.io.readers.RawRecord` into serialized
output records and quarantine entries. It is a pure function of (config, key, records): the same
chunk gives the same result in the parent (``--workers 1``), in a pool worker, or in any later
engine (Ray). Every exception raised while scrubbing a record quarantines that record: a record is
never written unscrubbed (fail closed).

The local engine sends :meth:`ChunkProcessor.work` chunks of *work items* (blocks of whole
lines, or raw records, each with its frame key; see :meth:`scrubber.io.readers.RecordReader.work`):
the worker splits the lines itself, and for ``.jsonl.zst`` output also compresses its outputs,
one zstd frame per complete run of items with the same frame key (:class:`Segment`), so the
parent only appends bytes. Runs that may go on in the neighbouring chunk go back as lines.

Pool workers build their own :class:`~scrubber.pipeline.Pipeline` from the config, lazily, once
per process (:func:`init_worker` / :func:`run_work`), through :func:`build_pipeline`, the one
place where a pipeline is made from a config and a key.
"""

from __future__ import annotations

import copyreg
import os
import sys
import time
import types
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from .config import PipelineConfig
from .io.readers import LineBlock, RawRecord, WorkItem, split_block
from .io.records import dumps_record, parse_record_plain, record_id
from .io.writers import compress_frame
from .pipeline import Pipeline
from .quarantine import BadRecord, Problem, make_entry
from .spans import Span


def _mappingproxy(items: dict[str, Any]) -> types.MappingProxyType[str, Any]:
    return types.MappingProxyType(items)


# Configs hold read-only mappings (MappingProxyType), which pickle cannot handle by default; a
# config must cross into pool workers (and, later, Ray tasks, whose cloudpickle honours copyreg).
copyreg.pickle(types.MappingProxyType, lambda m: (_mappingproxy, (dict(m),)))


def build_pipeline(config: PipelineConfig, key: Any = None) -> Pipeline:
    """The single place a pipeline is built for a run: the hook for key handling.

    ``key`` is the resolved secret for keyed operators (``--key-file`` / ``--ephemeral-key``,
    resolved by the CLI); it must be picklable, as it travels to the worker processes.
    """
    return Pipeline(config, key=key)


@dataclass(frozen=True)
class RecordOptions:
    """How records are read and written: the text field, spans in the output, the format."""

    text_field: str = "text"
    with_spans: bool = False
    out_format: str = "jsonl"
    dp: Any = None  # scrubber.dp.units.DpShardOptions: DP-training-ready shards (None: off)


class Segment(NamedTuple):
    """Output records of one run of work items with the same frame key, for the shard writer:
    ``data`` is one zstd frame (``packed``) or the JSON lines, each with its newline; ``sizes``
    their sizes. ``joins`` (lines only): the run goes on from the previous chunk."""

    data: bytes
    sizes: list[int]
    packed: bool
    joins: bool = False


@dataclass
class ChunkResult:
    """What one chunk gave. ``outputs`` are JSON lines (``jsonl``) or row dicts (``parquet``),
    in input order, with ``sizes`` their sizes as JSON lines (newline included)."""

    outputs: list[Any] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)
    records_in: int = 0
    pid: int = 0
    peak_rss: int = 0  # bytes, this process so far
    cpu_seconds: float = 0.0  # this process so far
    dp_meta: list[Any] = field(default_factory=list)  # DP shards: a RecordMeta per output (scrubber.dp.units)
    # Work chunks with .jsonl.zst output (ChunkProcessor.work): the outputs as segments instead.
    segments: list[Segment] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)  # per output: the index of its raw record


def peak_rss_bytes() -> int:
    """Peak resident set size of this process, in bytes (0 where the platform cannot tell).

    Linux: ``VmHWM``, the high-water mark of this process's own memory. Not ``ru_maxrss``, which
    Linux carries over from the parent across fork and exec: a child started by a big process
    would report the parent's size.
    """
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class ChunkProcessor:
    """Parses, scrubs and serializes chunks of raw records (see the module docstring)."""

    def __init__(self, pipeline: Pipeline, options: RecordOptions) -> None:
        self.pipeline = pipeline
        self.options = options
        self._units: Any = None
        if options.dp is not None:
            from .dp.units import UnitHasher

            self._units = UnitHasher(options.dp, pipeline.key)

    def _detect(self, texts: list[str]) -> list[list[Span] | Exception]:
        try:
            # Batched detection lets detectors with a .pipe (NER) batch; the regex one does not care.
            return list(self.pipeline.detect_batch(texts))
        except Exception:
            # Find the culprit(s) one by one; the other records of the chunk still go through.
            results: list[list[Span] | Exception] = []
            for text in texts:
                try:
                    results.append(self.pipeline.detect(text))
                except Exception as exc:
                    results.append(exc)
            return results

    def _output(self, raw: RawRecord, record: dict[str, Any], spans: list[Span], result: ChunkResult,
                index: int = 0, plain: bool = False) -> None:
        opts = self.options
        rid, derived = record_id(raw, record)
        # DP shards: unit and dedup keys come from the original record (the unit field is popped).
        meta = self._units.meta(record, rid, record[opts.text_field]) if self._units is not None else None
        # Keyed operators are seeded by the record's own id when it has one, else by a hash of
        # its text (as scrubber.hf does): never by the file name, so moving the corpus does not
        # change the output.
        scrubbed = self.pipeline.transform(record[opts.text_field], spans, None if derived else str(rid))
        # Replacing the text drops the last reference to the original before serializing: for
        # a huge record, one copy less at the peak.
        record[opts.text_field] = scrubbed.text
        if derived:
            record["id"] = rid
        if opts.with_spans:
            record["pii_spans"] = [s.to_dict() for s in scrubbed.spans]
        if meta is not None:
            from .dp.units import RecordMeta

            record["privacy_unit"] = meta[0].hex()
            record["pii_epsilon"] = scrubbed.epsilon
        line = dumps_record(record, plain)
        result.outputs.append(line if opts.out_format == "jsonl" else record)
        result.sizes.append(len(line) + 1)
        result.origins.append(index)
        if meta is not None:  # after serializing: dp_meta stays parallel to outputs
            result.dp_meta.append(RecordMeta(meta[0], meta[1], meta[2], scrubbed.epsilon, meta[3], meta[4]))
        result.labels.update(s.label for s in scrubbed.spans)

    def process(self, raws: Sequence[RawRecord]) -> ChunkResult:
        """Scrub a chunk; the result lists outputs and quarantine entries in input order."""
        result = ChunkResult(pid=os.getpid())
        parsed: list[dict[str, Any] | Problem | None] = []
        plain: set[int] = set()  # records orjson may serialize (see scrubber.io.records)
        bad_ids: dict[int, Any] = {}
        for i, raw in enumerate(raws):
            result.records_in += raw.n_records
            try:
                obj, _, is_plain = parse_record_plain(raw, self.options.text_field)
                parsed.append(obj)
                if is_plain:
                    plain.add(i)
            except BadRecord as exc:
                parsed.append(exc.problem)
                bad_ids[i] = exc.record_id
            except Exception as exc:  # a bug in a reader or parser still only costs this record
                parsed.append(Problem("internal_error", f"cannot parse: {type(exc).__name__}: {exc}"))
        ok = [i for i, item in enumerate(parsed) if isinstance(item, dict)]
        texts = [cast(dict, parsed[i])[self.options.text_field] for i in ok]
        detected = dict(zip(ok, self._detect(texts), strict=True)) if ok else {}
        del texts
        for i, raw in enumerate(raws):
            item, parsed[i] = parsed[i], None  # let a huge record go as soon as it is written
            if isinstance(item, dict):
                rid = item.get("id")
                spans = detected.pop(i)
                try:
                    if isinstance(spans, Exception):
                        raise spans
                    self._output(raw, item, spans, result, i, i in plain)
                    continue
                except BadRecord as exc:
                    problem = exc.problem
                except Exception as exc:  # fail closed: whatever went wrong, the record is not written
                    problem = Problem("pipeline_error", f"pipeline error: {type(exc).__name__}: {exc}")
            else:
                assert item is not None
                problem = item
                rid = bad_ids.get(i)
            nbytes = len(raw.payload) if isinstance(raw.payload, bytes) else None
            result.quarantined.append(
                make_entry(raw.source, raw.unit, raw.pos, problem, record_id=rid, nbytes=nbytes, records=raw.n_records)
            )
        result.peak_rss = peak_rss_bytes()
        result.cpu_seconds = time.process_time()
        return result

    def work(self, items: Sequence[WorkItem], joins_prev: bool = False, joins_next: bool = False,
             pack: bool | None = None, compress: bool = True) -> ChunkResult:
        """Scrub a chunk of work items. With ``pack`` (default: for ``.jsonl.zst`` output
        without DP shards) the outputs come back as :class:`Segment` s, one per run of items with
        the same frame key; the first run is one that ``joins_prev``-ious chunk's last run and
        the last one that ``joins_next`` chunk's first go back as lines, every other run as one
        compressed frame (left uncompressed without ``compress``). Otherwise as from :meth:`process`."""
        raws: list[RawRecord] = []
        runs: list[int] = []  # per raw record: its run
        run, prev = -1, None
        for key, item in items:
            if key != prev:
                run, prev = run + 1, key
            if isinstance(item, LineBlock):
                got = split_block(item)
                raws += got
                runs += [run] * len(got)
            else:
                raws.append(item)
                runs.append(run)
        result = self.process(raws)
        if pack is None:
            pack = self.options.out_format == "jsonl" and self.options.dp is None
        if pack:
            self.segment(result, [runs[i] for i in result.origins], run + 1, joins_prev, joins_next, compress)
        result.origins = []
        return result

    @staticmethod
    def segment(result: ChunkResult, out_runs: list[int], n_runs: int, joins_prev: bool, joins_next: bool,
                compress: bool = True) -> None:
        """Group ``result.outputs`` (run ``out_runs[j]`` each) into ``result.segments``; with
        ``compress`` False the complete runs' frames are left for the caller to compress."""
        outputs, sizes = result.outputs, result.sizes
        segments: list[Segment] = []
        j, n = 0, len(outputs)
        for r in range(n_runs):
            k = j
            while k < n and out_runs[k] == r:
                k += 1
            first, last = r == 0 and joins_prev, r == n_runs - 1 and joins_next
            if k > j or last:
                data = b"".join(line + b"\n" for line in outputs[j:k])
                if first or last:  # may go on in the neighbouring chunk: the parent frames it
                    segments.append(Segment(data, sizes[j:k], False, first))
                else:
                    segments.append(Segment(compress_frame(data) if compress else data, sizes[j:k], True))
            j = k
        result.segments = segments
        result.outputs, result.sizes = [], []


# -- process-pool plumbing ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def init_worker(config: PipelineConfig, key: Any, options: RecordOptions) -> None:
    """Pool initializer: remember what to build; the pipeline itself is built on first use."""
    _WORKER.clear()
    _WORKER["args"] = (config, key, options)


def adopt_processor(processor: ChunkProcessor | None, config: PipelineConfig | None = None,
                    key: Any = None, options: RecordOptions | None = None, slots: SharedSlots | None = None) -> None:
    """Make ``processor`` (built from ``config``, ``key``, ``options``) and the shared ``slots``
    this process's own, for pool workers forked from it; ``None`` forgets them. Spawned workers
    use :func:`init_worker`."""
    _WORKER.clear()
    if processor is not None:
        _WORKER["args"] = (config, key, options)
        _WORKER["processor"] = processor
        _WORKER["slots"] = slots


def _processor() -> ChunkProcessor:
    proc = _WORKER.get("processor")
    if proc is None:
        config, key, options = _WORKER["args"]
        proc = _WORKER["processor"] = ChunkProcessor(build_pipeline(config, key), options)
    return cast(ChunkProcessor, proc)


def run_work(items: Sequence[WorkItem], joins_prev: bool, joins_next: bool) -> ChunkResult:
    """Pool task: scrub one chunk of work items (see :meth:`ChunkProcessor.work`)."""
    return _processor().work(items, joins_prev, joins_next)


class SharedSlots:
    """Anonymous shared memory that forked pool processes inherit: the parent writes a chunk's
    line blocks into a slot and sends only their places, instead of pushing megabytes through
    the task pipe (whose feeder thread needs the parent's GIL for every 64 KB).

    Slots are used in turn. A slot is written again only once the task that last used it is
    done (:meth:`bind` records the task): until then the chunk goes through the pipe instead.
    """

    def __init__(self, count: int, size: int) -> None:
        import mmap

        self.count, self.size = count, size
        self.memory = mmap.mmap(-1, count * size)
        self._next = self._last = 0
        self._users: list[Any] = [None] * count  # per slot: the Future of its last task

    def put(self, items: Sequence[WorkItem]) -> list[WorkItem] | None:
        """``items`` with each line block's data moved to the next slot (data becomes its
        ``(offset, length)``), or None when they do not fit in a slot."""
        if sum(len(item.data) for _, item in items if isinstance(item, LineBlock)) > self.size:
            return None
        user = self._users[self._next]
        if user is not None and not user.done():
            return None
        self._last = self._next
        offset = self._next * self.size
        self._next = (self._next + 1) % self.count
        out: list[WorkItem] = []
        for key, item in items:
            if isinstance(item, LineBlock):
                n = len(item.data)
                self.memory[offset:offset + n] = item.data
                item = item._replace(data=(offset, n))  # type: ignore[arg-type]
                offset += n
            out.append((key, item))
        return out

    def bind(self, future: Any) -> None:
        """Record ``future`` as the task reading the slot of the last :meth:`put`."""
        self._users[self._last] = future

    def take(self, items: Sequence[WorkItem]) -> list[WorkItem]:
        """The items :meth:`put` made, with their data read back (in the pool process)."""
        out: list[WorkItem] = []
        for key, item in items:
            if isinstance(item, LineBlock) and isinstance(item.data, tuple):
                offset, n = item.data
                item = item._replace(data=self.memory[offset:offset + n])
            out.append((key, item))
        return out

    def close(self) -> None:
        self.memory.close()


def run_shared_work(items: Sequence[WorkItem], joins_prev: bool, joins_next: bool) -> ChunkResult:
    """Pool task (forked processes): :func:`run_work` on items placed by :meth:`SharedSlots.put`."""
    slots = cast(SharedSlots, _WORKER["slots"])
    return _processor().work(slots.take(items), joins_prev, joins_next)
