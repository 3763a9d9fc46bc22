from __future__ import annotations

from pathlib import Path

import pytest

from scrubber.errors import RuleError
from scrubber.rules import Example, load_rule_file


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "r.yaml"
    p.write_text(body)
    return p


GOOD = """label: TEST_ID
rules:
  - id: test.v1
    pattern: 'ID-[0-9]{4}'
    examples:
      match: ['see [[ID-1234]]']
      no_match: ['ID-12']
"""


def test_rule_loading_good_file(tmp_path: Path):
    (rule,) = load_rule_file(write(tmp_path, GOOD))
    assert rule.id == "test.v1" and rule.label == "TEST_ID" and rule.score == 0.8
    assert rule.matches == (Example("see ID-1234", ((4, 11),)),)


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("label: X\nrules: [\n", ["r.yaml", "invalid YAML"]),
        (GOOD.replace("    pattern:", "    colour: red\n    pattern:"), ["rule 'test.v1'", "colour", "unknown key"]),
        (GOOD.replace("examples:", "validator: nope\n    examples:"), ["rule 'test.v1'", "validator", "unknown validator 'nope'", "luhn"]),
        (GOOD.replace("'ID-[0-9]{4}'", "'ID-[0-9'"), ["rule 'test.v1'", "pattern", "invalid pattern", "^"]),
        (GOOD.replace("'ID-[0-9]{4}'", "'(?<=x)ID'"), ["rule 'test.v1'", "linear time", "lookaround"]),
        (GOOD.replace("'ID-[0-9]{4}'", "'(a)\\1'"), ["rule 'test.v1'", "backreferences"]),
        (GOOD.replace("id: test.v1", "id: test"), ["id", "ending in a version"]),
        (GOOD.replace("examples:", "score: 7\n    examples:"), ["score", "(0, 1]"]),
        (GOOD + GOOD.split("rules:\n")[1], ["duplicate rule id"]),
        (GOOD.replace("examples:", "group: 2\n    examples:"), ["group 2 does not exist"]),
        ("rules: []\n", ["rules", "non-empty list"]),
        ("scan_group: 'a b'\n" + GOOD, ["r.yaml", "scan_group", "letters, digits"]),
        ("scan_group: 3\n" + GOOD, ["r.yaml", "scan_group"]),
    ],
)
def test_rule_loading_errors_name_file_rule_and_key(tmp_path: Path, body, fragments):
    with pytest.raises(RuleError) as info:
        load_rule_file(write(tmp_path, body))
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, msg


def test_rule_loading_scan_group_applies_to_every_rule_of_the_file(tmp_path: Path):
    (rule,) = load_rule_file(write(tmp_path, "scan_group: ids_2\n" + GOOD))
    assert rule.scan_group == "ids_2"
    (plain,) = load_rule_file(write(tmp_path, GOOD))
    assert plain.scan_group == ""


def test_rule_loading_caret_points_at_culprit(tmp_path: Path):
    with pytest.raises(RuleError) as info:
        load_rule_file(write(tmp_path, GOOD.replace("'ID-[0-9]{4}'", "'abc(?=x)'")))
    lines = str(info.value).splitlines()
    pat_line = next(i for i, line in enumerate(lines) if line.strip() == "abc(?=x)")
    assert lines[pat_line + 1].index("^") == lines[pat_line].index("(?=")


def test_rule_loading_rejects_catastrophic_size(tmp_path: Path):
    # RE2 refuses programs beyond its memory budget instead of running them slowly.
    with pytest.raises(RuleError, match="invalid pattern"):
        load_rule_file(write(tmp_path, GOOD.replace("'ID-[0-9]{4}'", "'((a{100}){100}){100}'")))
