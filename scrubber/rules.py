"""Detection rules as data: loading and validating ``rules/*.yaml``.

A rule file holds one PII type::

    label: EMAIL_ADDRESS
    description: ...
    gate: '@'                        # optional RE2 pattern, a cheap *necessary* condition: when
                                     # it matches nowhere in a text, no rule of the file is tried
    scan_group: text                 # optional: files with the same name share one RE2::Set
                                     # pass (see scrubber.engine); speed only, never the output
    rules:
      - id: email.v1                 # versioned: a published id never changes behaviour
        pattern: '...'               # RE2 syntax: linear time, no lookaround/backreferences
        score: 0.95
        validator: luhn              # optional, by name (see scrubber.validators)
        ignore_case: false           # optional
        group: 0                     # optional capture group that forms the span
        examples:
          match:                     # each must be found; [[...]] marks the expected span(s);
            - 'mail [[a@b.org]] now' # without markers the whole string is the expected span
          no_match:
            - 'version 1.2.3'

Everything is validated at load time. Errors name the file, the rule id and the key, and an
invalid pattern gets a caret under the offending text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import RuleError
from .validators import VALIDATORS
from .yaml_load import safe_load

FILE_KEYS = frozenset({"label", "description", "gate", "scan_group", "rules"})
RULE_KEYS = frozenset(
    {"id", "pattern", "score", "validator", "ignore_case", "group", "examples", "description",
     "label"}
)
EXAMPLE_KEYS = frozenset({"match", "no_match"})
_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*\.v[0-9]+$")
_LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SCAN_GROUP_RE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_MARK_RE = re.compile(r"\[\[(.*?)\]\]", re.S)


@dataclass(frozen=True, slots=True)
class Example:
    """An example text and the (start, end) spans the rule must find in it."""

    text: str
    expected: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, raw: str) -> Example:
        if "[[" not in raw:
            return cls(raw, ((0, len(raw)),))
        pieces: list[str] = []
        expected: list[tuple[int, int]] = []
        pos = 0
        length = 0
        for m in _MARK_RE.finditer(raw):
            before = raw[pos : m.start()]
            pieces.append(before)
            length += len(before)
            pieces.append(m.group(1))
            expected.append((length, length + len(m.group(1))))
            length += len(m.group(1))
            pos = m.end()
        pieces.append(raw[pos:])
        return cls("".join(pieces), tuple(expected))


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated detection rule."""

    id: str
    label: str
    pattern: str
    score: float
    validator: str | None
    ignore_case: bool
    group: int
    matches: tuple[Example, ...]
    non_matches: tuple[str, ...]
    file: str
    gate: str | None = None
    scan_group: str = ""

    @property
    def effective_pattern(self) -> str:
        return f"(?i){self.pattern}" if self.ignore_case else self.pattern


def _err(file: str, rule_id: str | None, key: str | None, msg: str) -> RuleError:
    where = file
    if rule_id:
        where += f": rule {rule_id!r}"
    if key:
        where += f": {key}"
    return RuleError(f"{where}: {msg}")


def pattern_error(file: str, rule_id: str, pattern: str, message: str) -> RuleError:
    """Build an error for a pattern the engine rejected, with a caret under the culprit."""
    culprit = message.split(": ", 1)[1] if ": " in message else ""
    col = pattern.find(culprit) if culprit else -1
    hint = ""
    if any(tok in pattern for tok in ("(?=", "(?!", "(?<=", "(?<!")) or re.search(r"\\[1-9]", pattern):
        hint = (
            "\nThe matching engine (RE2) guarantees linear time and therefore rejects "
            "lookaround and backreferences; rewrite the rule without them (use a validator "
            "for context checks)."
        )
    caret = f"\n    {pattern}\n    {' ' * col}^" if col >= 0 else f"\n    {pattern}"
    return _err(file, rule_id, "pattern", f"invalid pattern: {message}{caret}{hint}")


def compile_check(pattern: str) -> str | None:
    """Compile ``pattern`` with RE2; return the engine's error message, or None if it is fine."""
    problem, _ = _compile(pattern)
    return problem


def re2_options() -> Any:
    """The RE2 options rules are checked and run with (``re2.compile`` caches compiled patterns
    by pattern and options, so the engine reuses what the check compiled)."""
    import re2

    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = 64 << 20
    return opts


def _compile(pattern: str) -> tuple[str | None, int]:
    """(the engine's error message or None, the number of capture groups)."""
    import re2

    try:
        return None, re2.compile(pattern.encode("utf-8"), re2_options()).groups
    except re2.error as exc:
        arg = exc.args[0] if exc.args else exc
        return (arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)), 0


def _expect(cond: bool, file: str, rule_id: str | None, key: str | None, msg: str) -> None:
    if not cond:
        raise _err(file, rule_id, key, msg)


