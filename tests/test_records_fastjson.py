"""The orjson path of scrubber.io.records: same records, same meaning, json where orjson would
change or refuse something."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.io.readers import RawRecord
from scrubber.io.records import dumps_record, parse_record_plain

pytest.importorskip("orjson")


def _raw(line: bytes) -> RawRecord:
    return RawRecord(fmt="jsonl", source="f.jsonl", unit="line", pos=1, payload=line)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500)
@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=5), st.text())
def test_plain_records_round_trip_like_json(extra, text):
    record = {**extra, "text": text}
    line = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return  # lone surrogates in the generated text: not a valid input line
    obj, got_text, plain = parse_record_plain(_raw(line), "text")
    assert obj == json.loads(line) and got_text == text
    assert json.loads(dumps_record(obj, plain)) == obj


@pytest.mark.parametrize("line", [
    b'{"text": "a", "x": NaN}',
    b'{"text": "a", "x": Infinity}',
    b'{"text": "\\ud800 lone"}',
])
def test_what_orjson_refuses_takes_the_json_path(line):
    obj, _, plain = parse_record_plain(_raw(line), "text")
    assert not plain
    out = dumps_record(obj, plain)
    assert out == dumps_record(obj)  # the json path, as before orjson
    back = json.loads(out)
    assert back.keys() == obj.keys()
    assert (out.count(b"NaN") + out.count(b"Infinity")) == (line.count(b"NaN") + line.count(b"Infinity"))


@pytest.mark.parametrize("number", ["123456789012345678901234567890", "-9999999999999999999", "18446744073709551616"])
def test_integers_beyond_64_bits_stay_exact(number):
    line = f'{{"text": "a", "x": {number}}}'.encode()
    obj, _, plain = parse_record_plain(_raw(line), "text")
    assert obj["x"] == int(number) and isinstance(obj["x"], int)
    assert json.loads(dumps_record(obj, plain))["x"] == int(number)
