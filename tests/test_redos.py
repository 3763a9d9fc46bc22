"""ReDoS: a user rule with a classic catastrophic pattern loads (RE2: linear time) and finishes on
100 KB of its worst case with the right result. (Lookaround and backreferences are rejected at
load: tests/test_rule_loading.py.)"""

from __future__ import annotations

from pathlib import Path

from scrubber.config import load_config
from scrubber.engine import RegexEngine
from scrubber.pipeline import Pipeline
from scrubber.rules import load_rule_file

RULES = """label: TEST_REDOS
rules:
  - id: redos.nested_plus.v1
    pattern: '(a+)+$'
    examples:
      match: ['[[aaaa]]']
      no_match: ['aaaa!']
  - id: redos.alternation.v1
    pattern: '(x|x)*y'
    examples:
      match: ['[[xxy]]']
      no_match: ['xx']
"""


def test_redos_catastrophic_user_rule_runs_linearly(tmp_path: Path) -> None:
    path = tmp_path / "redos.yaml"
    path.write_text(RULES)
    rules = load_rule_file(path)
    engine = RegexEngine(rules)
    n = 100_000
    # A backtracking engine takes ~2**n steps on these; RE2 finishes in one pass.
    assert engine.find("a" * n + "!") == []
    assert engine.find("x" * n) == []
    (span,) = engine.find("a" * n)
    assert (span.start, span.end, span.label) == (0, n, "TEST_REDOS")
    spans = engine.find("x" * n + "y")
    assert [(s.start, s.end) for s in spans] == [(0, n + 1)]


def test_redos_user_rule_in_a_pipeline(tmp_path: Path) -> None:
    (tmp_path / "redos.yaml").write_text(RULES)
    (tmp_path / "p.yaml").write_text(f"""
name: redos
detectors:
  - type: regex.v1
    rules: ['{tmp_path / "redos.yaml"}']
transforms:
  default: {{operator: replace, template: "<{{label}}>"}}
""")
    pipe = Pipeline(load_config(tmp_path / "p.yaml"))
    text = "a" * 100_000 + "!"
    assert pipe.scrub(text).text == text
    assert pipe.scrub("b " + "a" * 50_000).text == "b <TEST_REDOS>"
