"""Readers: expand input specs into files, and stream each file as raw records.

A reader does the cheap, sequential part of reading (opening, decompressing, splitting lines,
decoding Parquet record batches) and hands on *raw* records: the bytes of one JSON line or text
document, or one Parquet row as a dict. Parsing (UTF-8, JSON, the text field) happens later in the
worker (:mod:`scrubber.io.records`), so that it runs on every core, and so that a bad record is
quarantined by the same code whatever its format.

Memory is bounded by one record (capped by ``max_record_bytes``: a longer line is skipped in
pieces, never held) or one Parquet record batch. Problems that belong to no single parsed record
(an empty file, a corrupt Parquet file, a truncated gzip stream, an oversized line) come out as
raw records with ``problem`` set, in input order, so they are quarantined and counted like any
other bad record.

Files are opened through fsspec, so ``memory://`` and other fsspec URLs work as inputs.

The local engine reads line files (JSONL, text with ``lines=True``) through
:meth:`RecordReader.work` instead: whole *blocks* of lines (:class:`LineBlock`), found with a few
``find`` calls per block and never split in this process, so the sequential reader does no work
per line; :func:`split_block` turns a block into the very raw records (line numbers, blank lines,
over-long lines) that iterating the reader gives. Each work item carries its *frame key*
(:data:`FRAME_BYTES`), a pure function of its position in the input, which decides which output
records share a zstd frame (see :mod:`scrubber.io.writers`).
"""

from __future__ import annotations

import glob
import io
import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

import fsspec
import zstandard

from ..errors import ConfigError
from ..quarantine import Problem

# Suffix -> (format, compression). ".json.gz" / ".json.zst" hold JSON *lines* (the Dolma and HF
# convention); a plain ".json" file is usually one JSON document, so it is not accepted.
SUFFIXES: dict[str, tuple[str, str | None]] = {
    ".jsonl": ("jsonl", None),
    ".jsonl.gz": ("jsonl", "gzip"),
    ".jsonl.zst": ("jsonl", "zstd"),
    ".json.gz": ("jsonl", "gzip"),
    ".json.zst": ("jsonl", "zstd"),
    ".ndjson": ("jsonl", None),
    ".txt": ("text", None),
    ".txt.gz": ("text", "gzip"),
    ".txt.zst": ("text", "zstd"),
    ".parquet": ("parquet", None),
}

