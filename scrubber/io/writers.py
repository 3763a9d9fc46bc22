"""Writers: sharded output, ``part-00000.jsonl.zst`` (the default) or ``part-00000.parquet``.

A shard is written under a hidden temporary name (``.part-00000.jsonl.zst.tmp``) and renamed when
complete, so a reader listing ``part-*`` never sees half a shard. Its sha256 and size are computed
from the bytes as they are written, with no second read.

Shard boundaries depend only on the sequence of records written (their count and their size as
JSON lines), so the same records always give the same shards, byte for byte: the process that
writes receives records in input order, whatever the number of workers.

A ``.jsonl.zst`` shard is a concatenation of zstd frames (a valid zstd stream: ``zstd -d``,
python-zstandard's ``stream_reader``, fsspec and HF ``datasets`` read it whole). Which records
share a frame is a pure function of the records too: records added with :meth:`ShardWriter.add`
share one frame per shard; the local engine adds :class:`~scrubber.worker.Segment` s
(:meth:`ShardWriter.add_segment`), and its frames are the maximal runs of records that come from
work items with the same frame key (input position, see :data:`~scrubber.io.readers.FRAME_BYTES`)
and lie in the same shard. Each frame is the streaming compression of its lines
(:func:`compress_frame`), whose bytes do not depend on how the input is fed to it: so a frame
compressed by a worker equals the one the writer makes when it splits a run at a shard boundary.

The output folder is addressed through fsspec (local paths and ``memory://`` are tested).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import fsspec

from ..errors import ShardError

FORMATS: dict[str, str] = {"jsonl": ".jsonl.zst", "parquet": ".parquet"}
SHARD_PREFIX = "part-"
ZSTD_LEVEL = 3
# A Parquet row group is written when either limit is reached: bounded memory in the writer.
PARQUET_ROW_GROUP_ROWS = 10_000
PARQUET_ROW_GROUP_BYTES = 64 << 20


@dataclass(frozen=True)
class ShardInfo:
    """A finished shard: its file name (relative to the output folder), sha256, records, bytes."""

    name: str
    sha256: str
    records: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "records": self.records, "bytes": self.bytes}


def _compressor() -> Any:
    import zstandard

    # Single-threaded streaming compression: its output does not depend on how the input is cut
    # into writes, only on the bytes (threads >= 1 would give other bytes).
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL)


def compress_frame(data: bytes) -> bytes:
    """``data`` as one zstd frame, exactly as :class:`ShardWriter` writes those lines as a frame."""
    obj = _compressor().compressobj()
    return obj.compress(data) + obj.flush()  # type: ignore[no-any-return]


def decompress_frame(frame: bytes) -> bytes:
    """The lines of one frame made by :func:`compress_frame`."""
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(frame)  # type: ignore[no-any-return]


def _split(data: bytes, sizes: list[int]) -> list[bytes]:
    """JSON lines (each with its newline, sizes given) back into lines without the newline."""
    out, pos = [], 0
    for size in sizes:
        out.append(data[pos:pos + size - 1])
        pos += size
    return out


def shard_name(index: int, fmt: str) -> str:
    return f"{SHARD_PREFIX}{index:05d}{FORMATS[fmt]}"


class _HashingFile:
    """A write-only file that hashes and counts what goes through it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._hash = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        self._inner.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._inner.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._inner.close()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _JsonlShard:
    """Frames: lines go into the open frame (started on demand); :meth:`end_frame` closes it;
    :meth:`add_frame` appends a frame compressed elsewhere."""

    def __init__(self, file: _HashingFile) -> None:
        self._file = file
        self._frame: Any = None

    def add(self, line: bytes, nbytes: int) -> None:
        self.add_lines(line + b"\n")

    def add_lines(self, data: bytes) -> None:
        if self._frame is None:
            self._frame = _compressor().compressobj()
        out = self._frame.compress(data)
        if out:
            self._file.write(out)

    def end_frame(self) -> None:
        if self._frame is not None:
            self._file.write(self._frame.flush())
            self._frame = None

    def add_frame(self, frame: bytes) -> None:
        self.end_frame()
        self._file.write(frame)

    def finish(self) -> None:
        self.end_frame()


