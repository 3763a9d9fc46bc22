"""The linear-time matching engine behind the regex detector (RE2).

One pass of an ``RE2::Set`` over the UTF-8 bytes of a text tells which rules match anywhere;
only those rules are then scanned for their matches. RE2 runs in time linear in the text for
every pattern it accepts, so untrusted text cannot stall a worker with backtracking.

When a validator rejects a candidate, the scan resumes one character after the candidate's
start, so that a rejected candidate cannot hide a real one overlapping it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import re2

from .rules import Rule
from .spans import Span
from .validators import ValidationContext, Validator, get_validator

_UNANCHORED = re2._Anchor.UNANCHORED
_NULL = (-1, -1)
_SURROGATES = re.compile("[\ud800-\udfff]")


def _options() -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = 64 << 20
    return opts


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
    __slots__ = ("rule", "regexp", "validator", "group", "label", "score", "source")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.regexp = re2.compile(rule.effective_pattern.encode("utf-8"), _options())._regexp
        self.validator: Validator | None = get_validator(rule.validator) if rule.validator else None
        self.group = rule.group
        self.label = rule.label
        self.score = rule.score
        self.source = rule.id


class RegexEngine:
    """Finds every validated match of a fixed set of rules in a text."""

    def __init__(self, rules: Sequence[Rule], context: ValidationContext | None = None) -> None:
        self.rules = tuple(rules)
        self.context = context or ValidationContext()
        self._compiled = [_CompiledRule(r) for r in self.rules]
        self._set: re2.Set | None = None
        if self.rules:
            self._set = re2.Set.SearchSet(_options())
            for r in self.rules:
                self._set.Add(r.effective_pattern.encode("utf-8"))
            self._set.Compile()

    def find(self, text: str) -> list[Span]:
        """All validated matches in ``text`` (possibly overlapping), as ``str``-offset spans."""
        if not text or self._set is None:
            return []
        data = encode_text(text)
        hits = self._set.Match(data)
        if not hits:
            return []
        raw: list[tuple[int, int, _CompiledRule]] = []
        ctx = self.context
        n = len(data)
        for index in sorted(hits):
            cr = self._compiled[index]
            match = cr.regexp.Match
            validator = cr.validator
            group = cr.group
            pos = 0
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
                    pos = end if end > start else end + 1
                else:
                    pos = start + 1
                    while pos < n and (data[pos] & 0xC0) == 0x80:  # stay on a char boundary
                        pos += 1
        if text.isascii():
            return [Span(s, e, cr.label, cr.score, cr.source) for s, e, cr in raw]
        table = byte_to_char_offsets(data, [x for s, e, _ in raw for x in (s, e)])
        return [Span(table[s], table[e], cr.label, cr.score, cr.source) for s, e, cr in raw]
