"""``gazetteer.v1``: names and places from small public word lists, plus the shared lexicon.

The lists live in ``scrubber/data/`` (see its README for sources and licences):

- ``common_words.txt``: frequent English words that are usually written lower-case. A
  capitalized occurrence of one ("Will", "Approach") is most likely sentence-initial or a
  title, not a name. The NER prefilter and every heuristic here use it to ignore such tokens.
- ``first_names.txt`` / ``surnames.txt``: US Census 1990 name lists (public domain).
- ``places.txt``: countries, capitals, US states, continents and cities of 100k+ people
  (GeoNames, CC BY 4.0).

The detector is deliberately conservative: it matches capitalized tokens only (``ignore_case``
opts into lower-case social text), skips common words, and gives a full name (a known first
name followed by capitalized, non-common tokens) a higher score than a lone first name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import regex

from ..errors import ConfigError
from ..registry import detectors
from ..spans import Span

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: A word token: letters (any script), marks, inner apostrophes and hyphens.
WORD_RE = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’\-]\p{L}[\p{L}\p{M}]*)*")
#: A capitalized word token (Title case or all caps), as the prefilter sees it.
CAP_WORD_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}_])\p{Lu}[\p{L}\p{M}]*(?:['’\-]\p{L}[\p{L}\p{M}]*)*")

#: Honorifics and titles that introduce a person's name.
HONORIFICS: frozenset[str] = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lady", "lord",
    "rev", "reverend", "fr", "father", "sister", "brother", "herr", "frau", "mme", "mlle", "sr",
    "sra", "srta", "capt", "captain", "sgt", "sergeant", "lt", "lieutenant", "col", "colonel",
    "gen", "general", "gov", "governor", "sen", "senator", "rep", "hon", "judge", "justice",
    "officer", "detective", "agent", "coach", "uncle", "aunt", "auntie", "grandma", "grandpa",
    "president", "mayor", "chancellor", "minister", "king", "queen", "prince", "princess",
    "pastor", "rabbi", "imam", "nurse", "doctor", "madam", "madame", "monsieur", "señor", "señora",
})


def _read_list(name: str) -> list[str]:
    path = DATA_DIR / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:  # pragma: no cover - shipped with the package
        raise ConfigError(f"scrubber's word list {path} is missing: {exc.strerror or exc}") from None
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


#: Capitalized words that are never names: the pronoun, days and months (their
#: capitalized forms dominate, so the frequency list does not call them common).
NOT_NAMES: frozenset[str] = frozenset({
    "i", "i'm", "i've", "i'll", "i'd", "ok", "okay", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "june", "july",
    "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
})


@functools.cache
def common_words() -> frozenset[str]:
    return frozenset(_read_list("common_words.txt")) | HONORIFICS | NOT_NAMES


@functools.cache
def function_words() -> frozenset[str]:
    """Closed-class English words (spaCy's English stop words: "the", "our", "please",
    "nobody"), lower case, minus those that are a census first name or surname once capitalized
    ("will", "may", "her"): capitalized inside a sentence they are still not names."""
    first, last = first_names(), surnames()
    return frozenset(w for w in _read_list("stop_words.txt") if w.isalpha() and w.title() not in first
                     and w.title() not in last)


def more_words() -> list[str]:
    """Ordinary lower-case words past the 50,000 most frequent (frequency rank 50k-100k, the
    same capitalization test as :func:`common_words`, none of them in it): "rota", "stapler".
    Only the NER prefilter reads them (and keeps what it needs), to tell a lower-case word from
    a lower-case name; read from disk on each call."""
    return _read_list("more_words.txt")


#: Census first names that are, far more often, ordinary words.
NOT_FIRST_NAMES: frozenset[str] = frozenset({
    "In", "My", "So", "An", "See", "Love", "Many", "Long", "Guy", "Man", "Else", "Chance", "Season",
    "Soon", "Page", "Song", "Ok", "Young", "Major", "Gay", "Numbers", "Miss", "Brain", "Carry", "Son",
    "Summer", "Karma", "Lane", "Tiny", "Art", "Will", "May",
})


@functools.cache
def first_names() -> frozenset[str]:
    return frozenset(_read_list("first_names.txt")) - NOT_FIRST_NAMES


@functools.cache
def surnames() -> frozenset[str]:
    return frozenset(_read_list("surnames.txt"))


@functools.cache
def places() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Place names keyed by their first word; values are the word sequences, longest first."""
    common = common_words()
    table: dict[str, list[tuple[str, ...]]] = {}
    for name in _read_list("places.txt"):
        words = tuple(m.group() for m in WORD_RE.finditer(name))
        if not words or (len(words) == 1 and words[0].lower() in common):
            continue
        table.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in table.items()}


