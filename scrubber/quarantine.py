"""Quarantine: records that could not be scrubbed, kept out of the shards and accounted for.

Each quarantined record becomes one JSON line in ``quarantine/quarantined.jsonl`` of the output
folder, in input order::

    {"location": "in/a.jsonl:3", "source": "in/a.jsonl", "line": 3, "code": "malformed_json",
     "reason": "malformed JSON: Expecting value: line 1 column 1 (char 0)", "id": null,
     "bytes": 17, "records": 1}

``code`` is a stable short name (one of :data:`CODES`), ``reason`` the human message. ``records``
is how many input records the entry stands for (1, except for the unreadable rest of a Parquet
file, whose row count is known from its footer), so that ``records_in = records_out +
records_quarantined`` always holds.

The record's content is deliberately **not** copied: it is unscrubbed, and the output folder is
meant to hold only scrubbed text (fail closed). The location finds it in the input.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, NamedTuple

import fsspec

from .errors import ConfigError, RecordError

QUARANTINE_DIR = "quarantine"
QUARANTINE_FILE = "quarantined.jsonl"

CODES: dict[str, str] = {
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the JSON value is not an object",
    "invalid_utf8": "the bytes are not valid UTF-8",
    "missing_text": "the text field is absent",
    "null_text": "the text field is null",
    "non_string_text": "the text field is not a string",
    "empty_file": "the file holds no record",
    "missing_privacy_unit": "the privacy-unit field is missing or empty (--require-unit)",
    "corrupt_parquet": "the Parquet file (or some of its row groups) cannot be read",
    "unreadable_file": "the file cannot be opened or decompressed (truncated stream, bad gzip/zstd)",
    "record_too_large": "the record is longer than max_record_bytes",
    "pipeline_error": "the pipeline raised while scrubbing the record",
    "unserializable": "the scrubbed record cannot be written in the output format",
    "internal_error": "scrubber itself failed on the record (a bug: please report it)",
}


class Problem(NamedTuple):
    """Why a record is quarantined: a code from :data:`CODES` and a human reason."""

    code: str
    reason: str


class BadRecord(RecordError):
    """A record that must be quarantined; carries its :class:`Problem` and, when the record
    could be parsed that far, its ``id``."""

    def __init__(self, code: str, reason: str, record_id: Any = None) -> None:
        super().__init__(reason)
        self.problem = Problem(code, reason)
        self.record_id = record_id


def make_entry(source: str, unit: str, index: int, problem: Problem, *, record_id: Any = None,
               nbytes: int | None = None, records: int = 1) -> dict[str, Any]:
    """The quarantine line for one bad record (see the module docstring for the fields)."""
    entry: dict[str, Any] = {"location": source if unit == "file" else f"{source}:{index}", "source": source}
    if unit != "file":
        entry[unit] = index
    entry.update(code=problem.code, reason=problem.reason, id=record_id, bytes=nbytes, records=records)
    return entry


class QuarantineWriter:
    """Appends entries to ``<out>/quarantine/quarantined.jsonl``, created on the first entry.

    Written under a temporary name and renamed by :meth:`close`, like a shard. Counts entries
    and records by code for the manifest.
    """

    def __init__(self, fs: fsspec.AbstractFileSystem, out_dir: str) -> None:
        self._fs = fs
        self._dir = f"{out_dir.rstrip('/')}/{QUARANTINE_DIR}"
        self._file: Any = None
        self.records = 0
        self.by_code: Counter[str] = Counter()
        self.nbytes = 0  # bytes written to the file so far (a resume point truncates back to it)

    @property
    def path(self) -> str:
        return f"{self._dir}/{QUARANTINE_FILE}"

    @property
    def _tmp(self) -> str:
        return f"{self._dir}/.{QUARANTINE_FILE}.tmp"

    def add(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            self._fs.makedirs(self._dir, exist_ok=True)
            self._file = self._fs.open(self._tmp, "wb")
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str)
        data = line.encode("utf-8", "backslashreplace") + b"\n"
        self._file.write(data)
        self.nbytes += len(data)
        self.records += int(entry.get("records", 1))
        self.by_code[entry["code"]] += int(entry.get("records", 1))

    def close(self) -> str | None:
        """Finish the file; return its path relative to the output folder, or None if empty."""
        if self._file is None:
            return None
        self._file.close()
        self._file = None
        self._fs.mv(self._tmp, self.path)
        return f"{QUARANTINE_DIR}/{QUARANTINE_FILE}"

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def suspend(self) -> None:
        """Close the unfinished file but keep it: an interrupted run can be resumed from it."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def restore(self, nbytes: int, records: int, by_code: dict[str, int]) -> None:
        """Resume: keep the first ``nbytes`` of what an interrupted run wrote, drop the rest."""
        old = f"{self._dir}/.{QUARANTINE_FILE}.old"
        source = next((p for p in (old, self._tmp, self.path) if self._fs.exists(p)), None)
        if nbytes and source is None:
            raise ConfigError("--resume: the interrupted run's quarantine file is missing")
        if source is not None and source != old:
            self._fs.mv(source, old)
        self._file = None
        self.records, self.by_code, self.nbytes = records, Counter(by_code), 0
        if nbytes:
            self._fs.makedirs(self._dir, exist_ok=True)
            self._file = self._fs.open(self._tmp, "wb")
            with self._fs.open(old, "rb") as src:
                left = nbytes
                while left:
                    block = src.read(min(left, 1 << 20))
                    if not block:
                        raise ConfigError("--resume: the interrupted run's quarantine file is truncated")
                    self._file.write(block)
                    left -= len(block)
            self.nbytes = nbytes
            self._file.flush()
        if source is not None:
            self._fs.rm(old)

    def abort(self) -> None:
        """Drop the unfinished file (the run failed)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._fs.rm(self._tmp)

    def summary(self) -> dict[str, Any]:
        return {"records": self.records, "by_code": dict(sorted(self.by_code.items()))}
