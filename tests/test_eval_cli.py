"""``scrubber eval`` on small temporary JSONL files (regex-only ``fast`` pipeline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrubber.cli.main import main

GOOD = [
    {"id": "a", "text": "mail a.b@example.org today", "spans": [{"start": 5, "end": 20, "label": "EMAIL"}]},
    {"id": "b", "text": "nothing to see", "spans": []},
    {"id": "c", "text": "Ann wrote to ann@example.com", "spans": [
        {"start": 0, "end": 3, "label": "PERSON", "text": "Ann"},
        {"start": 13, "end": 28, "label": "EMAIL_ADDRESS"},
        {"start": 6, "end": 11, "label": "TITLE"},
    ]},
]


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main(["eval", "--pipeline", "fast", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def good_file(tmp_path):
    return write_jsonl(tmp_path / "good.jsonl", GOOD)


def test_eval_cli_json_fields(capsys, good_file):
    code, out, _ = run(capsys, good_file, "--json")
    assert code == 0
    obj = json.loads(out)
    for key in ("pipeline", "files", "matching", "documents", "chars", "scored_labels", "labels", "overall",
                "by_matching", "privacy", "ignored_gold_labels", "unscored_predictions", "skipped_lines"):
        assert key in obj, key
    assert obj["pipeline"] == "fast" and obj["matching"] == "overlap" and obj["documents"] == 3
    assert obj["scored_labels"] == ["EMAIL_ADDRESS", "PERSON"]
    email = obj["labels"]["EMAIL_ADDRESS"]
    assert (email["tp"], email["fp"], email["fn"], email["precision"], email["recall"], email["f2"]) == (
        2, 0, 0, 1.0, 1.0, 1.0)
    assert obj["labels"]["PERSON"]["fn"] == 1  # the regex pipeline finds no names
    assert set(obj["overall"]) >= {"tp", "fp", "fn", "precision", "recall", "f1", "f2"}
    assert set(obj["privacy"]) >= {"any_label_recall", "any_label_precision", "leak_rate"}
    assert obj["privacy"]["leak_rate"] == pytest.approx(1 / 3, abs=1e-4)  # "Ann" is left
    assert obj["ignored_gold_labels"] == {"TITLE": 1}
    assert obj["skipped_lines"] == 0


def test_eval_cli_text_report(capsys, good_file):
    code, out, _ = run(capsys, good_file, "--examples", "2")
    assert code == 0
    assert "overall" in out and "leak rate" in out and "any-label recall" in out
    assert "miss" in out and "[[Ann]]" in out  # --examples shows the missed name in context


def test_eval_cli_exact_matching_and_label_filter(capsys, good_file):
    code, out, _ = run(capsys, good_file, "--json", "--matching", "exact", "--labels", "EMAIL")
    obj = json.loads(out)
    assert obj["matching"] == "exact" and obj["scored_labels"] == ["EMAIL_ADDRESS"]
    assert obj["ignored_gold_labels"] == {"PERSON": 1, "TITLE": 1}


BAD_LINES = [
    pytest.param('{"text": "abc", "spans": [', "invalid JSON", id="malformed-json"),
    pytest.param('["not", "an", "object"]', "expected a JSON object", id="not-an-object"),
    pytest.param({"spans": []}, "'text' is missing", id="missing-text"),
    pytest.param({"text": "abc", "spans": [{"start": 1, "end": 7, "label": "PERSON"}]}, "out of range",
                 id="span-out-of-range"),
    pytest.param({"text": "abc", "spans": [{"start": 0, "end": 2, "label": "PERSON", "text": "xy"}]},
                 "does not match", id="span-text-mismatch"),
    pytest.param({"text": "abc", "spans": [{"start": 0, "end": 2, "label": "GIZMO"}]}, "unknown label 'GIZMO'",
                 id="unknown-label"),
]


@pytest.mark.parametrize("bad, reason", BAD_LINES)
def test_eval_cli_bad_line_names_file_and_line(capsys, tmp_path, bad, reason):
    path = write_jsonl(tmp_path / "bad.jsonl", [GOOD[0], "", bad, GOOD[1]])
    code, out, err = run(capsys, path)
    assert code == 1
    assert f"{path}:3: " in err and reason in err
    assert out == ""


@pytest.mark.parametrize("bad, reason", BAD_LINES)
def test_eval_cli_skip_invalid_counts_and_goes_on(capsys, tmp_path, bad, reason):
    path = write_jsonl(tmp_path / "bad.jsonl", [GOOD[0], bad, GOOD[1], bad])
    code, out, err = run(capsys, path, "--json", "--skip-invalid")
    assert code == 0
    obj = json.loads(out)
    assert obj["skipped_lines"] == 2 and obj["documents"] == 2
    assert obj["skipped"][0].startswith(f"{path}:2: ") and reason in obj["skipped"][0]
    assert "skipped 2 invalid line(s)" in err


def test_eval_cli_unknown_label_allowed_when_mapped_or_excluded(capsys, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"text": "mail a.b@example.org", "spans": [{"start": 5, "end": 20, "label": "E-MAIL-ADDR"},
                                                   {"start": 0, "end": 4, "label": "GIZMO"}]}])
    assert run(capsys, data)[0] == 1
    code, out, _ = run(capsys, data, "--json", "--labels", "EMAIL")
    assert code == 0 and json.loads(out)["scored_labels"] == []  # E-MAIL-ADDR is not EMAIL
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"E-MAIL-ADDR": "EMAIL_ADDRESS", "GIZMO": None}))
    code, out, _ = run(capsys, data, "--json", "--label-map", mapping)
    obj = json.loads(out)
    assert code == 0 and obj["labels"]["EMAIL_ADDRESS"]["tp"] == 1 and obj["ignored_gold_labels"] == {"GIZMO": 1}
    ymap = tmp_path / "map.yaml"
    ymap.write_text("E-MAIL-ADDR: EMAIL_ADDRESS\nGIZMO: null\n")
    assert run(capsys, data, "--json", "--label-map", ymap)[0] == 0


def test_eval_cli_bad_label_map_and_missing_file(capsys, tmp_path, good_file):
    bad = tmp_path / "map.json"
    bad.write_text('{"PHONE": 3}')
    code, _, err = run(capsys, good_file, "--label-map", bad)
    assert code == 1 and "--label-map" in err and "mapping of label" in err
    code, _, err = run(capsys, tmp_path / "nope.jsonl")
    assert code == 1 and "nope.jsonl: cannot read" in err


def test_eval_cli_several_files_and_unknown_pipeline(capsys, tmp_path, good_file):
    other = write_jsonl(tmp_path / "other.jsonl", GOOD[:1])
    code, out, _ = run(capsys, good_file, other, "--json")
    assert code == 0 and json.loads(out)["documents"] == 4
    code = main(["eval", "--pipeline", "no-such-pipeline", str(good_file)])
    assert code == 2


def test_eval_cli_each_file_scored_on_its_own_labels(capsys, tmp_path):
    emails = write_jsonl(tmp_path / "emails.jsonl", [GOOD[0]])
    names = write_jsonl(tmp_path / "names.jsonl", [
        {"text": "Bob: bob@example.org", "spans": [{"start": 0, "end": 3, "label": "PERSON"}]}])
    code, out, _ = run(capsys, emails, names, "--json")
    obj = json.loads(out)
    assert obj["labels"]["EMAIL_ADDRESS"]["fp"] == 0  # names.jsonl does not label e-mails
    assert obj["unscored_predictions"] == {"EMAIL_ADDRESS": 1}
    assert obj["per_file"][str(names)]["scored_labels"] == ["PERSON"]
    assert obj["per_file"][str(emails)]["overall"]["tp"] == 1
    code, out, _ = run(capsys, emails, names)
    assert "per file" in out and str(names) in out


def test_eval_cli_non_utf8_line(capsys, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD[1]).encode() + b"\n" + '{"text": "caf\xe9", "spans": []}\n'.encode("latin-1"))
    code, _, err = run(capsys, path)
    assert code == 1 and f"{path}:2: not UTF-8" in err
    code, out, _ = run(capsys, path, "--json", "--skip-invalid")
    assert code == 0 and json.loads(out)["skipped_lines"] == 1
