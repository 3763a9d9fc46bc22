"""Detection-time normalization against common evasion tricks, with an offset map back.

Detectors may run on a normalized copy of the text; every span found there is mapped back to
the original, so the transform replaces the *original* characters (zero-width joiners and all).
Handled:

* zero-width and invisible characters (U+200B-U+200D, U+2060, U+FEFF, soft hyphen) are dropped;
* full-width ASCII (U+FF01-U+FF5E) and the ideographic space fold to ASCII;
* ``[at]``, ``(at)``, ``{at}``, `` at `` between e-mail-like words become ``@``; ``[dot]``,
  ``(dot)`` and `` dot `` become ``.``;
* digits spaced or dotted one by one (``4 1 1 1 ...``, at least 9 digits) are joined.

Texts without any trigger are returned as they are (one linear RE2 scan), so the hot path pays
almost nothing. Every pattern is RE2: linear time.
"""

from __future__ import annotations

import re as _re  # only to rewrite our own pattern at import
from array import array
from typing import Any

import re2

_OPTS = re2.Options()
_OPTS.log_errors = False

_ZW = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# One alternation; which branch matched is told by the group that is set.
_PATTERN = (
    "([\u200b\u200c\u200d\u2060\ufeff\u00ad]+)"  # 1 invisible
    "|([\uff01-\uff5e\u3000]+)"  # 2 full-width
    r"|(\s*[\[\(\{<]\s*(?i:at)\s*[\]\)\}>]\s*)"  # 3 [at]
    r"|(\s*[\[\(\{<]\s*(?i:dot)\s*[\]\)\}>]\s*)"  # 4 [dot]
    r"|\b([A-Za-z0-9._%+-]+)( (?:at|AT) )([A-Za-z0-9-]+)( (?:dot|DOT) )([A-Za-z]{2,})\b"  # 5-9 x at y dot z
    r"|\b((?:[A-Z]{2} )?(?:[0-9][ .]){8,}[0-9])\b"  # 10 spaced digits (IBAN: country code first)
)
_RE = re2.compile(_PATTERN, _OPTS)
_LONE_SURROGATE = _re.compile("[\ud800-\udfff]")
# The same alternation without capture groups: a DFA-only scan for the common "nothing to do".
_TRIGGER = re2.compile(_re.sub(r"(?<!\\)\((?!\?)", "(?:", _PATTERN), _OPTS)._regexp
_UNANCHORED = re2._Anchor.UNANCHORED


class Normalized:
    """A normalized text and, for each of its characters, the original [start, end)."""

    __slots__ = ("text", "_starts", "_ends")

    def __init__(self, text: str, starts: array, ends: array) -> None:  # type: ignore[type-arg]
        self.text = text
        self._starts = starts
        self._ends = ends

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original text."""
        return self._starts[start], self._ends[end - 1]


# Where a run of n spaced digits gets separators back, so that the shaped rules see the usual
# form: 9 digits read as an SSN (3-2-4), 10 as a NANP phone number (3-3-4).
_SHAPES = {9: (3, 5), 10: (3, 6)}


def _join_digits(text: str, a: int, b: int, put: Any, ends: array) -> None:  # type: ignore[type-arg]
    """Join ``d d d ...`` / ``d.d.d...`` in text[a:b]; a leading country code (IBAN) is kept and
    glued to the digits. Separators' characters are absorbed by the previous output char."""
    i = a
    if text[a].isalpha():
        put(text[a : a + 2], a, a + 2)
        i = a + 3  # the space after the country code is absorbed below
        ends[-1] = a + 3
    digits = [j for j in range(i, b) if text[j].isdigit()]
    cuts = _SHAPES.get(len(digits), ()) if i == a else ()
    for k, j in enumerate(digits):
        if k in cuts:
            put("-", j - 1, j)  # stands for the separator just before this digit
        put(text[j], j, j + 1)
        if j + 1 < b and not text[j + 1].isdigit() and k + 1 not in cuts:
            ends[-1] = j + 2  # this digit absorbs the separator after it


def normalize(text: str) -> Normalized | None:
    """Return the normalized text with its offset map, or None when nothing needs changing."""
    data = text.encode("utf-8", "surrogatepass")
    if _TRIGGER.Match(_UNANCHORED, data, 0, len(data))[0][0] < 0:
        return None
    out: list[str] = []
    starts: array = array("q")  # type: ignore[type-arg]
    ends: array = array("q")  # type: ignore[type-arg]

    def keep(a: int, b: int) -> None:
        out.append(text[a:b])
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))

    def put(s: str, a: int, b: int) -> None:
        # s replaces text[a:b]; every new char maps to the whole replaced range.
        out.append(s)
        starts.extend([a] * len(s))
        ends.extend([b] * len(s))

    pos = 0
    # re2 cannot encode lone surrogates: scan a copy with U+FFFD in their place (same offsets).
    scan = text if len(data) == len(text.encode("utf-8", "replace")) else _LONE_SURROGATE.sub("\ufffd", text)
    for m in _RE.finditer(scan):
        a, b = m.span()
        keep(pos, a)
        if m.group(1) is not None:
            if a > 0 and b < len(text) and ends:
                ends[-1] = b  # the previous char absorbs the invisible run
            # (a leading run is simply dropped; spans that start after it stay exact)
        elif m.group(2) is not None:
            for i, ch in enumerate(m.group(2)):
                put(" " if ch == "\u3000" else chr(ord(ch) - 0xFEE0), a + i, a + i + 1)
        elif m.group(3) is not None:
            put("@", a, b)
        elif m.group(4) is not None:
            put(".", a, b)
        elif m.group(5) is not None:
            for g, rep in ((5, None), (6, "@"), (7, None), (8, "."), (9, None)):
                ga, gb = m.span(g)
                if rep is None:
                    keep(ga, gb)
                else:
                    put(rep, ga, gb)
        else:
            _join_digits(text, a, b, put, ends)
        pos = b
    keep(pos, len(text))
    return Normalized("".join(out), starts, ends)