class _ParquetShard:
    """Buffers rows into row groups. The schema is inferred from the first row group, with the
    fields scrubber itself writes typed explicitly (so an all-empty ``pii_spans`` column in the
    first row group does not fix its type to null)."""

    def __init__(self, file: _HashingFile, fixed: dict[str, Any]) -> None:
        self._file = file
        self._fixed = fixed
        self._writer: Any = None
        self.rows: list[dict[str, Any]] = []
        self.row_bytes = 0
        self.written = 0

    def add(self, row: dict[str, Any], nbytes: int) -> None:
        self.rows.append(row)
        self.row_bytes += nbytes

    def full(self) -> bool:
        return len(self.rows) >= PARQUET_ROW_GROUP_ROWS or self.row_bytes >= PARQUET_ROW_GROUP_BYTES

    def _table(self, schema: Any) -> Any:
        """The buffered rows as a table; with ``schema`` None, each column's type is inferred
        from all its values (``Table.from_pylist`` would take the columns of the first row only,
        silently dropping a field that appears later)."""
        import pyarrow as pa

        names = list(dict.fromkeys(k for row in self.rows for k in row))
        if schema is None:
            columns = {n: pa.array([row.get(n) for row in self.rows], type=self._fixed.get(n)) for n in names}
            return pa.table(columns)
        if not set(names) <= set(schema.names):
            raise pa.ArrowInvalid(f"new fields {sorted(set(names) - set(schema.names))}")
        return pa.table({f.name: pa.array([row.get(f.name) for row in self.rows], type=f.type) for f in schema},
                        schema=schema)

    def flush(self) -> bool:
        """Write the buffered rows as one row group. False (rows kept) when they do not fit
        the schema of the row groups already written: the caller starts a new shard."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows:
            return True
        errors = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
        if self._writer is None:
            try:
                table = self._table(None)
            except errors as exc:
                raise ShardError(f"cannot write Parquet: {exc} (a field of mixed types? use --format jsonl)") from None
            self._writer = pq.ParquetWriter(self._file, table.schema, compression="zstd")
        else:
            try:
                table = self._table(self._writer.schema)
            except errors:
                return False
        self._writer.write_table(table, row_group_size=len(self.rows))
        self.written += len(self.rows)
        self.rows, self.row_bytes = [], 0
        return True

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.close()


class ShardWriter:
    """Writes records into numbered shards of at most ``max_records`` records and
    ``max_bytes`` bytes (counted as uncompressed JSON lines, so the limit means the same for
    both formats; a single larger record gets a shard of its own).

    ``add(line, nbytes)`` takes a JSON line (``jsonl``) or a row dict (``parquet``) with its size.
    :meth:`close` finishes the last shard and returns every :class:`ShardInfo`; :meth:`abort`
    removes an unfinished one.
    """

    def __init__(self, fs: fsspec.AbstractFileSystem, out_dir: str, fmt: str = "jsonl", *,
                 max_records: int | None = None, max_bytes: int | None = None,
                 parquet_types: dict[str, Any] | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}; available: {', '.join(FORMATS)}")
        self._fs = fs
        self._dir = out_dir.rstrip("/")
        self.format = fmt
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._parquet_types = parquet_types or {}
        self.shards: list[ShardInfo] = []
        self._shard: Any = None
        self._file: _HashingFile | None = None
        self._records = 0
        self._bytes = 0

    def _path(self, name: str) -> str:
        return f"{self._dir}/{name}"

    def _tmp(self, index: int) -> str:
        return self._path(f".{shard_name(index, self.format)}.tmp")

    def _open(self) -> None:
        self._file = _HashingFile(self._fs.open(self._tmp(len(self.shards)), "wb"))
        if self.format == "jsonl":
            self._shard = _JsonlShard(self._file)
        else:
            self._shard = _ParquetShard(self._file, self._parquet_types)
        self._records = self._bytes = 0

    def _finish(self, records: int) -> None:
        assert self._file is not None
        self._shard.finish()
        self._file.close()
        index = len(self.shards)
        name = shard_name(index, self.format)
        self._fs.mv(self._tmp(index), self._path(name))
        self.shards.append(ShardInfo(name, self._file.hexdigest(), records, self._file.size))
        self._shard = self._file = None

    def _would_overflow(self, nbytes: int) -> bool:
        if self._records == 0:
            return False
        return (self.max_records is not None and self._records + 1 > self.max_records) or (
            self.max_bytes is not None and self._bytes + nbytes > self.max_bytes
        )

    def add(self, item: bytes | dict[str, Any], nbytes: int) -> None:
        self._add(item, nbytes)

    def add_segment(self, segment: Any) -> None:
        """``.jsonl.zst`` only: add a :class:`~scrubber.worker.Segment` (see the module
        docstring). A frame that a shard boundary cuts is decompressed and written as lines."""
        data, sizes, packed, joins = segment
        if not packed or not sizes:
            if not joins and self._shard is not None:
                self._shard.end_frame()
            if sizes:
                self._add_lines(data, sizes)
            return
        n, total = len(sizes), sum(sizes)
        if self._shard is not None and self._fits(n, total):
            self._shard.add_frame(data)
            self._records += n
            self._bytes += total
            return
        if self._shard is None and self._fits(n, total, empty=True):
            self._open()
            shard: Any = self._shard
            shard.add_frame(data)
            self._records, self._bytes = n, total
            return
        if self._shard is not None:
            self._shard.end_frame()
        self._add_lines(decompress_frame(data), sizes)
        if self._shard is not None:
            self._shard.end_frame()

    def _fits(self, n: int, total: int, empty: bool = False) -> bool:
        """Whether ``n`` more records of ``total`` bytes go into the open shard (``empty``: a
        new one) with no boundary before or among them."""
        records, nbytes = (0, 0) if empty else (self._records, self._bytes)
        if self.max_records is not None and records + n > self.max_records:
            return False
        return self.max_bytes is None or nbytes + total <= self.max_bytes or (records == 0 and n == 1)

    def _add_lines(self, data: bytes, sizes: list[int]) -> None:
        """JSON lines (with newlines) into the open frame, with shard boundaries as :meth:`add`."""
        n, total = len(sizes), sum(sizes)
        if self._shard is None and self._fits(n, total, empty=True):
            self._open()
        if self._shard is not None and self._fits(n, total):
            self._shard.add_lines(data)
            self._records += n
            self._bytes += total
            return
        for line, size in zip(_split(data, sizes), sizes, strict=True):
            self._add(line, size)

    def _add(self, item: bytes | dict[str, Any], nbytes: int) -> None:
        if self._shard is not None and self._would_overflow(nbytes):
            self._finish_current()
        if self._shard is None:
            self._open()
        self._shard.add(item, nbytes)
        self._records += 1
        self._bytes += nbytes
        if self.format == "parquet" and self._shard.full():
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        shard = self._shard
        if shard.flush():
            return
        # The buffered rows do not fit this shard's schema: close the shard before them and
        # start the next one with them (a deterministic boundary: it depends only on the rows).
        rows, row_bytes = shard.rows, shard.row_bytes
        shard.rows, shard.row_bytes = [], 0
        self._finish(shard.written)
        self._open()
        self._shard.rows, self._shard.row_bytes = rows, row_bytes
        self._records, self._bytes = len(rows), row_bytes
        self._shard.flush()

    def _finish_current(self) -> None:
        if self.format == "parquet":
            self._flush_parquet()
        self._finish(self._records)

    def close(self) -> list[ShardInfo]:
        if self._shard is not None:
            self._finish_current()
        return list(self.shards)

    def abort(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._fs.rm(self._tmp(len(self.shards)))
            self._shard = self._file = None
