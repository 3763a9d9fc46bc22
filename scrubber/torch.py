"""PyTorch data-loader integration: scrub records on the fly inside ``DataLoader`` workers.

>>> from torch.utils.data import DataLoader                                  # doctest: +SKIP
>>> from scrubber.torch import ScrubbedIterableDataset                        # doctest: +SKIP
>>> ds = ScrubbedIterableDataset(records, pipeline="fast", key=key)           # doctest: +SKIP
>>> for record in DataLoader(ds, batch_size=None, num_workers=4): ...         # doctest: +SKIP

Work is sharded deterministically by position: with ``W`` loader workers (times ``world_size``
ranks when ``torch.distributed`` is initialized), the shard ``s`` takes items ``i`` with
``i % (W * world_size) == s``. Every worker reads the source, but scrubs only its own items:
no duplicates, nothing lost, and output identical to ``num_workers=0``.

Each item comes out as a record (a ``dict``): the text replaced, plus the same fields the local
``scrubber clean`` engine adds: ``pii_spans`` (with ``with_spans``), ``pii_epsilon`` (when above
zero), ``pii_error`` (only on a row that could not be scrubbed; its text is emptied, never
passed through). Records with a ``pii_error`` key differ in keys from the others, so use
``batch_size=None`` or your own ``collate_fn`` rather than the default collation of dicts.

torch is optional: this module imports it on first use of :class:`ScrubbedIterableDataset`
(module name note: this file is ``scrubber.torch``, the real package is loaded by importlib).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from .errors import ConfigError, missing_dependency
from .hf import PII_ERROR, PipelineLike, RecordScrubber

__all__ = ["ScrubbedIterableDataset", "read_paths", "shard_of"]  # noqa: F822  (built on first access)


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise missing_dependency("torch", "torch") from None


def shard_of(rank: int = 0, world_size: int = 1) -> tuple[int, int]:
    """``(shard, num_shards)`` of the calling DataLoader worker on this rank."""
    info = importlib.import_module("torch.utils.data").get_worker_info()
    if info is None:
        worker, workers = 0, 1
    else:
        worker, workers = info.id, info.num_workers
    return rank * workers + worker, world_size * workers


class _FromFile(NamedTuple):
    """A record read from a file: the record (None when unreadable), the id the local engine
    derives from its location when it has none, and why it could not be read."""

    record: dict[str, Any] | None
    derived_id: str | None
    problem: str | None


def read_paths(paths: Iterable[str | os.PathLike[str]], text_field: str = "text", *,
               lines: bool = False) -> Iterator[_FromFile]:
    """Records of files, folders, globs or fsspec URLs, read exactly as ``scrubber clean``
    reads them (:mod:`scrubber.io`): same formats, same derived ids (``file:line``), and a bad
    record is reported (``problem``) rather than raised."""
    from .io.readers import expand_inputs, iter_raw_records
    from .io.records import parse_record, record_id
    from .quarantine import BadRecord

    for f in expand_inputs([os.fspath(p) for p in paths]):
        for raw in iter_raw_records(f, lines=lines):
            try:
                record, _ = parse_record(raw, text_field)
            except BadRecord as exc:
                yield _FromFile(None, raw.location, f"{exc.problem.code}: {exc.problem.reason}")
                continue
            rid, derived = record_id(raw, record)
            yield _FromFile(record, rid if derived else None, None)


class _Source:
    """What to iterate on each epoch: a re-iterable, a callable returning one, or paths."""

    def __init__(self, source: Any, text_field: str, paths: bool = False) -> None:
        if paths or isinstance(source, (str, os.PathLike)):
            source = [source] if isinstance(source, (str, os.PathLike)) else list(source)
            self.kind = "paths"
        elif isinstance(source, Mapping):
            raise ConfigError("source: expected records, texts, a callable or paths, got a single mapping")
        elif callable(source):
            self.kind = "callable"
        elif isinstance(source, Iterable):
            self.kind = "iterable"
        else:
            raise ConfigError(f"source: expected records, texts, a callable or paths, got {type(source).__name__}")
        self.source = source
        self.text_field = text_field

    def __iter__(self) -> Iterator[Any]:
        if self.kind == "paths":
            return read_paths(self.source, self.text_field)
        if self.kind == "callable":
            return iter(self.source())
        return iter(self.source)


def _scrub_items(scrubber: RecordScrubber, items: list[Any]) -> list[dict[str, Any]]:
    """Scrub a batch of source items (records, texts, or records read from files)."""
    field = scrubber.text_column
    records: list[Mapping[str, Any]] = []
    slots: list[int] = []
    out: list[dict[str, Any] | None] = [None] * len(items)
    for i, item in enumerate(items):
        if isinstance(item, _FromFile):
            if item.record is None:  # unreadable: kept, empty, flagged (fail closed)
                out[i] = {"id": item.derived_id, field: "", PII_ERROR: item.problem}
                continue
            item = item.record
        records.append(item if isinstance(item, Mapping) else {field: item})
        slots.append(i)
    for i, rec in zip(slots, scrubber.scrub_records(records), strict=True):
        derived = items[i].derived_id if isinstance(items[i], _FromFile) else None
        if derived is not None:  # added after scrubbing, as the local engine does
            rec["id"] = derived
        out[i] = rec
    return out  # type: ignore[return-value]


def _make_class() -> type:
    torch = _torch()

    class ScrubbedIterableDataset(torch.utils.data.IterableDataset):  # type: ignore[misc, name-defined]
        """An ``IterableDataset`` of scrubbed records.

        ``source``: records (mappings), texts (``str``), a callable returning either (called
        once per epoch; use this for generators), or a path / fsspec URL (or
        :meth:`from_paths` for several). ``pipeline``, ``key``: as :func:`scrubber.load`.
        ``text_field``: the field to scrub (texts become ``{text_field: text}``). ``id_field``:
        the doc id for keyed operators (stable pseudonyms); default a hash of the text.
        ``rank`` / ``world_size``: data-parallel sharding; default from ``torch.distributed``
        when it is initialized.

        Picklable (spawn/forkserver workers): only the source, the config and the key travel;
        each worker builds its pipeline on first use.
        """

        def __init__(
            self,
            source: Any,
            pipeline: PipelineLike = "default",
            *,
            key: Any = None,
            text_field: str = "text",
            id_field: str | None = "id",
            with_spans: bool = False,
            batch_size: int = 64,
            rank: int | None = None,
            world_size: int | None = None,
        ) -> None:
            super().__init__()
            self.scrubber = RecordScrubber(
                pipeline, key=key, text_column=text_field, id_column=id_field,
                with_spans=with_spans, batch_size=batch_size,
            )
            self.source = _Source(source, text_field)
            if (rank is None) != (world_size is None):
                raise ConfigError("rank and world_size: give both or neither")
            if world_size is not None and not 0 <= int(rank) < int(world_size):  # type: ignore[arg-type]
                raise ConfigError(f"rank: must be in [0, world_size), got {rank} of {world_size}")
            self.rank, self.world_size = rank, world_size

        @classmethod
        def from_paths(cls, paths: Sequence[str | os.PathLike[str]], pipeline: PipelineLike = "default",
                       **kwargs: Any) -> Any:
            obj = cls([], pipeline, **kwargs)
            obj.source = _Source(paths, obj.scrubber.text_column, paths=True)
            return obj

        def _rank(self) -> tuple[int, int]:
            if self.world_size is not None:
                return int(self.rank), int(self.world_size)  # type: ignore[arg-type]
            dist = getattr(torch, "distributed", None)
            if dist is not None and dist.is_available() and dist.is_initialized():
                return dist.get_rank(), dist.get_world_size()
            return 0, 1

        def __iter__(self) -> Iterator[dict[str, Any]]:
            shard, num_shards = shard_of(*self._rank())
            batch: list[Any] = []
            size = self.scrubber.batch_size
            for index, item in enumerate(self.source):
                if index % num_shards != shard:
                    continue
                batch.append(item)
                if len(batch) >= size:
                    yield from _scrub_items(self.scrubber, batch)
                    batch = []
            if batch:
                yield from _scrub_items(self.scrubber, batch)

        def __repr__(self) -> str:
            return f"ScrubbedIterableDataset({self.source.kind}, {self.scrubber!r})"

    ScrubbedIterableDataset.__module__ = __name__
    ScrubbedIterableDataset.__qualname__ = "ScrubbedIterableDataset"
    return ScrubbedIterableDataset


_LAZY: dict[str, Callable[[], type]] = {"ScrubbedIterableDataset": _make_class}


def __getattr__(name: str) -> Any:
    # The class subclasses torch's IterableDataset, so it is built (and torch imported) on
    # first access; afterwards it is a plain module attribute, so pickling finds it by name.
    if name in _LAZY:
        cls = _LAZY[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