PARQUET_BATCH_ROWS = 1024
_READ_BUFFER = 1 << 20
# Frame windows: the lines of a file that start in the same FRAME_BYTES window of its decompressed
# bytes share a frame key, as do the Parquet rows of one PARQUET_BATCH_ROWS batch and a
# one-document text file. A pure function of the input: changing it changes output bytes.
FRAME_BYTES = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One input file: ``path`` as the user spelled it (or a URL), its format and size on disk."""

    path: str
    format: str  # "jsonl" | "text" | "parquet"
    compression: str | None
    size: int | None  # bytes on disk; None when the filesystem cannot tell

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "compression": self.compression, "bytes": self.size}


class RawRecord(NamedTuple):
    """One record as read, not yet parsed.

    ``pos`` is the 1-based line number (``unit == "line"``), the 0-based row number
    (``"row"``), or 0 for a whole file (``"file"``). ``payload`` is the line's or document's bytes,
    or the Parquet row as a dict; it is None when ``problem`` says why the reader could not produce
    a record. ``n_records`` is how many input records a problem stands for (the rest of a Parquet file
    whose remaining row groups are corrupt).
    """

    fmt: str
    source: str
    unit: str
    pos: int
    payload: bytes | dict[str, Any] | None
    problem: Problem | None = None
    n_records: int = 1

    @property
    def location(self) -> str:
        return self.source if self.unit == "file" else f"{self.source}:{self.pos}"


class LineBlock(NamedTuple):
    """Whole lines of a line file (JSONL, or text with ``lines=True``), as read: ``data`` starts
    at the start of line ``first_line`` (1-based) and ends with a newline or at the end of the file.
    Blank lines are kept (they are numbered); :func:`split_block` makes the raw records."""

    fmt: str
    source: str
    first_line: int
    data: bytes
    max_record_bytes: int
    lines: int  # physical lines in the block (blank ones included)

    def cut(self, end: int) -> tuple[LineBlock, LineBlock]:
        """The block as two: its first ``end`` bytes (whole lines) and the rest."""
        head = self.data[:end]
        n = head.count(b"\n") + (not head.endswith(b"\n"))
        return (self._replace(data=head, lines=n),
                self._replace(data=self.data[end:], first_line=self.first_line + n, lines=self.lines - n))


def _too_large(fmt: str, source: str, lineno: int, size: int, limit: int) -> RawRecord:
    return RawRecord(fmt, source, "line", lineno, None,
                     Problem("record_too_large", f"line of {size} bytes is longer than max_record_bytes={limit}"))


def split_block(block: LineBlock) -> list[RawRecord]:
    """The raw records of a block, exactly as :class:`RecordReader` iteration gives them."""
    fmt, source, data, limit = block.fmt, block.source, block.data, block.max_record_bytes
    text = fmt == "text"
    out: list[RawRecord] = []
    lineno = block.first_line - 1
    start, n = 0, len(data)
    find = data.find
    while start < n:
        nl = find(b"\n", start)
        end = n if nl < 0 else nl + 1
        line = data[start:end]
        start = end
        lineno += 1
        if len(line) - (nl >= 0) > limit:  # the line without its newline
            out.append(_too_large(fmt, source, lineno, len(line), limit))
            continue
        if line.isspace():
            continue
        if text:
            line = line.rstrip(b"\n").rstrip(b"\r")
        out.append(RawRecord(fmt, source, "line", lineno, line))
    return out


def split_lines(data: bytes, count: int | None = None, nbytes: int | None = None) -> int:
    """Where to cut ``data`` (whole lines) so that the first part holds ``count`` lines, or
    ends with the line that reaches ``nbytes`` bytes: the length of the first part."""
    if count is not None:
        pos = 0
        for _ in range(count):
            nl = data.find(b"\n", pos)
            if nl < 0:
                return len(data)
            pos = nl + 1
        return pos
    assert nbytes is not None
    nl = data.find(b"\n", max(nbytes - 1, 0))
    return len(data) if nl < 0 else nl + 1


# A work item: (frame key, LineBlock or RawRecord); see RecordReader.work.
WorkItem = tuple[tuple[int, int], "LineBlock | RawRecord"]


def split_suffix(path: str) -> tuple[str, str | None] | None:
    """``(format, compression)`` for a supported file name, else None."""
    name = path.rsplit("/", 1)[-1].lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    return None


def _supported() -> str:
    return ", ".join(SUFFIXES)


def _input_file(fs: fsspec.AbstractFileSystem, path: str, display: str) -> InputFile:
    kind = split_suffix(path)
    if kind is None:
        raise ConfigError(f"input {display!r}: unsupported file type; supported suffixes: {_supported()}")
    try:
        size: int | None = int(fs.size(path))
    except (OSError, TypeError, ValueError):
        size = None
    return InputFile(display, kind[0], kind[1], size)


def _is_hidden(path: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in path.replace("\\", "/").split("/"))


def _expand_local(spec: str) -> list[InputFile]:
    fs = fsspec.filesystem("file")
    if glob.has_magic(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise ConfigError(f"input {spec!r}: the pattern matches no file")
        out: list[InputFile] = []
        for m in matches:
            if os.path.isdir(m):
                out.extend(_expand_local(m))
            elif split_suffix(m) is not None:
                out.append(_input_file(fs, m, m))
        return out
    if os.path.isdir(spec):
        found: list[str] = []
        for root, dirs, files in os.walk(spec):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(root, f) for f in files
                         if not f.startswith(".") and split_suffix(f) is not None)
        # Sorted by path so that the order (and so the output) does not depend on the filesystem.
        return [_input_file(fs, p, p) for p in sorted(found)]
    if os.path.isfile(spec):
        return [_input_file(fs, spec, spec)]
    raise ConfigError(f"input {spec!r} does not exist")


def _find(fs: fsspec.AbstractFileSystem, folder: str) -> list[str]:
    return sorted(p for p in fs.find(folder) if not _is_hidden(p[len(folder):]))


def _expand_url(spec: str) -> list[InputFile]:
    # The same rules as for local paths: a folder is searched recursively, and neither a folder
    # nor a glob's wildcards pick up hidden entries (glob.glob's `*` skips dot files).
    fs, path = fsspec.core.url_to_fs(spec)
    if glob.has_magic(path):
        parts = path.split("/")
        fixed = "/".join(parts[: next(i for i, part in enumerate(parts) if glob.has_magic(part))])
        matches = fs.glob(path, detail=True)
        paths: list[str] = []
        for p, info in sorted(matches.items()):
            if _is_hidden(p[len(fixed):]):
                continue
            paths.extend(_find(fs, p) if info.get("type") == "directory" else [p])
        if not matches:
            raise ConfigError(f"input {spec!r}: the pattern matches no file")
    elif fs.isdir(path):
        paths = _find(fs, path)
    elif fs.exists(path):
        return [_input_file(fs, path, spec)]
    else:
        raise ConfigError(f"input {spec!r} does not exist")
    return [_input_file(fs, p, fs.unstrip_protocol(p)) for p in paths if split_suffix(p) is not None]


def expand_inputs(specs: Sequence[str]) -> list[InputFile]:
    """Files, directories (recursive, hidden entries skipped) and globs, in a deterministic order.

    Explicit files keep the order given; a directory or glob contributes its supported files
    sorted by path. A file named twice is read once. Raises :class:`ConfigError` for a missing
    input, an explicit file of an unsupported type, or when nothing is found.
    """
    files: list[InputFile] = []
    seen: set[str] = set()
    for spec in specs:
        expanded = _expand_url(spec) if "://" in spec else _expand_local(spec)
        if not expanded:
            raise ConfigError(f"input {spec!r}: no supported files (suffixes: {_supported()})")
        for f in expanded:
            key = f.path if "://" in f.path else os.path.realpath(f.path)
            if key not in seen:
                seen.add(key)
                files.append(f)
    if not files:
        raise ConfigError("no input files")
    return files


# -- opening ----------------------------------------------------------------------------------


def _decompressed(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression is None:
        return raw
    if compression == "gzip":
        import gzip

        # GzipFile reads concatenated members, as gzip(1) does.
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "zstd":
        import zstandard

        # fsspec's zstd wrapper stops at the end of the first frame: files written by
        # concatenating frames (or by a writer that flushes frames) would be silently truncated.
        # A large max_window_size accepts files compressed with --long.
        reader = zstandard.ZstdDecompressor(max_window_size=1 << 31).stream_reader(
            raw, read_size=_READ_BUFFER, read_across_frames=True, closefd=False
        )
        return io.BufferedReader(reader, _READ_BUFFER)  # type: ignore[arg-type]
    raise ValueError(f"unknown compression {compression!r}")


@contextmanager
def open_input(f: InputFile) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """``(raw, stream)``: the file on disk (for positions) and its decompressed bytes."""
    with fsspec.open(f.path, "rb") as raw:
        stream = _decompressed(raw, f.compression)
        try:
            yield raw, stream
        finally:
            if stream is not raw:
                stream.close()


# -- records ----------------------------------------------------------------------------------


def _skip_line(stream: IO[bytes]) -> int:
    """Discard the rest of the current line in bounded pieces; return how many bytes."""
    skipped = 0
    while True:
        piece = stream.readline(_READ_BUFFER)
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            return skipped


class RecordReader:
    """The raw records of one input file, in file order; :attr:`offset` tells how far it got.

    JSONL: one record per non-blank line. Text: one record per file, or per non-blank line with
    ``lines=True`` (the line terminator removed). Parquet: one record per row, read by record
    batch. A file that yields no record at all is reported as an ``empty_file`` problem.
    """

    def __init__(self, f: InputFile, *, lines: bool = False, max_record_bytes: int = 128 << 20) -> None:
        self.file = f
        self.lines = lines
        self.max_record_bytes = max_record_bytes
        self._raw: IO[bytes] | None = None
        self._done = False
        self._rows = (0, 1)  # Parquet: rows read, rows in the file

    @property
    def offset(self) -> int:
        """Bytes of the file (on disk) consumed so far, for progress. Asked once per chunk, not
        per record: ``tell()`` through fsspec costs as much as splitting the line."""
        if self._done:
            return self.file.size or 0
        if self.file.format == "parquet":
            return (self.file.size or 0) * self._rows[0] // self._rows[1]
        try:
            return int(self._raw.tell()) if self._raw is not None else 0
        except (OSError, ValueError):
            return 0

    def work(self, file_index: int, skip_lines: int = 0, skip_bytes: int = 0,
             skip_records: int = 0) -> Iterator[tuple[WorkItem, tuple[int, int, int]]]:
        """The work items of this file for the local engine, each with its restart position
        ``(file_index, lines or records before it, decompressed bytes before it)``.

        Line files come as :class:`LineBlock` s, one per frame window (and a raw record for
        an over-long line or a read error); a resumed run starts ``skip_bytes`` into the
        decompressed file, at line ``skip_lines + 1``. Other files come record by record, as
        iteration gives them (the first ``skip_records`` skipped).
        """
        f = self.file
        if f.format == "parquet" or not (f.format == "jsonl" or self.lines):
            n = 0
            for raw in self:
                n += 1
                if n <= skip_records:
                    continue
                if raw.unit == "row":
                    key = (file_index, raw.pos // PARQUET_BATCH_ROWS)
                else:
                    key = (file_index, -1 if raw.problem is not None else 0)
                yield (key, raw), (file_index, n - 1, 0)
            return
        try:
            with open_input(f) as (raw_file, stream):
                self._raw = raw_file
                yield from self._blocks(stream, file_index, skip_lines, skip_bytes)
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
            item = self._problem("file", 0, "unreadable_file", f"cannot open: {type(exc).__name__}: {exc}")
            yield ((file_index, -1), item), (file_index, 0, 0)
        finally:
            self._raw = None
            self._done = True

    def _blocks(self, stream: IO[bytes], file_index: int, lineno: int,
                base: int) -> Iterator[tuple[WorkItem, tuple[int, int, int]]]:
        fmt, source, limit = self.file.format, self.file.path, self.max_record_bytes
        read = getattr(stream, "read1", None) or stream.read
        produced = lineno > 0 or base > 0
        skip = base
        while skip:  # a resumed run: the bytes before the restart point are decompressed, not kept
            piece = read(min(skip, _READ_BUFFER))
            if not piece:
                break
            skip -= len(piece)
        buf = bytearray()  # decompressed bytes from offset `base`, which starts a line
        tail = 0  # where the last (incomplete) line of buf starts
        eof = False

        def block(end: int) -> tuple[WorkItem, tuple[int, int, int]] | None:
            """The first ``end`` bytes of buf as a block (None if they are all blank lines)."""
            nonlocal base, lineno, tail, produced
            with memoryview(buf) as view:
                data = bytes(view[:end])
            del buf[:end]
            tail = max(tail - end, 0)
            n = data.count(b"\n") + (not data.endswith(b"\n"))
            item = LineBlock(fmt, source, lineno + 1, data, limit, n)
            out = ((file_index, base // FRAME_BYTES), item), (file_index, lineno, base)
            base += end
            lineno += n
            if data.isspace():  # blank lines are numbered, not records
                return None
            produced = True
            return out

        def problem(item: RawRecord, start: int, lines_before: int) -> tuple[WorkItem, tuple[int, int, int]]:
            nonlocal produced
            produced = True
            return ((file_index, start // FRAME_BYTES), item), (file_index, lines_before, start)

        while True:
            # The lines starting in this window end at the first newline at or after its last byte.
            window_end = (base // FRAME_BYTES + 1) * FRAME_BYTES
            cut = buf.find(b"\n", max(window_end - 1 - base, 0))
            over = cut < 0 and len(buf) - tail > limit  # an over-long line at the end of buf
            if over or cut < 0 and eof and buf:
                if tail and (out := block(tail)) is not None:  # the complete lines before the last
                    yield out
            if cut >= 0:
                if (out := block(cut + 1)) is not None:
                    yield out
                continue
            if eof:
                if buf:  # the last line, without a newline
                    if len(buf) > limit:
                        yield problem(_too_large(fmt, source, lineno + 1, len(buf), limit), base, lineno)
                    elif (out := block(len(buf))) is not None:
                        yield out
                if not produced:
                    yield problem(self._problem("file", 0, "empty_file", "empty file (no records)"), 0, 0)
                return
            if over:
                # An over-long line (buf holds only its start now): skipped in bounded pieces, never held.
                start, size = base, len(buf)
                try:
                    size += _skip_line(stream)
                except (OSError, EOFError, ValueError) as exc:
                    yield problem(self._unreadable_after(lineno, exc), base, lineno)
                    return
                buf.clear()
                tail = 0
                lineno += 1
                base += size
                yield problem(_too_large(fmt, source, lineno, size, limit), start, lineno - 1)
                continue
            try:
                piece = read(_READ_BUFFER)
            except (OSError, EOFError, ValueError) as exc:  # truncated or corrupt compressed stream
                if tail and (out := block(tail)) is not None:  # the complete lines read so far
                    yield out
                yield problem(self._unreadable_after(lineno, exc), base, lineno)
                return
            if not piece:
                eof = True
                continue
            last = piece.rfind(b"\n")
            if last >= 0:
                tail = len(buf) + last + 1
            buf += piece

    def _unreadable_after(self, lineno: int, exc: BaseException) -> RawRecord:
        """The record for a stream that fails after ``lineno`` good lines."""
        return self._problem("line", lineno + 1, "unreadable_file",
                             f"cannot read past line {lineno}: {type(exc).__name__}: {exc}")

    def _problem(self, unit: str, pos: int, code: str, reason: str, n_records: int = 1) -> RawRecord:
        return RawRecord(self.file.format, self.file.path, unit, pos, None, Problem(code, reason), n_records)

    def __iter__(self) -> Iterator[RawRecord]:
        f = self.file
        try:
            with open_input(f) as (raw, stream):
                self._raw = raw
                produced = False
                if f.format == "parquet":
                    records = self._parquet(raw)
                elif f.format == "jsonl" or self.lines:
                    records = self._lines(stream)
                else:
                    records = self._document(stream)
                for rec in records:
                    produced = True
                    yield rec
                if not produced:
                    yield self._problem("file", 0, "empty_file", "empty file (no records)")
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:  # vanished, or cannot be opened or decompressed
            yield self._problem("file", 0, "unreadable_file", f"cannot open: {type(exc).__name__}: {exc}")
        finally:
            self._raw = None
            self._done = True

    def _lines(self, stream: IO[bytes]) -> Iterator[RawRecord]:
        fmt, source, limit = self.file.format, self.file.path, self.max_record_bytes
        text = fmt == "text"
        lineno = 0
        while True:
            try:
                line = stream.readline(limit + 1)
                if len(line) > limit and not line.endswith(b"\n"):
                    size = len(line) + _skip_line(stream)
                    lineno += 1
                    yield _too_large(fmt, source, lineno, size, limit)
                    continue
            except (OSError, EOFError, ValueError) as exc:  # truncated or corrupt compressed stream
                yield self._unreadable_after(lineno, exc)
                return
            if not line:
                return
            lineno += 1
            # Blank lines separate nothing in JSON Lines; they are skipped and not counted.
            if line.isspace():
                continue
            if text:
                line = line.rstrip(b"\n").rstrip(b"\r")
            yield RawRecord(fmt, source, "line", lineno, line)

    def _document(self, stream: IO[bytes]) -> Iterator[RawRecord]:
        limit = self.max_record_bytes
        try:
            data = stream.read(limit + 1)
            size = len(data)
            if size > limit:
                del data
                while piece := stream.read(_READ_BUFFER):
                    size += len(piece)
        except (OSError, EOFError, ValueError) as exc:
            yield self._problem("file", 0, "unreadable_file", f"cannot read: {type(exc).__name__}: {exc}")
            return
        if size > limit:
            yield self._problem("file", 0, "record_too_large",
                                f"document of {size} bytes is longer than max_record_bytes={limit}")
        elif size == 0:
            yield self._problem("file", 0, "empty_file", "empty file")
        else:
            yield RawRecord(self.file.format, self.file.path, "file", 0, data)

    def _parquet(self, raw: IO[bytes]) -> Iterator[RawRecord]:
        import pyarrow.parquet as pq

        fmt, source = self.file.format, self.file.path
        try:
            pf = pq.ParquetFile(raw)
            total = pf.metadata.num_rows
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a corrupt footer
            yield self._problem("file", 0, "corrupt_parquet", f"corrupt Parquet file: {exc}")
            return
        if total == 0:
            yield self._problem("file", 0, "empty_file", "Parquet file with no rows")
            return
        row = 0
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                for rec in batch.to_pylist():
                    yield RawRecord(fmt, source, "row", row, rec)
                    row += 1
                self._rows = (row, total)
        except Exception as exc:
            # The rows of the unreadable row groups are known from the footer: count them all, so
            # that records_in = records_out + records_quarantined still holds.
            yield self._problem("row", row, "corrupt_parquet", f"corrupt Parquet data from row {row}: {exc}",
                                n_records=max(total - row, 1))


def iter_raw_records(f: InputFile, *, lines: bool = False, max_record_bytes: int = 128 << 20) -> Iterator[RawRecord]:
    """The raw records of one file (see :class:`RecordReader`)."""
    return iter(RecordReader(f, lines=lines, max_record_bytes=max_record_bytes))