@functools.cache
def _first_lower() -> frozenset[str]:
    """Lower-case forms of the first names that are not common words (all ASCII letters)."""
    common = common_words()
    out = frozenset(n.lower() for n in first_names() if n.lower() not in common)
    if not all(n.isascii() and n.isalpha() for n in out):  # pragma: no cover - the shipped list is
        raise ConfigError("first_names.txt: lower-case name matching expects ASCII letters only")
    return out


@functools.cache
def place_phrases() -> dict[str, tuple[str, ...]]:
    """:func:`places` with each word sequence joined by single spaces, longest first."""
    return {k: tuple(" ".join(words) for words in v) for k, v in places().items()}


def is_common(word: str) -> bool:
    """Whether a capitalized ``word`` is most likely an ordinary word, not a name."""
    low = word.lower()
    if low.endswith(("'s", "’s")):
        low = low[:-2]
    return low in common_words()


def is_name_like(word: str) -> bool:
    """A capitalized token that is not a common word, or is a known first name."""
    return not is_common(word) or word in first_names()


@dataclass(frozen=True)
class GazetteerOptions:
    """Options of ``gazetteer.v1``.

    ``names``: full names (known first name + capitalized tokens) and, with ``single_names``,
    lone known first names. ``places``: known place names. ``ignore_case``: also match
    lower-case first names that are not common words (social text: "emma", "ryan").
    ``place_context``: capitalized words after a residence or travel phrase ("grew up in X",
    "moved to X", "two weeks in X") are a LOCATION. ``capitalized``: any other capitalized,
    uncommon word inside a sentence is a PERSON (high recall, low precision: for social
    text in a strict pipeline). Scores are per kind.
    """

    names: bool = True
    single_names: bool = True
    places: bool = True
    ignore_case: bool = False
    place_context: bool = False
    capitalized: bool = False
    full_name_score: float = 0.75
    single_name_score: float = 0.55
    place_score: float = 0.6
    lower_case_score: float = 0.4
    capitalized_score: float = 0.35

    def validate(self) -> None:
        for key in ("full_name_score", "single_name_score", "place_score", "lower_case_score",
                    "capitalized_score"):
            v = getattr(self, key)
            if not 0.0 < v <= 1.0:
                raise ConfigError(f"{key}: expected a number in (0, 1], got {v!r}")