def _parse_rule(raw: Any, index: int, file: str, file_label: str | None, gate: str | None,
                scan_group: str = "") -> Rule:
    _expect(isinstance(raw, dict), file, None, f"rules[{index}]", "expected a mapping")
    rule_id = raw.get("id")
    _expect(isinstance(rule_id, str), file, None, f"rules[{index}].id", "missing or not a string")
    assert isinstance(rule_id, str)
    _expect(
        bool(_ID_RE.match(rule_id)), file, rule_id, "id",
        "ids are lowercase dotted names ending in a version, e.g. 'credit_card.v1'",
    )
    unknown = sorted(set(raw) - RULE_KEYS)
    _expect(not unknown, file, rule_id, unknown[0] if unknown else None,
            f"unknown key; allowed keys: {', '.join(sorted(RULE_KEYS))}")
    label = raw.get("label", file_label)
    _expect(isinstance(label, str) and bool(_LABEL_RE.match(label)), file, rule_id, "label",
            "missing, or not an upper-case entity name such as EMAIL_ADDRESS")
    pattern = raw.get("pattern")
    _expect(isinstance(pattern, str) and bool(pattern), file, rule_id, "pattern",
            "missing or not a non-empty string")
    score = raw.get("score", 0.8)
    _expect(isinstance(score, (int, float)) and not isinstance(score, bool) and 0 < score <= 1,
            file, rule_id, "score", f"expected a number in (0, 1], got {score!r}")
    validator = raw.get("validator")
    if validator is not None:
        _expect(isinstance(validator, str) and validator in VALIDATORS, file, rule_id, "validator",
                f"unknown validator {validator!r}. Available names: {', '.join(sorted(VALIDATORS))}")
    ignore_case = raw.get("ignore_case", False)
    _expect(isinstance(ignore_case, bool), file, rule_id, "ignore_case", "expected true or false")
    group = raw.get("group", 0)
    _expect(isinstance(group, int) and not isinstance(group, bool) and group >= 0,
            file, rule_id, "group", "expected a non-negative integer")
    assert isinstance(pattern, str) and isinstance(label, str)
    full = f"(?i){pattern}" if ignore_case else pattern
    problem, ngroups = _compile(full)
    if problem is not None:
        raise pattern_error(file, rule_id, pattern, problem)
    _expect(group <= ngroups, file, rule_id, "group",
            f"the pattern has {ngroups} capture group(s), so group {group} does not exist")
    examples = raw.get("examples") or {}
    _expect(isinstance(examples, dict), file, rule_id, "examples", "expected a mapping")
    bad = sorted(set(examples) - EXAMPLE_KEYS)
    _expect(not bad, file, rule_id, f"examples.{bad[0]}" if bad else None,
            "unknown key; allowed: match, no_match")
    matches, non_matches = examples.get("match") or [], examples.get("no_match") or []
    for key, items in (("match", matches), ("no_match", non_matches)):
        _expect(isinstance(items, list) and all(isinstance(x, str) for x in items),
                file, rule_id, f"examples.{key}", "expected a list of strings")
    return Rule(
        id=rule_id, label=label, pattern=pattern, score=float(score), validator=validator,
        ignore_case=ignore_case, group=group,
        matches=tuple(Example.parse(x) for x in matches), non_matches=tuple(non_matches),
        file=file, gate=gate, scan_group=scan_group,
    )


def load_rule_file(path: str | Path) -> list[Rule]:
    """Load and validate one rule file. Raises :class:`RuleError` naming file, rule and key."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _err(file, None, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise _err(file, None, None, f"invalid YAML: {exc}") from None
    _expect(isinstance(data, dict), file, None, None, "expected a mapping with 'label' and 'rules'")
    unknown = sorted(set(data) - FILE_KEYS)
    _expect(not unknown, file, None, unknown[0] if unknown else None,
            f"unknown key; allowed keys: {', '.join(sorted(FILE_KEYS))}")
    label = data.get("label")
    _expect(label is None or (isinstance(label, str) and bool(_LABEL_RE.match(label))),
            file, None, "label", "not an upper-case entity name such as EMAIL_ADDRESS")
    gate = data.get("gate")
    _expect(gate is None or (isinstance(gate, str) and bool(gate)), file, None, "gate",
            "expected a non-empty RE2 pattern")
    if gate is not None:
        problem = compile_check(gate)
        if problem is not None:
            raise pattern_error(file, "(file gate)", gate, problem)
    scan_group = data.get("scan_group", "")
    _expect(scan_group == "" or (isinstance(scan_group, str) and bool(_SCAN_GROUP_RE.match(scan_group))),
            file, None, "scan_group", "expected a short name of letters, digits and '_'")
    raw_rules = data.get("rules")
    _expect(isinstance(raw_rules, list) and bool(raw_rules), file, None, "rules",
            "expected a non-empty list")
    assert isinstance(raw_rules, list)
    rules = [_parse_rule(r, i, file, label, gate, scan_group) for i, r in enumerate(raw_rules)]
    seen: set[str] = set()
    for r in rules:
        _expect(r.id not in seen, file, r.id, "id", "duplicate rule id")
        seen.add(r.id)
    return rules


def load_rules(paths: Iterable[str | Path]) -> list[Rule]:
    """Load several rule files (or directories of ``*.yaml``); rule ids must be unique."""
    rules: list[Rule] = []
    where: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        files: Sequence[Path] = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for f in files:
            for rule in load_rule_file(f):
                if rule.id in where:
                    raise _err(str(f), rule.id, "id", f"duplicate rule id (also in {where[rule.id]})")
                where[rule.id] = str(f)
                rules.append(rule)
    return rules
