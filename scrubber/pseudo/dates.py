"""Parse the dates the DATE_TIME rules find, shift them, and render them in the same format.

Formats understood (case-insensitive month and weekday names, English):

- numeric with ``-``, ``/`` or ``.``: ``2023-10-12``, ``2023/10/12``, ``10/12/2023``, ``12.10.2023``,
  ``12-10-23``; ``YYYY-MM-DD`` is always year-month-day; otherwise day/month order comes from the
  value when one part is above 12, else from the document (:func:`detect_order`) or the option;
- written: ``12 October 2023``, ``12th of Oct. 2023``, ``October 12, 2023``, ``Oct 12th 2023``,
  ``Thursday, October 12, 2023`` (the weekday is recomputed), ``October 2023`` (month precision),
  ``12 October`` / ``October 12`` (no year), and a bare year ``1987`` (year precision);
- anything after the date (``T10:30:00Z``, ``at 10am``) is kept verbatim: times are not shifted.

Rendering keeps separators, order, zero padding, two-digit years, month-name style (full or
abbreviated, case, trailing dot) and ordinal suffixes. Anything else returns ``None`` from
:func:`parse_date`; the operators then emit a tag (value-independent, epsilon 0).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTH_ABBR = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH_NAMES = tuple(MONTHS)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}

_MONTH_RE = r"(?P<m>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_WD_RE = r"(?:(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?\s+)?"
_ORD = r"(?P<ord>st|nd|rd|th)?"
_REST = r"(?P<rest>(?:[T\s,@].*)?)"

_NUMERIC = re.compile(r"(?P<a>\d{1,4})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<c>\d{1,4})" + _REST + r"$", re.S)
_WRITTEN = [
    re.compile(_WD_RE + r"(?P<d>\d{1,2})" + _ORD + r"(?:\s+of)?\s+" + _MONTH_RE + r"\.?,?(?:\s+(?P<y>\d{4}|'\d{2}))?" + _REST + r"$", re.I | re.S),
    re.compile(_WD_RE + _MONTH_RE + r"\.?\s+(?P<d>\d{1,2})" + _ORD + r"(?:,?\s+(?P<y>\d{4}|'\d{2}))?" + _REST + r"$", re.I | re.S),
    re.compile(_MONTH_RE + r"\.?,?\s+(?P<y>\d{4})" + _REST + r"$", re.I | re.S),
]
_YEAR = re.compile(r"(?P<y>1[0-9]{3}|2[0-9]{3})$")
_UNAMBIGUOUS = re.compile(r"\b(\d{1,2})([/.-])(\d{1,2})\2(?:\d{4}|\d{2})\b")


@dataclass(frozen=True)
class ParsedDate:
    """A date found in ``text`` and where its parts are, for re-rendering."""

    text: str
    date: _dt.date
    precision: str  # "day", "month", "year" or "daymonth" (no year written)
    fields: tuple[tuple[str, int, int], ...]  # (role, start, end) in text; roles d, m, y, wd, ord


def _year(y: str) -> int:
    if y.startswith("'"):
        y = y[1:]
    if len(y) == 2:
        v = int(y)
        return 2000 + v if v < 50 else 1900 + v
    return int(y)


def _month(name: str) -> int:
    n = name.casefold()
    return MONTHS.get(n) or _MONTH_ABBR[n]


def detect_order(text: str) -> str | None:
    """``"dmy"`` or ``"mdy"`` if the text holds an unambiguous numeric date (a part above 12)."""
    for m in _UNAMBIGUOUS.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b >= 1:
            return "dmy"
        if b > 12 >= a >= 1:
            return "mdy"
    return None


def parse_date(text: str, order: str | Callable[[], str] = "auto") -> ParsedDate | None:
    """Parse ``text`` (a DATE_TIME span). ``order`` (``mdy``, ``dmy`` or ``auto``: ``dmy`` for
    ``12.10.2023``, else ``mdy``) settles a numeric day/month that could be either; it may be a
    function, called only for such an ambiguous date (e.g. to look at the whole document)."""
    stripped = text.strip()
    off = text.index(stripped[:1]) if stripped else 0
    try:
        return _parse(stripped, order, off, text)
    except (ValueError, KeyError):
        return None


def _parse(s: str, order: str | Callable[[], str], off: int, text: str) -> ParsedDate | None:
    m = _NUMERIC.match(s)
    if m:
        a, b, c = m["a"], m["b"], m["c"]
        if len(a) == 4:  # year first: always Y-M-D
            if len(c) > 2:
                return None
            y, mo, d = int(a), int(b), int(c)
            roles = (("y", "a"), ("m", "b"), ("d", "c"))
        else:
            if len(a) > 2 or len(c) not in (2, 4):
                return None
            ia, ib = int(a), int(b)
            if ia <= 12 and ib <= 12 and callable(order):
                order = order()
            if order == "auto":
                order = "dmy" if m["s"] == "." else "mdy"
            if ia > 12 or (ib <= 12 and order == "dmy"):
                d, mo, roles = ia, ib, (("d", "a"), ("m", "b"), ("y", "c"))
            else:
                mo, d, roles = ia, ib, (("m", "a"), ("d", "b"), ("y", "c"))
            y = _year(c)
        date = _dt.date(y, mo, d)
        fields = tuple((role, off + m.start(g), off + m.end(g)) for role, g in roles)
        return ParsedDate(text, date, "day", fields)
    for rx in _WRITTEN:
        m = rx.match(s)
        if not m:
            continue
        gd = m.groupdict()
        mo = _month(gd["m"])
        has_year = gd.get("y") is not None
        y = _year(gd["y"]) if has_year else 2000  # a leap year, so 29 February parses
        if gd.get("d") is None:
            date, precision = _dt.date(y, mo, 1), "month"
        else:
            date, precision = _dt.date(y, mo, int(gd["d"])), "day" if has_year else "daymonth"
        fields = tuple(
            (role, off + m.start(role), off + m.end(role))
            for role in ("wd", "d", "ord", "m", "y") if gd.get(role) is not None
        )
        return ParsedDate(text, date, precision, fields)
    m = _YEAR.match(s)
    if m:
        return ParsedDate(text, _dt.date(int(s), 7, 1), "year", (("y", off, off + len(s)),))
    return None


def _style_name(template: str, full: str) -> str:
    """Render a month or weekday name like ``template`` (full or abbreviated, case)."""
    is_abbr = template.casefold() not in MONTHS and template.casefold() not in WEEKDAYS
    if is_abbr:
        n = len(template)
        name = full[:n] if n >= 3 else full[:3]
        if template.casefold() == "sept" and full != "september":
            name = full[:3]
        elif full == "september" and n == 4:
            name = "sept"
    else:
        name = full
    if template.isupper():
        return name.upper()
    if template.islower():
        return name.lower()
    return name.capitalize()


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _num(template: str, value: int, padded: bool) -> str:
    return f"{value:0{len(template)}d}" if padded else str(value)


def render(parsed: ParsedDate, new: _dt.date) -> str:
    """``parsed.text`` with its date parts replaced by ``new`` in the same format."""
    text = parsed.text
    spans = {role: (s, e) for role, s, e in parsed.fields}

    def tpl(role: str) -> str:
        s, e = spans[role]
        return text[s:e]

    numeric_dm = [tpl(r) for r in ("d", "m") if r in spans and tpl(r).isdigit()]
    # Two-digit day and month written together ("12/10/2023") count as zero-padded.
    padded_pair = len(numeric_dm) == 2 and all(len(t) == 2 for t in numeric_dm)
    out: dict[str, str] = {}
    for role in spans:
        t = tpl(role)
        if role == "d":
            out[role] = _num(t, new.day, len(t) == 2 and (t.startswith("0") or padded_pair))
        elif role == "m":
            if t.isdigit():
                out[role] = _num(t, new.month, len(t) == 2 and (t.startswith("0") or padded_pair))
            else:
                out[role] = _style_name(t, MONTH_NAMES[new.month - 1])
        elif role == "y":
            if t.startswith("'"):
                out[role] = f"'{new.year % 100:02d}"
            elif len(t) == 2:
                out[role] = f"{new.year % 100:02d}"
            else:
                out[role] = f"{new.year:04d}"
        elif role == "wd":
            out[role] = _style_name(t, WEEKDAYS[new.weekday()])
        elif role == "ord":
            suffix = _ordinal(new.day)
            out[role] = suffix.upper() if t.isupper() else suffix
    pieces, pos = [], 0
    for role, s, e in sorted(parsed.fields, key=lambda f: f[1]):
        pieces.append(text[pos:s])
        pieces.append(out[role])
        pos = e
    pieces.append(text[pos:])
    return "".join(pieces)


def add_months(d: _dt.date, months: int) -> _dt.date:
    index = d.year * 12 + (d.month - 1) + months
    return _dt.date(index // 12, index % 12 + 1, 1)


def shift(parsed: ParsedDate, days: int, *, unit_shift: bool = False) -> str:
    """Shift by ``days`` and render. Month- and year-precision dates are shifted through their
    middle (the 15th, 1 July); with ``unit_shift`` they move by whole months / years instead
    (``days // 30`` or ``days // 365``, at least one unit), so the result always differs.

    Raises ``OverflowError`` / ``ValueError`` when the result leaves years 1-9999.
    """
    d = parsed.date
    if parsed.precision == "month":
        if unit_shift:
            n = days // 30 if abs(days) >= 30 else (1 if days > 0 else -1)
            return render(parsed, add_months(d, n))
        return render(parsed, d.replace(day=15) + _dt.timedelta(days=days))
    if parsed.precision == "year":
        if unit_shift:
            n = days // 365 if abs(days) >= 365 else (1 if days > 0 else -1)
            return render(parsed, d.replace(year=d.year + n))
        return render(parsed, d + _dt.timedelta(days=days))
    return render(parsed, d + _dt.timedelta(days=days))