class GazetteerDetector:
    """Names and places from word lists; no model, linear in the text."""

    source = "gazetteer.v1"

    def __init__(self, options: GazetteerOptions | None = None) -> None:
        self.options = options or GazetteerOptions()
        self._common = common_words()
        self._first = first_names()
        self._last = surnames()
        self._places = places()
        self._place_phrases = place_phrases()
        self._first_lower = _first_lower()

    def __call__(self, text: str) -> list[Span]:
        o = self.options
        # Only capitalized tokens can start a name or place; lower-case first names are found
        # by set intersection, so ordinary words cost no Python-level work.
        tokens = [(m.start(), m.end(), m.group()) for m in CAP_WORD_RE.finditer(text)]
        out: list[Span] = []
        i, n = 0, len(tokens)
        while i < n:
            s, e, w = tokens[i]
            if o.places and w in self._places:
                end = self._match_place(text, s, w)
                if end:
                    out.append(Span(s, end, "LOCATION", o.place_score, self.source))
                    while i < n and tokens[i][0] < end:
                        i += 1
                    continue
            if o.names and w in self._first and not w.isupper():
                j = i + 1
                # Follow with capitalized tokens separated by one space (or an initial "J.").
                while j < n and j - i < 4 and _adjacent(text, tokens[j - 1][1], tokens[j][0]):
                    nxt = tokens[j][2]
                    if nxt.isupper() and len(nxt) > 1:
                        break
                    if self._common_word(nxt) and nxt not in self._last and nxt not in self._first:
                        break
                    j += 1
                if j > i + 1:
                    out.append(Span(s, tokens[j - 1][1], "PERSON", o.full_name_score, self.source))
                    i = j
                    continue
                if o.single_names and not self._common_word(w):
                    out.append(Span(s, e, "PERSON", o.single_name_score, self.source))
            elif o.names and w.isupper() and len(w) > 1 and w.title() in self._first:
                end = self._caps_full_name(text, tokens, i)
                if end:  # "JANE A. DOE", "JOHN SMITH": a resume header, a signature in caps
                    out.append(Span(s, tokens[end - 1][1], "PERSON", o.full_name_score, self.source))
                    i = end
                    continue
            elif o.capitalized and not w.isupper() and len(w) > 2 and not self._common_word(w) \
                    and not _sentence_start(text, s):
                j = i + 1
                while j < n and j - i < 4 and _adjacent(text, tokens[j - 1][1], tokens[j][0]) and \
                        not self._common_word(tokens[j][2]):
                    j += 1
                out.append(Span(s, tokens[j - 1][1], "PERSON", o.capitalized_score, self.source))
                i = j
                continue
            i += 1
        if o.names and o.ignore_case:
            out.extend(self._lower_case_names(text))
        if o.place_context:
            out.extend(self._place_context(text))
        return out

    def _caps_full_name(self, text: str, tokens: list[tuple[int, int, str]], i: int) -> int:
        """End token index of an all-caps full name from token ``i`` (a census first name):
        an optional initial, then an all-caps census surname, one space apart; else 0. A lone
        all-caps first name is not taken ("WILL", "MAY" are words)."""
        j = i + 1
        if j < len(tokens) and len(tokens[j][2]) == 1 and _adjacent(text, tokens[j - 1][1], tokens[j][0]):
            j += 1  # the initial, "A" of "A."
        if j < len(tokens) and _adjacent(text, tokens[j - 1][1], tokens[j][0]):
            last = tokens[j][2]
            if last.isupper() and len(last) > 1 and last.title() in self._last:
                return j + 1
        return 0

    def _lower_case_names(self, text: str) -> list[Span]:
        """Lower-case first names that are whole ``_LOWER_WORD_RE`` words. The names are
        ASCII, so every such word is also a maximal ``[a-z]+`` run: the stdlib finds the
        candidates, and ``str.find`` with a look at the characters around them the places."""
        hits = self._first_lower.intersection(_ASCII_LOWER_RUN.findall(text))
        if not hits:
            return []
        found: list[tuple[int, int]] = []
        for name in hits:
            i = text.find(name)
            while i >= 0:
                end = i + len(name)
                if (i == 0 or not _word_char(text[i - 1], "_@/.")) and \
                        (end == len(text) or not _word_char(text[end], "_@")):
                    # A user name like "bob.smith" is PII whole: "<PERSON>.smith" would leak.
                    tail = _HANDLE_TAIL.match(text, end)
                    found.append((i, tail.end() if tail else end))
                i = text.find(name, i + 1)
        return [Span(a, b, "PERSON", self.options.lower_case_score, self.source) for a, b in sorted(found)]

    def _place_context(self, text: str) -> list[Span]:
        out = []
        for t in _PLACE_TRIGGER_RE.finditer(text):
            before = text[max(0, t.start() - 24) : t.start()]
            if not _PLACE_VERB_RE.search(before):
                continue
            m = _PLACE_NAME_RE.match(text, t.end())
            if not m:
                continue
            end = -1
            words = list(_NAME_TOKEN_RE.finditer(m.group()))
            for k, wm in enumerate(words):
                w = wm.group()
                if self._common_word(w) and w not in self._places and not (
                    w.lower() in GEO_PREFIXES and k + 1 < len(words)
                ):
                    break
                end = m.start() + wm.end()
            if end > m.start():
                out.append(Span(m.start(), end, "LOCATION", self.options.place_score, self.source + ":context"))
        return out

    def _common_word(self, w: str) -> bool:
        return w.lower() in self._common

    def _match_place(self, text: str, s: int, first: str) -> int:
        """End of the longest known place name starting at ``s`` ("New York"), or 0."""
        for phrase in self._place_phrases[first]:
            if text.startswith(phrase, s):
                end = s + len(phrase)
                if end == len(text) or not (text[end].isalnum() or text[end] in "'’-"):
                    return end
        return 0

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Span]]:
        for text in texts:
            yield self(text)


