"""Writers: sharded output, ``part-00000.jsonl.zst`` (the default) or ``part-00000.parquet``.

A shard is written under a hidden temporary name (``.part-00000.jsonl.zst.tmp``) and renamed when
complete, so a reader listing ``part-*`` never sees half a shard. Its sha256 and size are computed
from the bytes as they are written, with no second read.

Shard boundaries depend only on the sequence of records written (their count and their size as
JSON lines), so the same records always give the same shards, byte for byte: the process that
writes receives records in input order, whatever the number of workers.

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
# zstd compresses on one native thread of its own, off the GIL, beside the Python work. Its output
# is deterministic and the same for any number of zstd threads >= 1 (it is not the same as with
# threads=0, so this must not change between runs that are compared).
ZSTD_THREADS = 1
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
    def __init__(self, file: _HashingFile) -> None:
        import zstandard

        self._file = file
        cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=ZSTD_THREADS)
        self._zst = cctx.stream_writer(file, closefd=False)  # type: ignore[arg-type]

    def add(self, line: bytes, nbytes: int) -> None:
        self._zst.write(line)
        self._zst.write(b"\n")

    def finish(self) -> None:
        self._zst.close()


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
