"""Raw record -> record dict, and output record -> bytes.

Parsing is strict and says why a record is rejected (a :class:`~scrubber.quarantine.BadRecord`
with a stable code); the caller quarantines it. Serialization is deterministic: the record's own
key order (input fields first, then the added ``id`` and ``pii_spans``), ``ensure_ascii=False``,
fixed compact separators.

JSON goes through ``orjson`` when it is installed (2-3x faster than :mod:`json` on this path)
and the record is plain JSON: a line ``orjson`` parses holds no NaN, Infinity or lone
surrogate, and a record with a float of magnitude 2**63 or more (maybe an integer ``orjson``
read as a float) is read again by :mod:`json`, so ``orjson`` reads and writes the record
faithfully. Everything else (what only :mod:`json` accepts, Parquet rows) takes the :mod:`json`
path, as before. The path depends only on the record, so output stays deterministic.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from typing import Any

from ..quarantine import BadRecord
from .readers import RawRecord

_orjson: Any
try:  # optional speed-up, see the module docstring
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _orjson = None

_SEPARATORS = (",", ":")
_MISSING = object()
_HUGE = float(2**63)  # orjson reads integers from here on (in magnitude) as floats


def _has_huge_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float of magnitude >= 2**63 (maybe an integer that
    orjson could not keep exact)."""
    if isinstance(value, float):
        return not -_HUGE < value < _HUGE
    if isinstance(value, dict):
        return any(_has_huge_float(v) for v in value.values() if not isinstance(v, str))
    if isinstance(value, list):
        return any(_has_huge_float(v) for v in value if not isinstance(v, str))
    return False


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
    obj, text, _ = parse_record_plain(raw, text_field)
    return obj, text


def parse_record_plain(raw: RawRecord, text_field: str) -> tuple[dict[str, Any], str, bool]:
    """As :func:`parse_record`, plus whether the record is plain JSON (parsed by ``orjson``:
    no NaN, Infinity, lone surrogate or over-long integer), which :func:`dumps_record` may then
    serialize with ``orjson``."""
    if raw.problem is not None:
        raise BadRecord(*raw.problem)
    payload = raw.payload
    plain = False
    if raw.fmt == "jsonl":
        assert isinstance(payload, bytes)
        obj = None
        if _orjson is not None:
            try:
                obj = _orjson.loads(payload)
                # orjson reads an integer beyond 64 bits as a float (precision lost); json keeps it.
                plain = not _has_huge_float(obj)
            except (_orjson.JSONDecodeError, RecursionError):
                plain = False  # what orjson refuses, json may accept (NaN, lone surrogates): ask it
        if not plain:
            try:
                obj = json.loads(_decode(payload))
            except (json.JSONDecodeError, RecursionError) as exc:
                raise BadRecord("malformed_json", f"malformed JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise BadRecord("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    elif raw.fmt == "text":
        assert isinstance(payload, bytes)
        obj = {text_field: _decode(payload)}
        plain = True  # valid UTF-8, so no lone surrogate
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
    return obj, text, plain


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


def dumps_record(record: dict[str, Any], plain: bool = False) -> bytes:
    """One JSON line (without the newline), deterministic for a given record.

    ``plain``: the record came from :func:`parse_record_plain` as plain JSON (and only strings,
    integers and finite floats were added), so ``orjson`` may serialize it.
    Lone surrogates (valid in a JSON string escape, invalid in UTF-8) make the line fall back to
    ``ensure_ascii=True``, which keeps them losslessly as ``\\udXXX`` escapes.
    """
    if plain and _orjson is not None:
        try:
            return _orjson.dumps(record, default=_json_default)  # type: ignore[no-any-return]
        except (TypeError, _orjson.JSONEncodeError):
            pass  # something orjson will not write: json decides, as for any record
    try:
        text = json.dumps(record, ensure_ascii=False, separators=_SEPARATORS, default=_json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise BadRecord("unserializable", f"cannot serialize the scrubbed record: {exc}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record, ensure_ascii=True, separators=_SEPARATORS, default=_json_default).encode("ascii")
