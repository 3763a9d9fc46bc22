"""Raw record -> record dict, and output record -> bytes.

Parsing is strict and says why a record is rejected (a :class:`~scrubber.quarantine.BadRecord`
with a stable code); the caller quarantines it. Serialization is deterministic: the record's own
key order (input fields first, then the added ``id`` and ``pii_spans``), ``ensure_ascii=False``,
fixed compact separators.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from typing import Any

from ..quarantine import BadRecord
from .readers import RawRecord

_SEPARATORS = (",", ":")
_MISSING = object()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord("invalid_utf8", f"invalid UTF-8 at byte {exc.start}: {exc.reason}") from None


def parse_record(raw: RawRecord, text_field: str) -> tuple[dict[str, Any], str]:
    """The record as a dict and its text, or :class:`BadRecord`.

    A text input becomes ``{text_field: text}``. A missing, null or non-string text field is
    rejected: there is nothing to scrub, and passing the record through could leak whatever the
    field holds.
    """
    if raw.problem is not None:
        raise BadRecord(*raw.problem)
    payload = raw.payload
    if raw.fmt == "jsonl":
        assert isinstance(payload, bytes)
        try:
            obj = json.loads(_decode(payload))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise BadRecord("malformed_json", f"malformed JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise BadRecord("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    elif raw.fmt == "text":
        assert isinstance(payload, bytes)
        obj = {text_field: _decode(payload)}
    else:
        assert isinstance(payload, dict)
        obj = payload
    text = obj.get(text_field, _MISSING)
    if text is _MISSING:
        raise BadRecord("missing_text", f"no text field {text_field!r}", obj.get("id"))
    if text is None:
        raise BadRecord("null_text", f"text field {text_field!r} is null", obj.get("id"))
    if not isinstance(text, str):
        raise BadRecord("non_string_text", f"text field {text_field!r} is {type(text).__name__}, expected a string",
                        obj.get("id"))
    return obj, text


def record_id(raw: RawRecord, record: dict[str, Any]) -> tuple[Any, bool]:
    """``(id, derived)``: an existing non-null ``id`` is kept; otherwise the source location
    (``file:line``, ``file:row``, or the file for a one-document text file)."""
    existing = record.get("id")
    if existing is not None:
        return existing, False
    return raw.location, True


def _json_default(value: Any) -> Any:
    # Parquet rows may hold values JSON has no type for; these forms are lossless and readable.
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps_record(record: dict[str, Any]) -> bytes:
    """One JSON line (without the newline), deterministic for a given record.

    Lone surrogates (valid in a JSON string escape, invalid in UTF-8) make the line fall back to
    ``ensure_ascii=True``, which keeps them losslessly as ``\\udXXX`` escapes.
    """
    try:
        text = json.dumps(record, ensure_ascii=False, separators=_SEPARATORS, default=_json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise BadRecord("unserializable", f"cannot serialize the scrubbed record: {exc}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record, ensure_ascii=True, separators=_SEPARATORS, default=_json_default).encode("ascii")