#: "in|to|from... Capitalized": where a place-context phrase may end.
_PLACE_TRIGGER_RE = regex.compile(r"(?<![\p{L}])(?:in|to|from|near|at|of|around)[ \t]+(?=\p{Lu})")
#: ... and the residence/travel phrase right before it ("grew up", "two weeks").
_PLACE_VERB_RE = regex.compile(
    r"(?i:\b(?:born|grew up|raised|live|lives|lived|living|reside|resides|resided|residing|moved|moving|"
    r"relocated|relocating|commute|commutes|commuted|commuting|travel(?:l?ed|l?ing)?|flew|flying|drove|"
    r"headed|based|located|stationed|stayed|staying|holiday|vacation|trip|visit(?:ed|ing)?|"
    r"days|weeks|months|years|summer|winter|spring|autumn|weekend|native|resident|citizen)"
    r"(?:[ \t]+(?:up|back|out|here|there|over))?[ \t]+)$"
)
_PLACE_NAME_RE = regex.compile(r"\p{Lu}[\p{L}\p{M}'’\-]+(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+){0,3}")
_LOWER_WORD_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}_@/.])\p{Ll}+(?![\p{L}\p{M}\p{N}_@])")
_ASCII_LOWER_RUN = re.compile(r"[a-z]+")
_LMN = regex.compile(r"[\p{L}\p{M}\p{N}]")
_HANDLE_TAIL = regex.compile(r"(?:\.[a-z0-9]+)+(?![\p{L}\p{M}\p{N}_@])")


def _word_char(c: str, extra: str) -> bool:
    r"""Whether ``c`` is a letter, mark or number (``\p{L}``, ``\p{M}``, ``\p{N}``) or in ``extra``."""
    if c.isascii():
        return c.isalnum() or c in extra
    return _LMN.match(c) is not None
_NAME_TOKEN_RE = regex.compile(r"\S+")
#: Common words that begin place names ("Lake Tahoe", "New Haven", "Port Louis").
GEO_PREFIXES: frozenset[str] = frozenset({
    "lake", "new", "south", "north", "east", "west", "port", "mount", "saint", "st", "fort", "san",
    "santa", "los", "las", "el", "la", "le", "upper", "lower", "great", "little", "old", "cape",
    "glen", "bay", "isle", "point", "central", "royal", "grand",
})
_STARTERS = frozenset(".!?:;\"'“”‘’()[]-–—•*#>|\n")


def _sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _STARTERS


def _adjacent(text: str, end: int, start: int) -> bool:
    """Two tokens of one name: separated by a single space or "-", or by ". " after an initial."""
    gap = text[end:start]
    return gap in (" ", "-") or (gap == ". " and end >= 1 and text[end - 1].isupper() and
                                 (end < 2 or not text[end - 2].isalpha()))


@detectors.register("gazetteer.v1", GazetteerOptions)
def make_gazetteer_detector(options: GazetteerOptions) -> GazetteerDetector:
    return GazetteerDetector(options)
