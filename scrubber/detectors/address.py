"""``address.v1``: street addresses, whole: street line, unit, city/state/postcode lines.

Built in three steps, all linear in the text:

1. **Anchors** from the rule file ``rules/address.yaml`` (RE2): a street with a house number
   and a street-type word, a PO box or military address, a "City, ST 12345" line, a postcode
   with its city (UK, CA, AU, DE, FR). Weaker "Name 12" street lines (common in European
   addresses: "Koskikatu 25") count only next to an address cue ("lives at", "Address:") or a
   unit ("Apt. 5").
2. **Growth**: from each anchor, the detector absorbs what belongs to the same address: a house
   number or postal code just before it; then units ("Suite 501"), and the following parts on
   the same line after a comma, or on the next lines (up to ``max_lines``): city names,
   state codes, postcodes and countries, as long as each line looks like an address line
   (short, capitalized, no ordinary prose). Anchors that end up touching are merged.
3. Optionally **usaddress** (the ``ner`` extra) extends US street lines over the parts its
   CRF tags as address components ("123 Main St Springfield IL 62704" without commas).

The result is one ``STREET_ADDRESS`` span per address, so that a LOCATION found by NER inside
it (the city) is resolved into the address.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import regex

from ..engine import RegexEngine
from ..errors import ConfigError
from ..registry import detectors
from ..resources import rules_dir
from ..rules import Rule, load_rule_file
from ..spans import Span
from .gazetteer import common_words, places

LABEL = "STREET_ADDRESS"

_UNIT = regex.compile(
    r"[ \t]*,?[ \t]*(?i:apt|apartment|suite|ste|unit|flat|fl|floor|room|rm|bldg|building|dept|"
    r"appt|appartement|étage|wohnung|whg|piso|puerta|lgh)\.?[ \t]*(?:no\.?|#)?[ \t]*#?[ \t]*[\dA-Za-z][\w\-/]{0,6}\b"
    r"|[ \t]*,?[ \t]*#[ \t]?\d[\w\-]{0,5}\b"
)
#: One address part after a comma or line break: a postcode, a state code, a country, or a
#: short run of capitalized words (city, county, region), possibly with a postcode after it.
_WORD = r"[\p{Lu}][\p{L}\p{M}'’.\-]*"
_ATOM = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|\d{1,6}(?:-\d{3,4})?|\(?" + _WORD + r"\)?)"
    r"(?![\p{L}\p{N}])"
)
_PART = regex.compile(_ATOM + r"(?:[ \t,]+" + _ATOM + r"){0,5}")
_SEP_SAME_LINE = regex.compile(r"[ \t]*,[ \t]*|[ \t]+")
_SEP_NEW_LINE = regex.compile(r"[ \t]*,?[ \t]*\r?\n(?:[ \t>?*|]*\r?\n)?[ \t>?*|]*,?[ \t]*")
_LEADING_NUMBER = regex.compile(r"(?:^|(?<=[\s:>,]))(\d{1,6}(?:-\d{1,4})?)[ \t]+$")
_PARTICLES = r"gate|gata|vei|veien|vej|gade|gatan|vägen|utca|u\.|út|útja|tér|körút|põik|tänav|iela|ulice|de|do|da|dos|das|del|della|di|du|des|van|von|der|den|la|le|les|y|e|nad|pod|u|na|am|an|im"
_WEAK_STREET = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}])(?:\d{1,6}[ \t]+)?(?:[\p{Lu}][\p{L}\p{M}'’\-]*\p{Ll}[\p{L}\p{M}'’\-]*|ul\.|al\.|C/)"
    r"(?:[ \t](?:[\p{Lu}][\p{L}\p{M}'’\-.]*|" + _PARTICLES + r")){0,3}[ \t]+\d{1,5}[A-Za-z]?\b\.?"
)
_CUE = regex.compile(
    r"(?i:address(?:es)?|lives?|lived|living|located|moved|ship(?:ped|ping)?|deliver(?:ed|y)?|send|sent|"
    r"mail(?:ed|ing)?|office|reside[sd]?|meet|drops? you off|enter on|billing|postal|visit us|station is|found at|situated|headquartered|based)"
    r"\b[^.\n]{0,40}$"
)
_DIGIT = regex.compile(r"\d")
_ADDRESS_WORDS = frozenset({"apt", "apartment", "suite", "ste", "unit", "floor", "fl", "box", "po", "rm",
                            "room", "bldg", "building", "flat", "no", "nr"})
_TOKEN = regex.compile(r"[^\s,]+")
_LETTERS = regex.compile(r"[\p{L}\p{M}'’\-]+")


@dataclass(frozen=True)
class AddressOptions:
    """Options of ``address.v1``.

    ``rules``: the anchor rule file (``builtin`` = the shipped ``rules/address.yaml``).
    ``multiline``: grow an address over its unit, city, state, postcode and country parts.
    ``max_lines``: how many following lines one address may take.
    ``weak_streets``: "Name 12" street lines next to an address cue or a unit.
    ``usaddress``: extend US street lines with the usaddress parser (``ner`` extra).
    """

    rules: str = "builtin"
    multiline: bool = True
    max_lines: int = 4
    weak_streets: bool = True
    usaddress: bool = False
    max_chars: int = 240

    def validate(self) -> None:
        if not 0 <= self.max_lines <= 8:
            raise ConfigError(f"max_lines: expected 0..8, got {self.max_lines}")
        if self.max_chars < 20:
            raise ConfigError(f"max_chars: must be at least 20, got {self.max_chars}")
        if self.rules != "builtin" and not Path(self.rules).is_file():
            raise ConfigError(f"rules: {self.rules} is not a file")


@functools.lru_cache(maxsize=4)
def _anchor_rules(path: str) -> tuple[Rule, ...]:
    file = rules_dir() / "address.yaml" if path == "builtin" else Path(path)
    return tuple(load_rule_file(file))


class AddressDetector:
    """Whole street addresses; no model, linear in the text."""

    source = "address.v1"

    def __init__(self, options: AddressOptions | None = None) -> None:
        self.options = options or AddressOptions()
        rules = _anchor_rules(self.options.rules)
        self.engine = RegexEngine(rules)
        self._score = {r.id: r.score for r in rules}
        self._common = common_words()
        self._places = places()
        self._usaddress = None
        if self.options.usaddress:
            try:
                import usaddress

                self._usaddress = usaddress
            except ImportError:  # the ner extra is optional for this detector
                self._usaddress = None

    # -- parts ------------------------------------------------------------------------------

    def _anchors(self, text: str) -> list[tuple[int, int, float, str, bool]]:
        """(start, end, score, source, confirmed). Rule anchors are confirmed; a weak "Name 12"
        street is confirmed by a cue before it, or later by the parts it grows over."""
        found = [(s.start, s.end, s.score, s.source, True) for s in self.engine.find(text)]
        if self.options.weak_streets:
            for m in _WEAK_STREET.finditer(text):
                s, e = m.span()
                words = _LETTERS.findall(text, s, e)
                if not words or all(w.lower() in self._common for w in words):
                    continue
                found.append((s, e, 0.7, "address.v1:street_name_number", self._cued(text, s)))
        return found

    def _cued(self, text: str, s: int) -> bool:
        return bool(_CUE.search(text[max(0, s - 60) : s]))

    def _confirms(self, text: str, e: int, ge: int) -> bool:
        """Whether what a weak street grew over makes it an address: a unit, a known place,
        a following address line, or a capitalized part after a comma (not bare digits on the
        same line, which is how an IBAN or an account number continues)."""
        ext = text[e:ge]
        if not ext.strip(" \t,"):
            return False
        if _UNIT.search(ext) or ("\n" in ext and _DIGIT.search(ext)):
            return True
        if regex.match(r"[ \t]*,[ \t]*\p{Lu}", ext):
            return True
        return any(t.strip("().") in self._places for t in _TOKEN.findall(ext))

    def _grow(self, text: str, s: int, e: int) -> tuple[int, int]:
        o = self.options
        m = _LEADING_NUMBER.search(text, max(0, s - 12), s)
        if m:
            s = m.start(1)
        lines = 0
        limit = s + o.max_chars
        while e < len(text) and e < limit:
            unit = _UNIT.match(text, e)
            if unit and unit.end() > e:
                e = unit.end()
                continue
            if not o.multiline:
                break
            nl = _SEP_NEW_LINE.match(text, e)
            if nl and lines < o.max_lines:
                unit = _UNIT.match(text, nl.end())
                if unit and unit.end() > nl.end() and self._line_ends(text, unit.end()):
                    e = unit.end()
                    lines += text.count("\n", nl.start(), nl.end())
                    continue
                part = _PART.match(text, nl.end())
                if part and self._address_line(text, part.start(), part.end()):
                    e = part.end()
                    lines += text.count("\n", nl.start(), nl.end())
                    continue
                break
            sep = _SEP_SAME_LINE.match(text, e)
            if not sep or sep.end() == e:
                break
            part = _PART.match(text, sep.end())
            if not part:
                break
            end, stop = self._same_line_part(text, part.start(), part.end(), comma="," in sep.group())
            if end <= sep.end():
                break
            e = end
            if stop:
                break
        return s, e

    def _line_ends(self, text: str, pos: int) -> bool:
        line_end = text.find("\n", pos)
        return not text[pos : len(text) if line_end < 0 else line_end].strip(" \t,.")

    def _address_line(self, text: str, s: int, e: int) -> bool:
        """A whole line made only of address parts (city, region, postcode, country)."""
        line_end = text.find("\n", e)
        rest = text[e : len(text) if line_end < 0 else line_end].strip(" \t,.")
        last = text[s:e].split()[-1].strip("().,") if text[s:e].split() else ""
        closed = bool(_DIGIT.search(last)) or last in self._places
        if rest and not closed and not _DIGIT.search(rest) and len(rest.split()) > 2:
            return False
        words = _LETTERS.findall(text, s, e)
        if len(words) > 6 or len(text[s:e]) > 60:
            return False
        ordinary = [w for w in words if w.lower() in self._common and not w.isupper() and w not in self._places]
        return len(ordinary) <= len(words) // 2

    def _same_line_part(self, text: str, s: int, e: int, comma: bool) -> tuple[int, bool]:
        """How far a part after a comma (or a plain space) still belongs to the address, and
        whether the address ends there (a sentence ends).

        After a comma every capitalized, non-ordinary word does ("…, Springfield, IL"). After a
        plain space a capitalized word does only when a code or a known place follows it on
        the line ("… Apt. 050 Coalville South Africa"), so "12 Main St Then we left" stops. A
        word that ends a sentence ("Berlin. Kontakt") ends the address, and so does a place, a
        code or a number with a full stop ("…, CA 94043, USA. SSN 536-…", "IL. Then"), unless
        the stop is part of an abbreviation ("U.S."); short mixed-case words with one ("St.
        Louis", "Mt. Vernon") go on.
        """
        committed = s
        toks = list(_TOKEN.finditer(text, s, e))
        i = 0
        while i < len(toks):
            m = toks[i]
            bare = m.group().strip("().")
            n_place = self._place_at(toks, i)
            if n_place:
                committed = toks[i + n_place - 1].end()
                i += n_place
                if _ends_sentence(toks[i - 1].group()):
                    return committed, True
                continue
            code = bool(_DIGIT.search(bare)) or (bare.isupper() and 1 < len(bare) <= 3)
            place = bare.isupper() and len(bare) > 3
            if not (code or place) and bare.lower() in self._common:
                break
            if code or place or comma:
                committed = m.end()
            if m.group().endswith(".") and (len(bare) > 3 or (code and _ends_sentence(m.group()))):
                return committed, committed == m.end()
            i += 1
        return committed, False

    def _place_at(self, toks: list[regex.Match[str]], i: int) -> int:
        """Number of tokens from ``i`` that spell a known place ("United Kingdom"), or 0."""
        first = toks[i].group().strip("().,")
        for words in self._places.get(first, ()):
            k = len(words)
            if i + k <= len(toks) and all(toks[i + j].group().strip("().,") == words[j] for j in range(k)):
                return k
        return 0

    def _us_extend(self, text: str, s: int, e: int) -> int:
        """Extend a US street line with the usaddress parser, same line only."""
        line_end = text.find("\n", e)
        line_end = len(text) if line_end < 0 else line_end
        window_end = min(line_end, e + 80)
        piece = text[s:window_end]
        try:
            tagged = self._usaddress.parse(piece)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - a parser failure must not lose the anchor
            return e
        pos = 0
        best = e - s
        good = {"AddressNumber", "StreetNamePreDirectional", "StreetName", "StreetNamePostType",
                "StreetNamePostDirectional", "StreetNamePreType", "OccupancyType", "OccupancyIdentifier",
                "PlaceName", "StateName", "ZipCode", "SubaddressType", "SubaddressIdentifier",
                "USPSBoxType", "USPSBoxID", "BuildingName", "CountryName"}
        for token, label in tagged:
            i = piece.find(token, pos)
            if i < 0:
                break
            pos = i + len(token)
            if label not in good or (
                token.islower() and token in self._common and token not in _ADDRESS_WORDS
            ):
                break
            if label in ("PlaceName", "StateName", "ZipCode", "CountryName") and not (
                token[:1].isupper() or token[:1].isdigit()
            ):
                break
            best = max(best, pos)
            if label in ("PlaceName", "StateName", "ZipCode", "CountryName") and _ends_sentence(token):
                break  # "…, CA 94043, USA. SSN 536-…": the next sentence is not the address
        end = s + best
        while end > e and not text[end - 1].isalnum():
            end -= 1
        return max(e, end)

    # -- detection --------------------------------------------------------------------------

    def __call__(self, text: str) -> list[Span]:
        anchors = self._anchors(text)
        if not anchors:
            return []
        anchors.sort()
        grown: list[tuple[int, int, float, str]] = []
        for s, e, score, source, confirmed in anchors:
            if grown and s < grown[-1][1] and e <= grown[-1][1]:
                continue  # inside an address already grown
            if self._usaddress is not None and source == "address.street_number_first.v1":
                e = self._us_extend(text, s, e)
            gs, ge = self._grow(text, s, e)
            if not confirmed and not self._confirms(text, e, ge):
                continue
            gap = text[grown[-1][1]:gs] if grown else ""
            # Touching, overlapping, or apart by only a comma on the line ("1600 Amphitheatre
            # Parkway, Mountain View, CA 94043"): one address.
            joined = bool(grown) and (gs <= grown[-1][1] + 1 or (len(gap) <= 3 and not gap.strip(" \t,")))
            if joined and (self.options.multiline or "\n" not in gap):
                ps, pe, psc, psrc = grown[-1]
                grown[-1] = (min(ps, gs), max(pe, ge), max(psc, score), psrc)
            else:
                grown.append((gs, ge, score, source))
        return [Span(s, _trim_end(text, s, e), LABEL, score, source) for s, e, score, source in grown]

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Span]]:
        for text in texts:
            yield self(text)


def _ends_sentence(token: str) -> bool:
    """A place, code or number token with a full stop that is not an abbreviation's own
    ("USA.", "IL.", "94043." but not "U.S.")."""
    return token.endswith(".") and "." not in token.strip("()")[:-1]


def _trim_end(text: str, s: int, e: int) -> int:
    """Drop separators and a sentence-final period (but not the period of "St." or "Apt.")."""
    while e > s and text[e - 1] in " \t\n,;:":
        e -= 1
    if e > s and text[e - 1] == ".":
        word = text[s : e - 1].split()[-1] if text[s : e - 1].split() else ""
        if len(word) > 4 or word.isdigit() or word.isupper() and len(word) > 1:
            e -= 1
    return e


@detectors.register("address.v1", AddressOptions)
def make_address_detector(options: AddressOptions) -> AddressDetector:
    return AddressDetector(options)
