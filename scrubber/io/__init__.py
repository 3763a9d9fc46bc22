"""Corpus I/O: readers turn input files into raw records, writers turn output records into shards.

Both stream with memory bounded by one record (or one Parquet record batch), never by the corpus.
Parsing a raw record (JSON, UTF-8, the text field) happens in :mod:`scrubber.io.records`, inside
the worker that scrubs it, so that it runs on every core.
"""

from __future__ import annotations

from .readers import InputFile, RawRecord, expand_inputs, iter_raw_records
from .records import dumps_record
from .writers import ShardInfo, ShardWriter

__all__ = [
    "InputFile",
    "RawRecord",
    "ShardInfo",
    "ShardWriter",
    "dumps_record",
    "expand_inputs",
    "iter_raw_records",
]
