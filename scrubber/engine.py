r"""The linear-time matching engine behind the regex detector (RE2).

Rules are scanned in a few groups. For each group an optional *gate* (a cheap necessary
condition declared by a rule file, e.g. a keyword list for secrets) is checked first; then one
pass of the group's ``RE2::Set`` over the UTF-8 bytes tells which of its rules match anywhere,
and only those rules are scanned for their matches. Plain ASCII rules share one Set per
``scan_group`` (a rule-file key; files without one share the unnamed group); a file with a gate,
or with Unicode property classes (``\p{Lu}``: large UTF-8 automata), gets a Set of its own. The
grouping decides speed only, never which matches are found. One Set over every rule thrashed its
lazily built DFA cache and ran 10x slower on unseen text; one Set per file paid a full pass per
file. The text-like rules (e-mails, URLs, secrets: long runs of word characters) have a Set of
their own, apart from the digit-heavy ones: on unseen text the lazily built DFA of the joint Set
costs more than the two smaller ones (``benchmarks/results/bench_regex_budget.json``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import re2

from .deadline import check as check_deadline
from .rules import Rule, re2_options
from .spans import Span
from .validators import ValidationContext, Validator, get_validator

_UNANCHORED = re2._Anchor.UNANCHORED
_NULL = (-1, -1)
_SURROGATES = re.compile("[\ud800-\udfff]")


def encode_text(text: str) -> bytes:
    """UTF-8 bytes of ``text``; lone surrogates become U+FFFD (same char and byte count)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text).encode("utf-8")


def byte_to_char_offsets(data: bytes, offsets: Sequence[int]) -> dict[int, int]:
    """Map byte offsets (at character boundaries) to ``str`` offsets in one linear pass."""
    result: dict[int, int] = {}
    last_b = last_c = 0
    for off in sorted(set(offsets)):
        last_c += len(data[last_b:off].decode("utf-8", "surrogatepass"))
        last_b = off
        result[off] = last_c
    return result


class _CompiledRule:
    __slots__ = ("rule", "order", "regexp", "validator", "group", "label", "score", "source")

    def __init__(self, rule: Rule, order: int) -> None:
        self.rule = rule
        self.order = order  # the rule's position in the engine's rules
        self.regexp = re2.compile(rule.effective_pattern.encode("utf-8"), re2_options())._regexp
        self.validator: Validator | None = get_validator(rule.validator) if rule.validator else None
        self.group = rule.group
        self.label = rule.label
        self.score = rule.score
        self.source = rule.id


def _rule_order(cr: _CompiledRule) -> int:
    return cr.order


class RegexEngine:
    """Finds every validated match of a fixed set of rules in a text."""

    def __init__(self, rules: Sequence[Rule], context: ValidationContext | None = None) -> None:
        self.rules = tuple(rules)
        self.context = context or ValidationContext()
        self._groups: list[tuple[Any, re2.Set, list[_CompiledRule]]] = []
        own = {r.file for r in self.rules if r.gate or "\\p" in r.pattern}
        groups: dict[tuple[str, str | None], list[tuple[int, Rule]]] = {}
        for order, r in enumerate(self.rules):
            key = (r.file, r.gate) if r.file in own else ("group:" + r.scan_group, None)
            groups.setdefault(key, []).append((order, r))
        for (_, gate), members in groups.items():
            rule_set = re2.Set.SearchSet(re2_options())
            for _, r in members:
                rule_set.Add(r.effective_pattern.encode("utf-8"))
            rule_set.Compile()
            gate_re = re2.compile(gate.encode("utf-8"), re2_options())._regexp if gate else None
            self._groups.append((gate_re, rule_set, [_CompiledRule(r, order) for order, r in members]))

    def find(self, text: str) -> list[Span]:
        """All validated matches in ``text`` (possibly overlapping), as ``str``-offset spans,
        rule by rule in the order of ``rules``, each rule's by position."""
        if not text or not self._groups:
            return []
        data = encode_text(text)
        n = len(data)
        todo: list[_CompiledRule] = []
        for gate, rule_set, compiled in self._groups:
            if gate is not None and gate.Match(_UNANCHORED, data, 0, n)[0][0] < 0:
                continue
            hits = rule_set.Match(data)
            if hits:
                todo.extend(compiled[i] for i in sorted(hits))
        if not todo:
            return []
        if len(self._groups) > 1:
            todo.sort(key=_rule_order)  # the same order for any grouping of the rules
        raw: list[tuple[int, int, _CompiledRule]] = []
        ctx = self.context
        for cr in todo:
            check_deadline()
            match = cr.regexp.Match
            validator = cr.validator
            group = cr.group
            pos = 0
            rejected = 0
            while pos <= n:
                spans = match(_UNANCHORED, data, pos, n)
                start, end = spans[0]
                if start < 0:
                    break
                s, e = spans[group] if group else (start, end)
                ok = s >= 0 and e > s
                if ok and validator is not None:
                    ok = validator(data[s:e].decode("utf-8", "surrogatepass"), ctx)
                if ok:
                    raw.append((s, e, cr))
                    # Resume after the span: with a group, trailing context the pattern read
                    # after it (a lookahead stand-in, e.g. "not followed by '('") can start
                    # the next match.
                    pos = e if group else (end if end > start else end + 1)
                else:
                    pos = start + 1
                    while pos < n and (data[pos] & 0xC0) == 0x80:  # stay on a char boundary
                        pos += 1
                    rejected += 1
                    if not rejected & 0x3FF:
                        check_deadline()
        if text.isascii():
            return [Span(s, e, cr.label, cr.score, cr.source) for s, e, cr in raw]
        table = byte_to_char_offsets(data, [x for s, e, _ in raw for x in (s, e)])
        return [Span(table[s], table[e], cr.label, cr.score, cr.source) for s, e, cr in raw]
