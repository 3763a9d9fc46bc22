"""``scrubber rules list`` and ``scrubber rules check PATH``."""

from __future__ import annotations

import argparse

from ..engine import RegexEngine
from ..resources import rules_dir
from ..rules import Rule, load_rules


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rules", help="list the shipped rules or check a rule file")
    rs = p.add_subparsers(dest="rules_command", metavar="ACTION")
    rs.required = True
    lp = rs.add_parser("list", help="list rule ids, labels, validators and scores")
    lp.add_argument("paths", nargs="*",
                    help="rule files or folders (default: the shipped rules, builtin and builtin/context)")
    lp.set_defaults(func=run_list)
    cp = rs.add_parser("check", help="validate a rule file and run its embedded examples")
    cp.add_argument("paths", nargs="+", help="rule files or folders")
    cp.set_defaults(func=run_check)


def run_list(args: argparse.Namespace) -> int:
    rules = load_rules(args.paths or [rules_dir(), rules_dir() / "context"])
    rows = [("id", "label", "validator", "score", "examples")]
    for r in rules:
        rows.append((r.id, r.label, r.validator or "-", f"{r.score:.2f}",
                     f"{len(r.matches)}+/{len(r.non_matches)}-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


def check_examples(rule: Rule) -> list[str]:
    """Run a rule's embedded examples; return a description of each failure."""
    engine = RegexEngine([rule])
    failures = []
    for ex in rule.matches:
        found = {(s.start, s.end) for s in engine.find(ex.text)}
        for start, end in ex.expected:
            if (start, end) not in found:
                failures.append(f"{rule.id}: should match {ex.text[start:end]!r} in {ex.text!r}")
    for text in rule.non_matches:
        hits = [text[s.start:s.end] for s in engine.find(text)]
        if hits:
            failures.append(f"{rule.id}: should not match in {text!r}, found {hits}")
    return failures


def run_check(args: argparse.Namespace) -> int:
    rules = load_rules(args.paths)
    failures = [f for r in rules for f in check_examples(r)]
    for f in failures:
        print(f"FAIL {f}")
    n_ex = sum(len(r.matches) + len(r.non_matches) for r in rules)
    print(f"{len(rules)} rules, {n_ex} examples, {len(failures)} failures")
    return 1 if failures else 0
